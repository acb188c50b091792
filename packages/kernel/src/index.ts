export type { Command, CommandBody, CommandType, JobResult, Outcome } from "./Command.js";
export { commandTypes } from "./Command.js";
export type {
  JobExport,
  Kernel,
  KernelInfo,
  KernelOptions,
  KernelQueries,
  KernelSnapshot,
  ProgramExport,
  ProgramInfo,
  ProgramProblem,
  RestoreOptions,
  SpawnExport,
  SpawnInfo,
} from "./Kernel.js";
export { createKernel, maxTime, restoreKernel } from "./Kernel.js";
export type { AdoptedJob, CancelReason, KernelEffect, KernelEffectType } from "./KernelEffect.js";
export { effectsOf } from "./KernelEffect.js";
export type { SpawnSet, SpawnView, UnspawnPolicy } from "./Policy.js";
export type {
  ContinueProps,
  CreateContext,
  EffectLike,
  Interval,
  JobContext,
  MainResult,
  Overlap,
  ProgramSpec,
  ResolvedValue,
  ResultRecord,
  SpawnOptions,
  SpawnProps,
  Thenable,
} from "./Program.js";
export { defineProgram } from "./Program.js";
export type {
  BackfillRange,
  Clock,
  EffectListener,
  FakeTimersClock,
  JobErrorHandler,
  JobStart,
  JobWrapper,
  PauseOptions,
  ProgramHandle,
  Runner,
  RunnerOptions,
  SettledJob,
  StopOptions,
} from "./Runner.js";
export { createRunner, systemClock } from "./Runner.js";
export type { SchedkitErrorCode } from "./SchedkitError.js";
export { isSchedkitError, SchedkitError } from "./SchedkitError.js";
