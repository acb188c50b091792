/**
 * The overlap policy: what a spawn's due time does while the spawn is busy (a job in flight, or runs
 * in its buffer). `"allow"` starts it (and never comes here); `"skip"` reports it `skipped`;
 * `"buffer-one"` / `"buffer-all"` keep it in the spawn's buffer, started when the spawn is free, or
 * skip it when the buffer is full; `"cancel-other"` cancels the jobs in flight and starts it.
 * Skipped or buffered, the grid goes on as if it had started. Temporal Schedules' overlap policies.
 */

import { cancelInFlight } from "./lifecycle.js";
import type { Machine } from "./machine.js";
import { bufferRun, type JobRecord, type SpawnRecord, spawnFireId } from "./model.js";
import { nextDueOnGrid, scheduleNextOnGrid } from "./timing.js";

/** True when the due job was skipped or buffered; false when it is to start now (`"cancel-other"`). */
export function overlapsDue(m: Machine, spawn: SpawnRecord, job: JobRecord): boolean {
  const overlap = spawn.config.overlap;
  if (overlap === "cancel-other") {
    cancelInFlight(m, spawn, "overlap");
    return false;
  }
  if (overlap === "skip") {
    skip(m, spawn, job, "overlap");
    return true;
  }
  const capacity = overlap === "buffer-one" ? 1 : spawn.config.bufferLimit;
  if (spawn.buffer.length >= capacity) {
    skip(m, spawn, job, "buffer-full");
    return true;
  }
  // Buffered: its due time is final (the fire id is made here); a new waiting job takes the grid on.
  m.heap.remove(job);
  spawn.pending = null;
  job.fireId = spawnFireId(spawn.programId, spawn.id, job.dueAt);
  bufferRun(spawn, job);
  scheduleNextOnGrid(m, spawn, job);
  return true;
}

/** A due time that does not run: reported once, and the same waiting job moves to the next due time. */
function skip(m: Machine, spawn: SpawnRecord, job: JobRecord, reason: "overlap" | "buffer-full"): void {
  spawn.skipped++;
  m.emit({
    type: "skipped",
    programId: spawn.programId,
    spawnId: spawn.id,
    fireId: spawnFireId(spawn.programId, spawn.id, job.dueAt),
    scheduledAt: job.dueAt,
    reason,
  });
  const next = nextDueOnGrid(m, spawn, job.dueAt);
  if (next === undefined) return; // the spawn faulted: its waiting job was cancelled
  job.dueAt = next;
  m.heap.reposition(job);
}
