/** A job's life up to its start: made (or reused), scheduled on the heap, started when due. */

import { missesDue } from "./catchUpDue.js";
import type { Machine } from "./machine.js";
import { isRunning, type JobRecord, jobIdOf, type ProgramRecord, type SpawnRecord, spawnFireId } from "./model.js";
import { finishJob } from "./settlement.js";
import { scheduleNextOnGrid } from "./timing.js";

export type ReusableJob = { -readonly [K in keyof JobRecord]: JobRecord[K] };

/** Starts every job due by now, in (due time, creation order); due times that are too old are reported missed. */
export function runDue(m: Machine): void {
  const heap = m.heap;
  for (let job = heap.peek(); job !== undefined && job.dueAt <= m.now; job = heap.peek()) {
    const spawn = job.spawn;
    if (spawn !== null && missesDue(m, spawn, job)) continue;
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
  const job = m.spareJobs.pop();
  if (job === undefined) {
    return {
      id,
      seq,
      dueAt,
      heapIndex: -1,
      program,
      spawn,
      startedAt: Number.NaN,
      inFlightIndex: -1,
      fireId: "",
      args: undefined,
    };
  }
  job.id = id;
  job.seq = seq;
  job.dueAt = dueAt;
  job.heapIndex = -1;
  job.program = program;
  job.spawn = spawn;
  job.startedAt = Number.NaN;
  job.inFlightIndex = -1;
  job.fireId = "";
  job.args = undefined;
  return job;
}

export function schedule(m: Machine, spawn: SpawnRecord, dueAt: number): void {
  const job = newJob(m, spawn.program, spawn, dueAt);
  spawn.pending = job;
  spawn.submitted++;
  spawn.program.counts.submitted++;
  const starting = m.starting;
  if (starting !== null && m.heap.peek() === starting) {
    m.starting = null;
    m.heap.replaceTop(job);
  } else {
    m.heap.push(job);
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
    // Its due time is final now: the fire id is made once, here.
    job.fireId = spawnFireId(job.program.id, spawn.id, job.dueAt);
    spawn.pending = null;
    job.inFlightIndex = spawn.inFlight.length;
    spawn.inFlight.push(job);
    if (spawn.status === "created") spawn.status = "running";
    // Fixed rate: the next point of the grid is set as soon as this job starts.
    if (spawn.config.type !== "basic" && isRunning(spawn)) scheduleNextOnGrid(m, spawn, job);
  }
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
    fireId: job.fireId,
    programId: job.program.id,
    spawnId: spawn?.id ?? null,
    scheduledAt: job.dueAt,
    startedAt: m.now,
    args,
  });
}
