import { Schema } from "effect";
import type { Timeline } from "../types.js";

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
  behaviour: Behaviour,
});

const Event = Schema.Union([
  Schema.Struct({ at: At, kind: Schema.Literal("install"), program: Program }),
  Schema.Struct({
    at: At,
    kind: Schema.Literals(["uninstall", "clear", "spawn", "unspawn", "trigger", "stop-all", "kill-all"]),
    programId: Id,
  }),
  Schema.Struct({ at: At, kind: Schema.Literal("set-interval"), programId: Id, interval: Positive }),
  Schema.Struct({ at: At, kind: Schema.Literals(["stop-spawn", "kill-spawn"]), programId: Id, pick: Schema.Int }),
  Schema.Struct({ at: At, kind: Schema.Literals(["jump", "regress"]), by: Positive }),
  Schema.Struct({ at: At, kind: Schema.Literal("crash") }),
]);

const Family = Schema.Boolean;

/** The shape of a timeline file, checked whenever one is loaded. @since 0.1.0 */
export const TimelineSchema = Schema.Struct({
  version: Schema.Literal(1),
  seed: Schema.Int,
  scenario: Schema.Literals(["cron-cleanup", "worker-pool", "dynamic-scaling", "manual-trigger", "stats", "mix"]),
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
});

// The schema and the public type must describe the same data.
type SchemaMatchesType = typeof TimelineSchema.Type extends Timeline ? true : never;
export const schemaMatchesType: SchemaMatchesType = true;
