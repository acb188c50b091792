export type { Clock, FakeTimersClock } from "./runner/clock.js";
export { systemClock } from "./runner/clock.js";
export type { JobErrorHandler, SettledJob } from "./runner/jobErrors.js";
export type { JobStart, JobWrapper } from "./runner/jobWrappers.js";
export type {
  BackfillRange,
  EffectListener,
  PauseOptions,
  ProgramHandle,
  Runner,
  RunnerOptions,
  StopOptions,
} from "./runner/runner.js";
export { createRunner } from "./runner/runner.js";
