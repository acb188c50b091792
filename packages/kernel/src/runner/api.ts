import type { ProgramProblem } from "../internal/preview.js";
import type { KernelQueries } from "../internal/queries.js";
import type { KernelEffect } from "../KernelEffect.js";
import type { Interval, Overlap, ProgramSpec, SpawnOptions } from "../Program.js";
import type { JobWrapper } from "./jobWrappers.js";
import type { StopOptions } from "./options.js";

/** @since 0.1.0 */
export type EffectListener = (effect: KernelEffect) => void;

/**
 * The kernel in a real process: it owns a clock, keeps one host timer armed
 * at the kernel's next `wake`, runs each job's `mainFn` and reports the
 * result back. The package README (runner section) gives every method's rules.
 *
 * @since 0.1.0
 */
export interface Runner extends KernelQueries {
  readonly id: string;
  /** The runner's clock now (ms): the time its next command carries. @since 0.3.0 */
  now(): number;
  /** Arms the timer and starts running jobs (those already due run now). */
  start(): void;
  /**
   * Graceful: stops every spawn, waits for jobs in flight (or kills them after
   * `timeout`), then stops. Bad options reject with `invalid-options`.
   */
  stop(options?: StopOptions): Promise<void>;
  /** Immediate: cancels everything in flight (signals abort, Effects are interrupted) and stops. */
  kill(): void;
  isStarted(): boolean;
  isStopped(): boolean;
  health(): { readonly status: "ok" | "not-healthy" };
  /**
   * Installs a program (replacing one of the same id) and returns a handle on
   * it whose methods are typed from the spec: `getState()` gives the state
   * `createFn` makes and `mergeFn` folds, `trigger()` resolves with what
   * `mainFn` resolves to. Throws the kernel's rejection for a bad spec.
   */
  install<State = unknown, Args = unknown, Value = unknown, Output = Value>(
    spec: ProgramSpec<State, Args, Value, Output>,
  ): ProgramHandle<State, Args, Value, Output>;
  uninstall(programId: string): void;
  /** One job outside any spawn, at `at` (default now); resolves with its value, rejects with its error. */
  trigger(programId: string, at?: number): Promise<unknown>;
  setInterval(programId: string, interval: Interval): void;
  setInterval(programId: string, spawnId: string, interval: Interval): void;
  /** The new spawn's id, or `undefined` when `max` refuses (or when called from inside a job: queued). */
  spawn(programId: string, opts?: SpawnOptions): string | undefined;
  /** The stopped spawn's id, or `undefined` when `min` refuses (or when called from inside a job: queued). */
  unspawn(programId: string): string | undefined;
  stopSpawn(programId: string, spawnId: string): void;
  killSpawn(programId: string, spawnId: string): void;
  stopAll(programId?: string): void;
  killAll(programId?: string): void;
  clear(programId: string): void;
  /**
   * Pauses a spawn, or (no `spawnId`) the program and every spawn of it, new ones included: they
   * start no job until `resume` (jobs in flight finish; triggers still run). See the kernel README,
   * "Pause and resume". @since 0.2.0
   */
  pause(programId: string, spawnId?: string, opts?: PauseOptions): void;
  /** `pause(programId, undefined, opts)`: the program. */
  pause(programId: string, opts: PauseOptions): void;
  /** Ends a pause; what was missed meanwhile follows `misfire` and `catchUpWindow`. @since 0.2.0 */
  resume(programId: string, spawnId?: string): void;
  /**
   * Runs the program's due times in `[from, to)` now, as one-off jobs (see the kernel README,
   * "Backfill"), and returns their fire ids in order (the skipped ones included); `[]` when called
   * from inside a job (queued). Throws a `SchedkitError` for a range in the future, a `basic`
   * program, or more than `bufferLimit` due times. @since 0.2.0
   */
  backfill(programId: string, range: BackfillRange): readonly string[];
  /** Every effect, in order (run, settled with its times, cancel, ...). Returns the unsubscribe function. */
  subscribe(listener: EffectListener): () => void;
  /**
   * Runs `wrapper` around every job's `mainFn` from now on (tracing, log context); returns the
   * function that removes it. The rules are `JobWrapper`'s. @since 0.3.0
   */
  wrapJobs(wrapper: JobWrapper): () => void;
  /**
   * The kernel's `validateProgram`: the problems `install` would throw for `spec` (its first one),
   * or `[]`; installs nothing. Throws `invalid-command` when called from inside a kernel hook.
   * @since 0.2.0
   */
  validateProgram(spec: unknown): readonly ProgramProblem[];
  /**
   * The kernel's `nextRuns`, in the runner's clock: the next `count` due times of a spawn, or
   * (without `spawnId`) of a spawn made at `from`, by default the clock's time now.
   * @since 0.2.0
   */
  nextRuns(
    programId: string,
    spawnId: string | undefined,
    count: number,
    from?: number,
  ): readonly (number | undefined)[];
  /** `nextRuns(programId, undefined, count, from?)`. */
  nextRuns(programId: string, count: number, from?: number): readonly (number | undefined)[];
}

/**
 * A typed handle on one installed program, from `runner.install(spec)`. Its
 * methods are the runner's for this program id, typed from the spec; a later
 * install of the same id is what the handle then reads.
 *
 * @since 0.1.0
 */
export interface ProgramHandle<State = unknown, Args = unknown, Value = unknown, Output = unknown> {
  readonly id: string;
  /** A copy of the program's state (see `getState`). */
  getState(): State;
  /** A copy of one spawn's state (the program's state for `scope: "program"`). */
  getSpawnState(spawnId: string): State;
  /** One job outside any spawn, at `at` (default now); resolves with its value, rejects with its error. */
  trigger(at?: number): Promise<Value>;
  /** The new spawn's id, or `undefined` when `max` refuses (or when called from inside a job: queued). */
  spawn(opts?: SpawnOptions<State, Args, Value, Output>): string | undefined;
  /** The stopped spawn's id, or `undefined` when `min` refuses (or when called from inside a job: queued). */
  unspawn(): string | undefined;
}

/** What a pause says: its `note`, shown by `info()` and `getProps()`. @since 0.2.0 */
export interface PauseOptions {
  readonly note?: string;
}

/** What `backfill` runs: due times in `[from, to)`, with an overlap policy among them. @since 0.2.0 */
export interface BackfillRange {
  readonly from: number;
  readonly to: number;
  /** Default `"buffer-all"`: one after the other. */
  readonly overlap?: Overlap;
}
