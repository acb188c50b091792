import { SchedkitError } from "../SchedkitError.js";
import { addInFlight } from "./inFlight.js";
import { LatestResult } from "./latestResult.js";
import { endMarkerOf } from "./lifespan.js";
import { configOf } from "./model.js";
import { pauseOf } from "./snapshotData.js";
import { SpawnList } from "./spawnList.js";

const own = (record, key) => (record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined);
const mismatch = (field, message) => new SchedkitError("restore-mismatch", `${field}: ${message}`, { field });
/**
 * The records of a saved program, as it was. Throws `restore-mismatch` naming the field when a
 * function it had cannot be found again: an interval function set with `set-interval`, or a
 * function-valued spawn override not passed in `spawnOverrides` (by spawn id). The saved data
 * must have passed `checkSnapshot` (every listed spawn id is a known spawn, once).
 */
export const rebuildProgram = (base, saved, spawnOverrides, fields) => {
  const { spec } = base;
  const resolve = (ref, override, field) => {
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
  const program = {
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
  const jobs = [];
  const job = (savedJob, spawn, held = false) => {
    const started = savedJob.startedAt !== null;
    const record = {
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
      args: started ? savedJob.args : undefined,
      heldFrom: savedJob.jitterUntil === undefined ? Number.NaN : savedJob.dueAt,
      backfill: savedJob.backfill === true,
    };
    jobs.push({ record, saved: savedJob, place: started ? "inFlight" : held ? "none" : "heap" });
    return record;
  };
  for (const savedSpawn of saved.spawns) {
    let overrides;
    if (savedSpawn.overrides !== null) {
      const given = own(spawnOverrides, savedSpawn.id) ?? {};
      const functions = {};
      for (const name of savedSpawn.overrides.functions) {
        const fn = given[name];
        if (typeof fn !== "function") {
          throw mismatch(fields.override(savedSpawn.id, name), "the spawn had this function override; pass it");
        }
        functions[name] = fn;
      }
      overrides = { ...savedSpawn.overrides.data, ...functions };
    }
    const spawn = {
      id: savedSpawn.id,
      programId: program.id,
      program,
      seq: savedSpawn.seq,
      startedAt: savedSpawn.startedAt,
      config: overrides === undefined ? program.config : configOf(overrides, program.config),
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
      buffer: [],
      skipped: savedSpawn.skipped ?? 0,
      runs: savedSpawn.runs ?? 0,
      paused: pauseOf(savedSpawn.paused),
      endMarker: null,
      latestResult: new LatestResult(),
      firePrefix: "",
      results: savedSpawn.results === null ? undefined : [...savedSpawn.results],
      prev: null,
      next: null,
    };
    spawn.latestResult.setRecord(savedSpawn.latestResult ?? undefined);
    spawn.pending = savedSpawn.pending === null ? null : job(savedSpawn.pending, spawn, spawn.parked);
    for (const savedJob of savedSpawn.buffer ?? []) {
      const record = job(savedJob, spawn, true);
      record.fireId = savedJob.fireId;
      spawn.buffer.push(record);
    }
    for (const savedJob of savedSpawn.inFlight) {
      const record = job(savedJob, spawn);
      addInFlight(spawn, record);
    }
    program.spawns.set(spawn.id, spawn);
  }
  const known = (id) => program.spawns.get(id);
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
