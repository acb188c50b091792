/**
 * Time arriving in the reference model: the clock and the wall offset move, and every job due
 * by then starts, in (due time, creation order), with each `endAt` reached at its time. A due
 * spawn job meets, in order: its `endAt` (stop), a pause (park), the catch-up window and limit
 * (`missed`), jitter (hold), and the overlap policy (start, cancel the others, buffer, skip).
 */
import { cancelBackfillInFlight } from "./backfillCommand.js";
import { bufferDue, skipDue, startJob } from "./jobLife.js";
import { wakeOf } from "./jobQueue.js";
import { firstEndDeadline, runningSpawns } from "./lookups.js";
import { CRON_STEPS, type Missed, missedOnCron, missedOnGrid } from "./missed.js";
import { emit, type ModelState } from "./modelState.js";
import { decideOverlap } from "./overlap.js";
import { cronAfter, nextInterval, noProgress, pastDateRange } from "./schedule.js";
import type { Job, Spawn } from "./state.js";
import { cancelActive, fault, stopSpawn } from "./stopping.js";
import { describe, WALL_NOISE } from "./values.js";
import { isPaused } from "./views.js";

/**
 * Jitter: a due job that would start now starts up to `jitter` ms later, drawn from the
 * program's generator, below the gap to the next due time (constant: the interval; cron: the
 * next match). Held, it keeps its due time (and fire id) and starts at due + k.
 */
const startOrHold = (m: ModelState, spawn: Spawn, job: Job): void => {
  const k = jitterOf(m, spawn, job);
  if (k === 0) startJob(m, job);
  else m.queue.hold(job, job.dueAt + k);
};

/** A held job at the end of its hold: it starts (no new draw). */
const startHeld = (m: ModelState, _spawn: Spawn, held: Job): void => startJob(m, held);

/** The jitter drawn for a due job: 0, or whole ms in [1, min(jitter, ceil(gap) - 1)]. */
const jitterOf = (m: ModelState, spawn: Spawn, job: Job): number => {
  const jitter = spawn.hooks.jitter;
  if (!(jitter > 0)) return 0;
  let gap = Number.POSITIVE_INFINITY;
  if (spawn.program.cronMatch !== undefined) gap = cronAfter(m, spawn.program, job.dueAt) - job.dueAt;
  else if (spawn.hooks.type === "constant") {
    gap = typeof spawn.interval === "number" ? spawn.interval : spawn.lastInterval;
  }
  const most = gap > 0 ? Math.min(Math.floor(jitter), Math.ceil(gap) - 1) : 0;
  return most <= 0 ? 0 : spawn.program.random.below(most + 1);
};

/** A spawn's due job, past the catch-up checks: the overlap policy decides. */
const startDue = (m: ModelState, spawn: Spawn, job: Job, jitter = true): void => {
  const begin = jitter ? startOrHold : startHeld;
  const decision = decideOverlap({
    overlap: spawn.hooks.overlap,
    bufferLimit: spawn.hooks.bufferLimit,
    inFlight: spawn.active.length,
    buffered: spawn.buffer.length,
  });
  switch (decision.kind) {
    case "start":
      begin(m, spawn, job);
      return;
    case "cancel-others":
      cancelActive(m, spawn, "overlap");
      begin(m, spawn, job);
      return;
    case "buffer":
      bufferDue(m, spawn, job);
      return;
    case "skip":
      skipDue(m, spawn, job, decision.reason);
      return;
  }
};

/**
 * A spawn's due job whose due time is older than its catch-up window, or
 * past the catch-up limit: the missed due times are counted in a `missed`
 * effect and the same job moves to the first due time that is not missed.
 * Catch-up (constant, cron) misses every due time before the bound; skip,
 * and basic spawns, miss only the stale one and go on from now.
 */
const skipMissed = (
  m: ModelState,
  spawn: Spawn,
  job: Job,
  bound: number,
  inclusive: boolean,
  reason: "catch-up-window" | "catch-up-limit",
): void => {
  const now = m.now;
  const from = job.dueAt;
  const program = spawn.program;
  const catchUp = spawn.hooks.misfire === "catch-up" && spawn.hooks.type !== "basic";
  let run: Missed | undefined;
  if (program.cronMatch !== undefined) {
    const next = (t: number): number => {
      const due = cronAfter(m, program, t);
      if (Number.isNaN(due)) throw pastDateRange(t);
      return due;
    };
    try {
      run = catchUp
        ? missedOnCron(next, from, bound, inclusive, CRON_STEPS)
        : { count: 1, last: from, next: next(now), done: true };
    } catch (error) {
      fault(m, spawn, "invalid-program", `program.cron: ${describe(error)}`, error);
      return;
    }
    spawn.lastInterval = run.next - run.last;
  } else {
    const interval = nextInterval(m, spawn);
    if (interval === undefined) return;
    if (spawn.hooks.type === "basic") {
      run = now + interval > now ? { count: 1, last: from, next: now + interval, done: true } : undefined;
    } else if (catchUp) {
      run = missedOnGrid(from, interval, bound, inclusive);
    } else {
      const after = missedOnGrid(from, interval, now, true);
      run = after === undefined ? undefined : { count: 1, last: from, next: after.next, done: true };
    }
    if (run === undefined) {
      noProgress(m, spawn, interval, from);
      return;
    }
  }
  spawn.missed += run.count;
  m.queue.setDue(job, run.next);
  emit(m, { type: "missed", programId: program.id, spawnId: spawn.id, count: run.count, from, to: run.last, reason });
  if (!run.done) m.queue.defer(job);
};

/** Whether a due spawn job is missed rather than started (and then it has been moved on). */
const missesDue = (m: ModelState, spawn: Spawn, job: Job): boolean => {
  const now = m.now;
  const oldest = now - spawn.hooks.catchUpWindow;
  if (job.dueAt < oldest) {
    skipMissed(m, spawn, job, oldest, false, "catch-up-window");
    return true;
  }
  const started = spawn.startsIn === m.dispatchNumber ? spawn.starts : 0;
  if (started > 0) {
    // A catch-up: the spawn already started a job in this dispatch. The budget is shared.
    if (m.catchUpLeft <= 0) {
      skipMissed(m, spawn, job, now, true, "catch-up-limit");
      return true;
    }
    m.catchUpLeft -= 1;
  }
  spawn.startsIn = m.dispatchNumber;
  spawn.starts = started + 1;
  return false;
};

/**
 * Every job due by now, in (due time, creation order), and every `endAt` reached, at
 * its time in that order (before a job due at the same time). A spawn whose job comes
 * due at or after its `endAt` stops instead.
 */
export const startDueJobs = (m: ModelState): void => {
  const queue = m.queue;
  for (;;) {
    const now = m.now;
    const next = queue.first();
    const ending = firstEndDeadline(m);
    const endAt = ending?.hooks.endAt;
    if (ending !== undefined && endAt !== undefined && endAt <= now && (next === undefined || endAt <= wakeOf(next))) {
      stopSpawn(m, ending, "end-at", false);
      continue;
    }
    if (next === undefined || wakeOf(next) > now) return;
    const spawn = next.spawn;
    if (spawn === null) {
      // A cancel-other backfill's run first cancels the backfill's runs in flight.
      if (next.backfill?.overlap === "cancel-other") cancelBackfillInFlight(m, next.backfill);
      startJob(m, next);
      continue;
    }
    // The decision order: endAt reached (stop), paused (park), catch-up window and limit, overlap.
    // "No job of the spawn starts at or after endAt": judged by now (a due time before it, reached late, neither).
    if (spawn.hooks.endAt !== undefined && now >= spawn.hooks.endAt) {
      stopSpawn(m, spawn, "end-at", false);
      continue;
    }
    if (isPaused(spawn)) {
      // Parked at its due time (a jitter hold is dropped: after the resume it draws again).
      queue.park(next, true);
      queue.hold(next, undefined);
      continue;
    }
    if (next.heldUntil !== undefined) {
      // The end of a jitter hold: the checks again (a host away meanwhile makes it old), but no new draw.
      queue.hold(next, undefined);
      if (missesDue(m, spawn, next)) continue;
      startDue(m, spawn, next, false);
      continue;
    }
    if (missesDue(m, spawn, next)) continue;
    startDue(m, spawn, next);
  }
};

/** Time arrives with an accepted command: the clock (or a regression), the wall offset, then due jobs. */
export const arrive = (m: ModelState, at: number, wall: number | undefined): void => {
  // An earlier `at` happens now (the kernel counts it as a regression; nothing here depends on the count).
  if (at >= m.now) m.now = at;
  if (wall !== undefined) followWall(m, wall - at);
  startDueJobs(m);
};

/** The wall clock stepped against kernel time: pending cron jobs keep their wall-clock time. */
const followWall = (m: ModelState, offset: number): void => {
  const previous = m.wallOffset;
  if (Math.abs(offset - previous) <= WALL_NOISE) return;
  m.wallOffset = offset;
  for (const program of m.programs) {
    if (program.cronMatch === undefined) continue;
    for (const spawn of runningSpawns(program)) {
      const job = m.queue.waitingOf(spawn);
      if (job !== undefined) m.queue.setDue(job, job.dueAt + previous - offset);
    }
  }
};
