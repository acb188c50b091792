/** Stopping: a spawn stops or is killed, a program is stopped, cleared or uninstalled; one `stopped` per spawn. */

import type { CancelReason } from "../KernelEffect.js";
import type { SchedkitErrorCode } from "../SchedkitError.js";
import { cancelBackfillQueue } from "./backfill.js";
import { clearInFlight, jobsInFlight } from "./inFlight.js";
import { dropEndMarker } from "./lifespan.js";
import type { Machine } from "./machine.js";
import {
  fireIdOf,
  isRunning,
  type JobRecord,
  jobIdOf,
  type ProgramRecord,
  type SpawnRecord,
  type StopReason,
} from "./model.js";

export function stopSpawn(m: Machine, spawn: SpawnRecord, reason: StopReason, kill: boolean): void {
  if (spawn.status === "stopped") return;
  const program = spawn.program;
  if (isRunning(spawn)) {
    program.running.remove(spawn);
    addToHistory(m, spawn);
  }
  // The first reason stands: a spawn already stopping (unspawned, say) and then killed was unspawned.
  spawn.stopReason ??= reason;
  cancelPending(m, spawn, reason);
  cancelBuffered(m, spawn, reason);
  dropEndMarker(m, spawn);
  if (kill) cancelInFlight(m, spawn, reason);
  if (spawn.inFlightCount > 0) spawn.status = "terminating";
  else finalizeStop(m, spawn);
}

export function cancelPending(m: Machine, spawn: SpawnRecord, reason: CancelReason): void {
  const job = spawn.pending;
  if (job === null) return;
  m.heap.remove(job);
  spawn.pending = null;
  spawn.parked = false;
  emitCancel(m, job, reason, false);
}

/** The `cancel` effect of a job (a spawn's or the program's: trigger, backfill run). */
export function emitCancel(m: Machine, job: JobRecord, reason: CancelReason, inFlight: boolean): void {
  m.emit({
    type: "cancel",
    jobId: jobIdOf(job),
    fireId: fireIdOf(job),
    programId: job.program.id,
    spawnId: job.spawn?.id ?? null,
    reason,
    inFlight,
  });
}

/** Buffered runs will not run: cancelled oldest first, after the waiting job. */
function cancelBuffered(m: Machine, spawn: SpawnRecord, reason: CancelReason): void {
  for (const job of spawn.buffer) emitCancel(m, job, reason, false);
  if (spawn.buffer.length > 0) spawn.buffer.length = 0;
}

export function cancelInFlight(m: Machine, spawn: SpawnRecord, reason: CancelReason): void {
  for (const job of jobsInFlight(spawn)) {
    m.inFlight.delete(job.seq);
    job.args = undefined;
    emitCancel(m, job, reason, true);
  }
  clearInFlight(spawn);
}

export function finalizeStop(m: Machine, spawn: SpawnRecord): void {
  spawn.status = "stopped";
  if (!spawn.inHistory) spawn.program.spawns.delete(spawn.id);
  m.emit({ type: "stopped", programId: spawn.programId, spawnId: spawn.id, reason: spawn.stopReason ?? "stop" });
}

export function addToHistory(m: Machine, spawn: SpawnRecord): void {
  const program = spawn.program;
  program.history.push(spawn);
  spawn.inHistory = true;
  while (program.history.length > m.historyLimit) {
    const dropped = program.history.shift() as SpawnRecord;
    dropped.inHistory = false;
    if (dropped.status === "stopped") program.spawns.delete(dropped.id);
  }
}

export function stopProgram(m: Machine, program: ProgramRecord, kill: boolean): void {
  for (const spawn of [...program.running]) stopSpawn(m, spawn, kill ? "kill" : "stop", kill);
  if (!kill) return;
  // A kill also ends spawns that were stopping gracefully.
  for (const spawn of [...program.spawns.values()]) {
    if (spawn.status === "terminating") stopSpawn(m, spawn, "kill", true);
  }
}

/**
 * Uninstall stops every spawn gracefully, clear kills them; then the jobs
 * still in flight are cancelled, so every spawn gets its one `stopped` now,
 * before the program goes.
 */
export function removeProgram(m: Machine, program: ProgramRecord, how: "clear" | "uninstall"): void {
  for (const spawn of [...program.running]) stopSpawn(m, spawn, how, how === "clear");
  for (const spawn of [...program.spawns.values()]) {
    if (spawn.status !== "terminating") continue;
    cancelInFlight(m, spawn, how);
    finalizeStop(m, spawn);
  }
  for (const job of program.triggers) {
    const waiting = m.heap.remove(job);
    m.inFlight.delete(job.seq);
    emitCancel(m, job, how, !waiting);
  }
  cancelBackfillQueue(m, program, how);
  m.programs.delete(program.id);
  m.emit({ type: how === "clear" ? "cleared" : "uninstalled", programId: program.id });
}

export function fault(m: Machine, spawn: SpawnRecord, code: SchedkitErrorCode, message: string, error: unknown): void {
  spawn.lastError = error;
  m.emit({ type: "fault", programId: spawn.programId, spawnId: spawn.id, code, message, error });
  stopSpawn(m, spawn, "fault", false);
}
