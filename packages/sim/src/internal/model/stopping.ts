/**
 * Stopping, in the reference model. A stop is a request: the spawn leaves the running set at
 * once, its waiting job is cancelled, and (with a kill) so are its jobs in flight. Whether it
 * has stopped is derived: told to stop, nothing waiting, nothing in flight. `settleStop` emits
 * the one `stopped` when that first holds; `sweepStops`, at the end of every dispatch, makes
 * sure no such spawn is left without one (a missing `stopped` cannot hide behind a shared path).
 */
import type { SchedkitErrorCode } from "@schedkit/kernel";
import { forgetUnknown, runningSpawns } from "./lookups.js";
import { emit, emit18, type ModelState } from "./modelState.js";
import type { CancelReason18, StopReason } from "./spec18.js";
import { fireOf, isRunning, type Job, type Program, type Spawn } from "./state.js";

/** A hook or schedule failed: the spawn reports it and stops. */
export const fault = (m: ModelState, spawn: Spawn, code: SchedkitErrorCode, message: string, error: unknown): void => {
  spawn.lastError = error;
  emit(m, { type: "fault", programId: spawn.program.id, spawnId: spawn.id, code, message, error });
  stopSpawn(m, spawn, "fault", false);
};

/** The `cancel` effect of a job: a spawn's, or the program's (a trigger, a backfill's run). */
export const emitCancel = (m: ModelState, job: Job, reason: CancelReason18, inFlight: boolean): void => {
  emit18(m, {
    type: "cancel",
    jobId: job.id,
    fireId: fireOf(job),
    programId: job.program.id,
    spawnId: job.spawn === null ? null : job.spawn.id,
    reason,
    inFlight,
  });
};

const cancelWaiting = (m: ModelState, spawn: Spawn, reason: CancelReason18): void => {
  const job = m.queue.waitingOf(spawn);
  if (job === undefined) return;
  m.queue.drop(job);
  emitCancel(m, job, reason, false);
};

/** The spawn's buffered runs, oldest first: they will not run. */
const cancelBuffer = (m: ModelState, spawn: Spawn, reason: CancelReason18): void => {
  const buffered = spawn.buffer;
  spawn.buffer = [];
  for (const job of buffered) {
    emitCancel(m, job, reason, false);
  }
};

export const cancelActive = (m: ModelState, spawn: Spawn, reason: CancelReason18): void => {
  for (const job of spawn.active) {
    m.queue.drop(job);
    emitCancel(m, job, reason, true);
  }
  spawn.active = [];
};

/** Has the spawn stopped: told to, with nothing of it waiting or in flight? */
const hasStopped = (m: ModelState, spawn: Spawn): boolean =>
  spawn.stopRequested &&
  spawn.active.length === 0 &&
  spawn.buffer.length === 0 &&
  m.queue.waitingOf(spawn) === undefined;

/** Emits the spawn's one `stopped` when it has stopped and has not had it yet. */
export const settleStop = (m: ModelState, spawn: Spawn): void => {
  if (spawn.stopEmitted || !hasStopped(m, spawn)) {
    if (spawn.stopRequested && !spawn.stopEmitted) spawn.status = "terminating";
    return;
  }
  spawn.stopEmitted = true;
  m.stopping.delete(spawn);
  spawn.status = "stopped";
  forgetUnknown(spawn.program);
  emit18(m, { type: "stopped", programId: spawn.program.id, spawnId: spawn.id, reason: spawn.stopReason ?? "stop" });
};

const addToHistory = (m: ModelState, spawn: Spawn): void => {
  const program = spawn.program;
  program.history.push(spawn);
  spawn.kept = true;
  while (program.history.length > m.historyLimit) (program.history.shift() as Spawn).kept = false;
  forgetUnknown(program);
};

/** Stops a spawn: gracefully (jobs in flight finish), or with `kill` (they are cancelled too). */
export const stopSpawn = (m: ModelState, spawn: Spawn, reason: StopReason, kill: boolean): void => {
  if (spawn.stopEmitted) return;
  if (isRunning(spawn)) addToHistory(m, spawn);
  spawn.stopRequested = true;
  m.stopping.add(spawn);
  // The first reason stands: a spawn unspawned and then killed was unspawned.
  spawn.stopReason ??= reason;
  // The waiting job's cancel, then the buffered runs', then (a kill) the jobs in flight.
  cancelWaiting(m, spawn, reason);
  cancelBuffer(m, spawn, reason);
  if (kill) cancelActive(m, spawn, reason);
  settleStop(m, spawn);
};

export const stopProgram = (m: ModelState, program: Program, kill: boolean): void => {
  for (const spawn of runningSpawns(program)) stopSpawn(m, spawn, kill ? "kill" : "stop", kill);
  if (!kill) return;
  // A kill also ends the spawns that were stopping gracefully.
  for (const spawn of [...program.spawns]) {
    if (spawn.status === "terminating") stopSpawn(m, spawn, "kill", true);
  }
};

/** Uninstall stops every spawn gracefully, clear kills them; then whatever is still in flight is cancelled. */
export const removeProgram = (m: ModelState, program: Program, how: "clear" | "uninstall"): void => {
  for (const spawn of runningSpawns(program)) stopSpawn(m, spawn, how, how === "clear");
  for (const spawn of [...program.spawns]) {
    if (spawn.stopEmitted || !spawn.stopRequested) continue;
    cancelActive(m, spawn, how);
    settleStop(m, spawn);
  }
  for (const job of m.queue.ownJobs(program)) {
    m.queue.drop(job);
    emitCancel(m, job, how, job.running);
  }
  // A backfill's runs not started yet, after the triggers' cancels.
  for (const job of program.backfill?.queue ?? []) {
    emitCancel(m, job, how, false);
  }
  program.backfill = undefined;
  m.programs = m.programs.filter((other) => other !== program);
  emit(m, { type: how === "clear" ? "cleared" : "uninstalled", programId: program.id });
};

/** The safety net: after a dispatch no spawn that has stopped is left without its `stopped`. */
export const sweepStops = (m: ModelState): void => {
  if (m.stopping.size > 0) settleOwed(m);
  if (!m.verify) return;
  for (const program of m.programs) {
    for (const spawn of program.spawns) {
      if (spawn.stopRequested && !spawn.stopEmitted && (hasStopped(m, spawn) || spawn.status !== "terminating")) {
        throw new Error("reference model: the stopping set missed a spawn");
      }
    }
  }
};

const settleOwed = (m: ModelState): void => {
  const programs = m.programs;
  // Only a spawn told to stop can owe a `stopped` (settleStop leaves any other as it is).
  const owed = [...m.stopping].filter((spawn) => hasStopped(m, spawn) && programs.includes(spawn.program));
  // In the order a sweep over every program's spawns would meet them.
  const order = (spawn: Spawn): number =>
    programs.indexOf(spawn.program) * 2 ** 26 + spawn.program.spawns.indexOf(spawn);
  owed.sort((a, b) => order(a) - order(b));
  for (const spawn of owed) settleStop(m, spawn);
};
