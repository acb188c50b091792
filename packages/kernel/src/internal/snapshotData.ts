import * as Schema from "effect/Schema";
import type { Interval, ResultRecord, SpawnOptions } from "../Program.js";
import { SchedkitError } from "../SchedkitError.js";
import { describe } from "./describe.js";
import { jobsInFlight } from "./inFlight.js";
import { copyPlainJson, NOT_PLAIN } from "./jsonCopy.js";
import { latestResultOf } from "./latestResult.js";
import { dueTimeOf, fireIdOf, type JobRecord, jobIdOf, type Pause, type SpawnRecord } from "./model.js";
import type {
  IntervalRef,
  JobSnapshot,
  KernelSnapshot,
  PauseSnapshot,
  ResultSnapshot,
  SpawnSnapshot,
} from "./snapshotTypes.js";
import { decodeWith } from "./validate.js";

// The snapshot's schemas and the record-to-data conversions that a snapshot and an export share.
// Nothing here depends on the machine, so that the adopt command can use it too.

/**
 * Where an interval function came from: the program spec, the spawn's
 * overrides, or a `set-interval` command (which a snapshot cannot carry).
 */
export const IntervalRefSchema = Schema.Union([
  Schema.Finite,
  Schema.Struct({ fn: Schema.Literals(["spec", "override", "set-interval"]) }),
]);

const JobSnapshotSchema = Schema.Struct({
  id: Schema.String,
  seq: Schema.Int,
  fireId: Schema.String,
  dueAt: Schema.Finite,
  jitterUntil: Schema.optionalKey(Schema.Finite),
  backfill: Schema.optionalKey(Schema.Literal(true)),
  startedAt: Schema.NullOr(Schema.Finite),
});

export const ResultSnapshotSchema = Schema.Struct({
  jobId: Schema.String,
  status: Schema.Literals(["succeeded", "errored"]),
  value: Schema.optional(Schema.Unknown),
  error: Schema.optional(Schema.Unknown),
  scheduledAt: Schema.Finite,
  startedAt: Schema.Finite,
  endedAt: Schema.Finite,
});

/**
 * A user value (state, lastError) as JSON data. An absent key is `undefined`;
 * `null` is `null`.
 */
export const UserData = Schema.optional(Schema.Unknown);

export const OverlapSchema = Schema.Literals(["allow", "skip", "buffer-one", "buffer-all", "cancel-other"]);

/** A pause and its note. */
export const PauseSchema = Schema.Struct({ note: Schema.NullOr(Schema.String) });

/** A spawn's fields but its jobs, which a snapshot and an export keep differently. */
export const spawnFields = {
  id: Schema.String,
  seq: Schema.Int,
  startedAt: Schema.Finite,
  status: Schema.Literals(["created", "running", "terminating", "stopped"]),
  stopReason: Schema.NullOr(
    Schema.Literals(["stop", "kill", "unspawn", "continue", "fault", "uninstall", "clear", "max-runs", "end-at"]),
  ),
  inHistory: Schema.Boolean,
  updatedAt: Schema.Finite,
  interval: IntervalRefSchema,
  lastInterval: Schema.Finite,
  state: UserData,
  submitted: Schema.Int,
  succeeded: Schema.Int,
  errored: Schema.Int,
  lost: Schema.Int,
  lastError: UserData,
  /** Due times reported in `missed` effects. */
  missed: Schema.Int,
  skipped: Schema.optionalKey(Schema.Int),
  runs: Schema.optionalKey(Schema.Int),
  paused: Schema.optionalKey(PauseSchema),
  parked: Schema.optionalKey(Schema.Boolean),
  latestResult: Schema.NullOr(ResultSnapshotSchema),
  results: Schema.NullOr(Schema.Array(ResultSnapshotSchema)),
  /** Data overrides as given; function overrides by name only. */
  overrides: Schema.NullOr(
    Schema.Struct({ data: Schema.Record(Schema.String, Schema.Unknown), functions: Schema.Array(Schema.String) }),
  ),
};

const SpawnSnapshotSchema = Schema.Struct({
  ...spawnFields,
  pending: Schema.NullOr(JobSnapshotSchema),
  inFlight: Schema.Array(JobSnapshotSchema),
  buffer: Schema.optionalKey(Schema.Array(JobSnapshotSchema)),
});

export const CountsSchema = Schema.Struct({ submitted: Schema.Int, succeeded: Schema.Int, errored: Schema.Int });

const ProgramSnapshotSchema = Schema.Struct({
  id: Schema.String,
  /** Checked against the spec passed to `restoreKernel`. */
  type: Schema.Literals(["basic", "constant", "cron"]),
  scope: Schema.Literals(["program", "spawn"]),
  interval: IntervalRefSchema,
  state: UserData,
  counts: CountsSchema,
  spawnCounter: Schema.Int,
  random: Schema.Int,
  fresh: Schema.Boolean,
  paused: Schema.optionalKey(PauseSchema),
  backfill: Schema.optionalKey(Schema.Struct({ overlap: OverlapSchema, queue: Schema.Array(JobSnapshotSchema) })),
  spawns: Schema.Array(SpawnSnapshotSchema),
  running: Schema.Array(Schema.String),
  history: Schema.Array(Schema.String),
  triggers: Schema.Array(JobSnapshotSchema),
});

/** The shape of `KernelSnapshot` (see `snapshotTypes.ts`), checked by `restoreKernel`. */
export const KernelSnapshotSchema = Schema.Struct({
  version: Schema.Literal(3),
  now: Schema.Finite,
  regressions: Schema.Int,
  /** Wall clock minus kernel time (cron due times follow the wall clock). */
  wallOffset: Schema.Finite,
  jobSeq: Schema.Int,
  spawnSeq: Schema.Int,
  seed: Schema.Int,
  historyLimit: Schema.Int,
  catchUpLimit: Schema.Int,
  policies: Schema.Array(Schema.String),
  defaultPolicy: Schema.NullOr(Schema.String),
  programs: Schema.Array(ProgramSnapshotSchema),
});

// The schema decodes to exactly the hand-written types (a compile error here if they drift apart).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const decodesToKernelSnapshot: Same<typeof KernelSnapshotSchema.Type, KernelSnapshot> = true;
void decodesToKernelSnapshot;

export const decodeSnapshot = decodeWith(KernelSnapshotSchema, "snapshot");

/** An Error as data. Its fields are read safely: a hook may throw an Error whose `message` getter throws. */
const errorAsData = (_key: string, inner: unknown): unknown => {
  if (!(inner instanceof Error)) return inner;
  let name: unknown;
  try {
    name = inner.name;
  } catch {
    name = "Error";
  }
  return { name: typeof name === "string" ? name : "Error", message: describe(inner) };
};

/**
 * A value as JSON data: Errors become `{ name, message }`, everything else
 * goes through JSON. `undefined`, and a value JSON drops (a function), give
 * `undefined`, stored as an absent key. A value JSON cannot hold (a cycle, a
 * BigInt) throws `invalid-snapshot` naming `field` (a function making the name is called only
 * then: most values are plain data, copied without it, see `jsonCopy.ts`).
 */
export const toJsonData = (value: unknown, field: string | (() => string)): unknown => {
  if (value === undefined) return undefined;
  const copied = copyPlainJson(value);
  if (copied !== NOT_PLAIN) return copied;
  // An Error without `toJSON` (most failed results) is what the JSON way makes of it, without the text.
  if (value instanceof Error && !hasToJson(value)) return errorAsData("", value);
  return throughJson(value, typeof field === "string" ? field : field());
};

/** Whether JSON would call the value's `toJSON` (a getter that throws: the JSON way then words it). */
const hasToJson = (value: object): boolean => {
  try {
    return (value as { toJSON?: unknown }).toJSON !== undefined;
  } catch {
    return true;
  }
};

/** `toJsonData` the JSON way: Errors converted, `toJSON` called, what JSON cannot hold refused. */
const throughJson = (value: unknown, field: string): unknown => {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, errorAsData);
  } catch (error) {
    throw new SchedkitError(
      "invalid-snapshot",
      `${field}: not JSON data (${describe(error)}); a snapshot holds program state, results and errors as JSON data`,
      { field, cause: error },
    );
  }
  return text === undefined ? undefined : JSON.parse(text);
};

/** `{ key: value }`, or `{}` when the value is undefined: an absent key stands for `undefined`. */
export const present = <K extends string>(key: K, value: unknown): { [P in K]?: unknown } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: unknown };

export const intervalRef = (
  interval: Interval,
  spec: Interval | undefined,
  override: Interval | undefined,
): IntervalRef => {
  if (typeof interval === "number") return interval;
  if (interval === override) return { fn: "override" };
  if (interval === spec) return { fn: "spec" };
  return { fn: "set-interval" };
};

export const jobSnapshot = (job: JobRecord): JobSnapshot => {
  const id = jobIdOf(job);
  const fireId = fireIdOf(job);
  const dueAt = dueTimeOf(job);
  const startedAt = Number.isNaN(job.startedAt) ? null : job.startedAt;
  // One literal per case, keys in the snapshot's order (spreading `{}` or a one-key object per
  // optional key made each job's copy three objects, and a snapshot holds every pending job).
  if (job.heldFrom === undefined) {
    return job.backfill
      ? { id, seq: job.seq, fireId, dueAt, backfill: true, startedAt }
      : { id, seq: job.seq, fireId, dueAt, startedAt };
  }
  const jitterUntil = job.dueAt;
  return job.backfill
    ? { id, seq: job.seq, fireId, dueAt, jitterUntil, backfill: true, startedAt }
    : { id, seq: job.seq, fireId, dueAt, jitterUntil, startedAt };
};

export const resultSnapshot = (result: ResultRecord, field: () => string): ResultSnapshot => {
  const value = toJsonData(result.value, () => `${field()}.value`);
  const error = toJsonData(result.error, () => `${field()}.error`);
  const { jobId, status, scheduledAt, startedAt, endedAt } = result;
  // One literal per case, keys in the snapshot's order (an absent key stands for `undefined`):
  // spreading a `present(...)` object per key made a result's copy several objects.
  if (error === undefined) {
    return value === undefined
      ? { jobId, status, scheduledAt, startedAt, endedAt }
      : { jobId, status, value, scheduledAt, startedAt, endedAt };
  }
  return value === undefined
    ? { jobId, status, error, scheduledAt, startedAt, endedAt }
    : { jobId, status, value, error, scheduledAt, startedAt, endedAt };
};

const overridesSnapshot = (overrides: SpawnOptions | undefined, field: () => string): SpawnSnapshot["overrides"] => {
  if (overrides === undefined) return null;
  const data: Record<string, unknown> = {};
  const functions: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (key === "spawnId" || value === undefined) continue;
    if (typeof value === "function") functions.push(key);
    else {
      const json = toJsonData(value, () => `${field()}.${key}`);
      if (json !== undefined) data[key] = json;
    }
  }
  return { data, functions };
};

/** Where a value sits in a kernel, for errors: `programs["p"].spawns["p-1"]`. */
export const programField = (id: string): string => `programs[${JSON.stringify(id)}]`;

/**
 * A spawn's saved fields, its jobs made by `job` (a snapshot and an export keep those
 * differently). One object literal: spreading a copy per spawn made snapshots several times slower.
 */
export const spawnData = <J>(
  spawn: SpawnRecord,
  job: (job: JobRecord, field: () => string) => J,
): Omit<SpawnSnapshot, "pending" | "inFlight" | "buffer"> & {
  readonly pending: J | null;
  readonly inFlight: readonly J[];
  readonly buffer?: readonly J[];
} => {
  // Where it sits, for an error's message only: made if a value needs naming (rarely).
  const field = () => `${programField(spawn.programId)}.spawns[${JSON.stringify(spawn.id)}]`;
  const latest = latestResultOf(spawn);
  // Keys are set in the snapshot's order (an optional one only when present): one object, where a
  // literal spreading a small object per optional key made several per spawn.
  const data: Record<string, unknown> = {
    id: spawn.id,
    seq: spawn.seq,
    startedAt: spawn.startedAt,
    status: spawn.status,
    stopReason: spawn.stopReason ?? null,
    inHistory: spawn.inHistory,
    updatedAt: spawn.updatedAt,
    interval: intervalRef(spawn.interval, spawn.program.spec.interval, spawn.overrides?.interval),
    lastInterval: spawn.lastInterval,
  };
  const state = toJsonData(spawn.state, () => `${field()}.state`);
  if (state !== undefined) data.state = state;
  data.submitted = spawn.submitted;
  data.succeeded = spawn.succeeded;
  data.errored = spawn.errored;
  data.lost = spawn.lost;
  const lastError = toJsonData(spawn.lastError, () => `${field()}.lastError`);
  if (lastError !== undefined) data.lastError = lastError;
  data.missed = spawn.missed;
  // What 0.2.0 added is written only when in use: a snapshot without it reads as before.
  if (spawn.skipped !== 0) data.skipped = spawn.skipped;
  if (spawn.runs !== 0) data.runs = spawn.runs;
  if (spawn.paused !== null) data.paused = pauseData(spawn.paused);
  if (spawn.parked) data.parked = true;
  data.pending = spawn.pending === null ? null : job(spawn.pending, () => `${field()}.pending`);
  data.inFlight = jobsInFlight(spawn).map((each, index) => job(each, () => `${field()}.inFlight[${index}]`));
  if (spawn.buffer.length > 0) {
    data.buffer = spawn.buffer.map((each, index) => job(each, () => `${field()}.buffer[${index}]`));
  }
  data.latestResult = latest === undefined ? null : resultSnapshot(latest, () => `${field()}.latestResult`);
  data.results =
    spawn.results === undefined
      ? null
      : spawn.results.map((result, index) => resultSnapshot(result, () => `${field()}.results[${index}]`));
  data.overrides = overridesSnapshot(spawn.overrides, () => `${field()}.overrides`);
  return data as unknown as ReturnType<typeof spawnData<J>>;
};

export const spawnSnapshot = (spawn: SpawnRecord): SpawnSnapshot => spawnData(spawn, jobSnapshot);

/** A pause as data: its note, or `null`. */
export const pauseData = (pause: Pause): PauseSnapshot => ({ note: pause.note ?? null });

/** A saved pause as a record. */
export const pauseOf = (saved: PauseSnapshot | undefined): Pause | null =>
  saved === undefined ? null : { note: saved.note ?? undefined };
