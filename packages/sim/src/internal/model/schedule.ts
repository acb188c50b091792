/**
 * The reference model's schedule arithmetic: new jobs, a spawn's next interval, cron matches
 * on the wall clock, and the next due time after a job starts, is skipped or is buffered. A
 * schedule that cannot move on faults its spawn (which stops it).
 */
import type { ModelState } from "./modelState.js";
import type { Job, Program, Spawn } from "./state.js";
import { fault } from "./stopping.js";
import { describe, IntervalError, intervalValue } from "./values.js";

/** A new job, listed in the queue (a spawn's, or the program's own with its fire id). */
export const newJob = (m: ModelState, program: Program, spawn: Spawn | null, dueAt: number, fireId?: string): Job => {
  m.jobsIssued += 1;
  const jobsIssued = m.jobsIssued;
  const job: Job = {
    id: `job-${jobsIssued}`,
    seq: jobsIssued,
    program,
    spawn,
    // A spawn's job's fire id is made from its due time when it is first named (`fireOf`).
    fireId: spawn !== null ? "" : (fireId ?? `${program.id}/trigger/job-${jobsIssued}`),
    fireDue: Number.NaN,
    dueAt,
    startedAt: 0,
    running: false,
    deferred: false,
    parked: false,
    heldUntil: undefined,
    backfill: undefined,
    queued: false,
    heapIndex: -1,
  };
  m.queue.add(job);
  return job;
};

export const schedule = (m: ModelState, spawn: Spawn, dueAt: number): void => {
  newJob(m, spawn.program, spawn, dueAt);
  spawn.submitted += 1;
};

/** The spawn's next interval; a failing interval function stops the spawn (and gives undefined). */
export const nextInterval = (m: ModelState, spawn: Spawn): number | undefined => {
  try {
    spawn.lastInterval = intervalValue(spawn.interval);
    return spawn.lastInterval;
  } catch (error) {
    const code = error instanceof IntervalError ? error.code : "hook-failed";
    fault(m, spawn, code, `interval: ${describe(error).replace(/^interval: /, "")}`, error);
    return undefined;
  }
};

/** The first cron match strictly after kernel time `t`, on the wall clock; NaN when there is none. */
export const cronAfter = (m: ModelState, program: Program, t: number, offset = m.wallOffset): number => {
  const match = program.cronMatch;
  if (match === undefined) return Number.NaN;
  try {
    const next = match(t + offset) - offset;
    return next > t ? next : Number.NaN;
  } catch {
    return Number.NaN;
  }
};

export const pastDateRange = (t: number): Error => new Error(`no due time after ${t} (past the date range)`);

/** A spawn whose schedule cannot move on: it faults (and stops). */
export const noProgress = (m: ModelState, spawn: Spawn, interval: number, at: number): void => {
  const error = new IntervalError(
    `interval: ${interval} ms is below the time's precision at ${at} (it would never move the schedule)`,
  );
  fault(m, spawn, "invalid-interval", error.message, error);
};

/**
 * The spawn's next due time once a job due at `dueAt` starts, is skipped or is buffered:
 * cron, the next match after it (skip: after now); constant, the next grid point (skip:
 * past now). Undefined for a basic spawn, or when the spawn faulted (and stopped).
 */
export const nextDueAfter = (m: ModelState, spawn: Spawn, dueAt: number): number | undefined => {
  const now = m.now;
  if (spawn.program.cronMatch !== undefined) {
    let next = cronAfter(m, spawn.program, dueAt);
    if (spawn.hooks.misfire === "skip" && next <= now) next = cronAfter(m, spawn.program, now);
    if (Number.isNaN(next)) {
      const error = pastDateRange(dueAt);
      fault(m, spawn, "invalid-program", `program.cron: ${error.message}`, error);
      return undefined;
    }
    spawn.lastInterval = next - dueAt;
    return next;
  }
  if (spawn.hooks.type !== "constant") return undefined;
  const interval = nextInterval(m, spawn);
  if (interval === undefined) return undefined;
  let next = dueAt + interval;
  if (spawn.hooks.misfire === "skip" && next <= now) {
    next = dueAt + interval * (Math.floor((now - dueAt) / interval) + 1);
  }
  if (next > dueAt) return next;
  noProgress(m, spawn, interval, dueAt);
  return undefined;
};

/** A spawn's job ended with the spawn still running (fixed delay): the next is due one interval from now. */
export const scheduleAfterDelay = (m: ModelState, spawn: Spawn): void => {
  const interval = nextInterval(m, spawn);
  if (interval === undefined) return;
  const now = m.now;
  if (now + interval > now) schedule(m, spawn, now + interval);
  else noProgress(m, spawn, interval, now);
};
