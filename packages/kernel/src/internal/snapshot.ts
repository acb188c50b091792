import * as Schema from "effect/Schema";
import type { Interval, ProgramSpec, ResultRecord, SpawnOptions } from "../Program.js";
import { SchedkitError } from "../SchedkitError.js";
import { describe } from "./describe.js";
import { LatestResult } from "./latestResult.js";
import { configOf, cronOf, Machine } from "./machine.js";
import { type JobRecord, jobIdOf, type ProgramRecord, type SpawnRecord } from "./model.js";
import { decodeProgramSpec, programSpecKeys } from "./programSchema.js";
import { copyFields } from "./readOnce.js";
import { checkSnapshot } from "./snapshotCheck.js";
import type {
  IntervalRef,
  JobSnapshot,
  KernelSnapshot,
  ProgramSnapshot,
  RestoreOptions,
  ResultSnapshot,
  SpawnSnapshot,
} from "./snapshotTypes.js";
import { SpawnList } from "./spawnList.js";
import { decodeWith } from "./validate.js";

export type {
  IntervalRef,
  JobSnapshot,
  KernelSnapshot,
  ProgramSnapshot,
  RestoreOptions,
  ResultSnapshot,
  SpawnSnapshot,
} from "./snapshotTypes.js";

/**
 * Where an interval function came from: the program spec, the spawn's
 * overrides, or a `set-interval` command (which a snapshot cannot carry).
 */
const IntervalRefSchema = Schema.Union([
  Schema.Finite,
  Schema.Struct({ fn: Schema.Literals(["spec", "override", "set-interval"]) }),
]);

const JobSnapshotSchema = Schema.Struct({
  id: Schema.String,
  seq: Schema.Int,
  dueAt: Schema.Finite,
  startedAt: Schema.NullOr(Schema.Finite),
});

const ResultSnapshotSchema = Schema.Struct({
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
const UserData = Schema.optional(Schema.Unknown);

const SpawnSnapshotSchema = Schema.Struct({
  id: Schema.String,
  seq: Schema.Int,
  startedAt: Schema.Finite,
  status: Schema.Literals(["created", "running", "terminating", "stopped"]),
  stopReason: Schema.NullOr(Schema.Literals(["stop", "kill", "unspawn", "continue", "fault", "uninstall", "clear"])),
  inHistory: Schema.Boolean,
  updatedAt: Schema.Finite,
  interval: IntervalRefSchema,
  lastInterval: Schema.Finite,
  state: UserData,
  submitted: Schema.Int,
  succeeded: Schema.Int,
  errored: Schema.Int,
  lastError: UserData,
  /** Due times reported in `missed` effects. */
  missed: Schema.Int,
  pending: Schema.NullOr(JobSnapshotSchema),
  inFlight: Schema.Array(JobSnapshotSchema),
  latestResult: Schema.NullOr(ResultSnapshotSchema),
  results: Schema.NullOr(Schema.Array(ResultSnapshotSchema)),
  /** Data overrides as given; function overrides by name only. */
  overrides: Schema.NullOr(
    Schema.Struct({ data: Schema.Record(Schema.String, Schema.Unknown), functions: Schema.Array(Schema.String) }),
  ),
});

const ProgramSnapshotSchema = Schema.Struct({
  id: Schema.String,
  /** Checked against the spec passed to `restoreKernel`. */
  type: Schema.Literals(["basic", "constant", "cron"]),
  scope: Schema.Literals(["program", "spawn"]),
  interval: IntervalRefSchema,
  state: UserData,
  counts: Schema.Struct({ submitted: Schema.Int, succeeded: Schema.Int, errored: Schema.Int }),
  spawnCounter: Schema.Int,
  spawns: Schema.Array(SpawnSnapshotSchema),
  running: Schema.Array(Schema.String),
  history: Schema.Array(Schema.String),
  triggers: Schema.Array(JobSnapshotSchema),
});

/** The shape of `KernelSnapshot` (see `snapshotTypes.ts`), checked by `restoreKernel`. */
export const KernelSnapshotSchema = Schema.Struct({
  version: Schema.Literal(2),
  now: Schema.Finite,
  regressions: Schema.Int,
  /** Wall clock minus kernel time (cron due times follow the wall clock). */
  wallOffset: Schema.Finite,
  jobSeq: Schema.Int,
  spawnSeq: Schema.Int,
  random: Schema.Int,
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

const decodeSnapshot = decodeWith(KernelSnapshotSchema, "snapshot");

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
 * BigInt) throws `invalid-snapshot` naming `field`.
 */
export const toJsonData = (value: unknown, field: string): unknown => {
  if (value === undefined) return undefined;
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
const present = <K extends string>(key: K, value: unknown): { [P in K]?: unknown } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: unknown };

const intervalRef = (interval: Interval, spec: Interval | undefined, override: Interval | undefined): IntervalRef => {
  if (typeof interval === "number") return interval;
  if (interval === override) return { fn: "override" };
  if (interval === spec) return { fn: "spec" };
  return { fn: "set-interval" };
};

const jobSnapshot = (job: JobRecord): JobSnapshot => ({
  id: jobIdOf(job),
  seq: job.seq,
  dueAt: job.dueAt,
  startedAt: Number.isNaN(job.startedAt) ? null : job.startedAt,
});

const resultSnapshot = (result: ResultRecord, field: string): ResultSnapshot => ({
  jobId: result.jobId,
  status: result.status,
  ...present("value", toJsonData(result.value, `${field}.value`)),
  ...present("error", toJsonData(result.error, `${field}.error`)),
  scheduledAt: result.scheduledAt,
  startedAt: result.startedAt,
  endedAt: result.endedAt,
});

const overridesSnapshot = (overrides: SpawnOptions | undefined, field: string): SpawnSnapshot["overrides"] => {
  if (overrides === undefined) return null;
  const data: Record<string, unknown> = {};
  const functions: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (key === "spawnId" || value === undefined) continue;
    if (typeof value === "function") functions.push(key);
    else {
      const json = toJsonData(value, `${field}.${key}`);
      if (json !== undefined) data[key] = json;
    }
  }
  return { data, functions };
};

/** Where a value sits in a kernel, for errors: `programs["p"].spawns["p-1"]`. */
const programField = (id: string): string => `programs[${JSON.stringify(id)}]`;

const spawnSnapshot = (spawn: SpawnRecord): SpawnSnapshot => {
  const field = `${programField(spawn.programId)}.spawns[${JSON.stringify(spawn.id)}]`;
  const latest = spawn.latestResult.get();
  return {
    id: spawn.id,
    seq: spawn.seq,
    startedAt: spawn.startedAt,
    status: spawn.status,
    stopReason: spawn.stopReason ?? null,
    inHistory: spawn.inHistory,
    updatedAt: spawn.updatedAt,
    interval: intervalRef(spawn.interval, spawn.program.spec.interval, spawn.overrides?.interval),
    lastInterval: spawn.lastInterval,
    ...present("state", toJsonData(spawn.state, `${field}.state`)),
    submitted: spawn.submitted,
    succeeded: spawn.succeeded,
    errored: spawn.errored,
    ...present("lastError", toJsonData(spawn.lastError, `${field}.lastError`)),
    missed: spawn.missed,
    pending: spawn.pending === null ? null : jobSnapshot(spawn.pending),
    inFlight: spawn.inFlight.map(jobSnapshot),
    latestResult: latest === undefined ? null : resultSnapshot(latest, `${field}.latestResult`),
    results:
      spawn.results === undefined
        ? null
        : spawn.results.map((result, index) => resultSnapshot(result, `${field}.results[${index}]`)),
    overrides: overridesSnapshot(spawn.overrides, `${field}.overrides`),
  };
};

/**
 * The kernel's state as JSON data. Throws `invalid-snapshot` naming the
 * program, the spawn and the part (state, lastError, a result's value or
 * error, an override) that JSON cannot hold.
 */
export const snapshotOf = (machine: Machine): KernelSnapshot => {
  if (machine.isDispatching) {
    // From inside a hook: the command in progress is half applied, and its snapshot would not restore.
    throw new SchedkitError(
      "invalid-snapshot",
      "snapshot: taken from inside a hook while this kernel is applying a command; take it after the dispatch",
      { field: "snapshot" },
    );
  }
  return snapshotData(machine);
};

const snapshotData = (machine: Machine): KernelSnapshot => ({
  version: 2,
  now: machine.now,
  regressions: machine.regressions,
  wallOffset: machine.wallOffset,
  jobSeq: machine.jobSeq,
  spawnSeq: machine.spawnSeq,
  random: machine.random.state,
  historyLimit: machine.historyLimit,
  catchUpLimit: machine.catchUpLimit,
  policies: [...machine.policies.keys()],
  defaultPolicy: machine.defaultPolicy ?? null,
  programs: [...machine.programs.values()].map(
    (program): ProgramSnapshot => ({
      id: program.id,
      type: program.config.type,
      scope: program.scope,
      interval: intervalRef(program.interval, program.spec.interval, undefined),
      ...present("state", toJsonData(program.state, `${programField(program.id)}.state`)),
      counts: { ...program.counts },
      spawnCounter: program.spawnCounter,
      spawns: [...program.spawns.values()].map(spawnSnapshot),
      running: [...program.running].map((spawn) => spawn.id),
      history: program.history.map((spawn) => spawn.id),
      triggers: [...program.triggers].map(jobSnapshot),
    }),
  ),
});

/** `record[key]` when it is the record's own (an id such as `"__proto__"` finds nothing inherited). */
const own = <T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

const mismatch = (field: string, message: string): SchedkitError =>
  new SchedkitError("restore-mismatch", `${field}: ${message}`, { field });

/**
 * A kernel from a snapshot and the programs' specs. The snapshot is copied
 * (the kernel shares nothing with the caller's object) and decoded (its
 * shape); the specs are copied and decoded as at install; then the snapshot is
 * checked for consistency, with itself and with the specs (see
 * `checkSnapshot`), before anything is built: a tampered snapshot is refused,
 * never restored into a corrupted kernel.
 */
export const restoreMachine = (
  input: unknown,
  programs: Readonly<Record<string, ProgramSpec>> | readonly ProgramSpec[],
  options: RestoreOptions = {},
): Machine => {
  const decoded = decodeSnapshot(toJsonData(input, "snapshot"));
  if (!decoded.ok) throw new SchedkitError("invalid-snapshot", decoded.message, { field: decoded.field });
  const snapshot = decoded.value;
  const given = new Map<string, ProgramSpec>(
    Array.isArray(programs)
      ? (programs as readonly ProgramSpec[]).map((spec) => [spec.id, spec])
      : Object.entries(programs as Record<string, ProgramSpec>),
  );
  const specs = new Map<string, ProgramSpec>();
  for (const saved of snapshot.programs) {
    const input = given.get(saved.id);
    if (input === undefined) throw mismatch(`programs.${saved.id}`, "the snapshot has this program; pass its spec");
    // As at install: the kernel keeps its own frozen copy of the spec, each field read once.
    const copied = copyFields(input, "program", programSpecKeys);
    if (!copied.ok) throw new SchedkitError("invalid-program", copied.message, { field: copied.field });
    const checked = decodeProgramSpec(copied.value);
    if (!checked.ok) throw new SchedkitError("invalid-program", checked.message, { field: checked.field });
    const spec = Object.freeze(copied.value) as unknown as ProgramSpec;
    if (spec.id !== saved.id) throw mismatch(`programs.${saved.id}.id`, `the spec's id is "${spec.id}"`);
    specs.set(saved.id, spec);
  }
  checkSnapshot(snapshot, specs);
  // Exactly the snapshot's policies, in its order: extra ones would change the default and what installs accept.
  const byName = new Map((options.policies ?? []).map((policy) => [policy?.name, policy]));
  const policies = snapshot.policies.map((name) => {
    const policy = byName.get(name);
    if (policy === undefined) {
      throw mismatch("options.policies", `the snapshot's kernel had a policy named "${name}"; pass it`);
    }
    return policy;
  });
  const machine = new Machine({
    policies,
    ...(snapshot.defaultPolicy === null ? {} : { defaultPolicy: snapshot.defaultPolicy }),
    historyLimit: snapshot.historyLimit,
    catchUpLimit: snapshot.catchUpLimit,
  });
  machine.now = snapshot.now;
  machine.regressions = snapshot.regressions;
  machine.wallOffset = snapshot.wallOffset;
  machine.jobSeq = snapshot.jobSeq;
  machine.spawnSeq = snapshot.spawnSeq;
  machine.random.state = snapshot.random >>> 0;

  for (const saved of snapshot.programs) {
    const spec = specs.get(saved.id) as ProgramSpec;
    const resolve = (ref: IntervalRef, override: Interval | undefined, field: string): Interval => {
      if (typeof ref === "number") return ref;
      const fn = ref.fn === "override" ? override : ref.fn === "spec" ? spec.interval : undefined;
      if (typeof fn !== "function") {
        throw mismatch(
          field,
          `the snapshot's interval was a function (${ref.fn}) that cannot be restored from the specs`,
        );
      }
      return fn;
    };
    const program: ProgramRecord = {
      id: spec.id,
      spec,
      config: configOf(spec),
      scope: spec.scope ?? "program",
      min: spec.min,
      max: spec.max,
      policy: spec.policy,
      cron: cronOf(spec),
      interval: resolve(saved.interval, undefined, `programs.${saved.id}.interval`),
      state: saved.state,
      running: new SpawnList(),
      spawns: new Map(),
      history: [],
      counts: { ...saved.counts },
      triggers: new Set(),
      spawnCounter: saved.spawnCounter,
    };
    machine.programs.set(program.id, program);
    /** A job back in the heap (waiting) or the in-flight table. */
    const restoreJob = (job: JobSnapshot, spawn: SpawnRecord | null): JobRecord => {
      const record: JobRecord = {
        id: job.id,
        seq: job.seq,
        dueAt: job.dueAt,
        heapIndex: -1,
        program,
        spawn,
        startedAt: job.startedAt ?? Number.NaN,
        inFlightIndex: -1,
      };
      if (job.startedAt === null) machine.heap.push(record);
      else machine.inFlight.add(record);
      return record;
    };
    for (const savedSpawn of saved.spawns) {
      let overrides: SpawnOptions | undefined;
      if (savedSpawn.overrides !== null) {
        const given = own(own(options.spawnOverrides, saved.id), savedSpawn.id) ?? {};
        const functions: Record<string, unknown> = {};
        for (const name of savedSpawn.overrides.functions) {
          const fn = (given as Record<string, unknown>)[name];
          if (typeof fn !== "function") {
            throw mismatch(
              `options.spawnOverrides.${saved.id}.${savedSpawn.id}.${name}`,
              "the spawn had this function override; pass it",
            );
          }
          functions[name] = fn;
        }
        overrides = { ...savedSpawn.overrides.data, ...functions } as SpawnOptions;
      }
      const spawn: SpawnRecord = {
        id: savedSpawn.id,
        programId: program.id,
        program,
        seq: savedSpawn.seq,
        startedAt: savedSpawn.startedAt,
        config: overrides === undefined ? program.config : configOf(overrides as ProgramSpec, program.config),
        overrides,
        status: savedSpawn.status,
        stopReason: savedSpawn.stopReason ?? undefined,
        inHistory: savedSpawn.inHistory,
        updatedAt: savedSpawn.updatedAt,
        interval: resolve(savedSpawn.interval, overrides?.interval, `spawns.${saved.id}.${savedSpawn.id}.interval`),
        lastInterval: savedSpawn.lastInterval,
        state: savedSpawn.state,
        submitted: savedSpawn.submitted,
        succeeded: savedSpawn.succeeded,
        errored: savedSpawn.errored,
        lastError: savedSpawn.lastError,
        missed: savedSpawn.missed,
        // Per-dispatch counters (the catch-up limit): they start again at the next dispatch.
        dispatchMark: 0,
        dispatchStarts: 0,
        pending: null,
        inFlight: [],
        latestResult: new LatestResult(),
        results: savedSpawn.results === null ? undefined : ([...savedSpawn.results] as ResultRecord[]),
        prev: null,
        next: null,
      };
      spawn.latestResult.setRecord((savedSpawn.latestResult ?? undefined) as ResultRecord | undefined);
      spawn.pending = savedSpawn.pending === null ? null : restoreJob(savedSpawn.pending, spawn);
      for (const job of savedSpawn.inFlight) {
        const record = restoreJob(job, spawn);
        record.inFlightIndex = spawn.inFlight.length;
        spawn.inFlight.push(record);
      }
      program.spawns.set(spawn.id, spawn);
    }
    // checkSnapshot has made sure every listed id is a known spawn, once.
    const known = (id: string): SpawnRecord => program.spawns.get(id) as SpawnRecord;
    for (const id of saved.running) program.running.append(known(id));
    for (const id of saved.history) program.history.push(known(id));
    for (const job of saved.triggers) program.triggers.add(restoreJob(job, null));
  }
  return machine;
};
