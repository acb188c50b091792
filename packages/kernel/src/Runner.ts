export type { Clock, FakeTimersClock } from "./runner/clock.js";
export { systemClock } from "./runner/clock.js";
export type { EffectListener, ProgramHandle, Runner, RunnerOptions, StopOptions } from "./runner/runner.js";
export { createRunner } from "./runner/runner.js";
