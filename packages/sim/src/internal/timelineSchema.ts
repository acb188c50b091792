import * as Schema from "effect/Schema";
import { spec18BadCommands, type Timeline, type TimelineEvent } from "../types.js";

const At = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0));
const Id = Schema.NonEmptyString;
const Rate = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1));
const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0));
const Positive = Schema.Finite.check(Schema.isGreaterThan(0));
const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0));

const Behaviour = Schema.Struct({
  minDuration: NonNegative,
  maxDuration: NonNegative,
  failRate: Rate,
  slowRate: Rate,
  slowFactor: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(1)),
  hangRate: Rate,
  mergeThrowRate: Rate,
});

const Hostile = Schema.Literals([
  "error",
  "null-proto",
  "throwing-to-string",
  "throwing-message",
  "string",
  "number",
  "undefined",
]);
const BadNumber = Schema.Literals(["nan", "infinity", "zero", "negative", "min-value", "beyond-max", "string", "null"]);
const IntervalFn = Schema.Struct({
  values: Schema.Array(Schema.Union([Schema.Finite, BadNumber])),
  throwEvery: Schema.optionalKey(PositiveInt),
  thrown: Schema.optionalKey(Hostile),
});
const HookThrow = Schema.Struct({ every: PositiveInt, value: Hostile });
const Throws = Schema.Struct({
  createFn: Schema.optionalKey(HookThrow),
  argsFn: Schema.optionalKey(HookThrow),
  successFn: Schema.optionalKey(HookThrow),
  errorFn: Schema.optionalKey(HookThrow),
  mergeFn: Schema.optionalKey(HookThrow),
  continueFn: Schema.optionalKey(HookThrow),
  timeFn: Schema.optionalKey(HookThrow),
});
const Overlap = Schema.Literals(["allow", "skip", "buffer-one", "buffer-all", "cancel-other"]);
const SpawnOpts = Schema.Struct({
  spawnId: Schema.optionalKey(Id),
  interval: Schema.optionalKey(Schema.Union([Schema.Finite, BadNumber])),
  intervalFn: Schema.optionalKey(IntervalFn),
  delay: Schema.optionalKey(Schema.Union([NonNegative, Schema.Literal("random")])),
  misfire: Schema.optionalKey(Schema.Literals(["catch-up", "skip"])),
  output: Schema.optionalKey(Schema.Literals(["latest", "all"])),
  catchUpWindow: Schema.optionalKey(Positive),
  throws: Schema.optionalKey(Throws),
  unknownKey: Schema.optionalKey(Schema.Boolean),
  overlap: Schema.optionalKey(Overlap),
  bufferLimit: Schema.optionalKey(PositiveInt),
  maxRuns: Schema.optionalKey(PositiveInt),
  startIn: Schema.optionalKey(Schema.Finite),
  endIn: Schema.optionalKey(Schema.Finite),
  jitter: Schema.optionalKey(NonNegative),
});
const Bad = Schema.Literals([
  "unknown-type",
  "bigint-type",
  "circular-type",
  "nan-at",
  "infinity-at",
  "huge-at",
  "beyond-max-at",
  "unknown-key",
  "unknown-program",
  "unknown-spawn",
  "job-0",
  "job-01",
  "job-never",
  "bad-outcome",
  "duplicate-spawn",
  "bad-opts",
  "getter-opts",
  "bad-interval",
  "tiny-interval",
  "trigger-beyond-max",
  "spec-unknown-key",
  "spec-min-max",
  "spec-zero-interval",
  "spec-huge-interval",
  "spec-unknown-policy",
  "spec-cron-never",
  "spec-cron-garbage",
  "spec-no-main",
  "spec-throwing-create",
  "spec-getter",
  ...spec18BadCommands,
]);

const Program = Schema.Struct({
  id: Id,
  type: Schema.Literals(["basic", "constant", "cron"]),
  interval: Positive,
  cron: Schema.optionalKey(Schema.NonEmptyString),
  timezone: Schema.optionalKey(Schema.NonEmptyString),
  delay: Schema.optionalKey(Schema.Union([NonNegative, Schema.Literal("random")])),
  misfire: Schema.optionalKey(Schema.Literals(["catch-up", "skip"])),
  min: Schema.optionalKey(PositiveInt),
  max: Schema.optionalKey(PositiveInt),
  scope: Schema.optionalKey(Schema.Literals(["program", "spawn"])),
  output: Schema.optionalKey(Schema.Literals(["latest", "all"])),
  policy: Schema.optionalKey(Id),
  align: Schema.optionalKey(Positive),
  stopAfter: Schema.optionalKey(PositiveInt),
  intervalFn: Schema.optionalKey(IntervalFn),
  throws: Schema.optionalKey(Throws),
  nullState: Schema.optionalKey(Schema.Literals(["create", "merge"])),
  catchUpWindow: Schema.optionalKey(Positive),
  overlap: Schema.optionalKey(Overlap),
  bufferLimit: Schema.optionalKey(PositiveInt),
  maxRuns: Schema.optionalKey(PositiveInt),
  startAt: Schema.optionalKey(Schema.Finite),
  endAt: Schema.optionalKey(Schema.Finite),
  jitter: Schema.optionalKey(NonNegative),
  behaviour: Behaviour,
});

const Event = Schema.Union([
  Schema.Struct({ at: At, kind: Schema.Literal("install"), program: Program }),
  Schema.Struct({
    at: At,
    kind: Schema.Literals(["uninstall", "clear", "unspawn", "stop-all", "kill-all"]),
    programId: Id,
  }),
  Schema.Struct({ at: At, kind: Schema.Literal("spawn"), programId: Id, opts: Schema.optionalKey(SpawnOpts) }),
  Schema.Struct({
    at: At,
    kind: Schema.Literal("trigger"),
    programId: Id,
    scheduledIn: Schema.optionalKey(Schema.Finite),
  }),
  Schema.Struct({ at: At, kind: Schema.Literal("bad"), bad: Bad, programId: Id }),
  Schema.Struct({
    at: At,
    kind: Schema.Literal("set-interval"),
    programId: Id,
    interval: Positive,
    intervalFn: Schema.optionalKey(IntervalFn),
  }),
  Schema.Struct({ at: At, kind: Schema.Literals(["stop-spawn", "kill-spawn"]), programId: Id, pick: Schema.Int }),
  Schema.Struct({ at: At, kind: Schema.Literals(["jump", "regress"]), by: Positive }),
  Schema.Struct({ at: At, kind: Schema.Literal("crash") }),
  Schema.Struct({ at: At, kind: Schema.Literal("wall"), by: Schema.Finite }),
  Schema.Struct({
    at: At,
    kind: Schema.Literal("pause"),
    programId: Id,
    pick: Schema.optionalKey(Schema.Int),
    note: Schema.optionalKey(Schema.String),
  }),
  Schema.Struct({ at: At, kind: Schema.Literal("resume"), programId: Id, pick: Schema.optionalKey(Schema.Int) }),
  Schema.Struct({
    at: At,
    kind: Schema.Literal("backfill"),
    programId: Id,
    ago: Schema.Finite,
    span: NonNegative,
    overlap: Schema.optionalKey(Overlap),
  }),
]);

const Family = Schema.Boolean;

/** The shape of a timeline file, checked whenever one is loaded. @since 0.1.0 */
export const TimelineSchema = Schema.Struct({
  version: Schema.Literal(1),
  seed: Schema.Int,
  scenario: Schema.Literals([
    "cron-cleanup",
    "worker-pool",
    "dynamic-scaling",
    "manual-trigger",
    "stats",
    "mix",
    "hostile",
    "policy-churn",
  ]),
  steps: PositiveInt,
  faults: Schema.Struct({
    families: Schema.Struct({
      lag: Family,
      jumps: Family,
      regressions: Family,
      slowJobs: Family,
      failures: Family,
      bursts: Family,
      crashes: Family,
    }),
    lagMax: NonNegative,
    lagRate: Rate,
  }),
  policies: Schema.Array(Id),
  events: Schema.Array(Event),
  traceHash: Schema.optionalKey(Schema.NonEmptyString),
  traceHashVersion: Schema.optionalKey(Schema.Literal(2)),
});

/** Every event kind a timeline may hold (error messages list them all). */
export const eventKinds = [
  "install",
  "uninstall",
  "clear",
  "unspawn",
  "stop-all",
  "kill-all",
  "spawn",
  "trigger",
  "bad",
  "set-interval",
  "stop-spawn",
  "kill-spawn",
  "jump",
  "regress",
  "crash",
  "wall",
  "pause",
  "resume",
  "backfill",
] as const;

// The list names exactly the kinds of the public type.
type KindsMatch = [(typeof eventKinds)[number]] extends [TimelineEvent["kind"]]
  ? [TimelineEvent["kind"]] extends [(typeof eventKinds)[number]]
    ? true
    : never
  : never;
export const kindsMatch: KindsMatch = true;

// The schema and the public type must describe the same data.
type SchemaMatchesType = typeof TimelineSchema.Type extends Timeline ? true : never;
export const schemaMatchesType: SchemaMatchesType = true;
