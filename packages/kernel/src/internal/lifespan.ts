/**
 * A spawn's lifespan: `startAt` (its schedule counts from it), `endAt` (it stops then) and
 * `maxRuns` (it stops once it started that many runs). The stops are `stop-spawn`s with their own
 * reasons: the waiting job and buffered runs are cancelled, jobs in flight finish.
 */

import { stopSpawn } from "./lifecycle.js";
import type { Machine } from "./machine.js";
import { isRunning, type JobRecord, type SpawnRecord } from "./model.js";

/** The spawn has started its last run. */
export const atMaxRuns = (spawn: SpawnRecord): boolean =>
  spawn.config.maxRuns !== undefined && spawn.runs >= spawn.config.maxRuns;

/** After a run started: the `maxRuns`-th one stops the spawn (its `stopped` comes when its jobs settled). */
export function stopAtMaxRuns(m: Machine, spawn: SpawnRecord): void {
  if (atMaxRuns(spawn) && isRunning(spawn)) stopSpawn(m, spawn, "max-runs", false);
}

/** Where a spawn made at `at` starts counting its schedule from. */
export const scheduleBase = (startAt: number | undefined, at: number): number =>
  startAt !== undefined && startAt > at ? startAt : at;

/**
 * The heap entry that stops a spawn at its `endAt`. Never a job: no job id is spent on it, and its
 * sequence number (below every job's, in spawn order) makes it come before any job due at `endAt`.
 */
export const endMarkerOf = (spawn: SpawnRecord, endAt: number): JobRecord => ({
  id: "",
  seq: spawn.seq - Number.MAX_SAFE_INTEGER,
  dueAt: endAt,
  heapIndex: -1,
  lane: null,
  lanePrev: null,
  laneNext: null,
  program: spawn.program,
  spawn,
  startedAt: Number.NaN,
  inFlightIndex: -1,
  fireId: "",
  firePrefix: "",
  args: undefined,
  heldFrom: undefined,
  backfill: false,
});

/** `endAt` came: the spawn stops (reason `"end-at"`), paused or not. */
export function endAtReached(m: Machine, spawn: SpawnRecord): void {
  const marker = spawn.endMarker as JobRecord;
  m.heap.remove(marker);
  spawn.endMarker = null;
  stopSpawn(m, spawn, "end-at", false);
}

/** A stopping spawn's marker leaves the heap: nothing of it is scheduled any more. */
export function dropEndMarker(m: Machine, spawn: SpawnRecord): void {
  if (spawn.endMarker === null) return;
  m.heap.remove(spawn.endMarker);
  spawn.endMarker = null;
}
