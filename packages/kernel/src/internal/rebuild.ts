import type { Interval, Overlap, ProgramSpec, ResultRecord, SpawnOptions } from "../Program.js";
import { SchedkitError } from "../SchedkitError.js";
import type { CronSchedule } from "./cron.js";
import { addInFlight } from "./inFlight.js";
import { setLatestRecord } from "./latestResult.js";
import { endMarkerOf } from "./lifespan.js";
import {
  bufferRun,
  configOf,
  type JobRecord,
  NO_BUFFER,
  type ProgramRecord,
  type SpawnConfig,
  type SpawnRecord,
  sharedConfigOf,
} from "./model.js";
import { pauseOf } from "./snapshotData.js";
import type { IntervalRef, ProgramSnapshot, SpawnSnapshot } from "./snapshotTypes.js";
import { SpawnList } from "./spawnList.js";

// A program's records rebuilt from saved data: a snapshot's part (restoreKernel) or an export
// (the adopt command). Only records are made here; the caller puts the jobs into its heap and
// in-flight table (with the saved job numbers, or new ones).

/** A saved job: a snapshot's (with its id) or an export's (without; it gets a new one). */
export interface SavedJob {
  readonly seq: number;
  readonly fireId: string;
  readonly dueAt: number;
  readonly jitterUntil?: number;
  readonly backfill?: boolean;
  readonly startedAt: number | null;
  readonly args?: unknown;
}

/** A saved spawn, with jobs of either kind. */
export type SavedSpawn = Omit<SpawnSnapshot, "pending" | "inFlight" | "buffer"> & {
  readonly pending: SavedJob | null;
  readonly inFlight: readonly SavedJob[];
  readonly buffer?: readonly SavedJob[];
};

/** A saved program, with spawns and triggers of either kind. */
export type SavedProgram = Pick<
  ProgramSnapshot,
  "id" | "interval" | "state" | "counts" | "spawnCounter" | "random" | "running" | "history" | "paused"
> & {
  readonly spawns: readonly SavedSpawn[];
  readonly triggers: readonly SavedJob[];
  readonly fresh?: boolean;
  readonly backfill?: { readonly overlap: Overlap; readonly queue: readonly SavedJob[] };
};

/** What the program's own record takes from its spec (made by install, or from the spec at restore). */
export interface ProgramBase {
  readonly spec: ProgramSpec;
  readonly config: SpawnConfig;
  readonly cron: CronSchedule | undefined;
}

/** Where a missing function is named in errors. */
export interface RebuildFields {
  readonly programInterval: string;
  spawnInterval(spawnId: string): string;
  override(spawnId: string, name: string): string;
}

export interface Rebuilt {
  readonly program: ProgramRecord;
  /**
   * Every live job, with what was saved of it, in the saved order (spawns' jobs, then triggers), and
   * where it goes: the heap (waiting), the in-flight table, or neither (buffered, or parked by a
   * pause: its spawn holds it). A spawn's `endAt` marker is in the heap list too, without `saved`.
   */
  readonly jobs: readonly {
    readonly record: JobRecord;
    readonly saved: SavedJob | undefined;
    readonly place: "heap" | "inFlight" | "none";
  }[];
}

const own = <T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

const mismatch = (field: string, message: string): SchedkitError =>
  new SchedkitError("restore-mismatch", `${field}: ${message}`, { field });

/**
 * The records of a saved program, as it was. Throws `restore-mismatch` naming the field when a
 * function it had cannot be found again: an interval function set with `set-interval`, or a
 * function-valued spawn override not passed in `spawnOverrides` (by spawn id). The saved data
 * must have passed `checkSnapshot` (every listed spawn id is a known spawn, once).
 */
export const rebuildProgram = (
  base: ProgramBase,
  saved: SavedProgram,
  spawnOverrides: Readonly<Record<string, SpawnOptions>> | undefined,
  fields: RebuildFields,
): Rebuilt => {
  const { spec } = base;
  const resolve = (ref: IntervalRef, override: Interval | undefined, field: string): Interval => {
    if (typeof ref === "number") return ref;
    const fn = ref.fn === "override" ? override : ref.fn === "spec" ? spec.interval : undefined;
    if (typeof fn !== "function") {
      throw mismatch(
        field,
        `the saved interval was a function (${ref.fn}) that cannot be restored from the specs; set numbers with set-interval, or put the function in the spec`,
      );
    }
    return fn;
  };
  const program: ProgramRecord = {
    id: spec.id,
    spec,
    config: base.config,
    scope: spec.scope ?? "program",
    min: spec.min,
    max: spec.max,
    policy: spec.policy,
    cron: base.cron,
    interval: resolve(saved.interval, undefined, fields.programInterval),
    state: saved.state,
    running: new SpawnList(),
    spawns: new Map(),
    history: [],
    counts: { ...saved.counts },
    triggers: new Set(),
    spawnCounter: saved.spawnCounter,
    random: { state: saved.random >>> 0 },
    fresh: saved.fresh ?? false,
    paused: pauseOf(saved.paused),
    backfill: null,
  };
  const jobs: { record: JobRecord; saved: SavedJob | undefined; place: "heap" | "inFlight" | "none" }[] = [];
  const job = (savedJob: SavedJob, spawn: SpawnRecord | null, held = false): JobRecord => {
    const started = savedJob.startedAt !== null;
    const record: JobRecord = {
      id: "",
      seq: savedJob.seq,
      // Held by jitter: in the heap at its start, `heldFrom` its due time.
      dueAt: savedJob.jitterUntil ?? savedJob.dueAt,
      heapIndex: -1,
      lane: null,
      lanePrev: null,
      laneNext: null,
      program,
      spawn,
      startedAt: savedJob.startedAt ?? Number.NaN,
      inFlightIndex: -1,
      // A waiting spawn job's fire id follows its due time (made when it starts).
      fireId: spawn === null || started ? savedJob.fireId : "",
      firePrefix: spawn === null ? "" : spawn.firePrefix,
      args: started ? savedJob.args : undefined,
      heldFrom: savedJob.jitterUntil === undefined ? undefined : savedJob.dueAt,
      backfill: savedJob.backfill === true,
    };
    jobs.push({ record, saved: savedJob, place: started ? "inFlight" : held ? "none" : "heap" });
    return record;
  };
  for (const savedSpawn of saved.spawns) {
    let overrides: SpawnOptions | undefined;
    if (savedSpawn.overrides !== null) {
      const given = own(spawnOverrides, savedSpawn.id) ?? {};
      const functions: Record<string, unknown> = {};
      for (const name of savedSpawn.overrides.functions) {
        const fn = (given as Record<string, unknown>)[name];
        if (typeof fn !== "function") {
          throw mismatch(fields.override(savedSpawn.id, name), "the spawn had this function override; pass it");
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
      config:
        overrides === undefined
          ? program.config
          : sharedConfigOf(configOf(overrides as ProgramSpec, program.config), program.config),
      overrides,
      status: savedSpawn.status,
      stopReason: savedSpawn.stopReason ?? undefined,
      inHistory: savedSpawn.inHistory,
      updatedAt: savedSpawn.updatedAt,
      interval: resolve(savedSpawn.interval, overrides?.interval, fields.spawnInterval(savedSpawn.id)),
      lastInterval: savedSpawn.lastInterval,
      state: savedSpawn.state,
      submitted: savedSpawn.submitted,
      succeeded: savedSpawn.succeeded,
      errored: savedSpawn.errored,
      lost: savedSpawn.lost,
      lastError: savedSpawn.lastError,
      missed: savedSpawn.missed,
      // Per-dispatch counters (the catch-up limit): they start again at the next dispatch.
      dispatchMark: 0,
      dispatchStarts: 0,
      pending: null,
      parked: savedSpawn.parked ?? false,
      inFlightCount: 0,
      inFlightFirst: null,
      inFlightRest: null,
      buffer: NO_BUFFER,
      skipped: savedSpawn.skipped ?? 0,
      runs: savedSpawn.runs ?? 0,
      paused: pauseOf(savedSpawn.paused),
      endMarker: null,
      latestSeq: 0,
      latestFailed: false,
      latestPayload: undefined,
      latestScheduledAt: 0,
      latestStartedAt: 0,
      latestEndedAt: 0,
      latestRecord: undefined,
      firePrefix: `${program.id}/${savedSpawn.id}/`,
      results: savedSpawn.results === null ? undefined : ([...savedSpawn.results] as ResultRecord[]),
      prev: null,
      next: null,
    };
    setLatestRecord(spawn, (savedSpawn.latestResult ?? undefined) as ResultRecord | undefined);
    spawn.pending = savedSpawn.pending === null ? null : job(savedSpawn.pending, spawn, spawn.parked);
    for (const savedJob of savedSpawn.buffer ?? []) {
      const record = job(savedJob, spawn, true);
      record.fireId = savedJob.fireId;
      bufferRun(spawn, record);
    }
    for (const savedJob of savedSpawn.inFlight) {
      const record = job(savedJob, spawn);
      addInFlight(spawn, record);
    }
    program.spawns.set(spawn.id, spawn);
  }
  const known = (id: string): SpawnRecord => program.spawns.get(id) as SpawnRecord;
  for (const id of saved.running) {
    const spawn = known(id);
    program.running.append(spawn);
    // A running spawn with `endAt` stops then: its marker is made again (it is not saved).
    if (spawn.config.endAt !== undefined) {
      spawn.endMarker = endMarkerOf(spawn, spawn.config.endAt);
      jobs.push({ record: spawn.endMarker, saved: undefined, place: "heap" });
    }
  }
  for (const id of saved.history) program.history.push(known(id));
  for (const savedJob of saved.triggers) program.triggers.add(job(savedJob, null));
  if (saved.backfill !== undefined) {
    // Its runs held back wait in its queue, out of the heap, until their turn.
    program.backfill = {
      overlap: saved.backfill.overlap,
      queue: saved.backfill.queue.map((savedJob) => job(savedJob, null, true)),
    };
  }
  return { program, jobs };
};
