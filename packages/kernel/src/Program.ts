import { Schema } from "effect";
import { MAX_TIME, MIN_INTERVAL } from "./internal/limits.js";
import { AnyFunction, decodeWith, NonNegativeNumber, PositiveInt } from "./internal/validate.js";

/** Milliseconds, or a function called at each scheduling (backoff etc.). @since 0.1.0 */
export type Interval = number | (() => number);

/** What `mainFn` receives as its third argument. @since 0.1.0 */
export interface JobContext {
  readonly signal: AbortSignal;
  readonly jobId: string;
  /** `null` for a manual trigger. */
  readonly spawnId: string | null;
  readonly programId: string;
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
}

/** What `continueFn` is asked with after each job of a spawn. @since 0.1.0 */
export interface ContinueProps<State = unknown> extends SpawnProps {
  readonly programId: string;
  readonly spawnId: string;
  readonly result: ResultRecord;
  readonly state: State;
}

/**
 * A program: recurring work with an interval, state and hooks. See
 * SEMANTICS.md for every field's rules. Hooks must be synchronous; a hook that
 * throws never corrupts state (see the kernel's docs for what happens).
 *
 * @since 0.1.0
 */
// biome-ignore lint/suspicious/noExplicitAny: user-chosen state, args and values
export interface ProgramSpec<State = any, Args = any, Value = any, Output = any> {
  readonly id: string;
  readonly mainFn: (args: Args, t: number, ctx: JobContext) => unknown;
  readonly type?: "basic" | "constant" | "cron";
  readonly interval?: Interval;
  readonly delay?: number | "random";
  readonly timeFn?: (t: number) => number;
  readonly argsFn?: () => Args;
  readonly createFn?: () => State;
  readonly mergeFn?: (state: State, output: Output) => State;
  readonly successFn?: (value: Value) => Output;
  // biome-ignore lint/suspicious/noExplicitAny: lets users type the error they expect, e.g. (error: Error) => ...
  readonly errorFn?: (error: any) => Output;
  readonly continueFn?: (props: ContinueProps<State>) => boolean;
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
  readonly cron?: string;
  readonly timezone?: string;
  readonly meta?: unknown;
}

/**
 * Per-spawn overrides accepted by `spawn(programId, opts)`.
 * @since 0.1.0
 */
// biome-ignore lint/suspicious/noExplicitAny: mirrors ProgramSpec's defaults
export interface SpawnOptions<State = any, Args = any, Value = any, Output = any>
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
      | "output"
      | "meta"
    >
  > {
  readonly spawnId?: string;
}

// One declaration rather than a union, so that every wrong value gets the same plain message.
const IntervalSchema = Schema.declare(
  (input: unknown): input is Interval =>
    typeof input === "function" || (typeof input === "number" && input >= MIN_INTERVAL && input <= MAX_TIME),
  { expected: `a number of ms from ${MIN_INTERVAL} to ${MAX_TIME}, or a function returning one` },
);
const DelaySchema = Schema.Union([NonNegativeNumber, Schema.Literal("random")]).annotate({
  expected: `a number of ms >= 0 (at most ${MAX_TIME}), or "random"`,
});
const WindowSchema = Schema.declare(
  (input: unknown): input is number => typeof input === "number" && input > 0 && input <= MAX_TIME,
  { expected: `a positive number of ms (at most ${MAX_TIME})` },
);
const optionalFn = Schema.optional(AnyFunction);

const overridable = {
  interval: Schema.optional(IntervalSchema),
  delay: Schema.optional(DelaySchema),
  timeFn: optionalFn,
  argsFn: optionalFn,
  createFn: optionalFn,
  mergeFn: optionalFn,
  successFn: optionalFn,
  errorFn: optionalFn,
  continueFn: optionalFn,
  output: Schema.optional(Schema.Literals(["latest", "all"])),
  misfire: Schema.optional(Schema.Literals(["catch-up", "skip"])),
  catchUpWindow: Schema.optional(WindowSchema),
  meta: Schema.optional(Schema.Unknown),
};

export const ProgramSpecSchema = Schema.Struct({
  id: Schema.NonEmptyString,
  mainFn: AnyFunction,
  type: Schema.optional(Schema.Literals(["basic", "constant", "cron"])),
  min: Schema.optional(PositiveInt),
  max: Schema.optional(PositiveInt),
  policy: Schema.optional(Schema.NonEmptyString),
  scope: Schema.optional(Schema.Literals(["program", "spawn"])),
  cron: Schema.optional(Schema.String),
  timezone: Schema.optional(Schema.String),
  ...overridable,
});

export const SpawnOptionsSchema = Schema.Struct({
  spawnId: Schema.optional(Schema.NonEmptyString),
  ...overridable,
});

/** The fields a spec and spawn options may have: what the kernel reads (once) and copies. */
export const programSpecKeys: ReadonlySet<string> = new Set(Object.keys(ProgramSpecSchema.fields));
export const spawnOptionKeys: ReadonlySet<string> = new Set(Object.keys(SpawnOptionsSchema.fields));

export const decodeProgramSpec = decodeWith(ProgramSpecSchema, "program");
export const decodeSpawnOptions = decodeWith(SpawnOptionsSchema, "opts");
export const decodeInterval = decodeWith(IntervalSchema, "interval");
