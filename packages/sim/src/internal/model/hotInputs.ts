/**
 * `tick` and `complete` (with its outcome) checked without the generic rule loop: they are
 * nearly every command of a long run, and the loop's reads by computed key are what cost.
 * Each copier is the generic `copyChecked` with that command's rules written out: the same
 * keys refused first, the same fields read once in the same order (a throwing getter names
 * the field being read), the same checks in the same order, the same copy. A test holds them
 * to `copyChecked` on generated inputs, read order included.
 */
import { type Checked, isTime } from "./inputs.js";

type Copy = Checked<Record<string, unknown>>;

const fail = (field: string): Copy => ({ ok: false, field });

/** An own key name as the generic check names it (`root.key`, or `root["key"]` when not an identifier). */
const path = (root: string, key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `${root}.${key}` : `${root}[${JSON.stringify(key)}]`;

const ownKeys = (input: object): string[] | undefined => {
  try {
    return Object.keys(input);
  } catch {
    return undefined;
  }
};

/** `tick`: type, at, wall. */
export const copyTick = (input: object): Copy => {
  const keys = ownKeys(input);
  if (keys === undefined) return fail("command");
  for (const key of keys) if (key !== "type" && key !== "at" && key !== "wall") return fail(path("command", key));
  const source = input as { type?: unknown; at?: unknown; wall?: unknown };
  let reading = "type";
  let type: unknown;
  let at: unknown;
  let wall: unknown;
  try {
    type = source.type;
    reading = "at";
    at = source.at;
    reading = "wall";
    wall = source.wall;
  } catch {
    return fail(`command.${reading}`);
  }
  const hasType = type !== undefined || keys.includes("type");
  const hasAt = at !== undefined || keys.includes("at");
  const hasWall = wall !== undefined || keys.includes("wall");
  if (!hasType) return fail("command.type");
  if (!hasAt || !isTime(at)) return fail("command.at");
  if (hasWall && wall !== undefined && !isTime(wall)) return fail("command.wall");
  const copy: Record<string, unknown> = {};
  copy.type = type;
  copy.at = at;
  if (hasWall) copy.wall = wall;
  return { ok: true, value: copy };
};

/** `complete` (single): type, at, wall, jobId, outcome (the outcome is checked after, as before). */
export const copyComplete = (input: object): Copy => {
  const keys = ownKeys(input);
  if (keys === undefined) return fail("command");
  for (const key of keys) {
    if (key !== "type" && key !== "at" && key !== "wall" && key !== "jobId" && key !== "outcome") {
      return fail(path("command", key));
    }
  }
  const source = input as { type?: unknown; at?: unknown; wall?: unknown; jobId?: unknown; outcome?: unknown };
  let reading = "type";
  let type: unknown;
  let at: unknown;
  let wall: unknown;
  let jobId: unknown;
  let outcome: unknown;
  try {
    type = source.type;
    reading = "at";
    at = source.at;
    reading = "wall";
    wall = source.wall;
    reading = "jobId";
    jobId = source.jobId;
    reading = "outcome";
    outcome = source.outcome;
  } catch {
    return fail(`command.${reading}`);
  }
  const hasType = type !== undefined || keys.includes("type");
  const hasAt = at !== undefined || keys.includes("at");
  const hasWall = wall !== undefined || keys.includes("wall");
  const hasJobId = jobId !== undefined || keys.includes("jobId");
  const hasOutcome = outcome !== undefined || keys.includes("outcome");
  if (!hasType) return fail("command.type");
  if (!hasAt || !isTime(at)) return fail("command.at");
  if (hasWall && wall !== undefined && !isTime(wall)) return fail("command.wall");
  if (!hasJobId || typeof jobId !== "string" || jobId === "") return fail("command.jobId");
  if (!hasOutcome) return fail("command.outcome");
  const copy: Record<string, unknown> = {};
  copy.type = type;
  copy.at = at;
  if (hasWall) copy.wall = wall;
  copy.jobId = jobId;
  copy.outcome = outcome;
  return { ok: true, value: copy };
};

/** A succeeded (`{ ok, value? }`) or failed (`{ ok, error }`) outcome, once its `ok` was read. */
export const copyOutcome = (outcome: object, succeeded: boolean): Copy => {
  const root = "command.outcome";
  const other = succeeded ? "value" : "error";
  const keys = ownKeys(outcome);
  if (keys === undefined) return fail(root);
  for (const key of keys) if (key !== "ok" && key !== other) return fail(path(root, key));
  const source = outcome as { ok?: unknown; value?: unknown; error?: unknown };
  let reading = "ok";
  let ok: unknown;
  let value: unknown;
  try {
    ok = source.ok;
    reading = other;
    value = succeeded ? source.value : source.error;
  } catch {
    return fail(`${root}.${reading}`);
  }
  const hasOk = ok !== undefined || keys.includes("ok");
  const hasValue = value !== undefined || keys.includes(other);
  if (!hasOk) return fail(`${root}.ok`);
  // `value` is optional, `error` required (any value, undefined too, once present).
  if (!succeeded && !hasValue) return fail(`${root}.error`);
  const copy: Record<string, unknown> = {};
  copy.ok = ok;
  if (hasValue) copy[other] = value;
  return { ok: true, value: copy };
};
