/** What a due time does while its spawn is still running the previous job. @since 0.2.0 */
export type Overlap = "allow" | "skip" | "buffer-one" | "buffer-all" | "cancel-other";

/** Milliseconds, or a function called at each scheduling (backoff etc.). @since 0.1.0 */
export type Interval = number | (() => number);

/** What `mainFn` receives as its third argument. @since 0.1.0 */
export interface JobContext {
  readonly signal: AbortSignal;
  readonly jobId: string;
  /**
   * The fire this job runs: `<programId>/<spawnId>/<scheduledAt>` for a spawn's job, a
   * trigger's from its command (default `<programId>/trigger/<jobId>`). The same on every
   * kernel and every run of the same fire (after a takeover too): use it as an idempotency key.
   */
  readonly fireId: string;
  /** `null` for a manual trigger. */
  readonly spawnId: string | null;
  readonly programId: string;
  /**
   * Fleet runners only: `true` when a previous owner recorded this fire and never finished it
   * (it crashed or lost its lease), so this run may repeat work already done: check `fireId`.
   */
  readonly rerun?: boolean;
}

/** The record of one finished job. @since 0.1.0 */
export interface ResultRecord {
  readonly jobId: string;
  readonly status: "succeeded" | "errored";
  readonly value?: unknown;
  readonly error?: unknown;
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** The props of one spawn, as `getProps` returns them. @since 0.1.0 */
export interface SpawnProps {
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly submitted: number;
  readonly succeeded: number;
  readonly errored: number;
  readonly completed: number;
  readonly terminating: boolean;
  /** The interval in ms used at the latest scheduling. */
  readonly interval: number;
  readonly lastError: unknown;
  /** Due times not run because they were older than the catch-up window, or past the catch-up limit. */
  readonly missed: number;
  /** Jobs completed with the outcome `{ lost: true }` (not counted in `completed`). */
  readonly lost: number;
  /** Due times not run because the spawn was busy (`overlap: "skip"`, or a full buffer). */
  readonly skipped: number;
  /** Runs waiting in the spawn's buffer (`overlap: "buffer-one" | "buffer-all"`). */
  readonly buffered: number;
  /** Runs started (`run` effects), what `maxRuns` counts. */
  readonly runs: number;
  /** True while the spawn or its program is paused. */
  readonly paused: boolean;
  /** The spawn's pause note, else its program's, else `null`. */
  readonly pauseNote: string | null;
}

/** What `continueFn` is asked with after each job of a spawn. @since 0.1.0 */
export interface ContinueProps<State = unknown> extends SpawnProps {
  readonly programId: string;
  readonly spawnId: string;
  readonly result: ResultRecord;
  readonly state: State;
}

/**
 * What `createFn` is told: the program, and the spawn whose state it makes
 * (`null` for the program's own state). @since 0.1.0
 */
export interface CreateContext {
  readonly programId: string;
  readonly spawnId: string | null;
}

/** A Promise, or any object with a `then` the runner follows as `Promise.resolve` would. @since 0.1.0 */
export interface Thenable<Value> {
  then(onfulfilled: (value: Value) => unknown, onrejected: (reason: unknown) => unknown): unknown;
}

/**
 * An Effect (from `effect`) that succeeds with `A`, fails with anything and
 * needs no services, matched by its shape: Effect's own `Effect.Effect<A,
 * unknown, never>` is one. Written out here rather than imported so that a
 * consumer's compile never loads Effect's declarations (issue #15): importing
 * even the type `effect/Effect` makes `tsc` read and, without `skipLibCheck`,
 * check about 115 of Effect's `.d.ts` files, Schema's among them. It is the
 * variance marker `Effect.Effect` carries under its `TypeId` key
 * (`"~effect/Effect"`), each field a `Types.Covariant`. @since 0.1.0
 */
export interface EffectLike<out A> {
  readonly "~effect/Effect": {
    readonly _A: (_: never) => A;
    readonly _E: (_: never) => unknown;
    readonly _R: (_: never) => never;
  };
}

/**
 * What a `mainFn` may return for a job whose value is `Value`: the value
 * itself, a Promise (or any thenable) of it, or an Effect that succeeds with
 * it (it may fail with anything; it must need no services). @since 0.1.0
 */
export type MainResult<Value> = Value | Thenable<Value> | EffectLike<Value>;

/**
 * The value a job of a `mainFn` returning `T` resolves to: a Promise's or an
 * Effect's success, or `T` itself. @since 0.1.0
 */
export type ResolvedValue<T> = T extends { readonly "~effect/Effect": { readonly _A: (_: never) => infer A } }
  ? A
  : Awaited<T>;

/**
 * A program: recurring work with an interval, state and hooks. Every field's
 * rules are in the package README's "ProgramSpec" table. Hooks must be synchronous;
 * a hook that throws never corrupts state (see the kernel's docs for what
 * happens).
 *
 * The type parameters follow from each other when a spec is written inline
 * (`runner.install({ ... })`, or `defineProgram({ ... })`): `State` is what
 * `createFn` returns, `Value` what `mainFn` resolves to (a plain value, a
 * Promise's or an Effect's success), `Output` what `successFn` and `errorFn`
 * return (`Value` when there is no `successFn`), and `mergeFn` folds an
 * `Output` (or a trigger's `Value`, which skips `successFn`) into a `State`.
 * `errorFn` is given the failure as `unknown`.
 *
 * Hooks are declared as methods so that a spec of any types is still a
 * `ProgramSpec` (of `unknown`s), as `restoreKernel` and the `install` command
 * take it; their parameters are still typed from the spec's own types.
 *
 * @since 0.1.0
 */
export interface ProgramSpec<State = unknown, Args = unknown, Value = unknown, Output = unknown> {
  readonly id: string;
  mainFn(args: Args, t: number, ctx: JobContext): MainResult<Value>;
  readonly type?: "basic" | "constant" | "cron";
  readonly interval?: Interval;
  readonly delay?: number | "random";
  timeFn?(t: number): number;
  argsFn?(): Args;
  createFn?(context: CreateContext): State;
  /**
   * Folds a job's output into the state: a spawn's job's `Output` (from
   * `successFn` or `errorFn`), or a trigger's `Value` as it is (a trigger's
   * value skips `successFn`). Map the value in `mainFn` rather than in
   * `successFn` and the two are one type.
   */
  mergeFn?(state: State, output: Output | Value): State;
  successFn?(value: Value): Output;
  errorFn?(error: unknown): Output;
  continueFn?(props: ContinueProps<State>): boolean;
  readonly min?: number;
  readonly max?: number;
  readonly policy?: string;
  readonly scope?: "program" | "spawn";
  readonly output?: "latest" | "all";
  readonly misfire?: "catch-up" | "skip";
  /**
   * Ms. After a time jump or downtime, due times older than `now - catchUpWindow`
   * are not run but reported in a `missed` effect (and counted in props).
   * Default 86,400,000 (24 h).
   */
  readonly catchUpWindow?: number;
  /**
   * What a due time does while the spawn's previous job is still running (`constant` and `cron`):
   * `"allow"` (the default) starts it; `"skip"` reports it `skipped`; `"buffer-one"` / `"buffer-all"`
   * keep one / up to `bufferLimit` runs to start when the spawn is free; `"cancel-other"` cancels the
   * running job and starts it. See the kernel README, "Overlap".
   */
  readonly overlap?: Overlap;
  /** The most runs `"buffer-all"` keeps waiting (and a `backfill` runs). Default 1,000. */
  readonly bufferLimit?: number;
  /**
   * Ms: each job of a spawn starts a whole number of ms in `[0, jitter]` after its due time, drawn
   * from the program's seeded generator, and never at or past the next due time (Temporal's rule).
   * The grid does not drift: the next due time counts from the due time, not the start. Default 0.
   */
  readonly jitter?: number;
  /** The spawn stops once it has started this many runs (reason `"max-runs"`). */
  readonly maxRuns?: number;
  /** No job before this time (kernel ms): the spawn's schedule counts from `max(spawn time, startAt)`. */
  readonly startAt?: number;
  /** The spawn stops at this time (reason `"end-at"`); a job in flight finishes. */
  readonly endAt?: number;
  readonly cron?: string;
  readonly timezone?: string;
  /**
   * Your program's version (a non-empty string or a finite number), as data: the kernel keeps it
   * and does nothing with it; a fleet compares it across nodes.
   */
  readonly version?: string | number;
  /**
   * What a fleet does with a fire that was recorded but has no completion when its shard changes
   * owner: `"at-least-once"` (the default there) runs it again, `"at-most-once"` reports it lost.
   * Data for the fleet: the kernel itself does nothing with it.
   */
  readonly delivery?: "at-least-once" | "at-most-once";
  readonly meta?: unknown;
}

/**
 * Per-spawn overrides accepted by `spawn(programId, opts)`.
 * @since 0.1.0
 */
export interface SpawnOptions<State = unknown, Args = unknown, Value = unknown, Output = unknown>
  extends Partial<
    Pick<
      ProgramSpec<State, Args, Value, Output>,
      | "interval"
      | "delay"
      | "timeFn"
      | "argsFn"
      | "createFn"
      | "mergeFn"
      | "successFn"
      | "errorFn"
      | "continueFn"
      | "misfire"
      | "catchUpWindow"
      | "overlap"
      | "bufferLimit"
      | "jitter"
      | "maxRuns"
      | "startAt"
      | "endAt"
      | "output"
      | "meta"
    >
  > {
  readonly spawnId?: string;
}

/**
 * Types a program spec without installing it: the same inference as
 * `runner.install({ ... })` gives, for a spec kept in a variable or passed to
 * `restoreKernel`. Returns the spec itself. @since 0.1.0
 */
export const defineProgram = <State = unknown, Args = unknown, Value = unknown, Output = Value>(
  spec: ProgramSpec<State, Args, Value, Output>,
): ProgramSpec<State, Args, Value, Output> => spec;
