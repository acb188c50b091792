import { Schema } from "effect";
import { decodeWith } from "./internal/validate.js";
import type { Interval, ProgramSpec, SpawnOptions } from "./Program.js";

/** How a job ended, as the host reports it. @since 0.1.0 */
export type Outcome = { readonly ok: true; readonly value?: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Everything the kernel can be told. Every command carries `at`: the time in
 * ms at which it happens. Time never goes backwards inside the kernel: an `at`
 * below the kernel's time is treated as now and counted as a regression.
 *
 * @since 0.1.0
 */
export type Command =
  | { readonly type: "install"; readonly at: number; readonly program: ProgramSpec }
  | { readonly type: "uninstall"; readonly at: number; readonly programId: string }
  | { readonly type: "spawn"; readonly at: number; readonly programId: string; readonly opts?: SpawnOptions }
  | { readonly type: "unspawn"; readonly at: number; readonly programId: string }
  | { readonly type: "tick"; readonly at: number }
  | {
      readonly type: "trigger";
      readonly at: number;
      readonly programId: string;
      /** The job's time (passed to `mainFn` as `t`); a future time waits for it. Default: now. */
      readonly scheduledAt?: number;
    }
  | { readonly type: "complete"; readonly at: number; readonly jobId: string; readonly outcome: Outcome }
  | {
      readonly type: "set-interval";
      readonly at: number;
      readonly programId: string;
      readonly spawnId?: string;
      readonly interval: Interval;
    }
  | { readonly type: "stop-spawn"; readonly at: number; readonly programId: string; readonly spawnId: string }
  | { readonly type: "kill-spawn"; readonly at: number; readonly programId: string; readonly spawnId: string }
  | { readonly type: "stop-all"; readonly at: number; readonly programId?: string }
  | { readonly type: "kill-all"; readonly at: number; readonly programId?: string }
  | { readonly type: "clear"; readonly at: number; readonly programId: string };

/** @since 0.1.0 */
export type CommandType = Command["type"];

const At = Schema.Finite;
const Id = Schema.NonEmptyString;

const OutcomeSchema = Schema.Union([
  Schema.Struct({ ok: Schema.Literal(true), value: Schema.optional(Schema.Unknown) }),
  Schema.Struct({ ok: Schema.Literal(false), error: Schema.Unknown }),
]).annotate({ expected: "{ ok: true, value? } or { ok: false, error }" });

/** The shape of each command; program specs, options and intervals are checked by their own schemas. */
const commandSchemas = {
  install: Schema.Struct({ type: Schema.Literal("install"), at: At, program: Schema.Unknown }),
  uninstall: Schema.Struct({ type: Schema.Literal("uninstall"), at: At, programId: Id }),
  spawn: Schema.Struct({
    type: Schema.Literal("spawn"),
    at: At,
    programId: Id,
    opts: Schema.optional(Schema.Unknown),
  }),
  unspawn: Schema.Struct({ type: Schema.Literal("unspawn"), at: At, programId: Id }),
  tick: Schema.Struct({ type: Schema.Literal("tick"), at: At }),
  trigger: Schema.Struct({
    type: Schema.Literal("trigger"),
    at: At,
    programId: Id,
    scheduledAt: Schema.optional(Schema.Finite),
  }),
  complete: Schema.Struct({ type: Schema.Literal("complete"), at: At, jobId: Id, outcome: OutcomeSchema }),
  "set-interval": Schema.Struct({
    type: Schema.Literal("set-interval"),
    at: At,
    programId: Id,
    spawnId: Schema.optional(Id),
    interval: Schema.Unknown,
  }),
  "stop-spawn": Schema.Struct({ type: Schema.Literal("stop-spawn"), at: At, programId: Id, spawnId: Id }),
  "kill-spawn": Schema.Struct({ type: Schema.Literal("kill-spawn"), at: At, programId: Id, spawnId: Id }),
  "stop-all": Schema.Struct({ type: Schema.Literal("stop-all"), at: At, programId: Schema.optional(Id) }),
  "kill-all": Schema.Struct({ type: Schema.Literal("kill-all"), at: At, programId: Schema.optional(Id) }),
  clear: Schema.Struct({ type: Schema.Literal("clear"), at: At, programId: Id }),
} as const;

/** Every command type the kernel knows, in a stable order. @since 0.1.0 */
export const commandTypes = Object.keys(commandSchemas) as readonly CommandType[];

const decoders = Object.fromEntries(
  Object.entries(commandSchemas).map(([type, schema]) => [type, decodeWith(schema, "command")]),
) as Record<CommandType, (input: unknown) => ReturnType<ReturnType<typeof decodeWith>>>;

export type CommandCheck = { ok: true; command: Command } | { ok: false; field: string; message: string };

const hasOnlyKeys = (input: object, allowed: readonly string[]): boolean => {
  for (const key in input) if (!allowed.includes(key)) return false;
  return true;
};

const TICK_KEYS = ["type", "at"];
const COMPLETE_KEYS = ["type", "at", "jobId", "outcome"];
const SUCCESS_KEYS = ["ok", "value"];
const FAILURE_KEYS = ["ok", "error"];

/**
 * The hot commands (`tick`, `complete`) arrive once per job: a structural
 * check accepts the well-formed ones without the schema machinery. Anything it
 * does not accept goes through the schema, which gives the error message.
 */
export const isWellFormedHotCommand = (input: { type?: unknown; at?: unknown }): boolean => {
  if (typeof input.at !== "number" || !Number.isFinite(input.at)) return false;
  if (input.type === "tick") return hasOnlyKeys(input, TICK_KEYS);
  if (input.type !== "complete") return false;
  const { jobId, outcome } = input as { jobId?: unknown; outcome?: unknown };
  if (typeof jobId !== "string" || jobId === "" || typeof outcome !== "object" || outcome === null) return false;
  const ok = (outcome as { ok?: unknown }).ok;
  if (ok === true) return hasOnlyKeys(outcome, SUCCESS_KEYS) && hasOnlyKeys(input, COMPLETE_KEYS);
  return ok === false && "error" in outcome && hasOnlyKeys(outcome, FAILURE_KEYS) && hasOnlyKeys(input, COMPLETE_KEYS);
};

/** Checks a command's shape: known `type`, finite `at`, the fields its type needs, no unknown keys. */
export const decodeCommand = (input: unknown): CommandCheck => {
  if (typeof input === "object" && input !== null && isWellFormedHotCommand(input)) {
    return { ok: true, command: input as Command };
  }
  return decodeCommandBySchema(input);
};

/** The schema-only path; exported for the test that the fast path agrees with it. */
export const decodeCommandBySchema = (input: unknown): CommandCheck => {
  if (typeof input !== "object" || input === null) {
    return { ok: false, field: "command", message: "command: Expected an object with a `type` and an `at`" };
  }
  const type = (input as { type?: unknown }).type;
  const decode = typeof type === "string" && Object.hasOwn(decoders, type) ? decoders[type as CommandType] : undefined;
  if (decode === undefined) {
    return {
      ok: false,
      field: "command.type",
      message: `command.type: unknown command type ${JSON.stringify(type)}; expected one of ${commandTypes.join(", ")}`,
    };
  }
  const decoded = decode(input);
  // The decoded copy would drop nothing we need, but keep the caller's object so
  // that functions inside (program, opts, interval) keep their identity.
  return decoded.ok ? { ok: true, command: input as Command } : decoded;
};
