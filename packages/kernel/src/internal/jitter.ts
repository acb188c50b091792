/**
 * Jitter: a spawn's job that is to start at its due time `D` starts at `D + k` instead, `k` a whole
 * number in `[0, jitter]` drawn from the program's seeded generator, and always before the next due
 * time (Temporal's rule), so jitter never makes a spawn overlap itself. Nothing else moves: the
 * fire id, `scheduledAt` and the grid keep `D`. The job waits in the heap at `D + k` with
 * `heldFrom = D` (undefined when not held).
 */

import type { Machine } from "./machine.js";
import type { JobRecord, SpawnRecord } from "./model.js";
import { nextInt } from "./random.js";
import { cronNext } from "./timing.js";

/** Draws the job's delay; true when it is held (a delay > 0), false when it starts now. */
export function holdForJitter(m: Machine, spawn: SpawnRecord, job: JobRecord): boolean {
  const most = jitterBound(m, spawn, job.dueAt);
  if (most <= 0) return false;
  const delay = nextInt(spawn.program.random, most + 1);
  if (delay === 0) return false;
  job.heldFrom = job.dueAt;
  job.dueAt = job.dueAt + delay;
  m.heap.reposition(job);
  return true;
}

/** The job starts (or is parked): back to its due time. */
export function endHold(job: JobRecord): void {
  if (job.heldFrom === undefined) return;
  job.dueAt = job.heldFrom;
  job.heldFrom = undefined;
}

/**
 * The largest delay for a job due at `dueAt`: `jitter` (whole ms), and less than the gap to the
 * next due time (an interval function's latest value; a cron's next match). A basic spawn's next
 * job is due only after this one completed: only `jitter` bounds it.
 */
export function jitterBound(m: Machine, spawn: SpawnRecord, dueAt: number): number {
  const most = Math.floor(spawn.config.jitter);
  if (spawn.config.type === "basic") return most;
  const cron = spawn.program.cron;
  const gap =
    cron !== undefined
      ? cronNext(m, cron, dueAt) - dueAt
      : typeof spawn.interval === "number"
        ? spawn.interval
        : spawn.lastInterval;
  if (!(gap > 0)) return 0;
  return Math.min(most, Math.ceil(gap) - 1);
}
