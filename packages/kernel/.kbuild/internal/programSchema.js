import * as Schema from "effect/Schema";
import { MAX_TIME, MIN_INTERVAL } from "./limits.js";
import { AnyFunction, decodeWith, NonNegativeNumber, PositiveInt, Time } from "./validate.js";

// The schemas that check a program spec and spawn options. Internal: no public
// declaration refers to a Schema type, so a consumer's compile never loads them.
// One declaration rather than a union, so that every wrong value gets the same plain message.
const IntervalSchema = Schema.declare(
  (input) => typeof input === "function" || (typeof input === "number" && input >= MIN_INTERVAL && input <= MAX_TIME),
  { expected: `a number of ms from ${MIN_INTERVAL} to ${MAX_TIME}, or a function returning one` },
);
const DelaySchema = Schema.Union([NonNegativeNumber, Schema.Literal("random")]).annotate({
  expected: `a number of ms >= 0 (at most ${MAX_TIME}), or "random"`,
});
const WindowSchema = Schema.declare((input) => typeof input === "number" && input > 0 && input <= MAX_TIME, {
  expected: `a positive number of ms (at most ${MAX_TIME})`,
});
const optionalFn = Schema.optional(AnyFunction);
const VersionSchema = Schema.declare(
  (input) => (typeof input === "string" && input !== "") || (typeof input === "number" && Number.isFinite(input)),
  { expected: "a non-empty string or a finite number" },
);
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
  overlap: Schema.optional(Schema.Literals(["allow", "skip", "buffer-one", "buffer-all", "cancel-other"])),
  bufferLimit: Schema.optional(PositiveInt),
  jitter: Schema.optional(NonNegativeNumber),
  maxRuns: Schema.optional(PositiveInt),
  startAt: Schema.optional(Time),
  endAt: Schema.optional(Time),
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
  version: Schema.optional(VersionSchema),
  delivery: Schema.optional(Schema.Literals(["at-least-once", "at-most-once"])),
  ...overridable,
});
export const SpawnOptionsSchema = Schema.Struct({
  spawnId: Schema.optional(Schema.NonEmptyString),
  ...overridable,
});
/** The fields a spec and spawn options may have: what the kernel reads (once) and copies. */
export const programSpecKeys = new Set(Object.keys(ProgramSpecSchema.fields));
export const spawnOptionKeys = new Set(Object.keys(SpawnOptionsSchema.fields));
export const decodeProgramSpec = decodeWith(ProgramSpecSchema, "program");
export const decodeSpawnOptions = decodeWith(SpawnOptionsSchema, "opts");
export const decodeInterval = decodeWith(IntervalSchema, "interval");
