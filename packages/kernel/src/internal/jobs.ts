/** A job's life up to its start: made (or reused), scheduled on the heap, started when due. */

import { backfillStarts } from "./backfill.js";
import { missesDue } from "./catchUpDue.js";
import { addInFlight } from "./inFlight.js";
import { endHold, holdForJitter } from "./jitter.js";
import { atMaxRuns, endAtReached, stopAtMaxRuns } from "./lifespan.js";
import type { Machine } from "./machine.js";
import {
  fireIdOf,
  isBusy,
  isPaused,
  isRunning,
  type JobRecord,
  jobIdOf,
  type ProgramRecord,
  type SpawnRecord,
} from "./model.js";
import { overlapsDue } from "./overlap.js";
import { park } from "./pause.js";
import { finishJob } from "./settlement.js";
import { scheduleNextOnGrid } from "./timing.js";

export type ReusableJob = { -readonly [K in keyof JobRecord]: JobRecord[K] };

/** Starts every job due by now, in (due time, creation order); due times that are too old are reported missed. */
export function runDue(m: Machine): void {
  const heap = m.heap;
  for (let job = heap.peek(); job !== undefined && job.dueAt <= m.now; job = heap.peek()) {
    const spawn = job.spawn;
    if (spawn !== null) {
      // In this order: the end of the spawn's dates, a pause, the catch-up window and limit, overlap.
      // `endAt` is judged by the time now, not the due time: a due time before it that is only
      // reached after it (a late tick, a host that slept) does not run either.
      if (job === spawn.endMarker || (spawn.endMarker !== null && m.now >= spawn.endMarker.dueAt)) {
        endAtReached(m, spawn);
        continue;
      }
      if (isPaused(spawn)) {
        park(m, spawn, job);
        continue;
      }
      // A job at the end of its jitter hold goes through the checks again (a host away meanwhile
      // makes it old) but draws no new delay.
      const held = job.heldFrom !== undefined;
      endHold(job);
      if (missesDue(m, spawn, job)) continue;
      if (spawn.config.overlap !== "allow" && isBusy(spawn) && overlapsDue(m, spawn, job)) continue;
      if (!held && spawn.config.jitter > 0 && holdForJitter(m, spawn, job)) continue;
    } else if (job.backfill) {
      backfillStarts(m, job);
    }
    // The job stays on top while it starts: a spawn's next job then takes its
    // place in one sift (see `schedule`); otherwise it is popped here.
    m.starting = job;
    startJob(m, job);
    if (m.starting === job) {
      m.starting = null;
      heap.remove(job);
    }
  }
}

export function newJob(m: Machine, program: ProgramRecord, spawn: SpawnRecord | null, dueAt: number): JobRecord {
  const seq = ++m.jobSeq;
  const id = "";
  const firePrefix = spawn === null ? "" : spawn.firePrefix;
  const job = m.spareJobs.pop();
  if (job === undefined) {
    return {
      id,
      seq,
      dueAt,
      heapIndex: -1,
      lane: null,
      lanePrev: null,
      laneNext: null,
      program,
      spawn,
      startedAt: Number.NaN,
      inFlightIndex: -1,
      fireId: "",
      firePrefix,
      args: undefined,
      heldFrom: undefined,
      backfill: false,
    };
  }
  job.id = id;
  job.seq = seq;
  job.dueAt = dueAt;
  job.heapIndex = -1;
  job.lane = null;
  job.lanePrev = null;
  job.laneNext = null;
  job.program = program;
  job.spawn = spawn;
  job.startedAt = Number.NaN;
  job.inFlightIndex = -1;
  job.fireId = "";
  job.firePrefix = firePrefix;
  job.args = undefined;
  job.heldFrom = undefined;
  job.backfill = false;
  return job;
}

export function schedule(m: Machine, spawn: SpawnRecord, dueAt: number): void {
  const job = newJob(m, spawn.program, spawn, dueAt);
  spawn.pending = job;
  spawn.submitted++;
  spawn.program.counts.submitted++;
  // Fixed rate or fixed delay by a number of ms: its interval's lane (see `timerQueue.ts`).
  const laneKey = spawn.config.type !== "cron" && typeof spawn.interval === "number" ? spawn.lastInterval : Number.NaN;
  const starting = m.starting;
  if (starting !== null && m.heap.peek() === starting) {
    m.starting = null;
    m.heap.replaceTop(job, laneKey);
  } else {
    m.heap.push(job, laneKey);
  }
}

export function trigger(m: Machine, program: ProgramRecord, scheduledAt: number, fireId: string | undefined): void {
  const job = newJob(m, program, null, scheduledAt);
  const jobId = jobIdOf(job);
  job.fireId = fireId ?? `${program.id}/trigger/${jobId}`;
  program.triggers.add(job);
  program.fresh = false;
  m.heap.push(job);
  m.emit({ type: "triggered", jobId, programId: program.id, scheduledAt });
}

export function startJob(m: Machine, job: JobRecord): void {
  const spawn = job.spawn;
  job.startedAt = m.now;
  m.inFlight.add(job);
  if (spawn !== null) {
    // Its due time is final now (see `fireIdOf`: a started spawn job's fire id is made from it).
    spawn.pending = null;
    enterInFlight(spawn, job);
    // Fixed rate: the next point of the grid is set as soon as this job starts (unless it was the last run).
    if (spawn.config.type !== "basic" && isRunning(spawn) && !atMaxRuns(spawn)) scheduleNextOnGrid(m, spawn, job);
  }
  emitRun(m, job);
  if (spawn !== null) stopAtMaxRuns(m, spawn);
}

/**
 * A buffered run of a free spawn starts now, at its own due time; the grid was scheduled when it was
 * buffered. A run whose `argsFn` throws settles at once and frees the spawn again: the next one then
 * starts here, in a loop (a buffer of failing runs must not recurse once per run).
 */
export function startBuffered(m: Machine, spawn: SpawnRecord): void {
  if (m.drainingBuffer === spawn) {
    m.bufferFreed = true;
    return;
  }
  const outer = m.drainingBuffer;
  m.drainingBuffer = spawn;
  try {
    do {
      m.bufferFreed = false;
      if (atMaxRuns(spawn)) break;
      dropStaleBuffered(m, spawn);
      if (spawn.buffer.length === 0) break;
      const job = spawn.buffer.shift() as JobRecord;
      job.startedAt = m.now;
      m.inFlight.add(job);
      enterInFlight(spawn, job);
      emitRun(m, job);
      stopAtMaxRuns(m, spawn);
    } while (
      m.bufferFreed &&
      spawn.buffer.length > 0 &&
      spawn.inFlightCount === 0 &&
      isRunning(spawn) &&
      !isPaused(spawn)
    );
  } finally {
    m.drainingBuffer = outer;
  }
}

/**
 * Buffered runs whose due time fell out of the catch-up window while they waited are missed, one
 * `missed` effect each (they need not be neighbours on the grid: due times between them may have run
 * or been skipped).
 */
function dropStaleBuffered(m: Machine, spawn: SpawnRecord): void {
  const oldest = m.now - spawn.config.catchUpWindow;
  while (spawn.buffer.length > 0 && (spawn.buffer[0] as JobRecord).dueAt < oldest) {
    const job = spawn.buffer.shift() as JobRecord;
    spawn.missed++;
    m.emit({
      type: "missed",
      programId: spawn.programId,
      spawnId: spawn.id,
      count: 1,
      from: job.dueAt,
      to: job.dueAt,
      reason: "catch-up-window",
    });
  }
}

/** The spawn's job is in flight: its index kept for an O(1) removal, and the run counted. */
function enterInFlight(spawn: SpawnRecord, job: JobRecord): void {
  addInFlight(spawn, job);
  spawn.runs++;
  if (spawn.status === "created") spawn.status = "running";
}

/** `argsFn`, then the `run` effect; a throwing `argsFn` fails the job at once. */
function emitRun(m: Machine, job: JobRecord): void {
  const spawn = job.spawn;
  const argsFn = (spawn?.config ?? job.program.config).argsFn;
  let args: unknown;
  try {
    args = argsFn?.();
  } catch (error) {
    finishJob(m, job, true, error);
    return;
  }
  job.args = args;
  m.emit({
    type: "run",
    jobId: jobIdOf(job),
    fireId: fireIdOf(job),
    programId: job.program.id,
    spawnId: spawn?.id ?? null,
    scheduledAt: job.dueAt,
    startedAt: m.now,
    args,
  });
}
