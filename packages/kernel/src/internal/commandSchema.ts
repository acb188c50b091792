import * as Schema from "effect/Schema";
import type { Command, CommandType } from "../Command.js";
import { describe, show } from "./describe.js";
import { isTime } from "./limits.js";
import { copyFields } from "./readOnce.js";
import { decodeWith, Time } from "./validate.js";

// The schemas that check a command's shape. Internal: no public declaration
// refers to a Schema type, so a consumer's compile never loads them.

const At = Time;
const Wall = Schema.optional(Time);
const Id = Schema.NonEmptyString;

const OutcomeSchema = Schema.Union([
  Schema.Struct({ ok: Schema.Literal(true), value: Schema.optional(Schema.Unknown) }),
  Schema.Struct({ ok: Schema.Literal(false), error: Schema.Unknown }),
  Schema.Struct({ lost: Schema.Literal(true) }),
]).annotate({ expected: "{ ok: true, value? }, { ok: false, error } or { lost: true }" });

/** The shape of each command; program specs, options and intervals are checked by their own schemas. */
const commandFields = {
  install: Schema.Struct({ type: Schema.Literal("install"), at: At, wall: Wall, program: Schema.Unknown }),
  uninstall: Schema.Struct({ type: Schema.Literal("uninstall"), at: At, wall: Wall, programId: Id }),
  spawn: Schema.Struct({
    type: Schema.Literal("spawn"),
    at: At,
    wall: Wall,
    programId: Id,
    opts: Schema.optional(Schema.Unknown),
  }),
  unspawn: Schema.Struct({ type: Schema.Literal("unspawn"), at: At, wall: Wall, programId: Id }),
  tick: Schema.Struct({ type: Schema.Literal("tick"), at: At, wall: Wall }),
  trigger: Schema.Struct({
    type: Schema.Literal("trigger"),
    at: At,
    wall: Wall,
    programId: Id,
    scheduledAt: Schema.optional(Time),
    fireId: Schema.optional(Id),
  }),
  complete: Schema.Struct({ type: Schema.Literal("complete"), at: At, wall: Wall, jobId: Id, outcome: OutcomeSchema }),
  "set-interval": Schema.Struct({
    type: Schema.Literal("set-interval"),
    at: At,
    wall: Wall,
    programId: Id,
    spawnId: Schema.optional(Id),
    interval: Schema.Unknown,
  }),
  "stop-spawn": Schema.Struct({ type: Schema.Literal("stop-spawn"), at: At, wall: Wall, programId: Id, spawnId: Id }),
  "kill-spawn": Schema.Struct({ type: Schema.Literal("kill-spawn"), at: At, wall: Wall, programId: Id, spawnId: Id }),
  "stop-all": Schema.Struct({ type: Schema.Literal("stop-all"), at: At, wall: Wall, programId: Schema.optional(Id) }),
  "kill-all": Schema.Struct({ type: Schema.Literal("kill-all"), at: At, wall: Wall, programId: Schema.optional(Id) }),
  clear: Schema.Struct({ type: Schema.Literal("clear"), at: At, wall: Wall, programId: Id }),
  backfill: Schema.Struct({
    type: Schema.Literal("backfill"),
    at: At,
    wall: Wall,
    programId: Id,
    from: Time,
    to: Time,
    overlap: Schema.optional(Schema.Literals(["allow", "skip", "buffer-one", "buffer-all", "cancel-other"])),
  }),
  pause: Schema.Struct({
    type: Schema.Literal("pause"),
    at: At,
    wall: Wall,
    programId: Id,
    spawnId: Schema.optional(Id),
    note: Schema.optional(Schema.String),
  }),
  resume: Schema.Struct({
    type: Schema.Literal("resume"),
    at: At,
    wall: Wall,
    programId: Id,
    spawnId: Schema.optional(Id),
  }),
  // The export is checked by its own schema (an `invalid-snapshot` rejection naming its field).
  adopt: Schema.Struct({
    type: Schema.Literal("adopt"),
    at: At,
    wall: Wall,
    export: Schema.Unknown,
    spawnOverrides: Schema.optional(Schema.Record(Schema.String, Schema.Unknown)),
  }),
} as const;

/** Past this many results, a batch `complete` is refused: a host that has more sends several. */
export const MAX_BATCH_RESULTS = 1_000_000;

/** The batch form of `complete`: `results` instead of `jobId` and `outcome`. */
const completeBatch = Schema.Struct({
  type: Schema.Literal("complete"),
  at: At,
  wall: Wall,
  results: Schema.Array(Schema.Struct({ jobId: Id, outcome: OutcomeSchema })).check(
    Schema.isMinLength(1, { expected: "at least one result" }),
    Schema.isMaxLength(MAX_BATCH_RESULTS, { expected: `at most ${MAX_BATCH_RESULTS} results` }),
  ),
});
const decodeCompleteBatch = decodeWith(completeBatch, "command");
const COMPLETE_BATCH_KEYS: ReadonlySet<string> = new Set(Object.keys(completeBatch.fields));
const RESULT_KEYS: ReadonlySet<string> = new Set(["jobId", "outcome"]);

/** Every command type the kernel knows, in a stable order. @since 0.1.0 */
export const commandTypes = Object.keys(commandFields) as readonly CommandType[];

const decoders = Object.fromEntries(
  Object.entries(commandFields).map(([type, schema]) => [type, decodeWith(schema, "command")]),
) as Record<CommandType, (input: unknown) => ReturnType<ReturnType<typeof decodeWith>>>;

const keysOf = Object.fromEntries(
  Object.entries(commandFields).map(([type, schema]) => [type, new Set(Object.keys(schema.fields))]),
) as unknown as Record<CommandType, ReadonlySet<string>>;

const OUTCOME_KEYS: ReadonlySet<string> = new Set(["ok", "value", "error", "lost"]);

export type CommandCheck = { ok: true; command: Command } | { ok: false; field: string; message: string };

const hasOnlyKeys = (input: object, allowed: readonly string[]): boolean => {
  for (const key in input) if (!allowed.includes(key)) return false;
  return true;
};

const TICK_KEYS = ["type", "at", "wall"];
const COMPLETE_KEYS = ["type", "at", "wall", "jobId", "outcome"];
const SUCCESS_KEYS = ["ok", "value"];
const FAILURE_KEYS = ["ok", "error"];
const LOST_KEYS = ["lost"];

const isTimeOrAbsent = (value: unknown): boolean => value === undefined || isTime(value);

/**
 * The hot commands (`tick`, `complete`) arrive once per job: a structural
 * check accepts the well-formed ones without the schema machinery. Anything it
 * does not accept goes through the schema, which gives the error message.
 * (The kernel has its own copy of this check that reads each field once; this
 * one is kept for tests and tools.)
 */
export const isWellFormedHotCommand = (input: { type?: unknown; at?: unknown; wall?: unknown }): boolean => {
  if (!isTime(input.at) || !isTimeOrAbsent(input.wall)) return false;
  if (input.type === "tick") return hasOnlyKeys(input, TICK_KEYS);
  if (input.type !== "complete") return false;
  const { jobId, outcome } = input as { jobId?: unknown; outcome?: unknown };
  if (typeof jobId !== "string" || jobId === "" || typeof outcome !== "object" || outcome === null) return false;
  const ok = (outcome as { ok?: unknown }).ok;
  if ("lost" in outcome) {
    return (
      (outcome as { lost?: unknown }).lost === true &&
      hasOnlyKeys(outcome, LOST_KEYS) &&
      hasOnlyKeys(input, COMPLETE_KEYS)
    );
  }
  if (ok === true) return hasOnlyKeys(outcome, SUCCESS_KEYS) && hasOnlyKeys(input, COMPLETE_KEYS);
  return ok === false && "error" in outcome && hasOnlyKeys(outcome, FAILURE_KEYS) && hasOnlyKeys(input, COMPLETE_KEYS);
};

/**
 * Checks a command's shape (known `type`, `at` in range, the fields its type
 * needs, no unknown keys) on a plain copy made by reading each field once, and
 * returns the copy: the kernel never reads the caller's object again.
 */
export const decodeCommand = (input: unknown): CommandCheck => {
  if (typeof input !== "object" || input === null) {
    return { ok: false, field: "command", message: "command: Expected an object with a `type` and an `at`" };
  }
  let type: unknown;
  try {
    type = (input as { type?: unknown }).type;
  } catch (error) {
    return { ok: false, field: "command.type", message: `command.type: could not be read (${describe(error)})` };
  }
  if (typeof type !== "string" || !Object.hasOwn(decoders, type)) {
    return {
      ok: false,
      field: "command.type",
      message: `command.type: unknown command type ${show(type)}; expected one of ${commandTypes.join(", ")}`,
    };
  }
  const batch = type === "complete" && hasResults(input);
  if (batch === undefined) {
    return { ok: false, field: "command.results", message: "command.results: could not be read" };
  }
  if (batch) return decodeBatch(input);
  const copied = copyFields(input, "command", keysOf[type as CommandType]);
  if (!copied.ok) return copied;
  const command = copied.value;
  // `type` was read once above; the copy read it again, so put back the value that was checked.
  command.type = type;
  // An outcome object is read once into a copy too; one that is not an object is left to the schema's message.
  if (typeof command.outcome === "object" && command.outcome !== null) {
    const outcome = copyFields(command.outcome, "command.outcome", OUTCOME_KEYS);
    if (!outcome.ok) return outcome;
    command.outcome = outcome.value;
  }
  const decoded = (
    decoders[type as CommandType] as (input: unknown) => { ok: boolean; field?: string; message?: string }
  )(command);
  return decoded.ok
    ? { ok: true, command: command as unknown as Command }
    : { ok: false, field: decoded.field ?? "command", message: decoded.message ?? "command: invalid" };
};

/** The same check; kept under its old name for tests that compare the fast path with it. */
export const decodeCommandBySchema = decodeCommand;

/** Whether a `complete` is the batch form (it has an own `results` key); undefined when its keys cannot be read. */
const hasResults = (input: object): boolean | undefined => {
  try {
    // Inherited or own, as the hot path's `for...in` sees it (known fields may be inherited).
    return "results" in input;
  } catch {
    return undefined;
  }
};

/** The batch `complete`: the command, each result and each outcome copied (each field read once), then the schema. */
const decodeBatch = (input: object): CommandCheck => {
  const copied = copyFields(input, "command", COMPLETE_BATCH_KEYS);
  if (!copied.ok) return copied;
  const command = copied.value;
  command.type = "complete";
  const results = command.results;
  if (Array.isArray(results)) {
    let length: number;
    try {
      length = results.length;
    } catch (error) {
      return {
        ok: false,
        field: "command.results",
        message: `command.results: could not be read (${describe(error)})`,
      };
    }
    if (length > MAX_BATCH_RESULTS) {
      return {
        ok: false,
        field: "command.results",
        message: `command.results: at most ${MAX_BATCH_RESULTS} results in one command, got ${length}`,
      };
    }
    const copies: unknown[] = [];
    for (let index = 0; index < length; index++) {
      const root = `command.results[${index}]`;
      let entry: unknown;
      try {
        entry = results[index];
      } catch (error) {
        return { ok: false, field: root, message: `${root}: could not be read (${describe(error)})` };
      }
      const result = copyFields(entry, root, RESULT_KEYS);
      if (!result.ok) return result;
      const outcome = result.value.outcome;
      if (typeof outcome === "object" && outcome !== null) {
        const copiedOutcome = copyFields(outcome, `${root}.outcome`, OUTCOME_KEYS);
        if (!copiedOutcome.ok) return copiedOutcome;
        result.value.outcome = copiedOutcome.value;
      }
      copies.push(result.value);
    }
    command.results = copies;
  }
  const decoded = decodeCompleteBatch(command);
  return decoded.ok
    ? { ok: true, command: command as unknown as Command }
    : { ok: false, field: decoded.field, message: decoded.message };
};
