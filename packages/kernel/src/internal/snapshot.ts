import { Schema } from "effect";
import type { UnspawnPolicy } from "../Policy.js";
import type { Interval, ProgramSpec, ResultRecord, SpawnOptions } from "../Program.js";
import { decodeProgramSpec } from "../Program.js";
import { SchedkitError } from "../SchedkitError.js";
import { LatestResult } from "./latestResult.js";
import { configOf, cronOf, Machine } from "./machine.js";
import { type JobRecord, jobIdOf, type ProgramRecord, type SpawnRecord } from "./model.js";
import { SpawnList } from "./spawnList.js";
import { decodeWith } from "./validate.js";

/**
 * Where an interval function came from: the program spec, the spawn's
 * overrides, or a `set-interval` command (which a snapshot cannot carry).
 */
const IntervalRef = Schema.Union([
  Schema.Finite,
  Schema.Struct({ fn: Schema.Literals(["spec", "override", "set-interval"]) }),
]);
type IntervalRef = typeof IntervalRef.Type;

const JobSnapshot = Schema.Struct({
  id: Schema.String,
  seq: Schema.Int,
  dueAt: Schema.Finite,
  startedAt: Schema.NullOr(Schema.Finite),
});
type JobSnapshot = typeof JobSnapshot.Type;

const ResultSnapshot = Schema.Struct({
  jobId: Schema.String,
  status: Schema.Literals(["succeeded", "errored"]),
  value: Schema.optional(Schema.Unknown),
  error: Schema.optional(Schema.Unknown),
  scheduledAt: Schema.Finite,
  startedAt: Schema.Finite,
  endedAt: Schema.Finite,
});

const SpawnSnapshot = Schema.Struct({
  id: Schema.String,
  seq: Schema.Int,
  startedAt: Schema.Finite,
  status: Schema.Literals(["created", "running", "terminating", "stopped"]),
  stopReason: Schema.NullOr(Schema.Literals(["stop", "kill", "unspawn", "continue", "fault", "uninstall"])),
  inHistory: Schema.Boolean,
  updatedAt: Schema.Finite,
  interval: IntervalRef,
  lastInterval: Schema.Finite,
  state: Schema.Unknown,
  submitted: Schema.Int,
  succeeded: Schema.Int,
  errored: Schema.Int,
  lastError: Schema.Unknown,
  pending: Schema.NullOr(JobSnapshot),
  inFlight: Schema.Array(JobSnapshot),
  latestResult: Schema.NullOr(ResultSnapshot),
  results: Schema.NullOr(Schema.Array(ResultSnapshot)),
  /** Data overrides as given; function overrides by name only. */
  overrides: Schema.NullOr(
    Schema.Struct({ data: Schema.Record(Schema.String, Schema.Unknown), functions: Schema.Array(Schema.String) }),
  ),
});
type SpawnSnapshot = typeof SpawnSnapshot.Type;

const ProgramSnapshot = Schema.Struct({
  id: Schema.String,
  interval: IntervalRef,
  state: Schema.Unknown,
  counts: Schema.Struct({ submitted: Schema.Int, succeeded: Schema.Int, errored: Schema.Int }),
  spawnCounter: Schema.Int,
  spawns: Schema.Array(SpawnSnapshot),
  running: Schema.Array(Schema.String),
  history: Schema.Array(Schema.String),
  triggers: Schema.Array(JobSnapshot),
});
type ProgramSnapshot = typeof ProgramSnapshot.Type;

/**
 * The whole state of a kernel as plain JSON data, without the programs'
 * functions. Program state, results and errors are stored as JSON (an Error
 * becomes `{ name, message }`).
 *
 * @since 0.1.0
 */
export const KernelSnapshotSchema = Schema.Struct({
  version: Schema.Literal(1),
  now: Schema.Finite,
  regressions: Schema.Int,
  jobSeq: Schema.Int,
  spawnSeq: Schema.Int,
  random: Schema.Int,
  historyLimit: Schema.Int,
  policies: Schema.Array(Schema.String),
  defaultPolicy: Schema.NullOr(Schema.String),
  programs: Schema.Array(ProgramSnapshot),
});

/** @since 0.1.0 */
export type KernelSnapshot = typeof KernelSnapshotSchema.Type;

const decodeSnapshot = decodeWith(KernelSnapshotSchema, "snapshot");

/** JSON data of a user value: Errors become `{ name, message }`, everything else goes through JSON. */
export const toJsonData = (value: unknown): unknown => {
  if (value === undefined) return null;
  const text = JSON.stringify(value, (_key, inner: unknown) =>
    inner instanceof Error ? { name: inner.name, message: inner.message } : inner,
  );
  return text === undefined ? null : JSON.parse(text);
};

const fromJsonData = (value: unknown): unknown => (value === null ? undefined : value);

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

const resultSnapshot = (result: ResultRecord) => ({
  ...result,
  ...(result.value === undefined ? {} : { value: toJsonData(result.value) }),
  ...(result.error === undefined ? {} : { error: toJsonData(result.error) }),
});

const latestResultSnapshot = (spawn: SpawnRecord) => {
  const result = spawn.latestResult.get();
  return result === undefined ? null : resultSnapshot(result);
};

const overridesSnapshot = (overrides: SpawnOptions | undefined): SpawnSnapshot["overrides"] => {
  if (overrides === undefined) return null;
  const data: Record<string, unknown> = {};
  const functions: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (key === "spawnId" || value === undefined) continue;
    if (typeof value === "function") functions.push(key);
    else data[key] = toJsonData(value);
  }
  return { data, functions };
};

const spawnSnapshot = (spawn: SpawnRecord): SpawnSnapshot => ({
  id: spawn.id,
  seq: spawn.seq,
  startedAt: spawn.startedAt,
  status: spawn.status,
  stopReason: spawn.stopReason ?? null,
  inHistory: spawn.inHistory,
  updatedAt: spawn.updatedAt,
  interval: intervalRef(spawn.interval, spawn.program.spec.interval, spawn.overrides?.interval),
  lastInterval: spawn.lastInterval,
  state: toJsonData(spawn.state),
  submitted: spawn.submitted,
  succeeded: spawn.succeeded,
  errored: spawn.errored,
  lastError: toJsonData(spawn.lastError),
  pending: spawn.pending === null ? null : jobSnapshot(spawn.pending),
  inFlight: spawn.inFlight.map(jobSnapshot),
  latestResult: latestResultSnapshot(spawn),
  results: spawn.results === undefined ? null : spawn.results.map(resultSnapshot),
  overrides: overridesSnapshot(spawn.overrides),
});

export const snapshotOf = (machine: Machine): KernelSnapshot => ({
  version: 1,
  now: machine.now,
  regressions: machine.regressions,
  jobSeq: machine.jobSeq,
  spawnSeq: machine.spawnSeq,
  random: machine.random.state,
  historyLimit: machine.historyLimit,
  policies: [...machine.policies.keys()],
  defaultPolicy: machine.defaultPolicy ?? null,
  programs: [...machine.programs.values()].map(
    (program): ProgramSnapshot => ({
      id: program.id,
      interval: intervalRef(program.interval, program.spec.interval, undefined),
      state: toJsonData(program.state),
      counts: { ...program.counts },
      spawnCounter: program.spawnCounter,
      spawns: [...program.spawns.values()].map(spawnSnapshot),
      running: [...program.running].map((spawn) => spawn.id),
      history: program.history.map((spawn) => spawn.id),
      triggers: [...program.triggers].map(jobSnapshot),
    }),
  ),
});

/** Options for `restoreKernel`. @since 0.1.0 */
export interface RestoreOptions {
  /** The policies the snapshot's kernel had registered (all of them, by name). */
  readonly policies?: readonly UnspawnPolicy[];
  /** Function-valued spawn overrides, by program id, then spawn id. */
  readonly spawnOverrides?: Readonly<Record<string, Readonly<Record<string, SpawnOptions>>>>;
}

const mismatch = (field: string, message: string): SchedkitError =>
  new SchedkitError("restore-mismatch", `${field}: ${message}`, { field });

export const restoreMachine = (
  input: unknown,
  programs: Readonly<Record<string, ProgramSpec>> | readonly ProgramSpec[],
  options: RestoreOptions = {},
): Machine => {
  const decoded = decodeSnapshot(input);
  if (!decoded.ok) throw new SchedkitError("invalid-snapshot", decoded.message, { field: decoded.field });
  const snapshot = decoded.value;
  const specs = new Map<string, ProgramSpec>(
    Array.isArray(programs)
      ? (programs as readonly ProgramSpec[]).map((spec) => [spec.id, spec])
      : Object.entries(programs as Record<string, ProgramSpec>),
  );
  const policies = options.policies ?? [];
  const names = new Set(policies.map((policy) => policy.name));
  for (const name of snapshot.policies) {
    if (!names.has(name))
      throw mismatch("options.policies", `the snapshot's kernel had a policy named "${name}"; pass it`);
  }
  const machine = new Machine({
    policies,
    ...(snapshot.defaultPolicy === null ? {} : { defaultPolicy: snapshot.defaultPolicy }),
    historyLimit: snapshot.historyLimit,
  });
  machine.now = snapshot.now;
  machine.regressions = snapshot.regressions;
  machine.jobSeq = snapshot.jobSeq;
  machine.spawnSeq = snapshot.spawnSeq;
  machine.random.state = snapshot.random >>> 0;

  for (const saved of snapshot.programs) {
    const spec = specs.get(saved.id);
    if (spec === undefined) throw mismatch(`programs.${saved.id}`, "the snapshot has this program; pass its spec");
    const checked = decodeProgramSpec(spec);
    if (!checked.ok) throw new SchedkitError("invalid-program", checked.message, { field: checked.field });
    if (spec.id !== saved.id) throw mismatch(`programs.${saved.id}.id`, `the spec's id is "${spec.id}"`);
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
      state: fromJsonData(saved.state),
      running: new SpawnList(),
      spawns: new Map(),
      history: [],
      counts: { ...saved.counts },
      triggers: new Set(),
      spawnCounter: saved.spawnCounter,
    };
    machine.programs.set(program.id, program);
    const restoreJob = (job: JobSnapshot, spawn: SpawnRecord | null): JobRecord => {
      const record: JobRecord = {
        id: job.id,
        seq: job.seq,
        dueAt: job.dueAt,
        heapIndex: -1,
        program,
        spawn,
        startedAt: job.startedAt ?? Number.NaN,
      };
      if (job.startedAt === null) machine.heap.push(record);
      else machine.inFlight.add(record);
      return record;
    };
    for (const savedSpawn of saved.spawns) {
      const field = `spawns.${saved.id}.${savedSpawn.id}`;
      let overrides: SpawnOptions | undefined;
      if (savedSpawn.overrides !== null) {
        const given = options.spawnOverrides?.[saved.id]?.[savedSpawn.id] ?? {};
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
        interval: resolve(savedSpawn.interval, overrides?.interval, `${field}.interval`),
        lastInterval: savedSpawn.lastInterval,
        state: fromJsonData(savedSpawn.state),
        submitted: savedSpawn.submitted,
        succeeded: savedSpawn.succeeded,
        errored: savedSpawn.errored,
        lastError: fromJsonData(savedSpawn.lastError),
        pending: null,
        inFlight: [],
        latestResult: new LatestResult(),
        results: savedSpawn.results === null ? undefined : ([...savedSpawn.results] as ResultRecord[]),
        prev: null,
        next: null,
      };
      spawn.latestResult.setRecord((savedSpawn.latestResult ?? undefined) as ResultRecord | undefined);
      spawn.pending = savedSpawn.pending === null ? null : restoreJob(savedSpawn.pending, spawn);
      for (const job of savedSpawn.inFlight) spawn.inFlight.push(restoreJob(job, spawn));
      program.spawns.set(spawn.id, spawn);
    }
    const known = (id: string, where: string): SpawnRecord => {
      const spawn = program.spawns.get(id);
      if (spawn === undefined)
        throw new SchedkitError("invalid-snapshot", `snapshot.programs.${saved.id}.${where}: unknown spawn "${id}"`);
      return spawn;
    };
    for (const id of saved.running) program.running.append(known(id, "running"));
    for (const id of saved.history) program.history.push(known(id, "history"));
    for (const job of saved.triggers) program.triggers.add(restoreJob(job, null));
  }
  return machine;
};
