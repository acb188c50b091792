/**
 * A reference model of the kernel: the semantics of the kernel's contract (its README) and the
 * kernel's README written a second time, as plainly as possible, so that the
 * simulator can compare it with `createKernel` effect by effect.
 *
 * Plain records (`model/state.ts`) with the model's own indexes where a scan
 * per command would cost (`model/jobQueue.ts`: due jobs in a heap by (wake time,
 * creation order), jobs by id and by spawn; here: the spawns with an `endAt`, the
 * spawns told to stop). Each index can check itself against the scan it replaces
 * (`verify`, used by the tests). It shares no code with the kernel; only the public
 * types of `@schedkit/kernel` are used.
 *
 * The order of effects inside one dispatch is part of what is compared:
 *   1. the command's shape is checked (times within ±8.64e15 ms); a malformed
 *      command gives `rejected` and nothing else;
 *   2. the command is checked against the model as it is, at its time (every
 *      hook the check needs runs here); a failed check gives `rejected` and
 *      changes nothing, not even the time;
 *   3. time moves to `at` (an `at` in the past counts as a regression), the
 *      wall-clock offset follows `wall`, and every job due by then starts, in
 *      (due time, creation order), except due times older than the spawn's
 *      catch-up window or past the catch-up limit, which are `missed`;
 *   4. the command applies (bounds and the policy judge the state time left:
 *      a refusal, or a `policy-failed` rejection);
 *   5. every job the command made due starts;
 *   6. `wake` comes last.
 *
 * Spec 18 (overlap, pause and resume, maxRuns, startAt, endAt) is written from the
 * spec in its own modules (`model/overlap.ts`, `model/pause.ts`, `model/limits.ts`);
 * where the spec left an order open, `/work/notes/sim18-assumptions.md` says which.
 *
 * Lifecycle is derived, not traced: a spawn that was told to stop and has
 * nothing waiting or in flight has stopped, and gets its one `stopped` then;
 * a sweep at the end of every dispatch makes sure no such spawn is left
 * without one (a missing `stopped` cannot hide behind a shared code path).
 */

import type {
  Command,
  KernelEffect,
  KernelOptions,
  Outcome,
  ProgramSpec,
  ResultRecord,
  SchedkitErrorCode,
  SpawnOptions,
  SpawnSet,
  UnspawnPolicy,
} from "@schedkit/kernel";
import { backfillAllAtOnce, backfillDueTimes, backfillSkips, DEFAULT_BUFFER_LIMIT } from "./model/backfill.js";
import { batchOf } from "./model/batch.js";
import { cronOf, hooksOf, overridden } from "./model/hooks.js";
import { checkCommand, copyChecked, isInterval, isTime, programRules, spawnOptionRules } from "./model/inputs.js";
import { JobQueue, wakeOf } from "./model/jobQueue.js";
import { checkProgramLimits, checkSpawnLimits, scheduleBase } from "./model/limits.js";
import { CRON_STEPS, type Missed, missedOnCron, missedOnGrid } from "./model/missed.js";
import { decideOverlap } from "./model/overlap.js";
import { pause, resume, unpaused } from "./model/pause.js";
import {
  asKernelEffect,
  type CancelReason18,
  limitsOf,
  type SimCommand,
  type SimEffect,
  type StopReason,
} from "./model/spec18.js";
import { type Backfill, fireOf, isRunning, type Job, type Program, type Spawn } from "./model/state.js";
import {
  DEFAULT_LIMIT,
  describe,
  IntervalError,
  intervalValue,
  makeRandom,
  mergeByDefault,
  programSeed,
  show,
  WALL_NOISE,
} from "./model/values.js";
import { accept, refuseWith, unknownProgram, unknownSpawn, type Verdict } from "./model/verdict.js";
import { isPaused, propsOf, stateOf, viewOf } from "./model/views.js";

/** The model's one operation: the same as `Kernel.dispatch` (with spec 18's commands). */
export interface ReferenceModel {
  dispatch(command: Command | SimCommand): KernelEffect[];
}

// -----------------------------------------------------------------------------
// The model.

/** A reference implementation of `createKernel(options)`, for comparison. */
export const createReferenceModel = (
  options: KernelOptions,
  internal: { readonly verify?: boolean } = {},
): ReferenceModel => {
  const policies: UnspawnPolicy[] = [...(options.policies ?? [])];
  const defaultPolicy = options.defaultPolicy ?? policies[0]?.name;
  const historyLimit = options.historyLimit ?? 100;
  const catchUpLimit = (options as { catchUpLimit?: number }).catchUpLimit ?? DEFAULT_LIMIT;
  const seed = options.seed ?? 0;

  let now = 0;
  /** Wall clock minus kernel time, from the latest accepted command that carried `wall`. */
  let wallOffset = 0;
  /**
   * The dispatch in progress, by number: a spawn counts the jobs it started in it
   * (`Spawn.startsIn`, `Spawn.starts`, for the catch-up limit).
   */
  let dispatchNumber = 0;
  /** Catch-up jobs the dispatch in progress may still start. */
  let catchUpLeft = catchUpLimit;
  let jobsIssued = 0;
  let programs: Program[] = [];
  /** Jobs waiting for their time or in flight, with the lookups the model needs. */
  const queue = new JobQueue(internal.verify === true);
  /** Spawns made with an `endAt` (running ones, and some that stopped since). */
  const withEndAt = new Set<Spawn>();
  /** Spawns told to stop that have not had their `stopped` yet. */
  const stopping = new Set<Spawn>();
  /**
   * The effects of the dispatch in progress: the first `emitted` of a list kept from one
   * dispatch to the next (handed back as a copy of just those, see `dispatchOne`).
   */
  const out: KernelEffect[] = [];
  let emitted = 0;

  /** The dispatch's effects as a list of their own (the common short ones written out: no copy call). */
  const handOut = (): KernelEffect[] => {
    switch (emitted) {
      case 1:
        return [out[0] as KernelEffect];
      case 2:
        return [out[0] as KernelEffect, out[1] as KernelEffect];
      case 3:
        return [out[0] as KernelEffect, out[1] as KernelEffect, out[2] as KernelEffect];
      default:
        return out.slice(0, emitted);
    }
  };

  const emit = (effect: KernelEffect): void => {
    out[emitted++] = effect;
  };
  /** Spec 18's effects (and reasons), which the kernel's public types may not have yet. */
  const emit18 = (effect: SimEffect): void => {
    out[emitted++] = asKernelEffect(effect);
  };
  let spawnsMade = 0;

  // --- Lookups -------------------------------------------------------------

  const findProgram = (id: string): Program | undefined => programs.find((program) => program.id === id);

  const inHistory = (spawn: Spawn): boolean => spawn.kept;

  /** A spawn is known while it is not stopped, or while the history keeps it. */
  const isKnown = (spawn: Spawn): boolean => spawn.status !== "stopped" || inHistory(spawn);

  const forgetUnknown = (program: Program): void => {
    program.spawns = program.spawns.filter(isKnown);
  };

  const findSpawn = (program: Program, id: string): Spawn | undefined =>
    program.spawns.find((spawn) => spawn.id === id && isKnown(spawn));

  const runningSpawns = (program: Program): Spawn[] => program.spawns.filter(isRunning);

  /** The running spawn with the first `endAt`, by (endAt, creation order): it is due to stop at it. */
  const firstEndDeadline = (): Spawn | undefined => {
    if (withEndAt.size === 0 && internal.verify !== true) return undefined;
    let best: Spawn | undefined;
    for (const spawn of withEndAt) {
      // A spawn stops running once and for all: it leaves the set.
      if (!isRunning(spawn)) withEndAt.delete(spawn);
      else if (best === undefined || endsBefore(spawn, best)) best = spawn;
    }
    if (internal.verify === true && best !== scanEndDeadline()) {
      throw new Error("reference model: the end-at set disagrees with a scan");
    }
    return best;
  };

  const endsBefore = (spawn: Spawn, best: Spawn): boolean => {
    const endAt = spawn.hooks.endAt as number;
    const bestEnd = best.hooks.endAt as number;
    return endAt - bestEnd < 0 || (endAt === bestEnd && spawn.seq < best.seq);
  };

  /** The scan `firstEndDeadline` replaces (for `verify`). */
  const scanEndDeadline = (): Spawn | undefined => {
    let best: Spawn | undefined;
    for (const program of programs) {
      for (const spawn of program.spawns) {
        const endAt = spawn.hooks.endAt;
        if (endAt === undefined || !isRunning(spawn)) continue;
        const bestEnd = best?.hooks.endAt;
        if (
          best === undefined ||
          bestEnd === undefined ||
          endAt - bestEnd < 0 ||
          (endAt === bestEnd && spawn.seq < best.seq)
        ) {
          best = spawn;
        }
      }
    }
    return best;
  };

  const firstWaiting = (): Job | undefined => queue.first();

  const waitingJobOf = (spawn: Spawn): Job | undefined => queue.waitingOf(spawn);

  const dropJob = (job: Job): void => queue.drop(job);

  // --- Jobs ----------------------------------------------------------------

  const newJob = (program: Program, spawn: Spawn | null, dueAt: number, fireId?: string): Job => {
    jobsIssued += 1;
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
    queue.add(job);
    return job;
  };

  const schedule = (spawn: Spawn, dueAt: number): void => {
    newJob(spawn.program, spawn, dueAt);
    spawn.submitted += 1;
  };

  /** The spawn's next interval; a failing interval function stops the spawn (and gives undefined). */
  const nextInterval = (spawn: Spawn): number | undefined => {
    try {
      spawn.lastInterval = intervalValue(spawn.interval);
      return spawn.lastInterval;
    } catch (error) {
      const code = error instanceof IntervalError ? error.code : "hook-failed";
      fault(spawn, code, `interval: ${describe(error).replace(/^interval: /, "")}`, error);
      return undefined;
    }
  };

  /** The first cron match strictly after kernel time `t`, on the wall clock; NaN when there is none. */
  const cronAfter = (program: Program, t: number, offset = wallOffset): number => {
    const match = program.cronMatch;
    if (match === undefined) return Number.NaN;
    try {
      const next = match(t + offset) - offset;
      return next > t ? next : Number.NaN;
    } catch {
      return Number.NaN;
    }
  };

  const pastDateRange = (t: number): Error => new Error(`no due time after ${t} (past the date range)`);

  /** A spawn whose schedule cannot move on: it faults (and stops). */
  const noProgress = (spawn: Spawn, interval: number, at: number): void => {
    const error = new IntervalError(
      `interval: ${interval} ms is below the time's precision at ${at} (it would never move the schedule)`,
    );
    fault(spawn, "invalid-interval", error.message, error);
  };

  /**
   * The spawn's next due time once a job due at `dueAt` starts, is skipped or is buffered:
   * cron, the next match after it (skip: after now); constant, the next grid point (skip:
   * past now). Undefined for a basic spawn, or when the spawn faulted (and stopped).
   */
  const nextDueAfter = (spawn: Spawn, dueAt: number): number | undefined => {
    if (spawn.program.cronMatch !== undefined) {
      let next = cronAfter(spawn.program, dueAt);
      if (spawn.hooks.misfire === "skip" && next <= now) next = cronAfter(spawn.program, now);
      if (Number.isNaN(next)) {
        const error = pastDateRange(dueAt);
        fault(spawn, "invalid-program", `program.cron: ${error.message}`, error);
        return undefined;
      }
      spawn.lastInterval = next - dueAt;
      return next;
    }
    if (spawn.hooks.type !== "constant") return undefined;
    const interval = nextInterval(spawn);
    if (interval === undefined) return undefined;
    let next = dueAt + interval;
    if (spawn.hooks.misfire === "skip" && next <= now) {
      next = dueAt + interval * (Math.floor((now - dueAt) / interval) + 1);
    }
    if (next > dueAt) return next;
    noProgress(spawn, interval, dueAt);
    return undefined;
  };

  /**
   * Starts a job. A spawn's due job (not a buffered one) schedules the spawn's next due
   * time first; the spawn's `maxRuns`-th run schedules nothing and stops the spawn after
   * its `run`.
   */
  const startJob = (job: Job, buffered = false): void => {
    queue.start(job);
    job.startedAt = now;
    const spawn = job.spawn;
    let last = false;
    if (spawn !== null) {
      spawn.active.push(job);
      if (spawn.status === "created") spawn.status = "running";
      spawn.runs += 1;
      last = spawn.hooks.maxRuns !== undefined && spawn.runs >= spawn.hooks.maxRuns;
      // Fixed rate (constant, cron): the next due time is scheduled as soon as this job starts.
      if (!buffered && !last && isRunning(spawn)) {
        const next = nextDueAfter(spawn, job.dueAt);
        if (next !== undefined) schedule(spawn, next);
      }
    }
    const argsFn = spawn === null ? job.program.hooks.argsFn : spawn.hooks.argsFn;
    let args: unknown;
    let failed = false;
    try {
      args = argsFn === undefined ? undefined : argsFn();
    } catch (error) {
      failed = true;
      // The last run settles errored at once, and its spawn's stopped follows (no continueFn, nothing next).
      if (spawn !== null && last && isRunning(spawn)) stopSpawn(spawn, "max-runs", false);
      finishJob(job, { ok: false, error });
    }
    if (!failed) {
      emit({
        type: "run",
        jobId: job.id,
        fireId: fireOf(job),
        programId: job.program.id,
        spawnId: spawn === null ? null : spawn.id,
        scheduledAt: job.dueAt,
        startedAt: now,
        args,
      });
    }
    if (spawn !== null && last && isRunning(spawn)) stopSpawn(spawn, "max-runs", false);
  };

  /** A due time the overlap policy skips: reported, and the same job moves on to the next due time. */
  const skipDue = (spawn: Spawn, job: Job, reason: "overlap" | "buffer-full"): void => {
    spawn.skipped += 1;
    emit18({
      type: "skipped",
      programId: spawn.program.id,
      spawnId: spawn.id,
      fireId: fireOf(job),
      scheduledAt: job.dueAt,
      reason,
    });
    const next = nextDueAfter(spawn, job.dueAt);
    if (next !== undefined) queue.setDue(job, next);
  };

  /** A due time that waits in the spawn's buffer: it leaves the schedule, and a new waiting job is scheduled. */
  const bufferDue = (spawn: Spawn, job: Job): void => {
    dropJob(job);
    spawn.buffer.push(job);
    const next = nextDueAfter(spawn, job.dueAt);
    if (next !== undefined && isRunning(spawn)) schedule(spawn, next);
  };

  /** Starts the spawn's oldest buffered run if nothing of it is in flight and it may start jobs. */
  const startBuffered = (spawn: Spawn): void => {
    if (!isRunning(spawn) || spawn.stopRequested || isPaused(spawn) || spawn.active.length > 0) return;
    // Buffered runs whose due time fell out of the catch-up window while they waited are missed, one effect each.
    const oldest = now - spawn.hooks.catchUpWindow;
    for (let first = spawn.buffer[0]; first !== undefined && first.dueAt < oldest; first = spawn.buffer[0]) {
      spawn.buffer.shift();
      spawn.missed += 1;
      emit({
        type: "missed",
        programId: spawn.program.id,
        spawnId: spawn.id,
        count: 1,
        from: first.dueAt,
        to: first.dueAt,
        reason: "catch-up-window",
      });
    }
    const job = spawn.buffer.shift();
    if (job === undefined) return;
    queue.add(job);
    startJob(job, true);
  };

  /**
   * Jitter: a due job that would start now starts up to `jitter` ms later, drawn from the
   * program's generator, below the gap to the next due time (constant: the interval; cron: the
   * next match). Held, it keeps its due time (and fire id) and starts at due + k.
   */
  const startOrHold = (spawn: Spawn, job: Job): void => {
    const k = jitterOf(spawn, job);
    if (k === 0) startJob(job);
    else queue.hold(job, job.dueAt + k);
  };

  /** A held job at the end of its hold: it starts (no new draw). */
  const startHeld = (_spawn: Spawn, held: Job): void => startJob(held);

  /** The jitter drawn for a due job: 0, or whole ms in [1, min(jitter, ceil(gap) - 1)]. */
  const jitterOf = (spawn: Spawn, job: Job): number => {
    const jitter = spawn.hooks.jitter;
    if (!(jitter > 0)) return 0;
    let gap = Number.POSITIVE_INFINITY;
    if (spawn.program.cronMatch !== undefined) gap = cronAfter(spawn.program, job.dueAt) - job.dueAt;
    else if (spawn.hooks.type === "constant") {
      gap = typeof spawn.interval === "number" ? spawn.interval : spawn.lastInterval;
    }
    const most = gap > 0 ? Math.min(Math.floor(jitter), Math.ceil(gap) - 1) : 0;
    return most <= 0 ? 0 : spawn.program.random.below(most + 1);
  };

  /** A spawn's due job, past the catch-up checks: the overlap policy decides. */
  const startDue = (spawn: Spawn, job: Job, jitter = true): void => {
    const begin = jitter ? startOrHold : startHeld;
    const decision = decideOverlap({
      overlap: spawn.hooks.overlap,
      bufferLimit: spawn.hooks.bufferLimit,
      inFlight: spawn.active.length,
      buffered: spawn.buffer.length,
    });
    switch (decision.kind) {
      case "start":
        begin(spawn, job);
        return;
      case "cancel-others":
        cancelActive(spawn, "overlap");
        begin(spawn, job);
        return;
      case "buffer":
        bufferDue(spawn, job);
        return;
      case "skip":
        skipDue(spawn, job, decision.reason);
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
    spawn: Spawn,
    job: Job,
    bound: number,
    inclusive: boolean,
    reason: "catch-up-window" | "catch-up-limit",
  ): void => {
    const from = job.dueAt;
    const program = spawn.program;
    const catchUp = spawn.hooks.misfire === "catch-up" && spawn.hooks.type !== "basic";
    let run: Missed | undefined;
    if (program.cronMatch !== undefined) {
      const next = (t: number): number => {
        const due = cronAfter(program, t);
        if (Number.isNaN(due)) throw pastDateRange(t);
        return due;
      };
      try {
        run = catchUp
          ? missedOnCron(next, from, bound, inclusive, CRON_STEPS)
          : { count: 1, last: from, next: next(now), done: true };
      } catch (error) {
        fault(spawn, "invalid-program", `program.cron: ${describe(error)}`, error);
        return;
      }
      spawn.lastInterval = run.next - run.last;
    } else {
      const interval = nextInterval(spawn);
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
        noProgress(spawn, interval, from);
        return;
      }
    }
    spawn.missed += run.count;
    queue.setDue(job, run.next);
    emit({ type: "missed", programId: program.id, spawnId: spawn.id, count: run.count, from, to: run.last, reason });
    if (!run.done) queue.defer(job);
  };

  /** Whether a due spawn job is missed rather than started (and then it has been moved on). */
  const missesDue = (spawn: Spawn, job: Job): boolean => {
    const oldest = now - spawn.hooks.catchUpWindow;
    if (job.dueAt < oldest) {
      skipMissed(spawn, job, oldest, false, "catch-up-window");
      return true;
    }
    const started = spawn.startsIn === dispatchNumber ? spawn.starts : 0;
    if (started > 0) {
      // A catch-up: the spawn already started a job in this dispatch. The budget is shared.
      if (catchUpLeft <= 0) {
        skipMissed(spawn, job, now, true, "catch-up-limit");
        return true;
      }
      catchUpLeft -= 1;
    }
    spawn.startsIn = dispatchNumber;
    spawn.starts = started + 1;
    return false;
  };

  /**
   * Every job due by now, in (due time, creation order), and every `endAt` reached, at
   * its time in that order (before a job due at the same time). A spawn whose job comes
   * due at or after its `endAt` stops instead.
   */
  const startDueJobs = (): void => {
    for (;;) {
      const next = firstWaiting();
      const ending = firstEndDeadline();
      const endAt = ending?.hooks.endAt;
      if (
        ending !== undefined &&
        endAt !== undefined &&
        endAt <= now &&
        (next === undefined || endAt <= wakeOf(next))
      ) {
        stopSpawn(ending, "end-at", false);
        continue;
      }
      if (next === undefined || wakeOf(next) > now) return;
      const spawn = next.spawn;
      if (spawn === null) {
        // A cancel-other backfill's run first cancels the backfill's runs in flight.
        if (next.backfill?.overlap === "cancel-other") cancelBackfillInFlight(next.backfill);
        startJob(next);
        continue;
      }
      // The decision order: endAt reached (stop), paused (park), catch-up window and limit, overlap.
      // "No job of the spawn starts at or after endAt": judged by now (a due time before it, reached late, neither).
      if (spawn.hooks.endAt !== undefined && now >= spawn.hooks.endAt) {
        stopSpawn(spawn, "end-at", false);
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
        if (missesDue(spawn, next)) continue;
        startDue(spawn, next, false);
        continue;
      }
      if (missesDue(spawn, next)) continue;
      startDue(spawn, next);
    }
  };

  /** Time arrives with an accepted command: the clock (or a regression), the wall offset, then due jobs. */
  const arrive = (at: number, wall: number | undefined): void => {
    // An earlier `at` happens now (the kernel counts it as a regression; nothing here depends on the count).
    if (at >= now) now = at;
    if (wall !== undefined) followWall(wall - at);
    startDueJobs();
  };

  /** The wall clock stepped against kernel time: pending cron jobs keep their wall-clock time. */
  const followWall = (offset: number): void => {
    const previous = wallOffset;
    if (Math.abs(offset - previous) <= WALL_NOISE) return;
    wallOffset = offset;
    for (const program of programs) {
      if (program.cronMatch === undefined) continue;
      for (const spawn of runningSpawns(program)) {
        const job = waitingJobOf(spawn);
        if (job !== undefined) queue.setDue(job, job.dueAt + previous - offset);
      }
    }
  };

  const finishTrigger = (job: Job, outcome: Outcome): void => {
    const program = job.program;
    let failed = !outcome.ok;
    let error: unknown = outcome.ok ? undefined : outcome.error;
    if (outcome.ok) {
      try {
        program.state = (program.hooks.mergeFn ?? mergeByDefault)(program.state, outcome.value);
      } catch (mergeError) {
        failed = true;
        error = mergeError;
      }
    }
    const { id: jobId, dueAt: scheduledAt, startedAt } = job;
    const fireId = fireOf(job);
    emit(
      failed
        ? {
            type: "settled",
            jobId,
            fireId,
            programId: program.id,
            spawnId: null,
            status: "errored",
            scheduledAt,
            startedAt,
            endedAt: now,
            error,
          }
        : {
            type: "settled",
            jobId,
            fireId,
            programId: program.id,
            spawnId: null,
            status: "succeeded",
            scheduledAt,
            startedAt,
            endedAt: now,
            value: outcome.ok ? outcome.value : undefined,
          },
    );
  };

  const finishJob = (job: Job, outcome: Outcome): void => {
    dropJob(job);
    const spawn = job.spawn;
    if ("lost" in outcome) {
      // Its result is unknown: settled "lost", no hook, no state change, no result.
      const { id: jobId, program, dueAt: scheduledAt, startedAt } = job;
      const spawnId = spawn === null ? null : spawn.id;
      emit({
        type: "settled",
        jobId,
        fireId: fireOf(job),
        programId: program.id,
        spawnId,
        status: "lost",
        scheduledAt,
        startedAt,
        endedAt: now,
      });
    } else if (spawn === null) {
      finishTrigger(job, outcome);
      backfillRunEnded(job, true);
      return;
    }
    if (spawn === null) {
      backfillRunEnded(job, true);
      return;
    }
    const index = spawn.active.indexOf(job);
    if (index >= 0) {
      const last = spawn.active.pop() as Job;
      if (last !== job) spawn.active[index] = last;
    }
    const { hooks, program } = spawn;
    if ("lost" in outcome) {
      spawn.lost += 1;
      if (spawn.stopRequested) settleStop(spawn);
      else if (isRunning(spawn) && hooks.type === "basic") {
        const interval = nextInterval(spawn);
        if (interval !== undefined && now + interval > now) schedule(spawn, now + interval);
        else if (interval !== undefined) noProgress(spawn, interval, now);
      }
      startBuffered(spawn);
      return;
    }

    // The output, folded into the state; a throwing hook makes the job errored.
    let failed = !outcome.ok;
    let error: unknown = outcome.ok ? undefined : outcome.error;
    try {
      let output: unknown;
      if (outcome.ok) output = hooks.successFn === undefined ? outcome.value : hooks.successFn(outcome.value);
      else output = hooks.errorFn === undefined ? undefined : hooks.errorFn(outcome.error);
      const state = (hooks.mergeFn ?? mergeByDefault)(stateOf(spawn), output);
      if (program.scope === "spawn") spawn.state = state;
      else program.state = state;
    } catch (hookError) {
      failed = true;
      error = hookError;
    }
    if (failed) {
      spawn.errored += 1;
      spawn.lastError = error;
    } else {
      spawn.succeeded += 1;
    }
    spawn.updatedAt = now;
    const { id: jobId, dueAt: scheduledAt, startedAt } = job;
    const value = failed || !outcome.ok ? undefined : outcome.value;
    const result: ResultRecord = failed
      ? { jobId, status: "errored", error, scheduledAt, startedAt, endedAt: now }
      : { jobId, status: "succeeded", value, scheduledAt, startedAt, endedAt: now };
    if (hooks.output === "all") {
      spawn.results.push(result);
      if (spawn.results.length > historyLimit) spawn.results.shift();
    } else {
      // The latest only (the list is the model's own, never handed out: it is changed in place).
      spawn.results[0] = result;
    }
    const fireId = fireOf(job);
    emit(
      failed
        ? {
            type: "settled",
            jobId,
            fireId,
            programId: program.id,
            spawnId: spawn.id,
            status: "errored",
            scheduledAt,
            startedAt,
            endedAt: now,
            error,
          }
        : {
            type: "settled",
            jobId,
            fireId,
            programId: program.id,
            spawnId: spawn.id,
            status: "succeeded",
            scheduledAt,
            startedAt,
            endedAt: now,
            value,
          },
    );

    if (spawn.stopRequested) {
      settleStop(spawn);
      return;
    }
    if (!isRunning(spawn)) return;
    if (hooks.continueFn !== undefined) {
      let goOn: unknown;
      try {
        goOn = (hooks.continueFn as (props: unknown) => unknown)({
          ...propsOf(spawn),
          programId: program.id,
          spawnId: spawn.id,
          result,
          state: stateOf(spawn),
        });
      } catch (hookError) {
        fault(spawn, "hook-failed", `continueFn: threw: ${describe(hookError)}`, hookError);
        return;
      }
      if (goOn === false) {
        stopSpawn(spawn, "continue", false);
        return;
      }
    }
    // Fixed delay: the next job is due one interval after this one completed.
    if (hooks.type === "basic") {
      const interval = nextInterval(spawn);
      if (interval === undefined) return;
      if (now + interval > now) schedule(spawn, now + interval);
      else noProgress(spawn, interval, now);
    }
    // A buffered run starts when the last job in flight settled, after the settled and continueFn.
    startBuffered(spawn);
  };

  // --- Stopping ------------------------------------------------------------
  //
  // A stop is a request: the spawn leaves the running set at once, its waiting
  // job is cancelled, and (with a kill) so are its jobs in flight. Whether it
  // has stopped is derived: told to stop, nothing waiting, nothing in flight.
  // `settleStop` emits the one `stopped` when that first holds.

  const fault = (spawn: Spawn, code: SchedkitErrorCode, message: string, error: unknown): void => {
    spawn.lastError = error;
    emit({ type: "fault", programId: spawn.program.id, spawnId: spawn.id, code, message, error });
    stopSpawn(spawn, "fault", false);
  };

  /** The `cancel` effect of a job: a spawn's, or the program's (a trigger, a backfill's run). */
  const emitCancel = (job: Job, reason: CancelReason18, inFlight: boolean): void => {
    emit18({
      type: "cancel",
      jobId: job.id,
      fireId: fireOf(job),
      programId: job.program.id,
      spawnId: job.spawn === null ? null : job.spawn.id,
      reason,
      inFlight,
    });
  };

  const cancelWaiting = (spawn: Spawn, reason: CancelReason18): void => {
    const job = waitingJobOf(spawn);
    if (job === undefined) return;
    dropJob(job);
    emitCancel(job, reason, false);
  };

  /** The spawn's buffered runs, oldest first: they will not run. */
  const cancelBuffer = (spawn: Spawn, reason: CancelReason18): void => {
    const buffered = spawn.buffer;
    spawn.buffer = [];
    for (const job of buffered) {
      emitCancel(job, reason, false);
    }
  };

  const cancelActive = (spawn: Spawn, reason: CancelReason18): void => {
    for (const job of spawn.active) {
      dropJob(job);
      emitCancel(job, reason, true);
    }
    spawn.active = [];
  };

  /** Has the spawn stopped: told to, with nothing of it waiting or in flight? */
  const hasStopped = (spawn: Spawn): boolean =>
    spawn.stopRequested && spawn.active.length === 0 && spawn.buffer.length === 0 && waitingJobOf(spawn) === undefined;

  /** Emits the spawn's one `stopped` when it has stopped and has not had it yet. */
  const settleStop = (spawn: Spawn): void => {
    if (spawn.stopEmitted || !hasStopped(spawn)) {
      if (spawn.stopRequested && !spawn.stopEmitted) spawn.status = "terminating";
      return;
    }
    spawn.stopEmitted = true;
    stopping.delete(spawn);
    spawn.status = "stopped";
    forgetUnknown(spawn.program);
    emit18({ type: "stopped", programId: spawn.program.id, spawnId: spawn.id, reason: spawn.stopReason ?? "stop" });
  };

  const addToHistory = (spawn: Spawn): void => {
    const program = spawn.program;
    program.history.push(spawn);
    spawn.kept = true;
    while (program.history.length > historyLimit) (program.history.shift() as Spawn).kept = false;
    forgetUnknown(program);
  };

  /** Stops a spawn: gracefully (jobs in flight finish), or with `kill` (they are cancelled too). */
  const stopSpawn = (spawn: Spawn, reason: StopReason, kill: boolean): void => {
    if (spawn.stopEmitted) return;
    if (isRunning(spawn)) addToHistory(spawn);
    spawn.stopRequested = true;
    stopping.add(spawn);
    // The first reason stands: a spawn unspawned and then killed was unspawned.
    spawn.stopReason ??= reason;
    // The waiting job's cancel, then the buffered runs', then (a kill) the jobs in flight.
    cancelWaiting(spawn, reason);
    cancelBuffer(spawn, reason);
    if (kill) cancelActive(spawn, reason);
    settleStop(spawn);
  };

  const stopProgram = (program: Program, kill: boolean): void => {
    for (const spawn of runningSpawns(program)) stopSpawn(spawn, kill ? "kill" : "stop", kill);
    if (!kill) return;
    // A kill also ends the spawns that were stopping gracefully.
    for (const spawn of [...program.spawns]) {
      if (spawn.status === "terminating") stopSpawn(spawn, "kill", true);
    }
  };

  /** Uninstall stops every spawn gracefully, clear kills them; then whatever is still in flight is cancelled. */
  const removeProgram = (program: Program, how: "clear" | "uninstall"): void => {
    for (const spawn of runningSpawns(program)) stopSpawn(spawn, how, how === "clear");
    for (const spawn of [...program.spawns]) {
      if (spawn.stopEmitted || !spawn.stopRequested) continue;
      cancelActive(spawn, how);
      settleStop(spawn);
    }
    for (const job of queue.ownJobs(program)) {
      dropJob(job);
      emitCancel(job, how, job.running);
    }
    // A backfill's runs not started yet, after the triggers' cancels.
    for (const job of program.backfill?.queue ?? []) {
      emitCancel(job, how, false);
    }
    program.backfill = undefined;
    programs = programs.filter((other) => other !== program);
    emit({ type: how === "clear" ? "cleared" : "uninstalled", programId: program.id });
  };

  /** The safety net: after a dispatch no spawn that has stopped is left without its `stopped`. */
  const sweepStops = (): void => {
    if (stopping.size > 0) settleOwed();
    if (internal.verify !== true) return;
    for (const program of programs) {
      for (const spawn of program.spawns) {
        if (spawn.stopRequested && !spawn.stopEmitted && (hasStopped(spawn) || spawn.status !== "terminating")) {
          throw new Error("reference model: the stopping set missed a spawn");
        }
      }
    }
  };

  const settleOwed = (): void => {
    // Only a spawn told to stop can owe a `stopped` (settleStop leaves any other as it is).
    const owed = [...stopping].filter((spawn) => hasStopped(spawn) && programs.includes(spawn.program));
    // In the order a sweep over every program's spawns would meet them.
    const order = (spawn: Spawn): number =>
      programs.indexOf(spawn.program) * 2 ** 26 + spawn.program.spawns.indexOf(spawn);
    owed.sort((a, b) => order(a) - order(b));
    for (const spawn of owed) settleStop(spawn);
  };

  // --- Commands: each checks everything first, then returns what to apply. --

  /** A command accepted that does nothing once time arrived (a tick). */
  const acceptNothing = accept(() => {});

  const refuse = (command: Command, code: "max-reached" | "min-reached" | "none-running" | "policy-refused"): void => {
    emit({ type: "refused", command, code, message: code });
  };

  const install = (input: unknown): Verdict => {
    const copied = copyChecked(input, "program", programRules);
    if (!copied.ok) return refuseWith("invalid-program", copied.field, "invalid program");
    const spec = copied.value as unknown as ProgramSpec;
    let cronMatch: ((wall: number) => number) | undefined;
    if (spec.type === "cron") {
      const cron = cronOf(spec);
      if (!cron.ok) return refuseWith("invalid-program", cron.field, "bad cron program");
      cronMatch = cron.match;
      // An expression that can never match (the 30th of February) is refused now, not at the first spawn.
      let first = Number.NaN;
      try {
        first = cron.match(0 + wallOffset) - wallOffset;
      } catch {
        first = Number.NaN;
      }
      if (!(first > 0)) return refuseWith("invalid-program", "program.cron", "never matches");
    } else {
      if (spec.cron !== undefined) return refuseWith("invalid-program", "program.cron", "only with cron");
      if (spec.timezone !== undefined) return refuseWith("invalid-program", "program.timezone", "only with cron");
      if (spec.interval === undefined) return refuseWith("invalid-program", "program.interval", "required");
    }
    // Spec 18's checks across fields come before min/max (as the kernel orders them).
    const limitsRefused = checkProgramLimits(spec.type ?? "basic", spec);
    if (limitsRefused !== undefined) {
      return refuseWith("invalid-program", limitsRefused.field, limitsRefused.message);
    }
    if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
      return refuseWith("invalid-program", "program.min", "min > max");
    }
    if (spec.policy !== undefined && !policies.some((policy) => policy.name === spec.policy)) {
      return refuseWith("unknown-policy", "program.policy", `no policy "${spec.policy}"`);
    }
    let state: unknown;
    try {
      state = spec.createFn === undefined ? undefined : spec.createFn({ programId: spec.id, spawnId: null });
    } catch (error) {
      return refuseWith("hook-failed", "program.createFn", `createFn threw: ${describe(error)}`);
    }
    const interval = spec.interval ?? 0;
    return accept(() => {
      const old = findProgram(spec.id);
      // A reinstall says what it replaced: the old program's running spawns and its state.
      const replaced =
        old === undefined ? undefined : { spawnIds: runningSpawns(old).map((each) => each.id), state: old.state };
      if (old !== undefined) removeProgram(old, "uninstall");
      programs.push({
        id: spec.id,
        hooks: hooksOf(spec),
        scope: spec.scope ?? "program",
        min: spec.min,
        max: spec.max,
        policy: spec.policy,
        interval,
        state,
        spawns: [],
        history: [],
        lastSpawnNumber: 0,
        random: makeRandom(programSeed(seed, spec.id)),
        cronMatch,
        pause: unpaused(),
        limits: limitsOf(spec),
        backfill: undefined,
        ownJobs: new Set(),
      });
      emit(
        replaced === undefined
          ? { type: "installed", programId: spec.id }
          : { type: "installed", programId: spec.id, replaced },
      );
    });
  };

  const spawn = (command: Extract<Command, { type: "spawn" }>, at: number): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    let opts: SpawnOptions | undefined;
    if (command.opts !== undefined) {
      const copied = copyChecked(command.opts, "opts", spawnOptionRules);
      if (!copied.ok) return refuseWith("invalid-options", copied.field, "invalid options");
      opts = copied.value as SpawnOptions;
      const limitsRefused = checkSpawnLimits(program.hooks.type, program.limits, opts);
      if (limitsRefused !== undefined) {
        return refuseWith("invalid-options", limitsRefused.field, limitsRefused.message);
      }
    }
    const wantedId = opts?.spawnId;
    if (wantedId !== undefined && findSpawn(program, wantedId) !== undefined) {
      return refuseWith("duplicate-spawn", "opts.spawnId", `spawn "${wantedId}" exists`);
    }
    const hooks = overridden(program.hooks, program.limits, opts);
    // startAt: the schedule counts from max(now, startAt), exactly as a spawn made then.
    const origin = scheduleBase(at, hooks.startAt);
    const interval = opts?.interval ?? program.interval;
    const intervalField = opts?.interval !== undefined ? "opts.interval" : "program.interval";
    let firstInterval: number;
    let firstDue: number | undefined;
    if (program.cronMatch !== undefined) {
      for (const key of ["interval", "delay", "timeFn"] as const) {
        if (opts?.[key] !== undefined) return refuseWith("invalid-options", `opts.${key}`, "not for cron");
      }
      // Aimed with the wall offset this command brings, if it brings a new one.
      const brought = command.wall === undefined ? wallOffset : command.wall - command.at;
      firstDue = cronAfter(program, origin, Math.abs(brought - wallOffset) <= WALL_NOISE ? wallOffset : brought);
      if (Number.isNaN(firstDue)) return refuseWith("invalid-program", "program.cron", "no due time after now");
      firstInterval = firstDue - origin;
    } else {
      try {
        firstInterval = intervalValue(interval);
      } catch (error) {
        return refuseWith("invalid-interval", intervalField, describe(error));
      }
    }
    let base = origin;
    if (hooks.type === "constant" && hooks.timeFn !== undefined) {
      let aligned: unknown;
      try {
        aligned = hooks.timeFn(origin);
      } catch (error) {
        return refuseWith("hook-failed", "program.timeFn", `timeFn threw: ${describe(error)}`);
      }
      if (!isTime(aligned)) return refuseWith("hook-failed", "program.timeFn", "timeFn gave no time in range");
      base = aligned;
    }
    // A first due time that makes no progress: the schedule could never move on at this magnitude.
    if (firstDue === undefined && !(base + firstInterval > base)) {
      return refuseWith("invalid-interval", intervalField, "below the time's precision");
    }
    // The new spawn's id, worked out before it exists: a per-spawn createFn is told it.
    let nextNumber = program.lastSpawnNumber;
    let newId = wantedId;
    while (newId === undefined || (wantedId === undefined && findSpawn(program, newId) !== undefined)) {
      nextNumber += 1;
      newId = `${program.id}-${nextNumber}`;
    }
    let state: unknown;
    if (program.scope === "spawn") {
      try {
        state = hooks.createFn === undefined ? undefined : hooks.createFn({ programId: program.id, spawnId: newId });
      } catch (error) {
        return refuseWith("hook-failed", "program.createFn", `createFn threw: ${describe(error)}`);
      }
    }
    return accept(() => {
      // The bound meets the pool as time left it: due jobs may have stopped spawns.
      if (program.max !== undefined && runningSpawns(program).length >= program.max) {
        refuse(command, "max-reached");
        return;
      }
      const id = newId;
      program.lastSpawnNumber = nextNumber;
      const delay = hooks.delay === "random" ? program.random.below(firstInterval) : hooks.delay;
      spawnsMade += 1;
      const created: Spawn = {
        id,
        seq: spawnsMade,
        program,
        startedAt: now,
        hooks,
        status: "created",
        stopReason: undefined,
        stopRequested: false,
        stopEmitted: false,
        missed: 0,
        updatedAt: now,
        interval,
        lastInterval: firstInterval,
        state,
        submitted: 0,
        succeeded: 0,
        errored: 0,
        lost: 0,
        lastError: undefined,
        active: [],
        results: [],
        buffer: [],
        skipped: 0,
        runs: 0,
        pause: unpaused(),
        kept: false,
        waiting: [],
        startsIn: 0,
        starts: 0,
      };
      program.spawns.push(created);
      if (hooks.endAt !== undefined) withEndAt.add(created);
      emit({ type: "spawned", programId: program.id, spawnId: id, startedAt: now });
      let first = firstDue ?? base + (delay ?? firstInterval);
      // An aligned grid (timeFn) may start before startAt: its first point at or after startAt, stepping.
      if (firstDue === undefined && hooks.startAt !== undefined && first < hooks.startAt) {
        const startAt = hooks.startAt;
        first += firstInterval * Math.ceil((startAt - first) / firstInterval);
        while (first < startAt) first += firstInterval;
      }
      schedule(created, first);
    });
  };

  /** An unspawn: the policy is known now; bounds and the policy's choice meet the pool once time arrived. */
  const unspawn = (command: Extract<Command, { type: "unspawn" }>): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const policyName = program.policy ?? defaultPolicy;
    const policy = policies.find((each) => each.name === policyName);
    if (policy === undefined) return refuseWith("no-policy", "program.policy", "no policy to choose with");
    return accept(() => {
      const running = runningSpawns(program);
      if (running.length === 0) return refuse(command, "none-running");
      if (program.min !== undefined && running.length <= program.min) return refuse(command, "min-reached");
      const views = running.map(viewOf);
      const set: SpawnSet = Object.freeze({
        size: views.length,
        earliest: () => views[0],
        latest: () => views[views.length - 1],
        [Symbol.iterator]: () => views[Symbol.iterator](),
      });
      const failed = `policy "${policy.name}"`;
      let chosen: unknown;
      try {
        chosen = policy.select(set);
      } catch (error) {
        emit({ type: "rejected", command, code: "policy-failed", field: failed, message: `threw: ${describe(error)}` });
        return;
      }
      if (chosen === undefined) return refuse(command, "policy-refused");
      const victim = running.find((each) => each.id === chosen);
      if (victim === undefined) {
        emit({ type: "rejected", command, code: "policy-failed", field: failed, message: `chose ${show(chosen)}` });
        return;
      }
      emit({ type: "unspawned", programId: program.id, spawnId: victim.id });
      stopSpawn(victim, "unspawn", false);
    });
  };

  const changeInterval = (command: Extract<Command, { type: "set-interval" }>): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const interval = command.interval;
    if (!isInterval(interval)) return refuseWith("invalid-interval", "command.interval", "not an interval");
    if (program.cronMatch !== undefined) {
      return refuseWith("invalid-interval", "command.interval", "a cron program");
    }
    const spawnId = command.spawnId;
    if (spawnId === undefined) {
      return accept(() => {
        program.interval = interval;
        for (const each of runningSpawns(program)) {
          each.interval = interval;
          // A number is the spawn's interval from now on, and its props say so at once.
          if (typeof interval === "number") each.lastInterval = interval;
        }
        emit({ type: "interval-set", programId: program.id, spawnId: null });
      });
    }
    const target = findSpawn(program, spawnId);
    if (target === undefined) return unknownSpawn(program.id, spawnId);
    return accept(() => {
      target.interval = interval;
      if (typeof interval === "number") target.lastInterval = interval;
      emit({ type: "interval-set", programId: program.id, spawnId });
    });
  };

  /** A result: for a job in flight it settles; for one issued earlier it is discarded; any other id is unknown. */
  const complete = (jobId: string, outcome: Outcome): Verdict => {
    const job = queue.inFlight(jobId);
    if (job !== undefined) {
      completing = job;
      completingOutcome = outcome;
      return settleCompleting;
    }
    // One id per job: "job-" and a number without leading zeros, up to the last one issued.
    const issued = /^job-([1-9]\d*)$/.exec(jobId);
    if (issued !== null && Number(issued[1]) <= jobsIssued) {
      return accept(() => emit({ type: "discarded", jobId }));
    }
    return refuseWith("unknown-job", "command.jobId", `no job "${jobId}" was issued`);
  };

  /** The job in flight the `complete` being dispatched names, and its outcome (for `settleCompleting`). */
  let completing: Job | undefined;
  let completingOutcome: Outcome | undefined;
  /** A `complete` of a job in flight, accepted (one verdict for all: the job and outcome are set aside above). */
  const settleCompleting = accept(() => {
    const job = completing as Job;
    const outcome = completingOutcome as Outcome;
    completing = undefined;
    completingOutcome = undefined;
    // Time arrives first: a due job of a `cancel-other` spawn may have cancelled this one meanwhile.
    if (queue.has(job)) finishJob(job, outcome);
    else emit({ type: "discarded", jobId: job.id });
  });

  /** Pause or resume a program (no `spawnId`) or one of its running spawns. */
  const pauseOrResume = (command: Extract<SimCommand, { type: "pause" | "resume" }>): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const spawnId = command.spawnId;
    let target: Spawn | undefined;
    if (spawnId !== undefined) {
      target = findSpawn(program, spawnId);
      if (target === undefined) return unknownSpawn(program.id, spawnId);
      if (!isRunning(target)) {
        return refuseWith("invalid-command", "command.spawnId", `spawn "${spawnId}" is stopping or stopped`);
      }
    }
    const state = target === undefined ? program.pause : target.pause;
    const spawnIdOut = target === undefined ? null : target.id;
    if (command.type === "pause") {
      const note = command.note;
      return accept(() => {
        pause(state, note);
        emit18({ type: "paused", programId: program.id, spawnId: spawnIdOut, ...(note === undefined ? {} : { note }) });
      });
    }
    return accept(() => {
      resume(state);
      emit18({ type: "resumed", programId: program.id, spawnId: spawnIdOut });
      // Parked jobs of spawns no longer paused are due again (at once: they came due meanwhile).
      for (const job of queue.parked()) if (job.spawn !== null && !isPaused(job.spawn)) queue.park(job, false);
      // Right after `resumed`: each spawn no longer paused with nothing in flight starts its oldest
      // buffered run (in spawn order); its due waiting job comes with the other due jobs after.
      for (const each of target === undefined ? runningSpawns(program) : [target]) {
        if (!isPaused(each)) startBuffered(each);
      }
    });
  };

  /** A backfill run ended (settled, or cancelled in flight): the next queued one becomes due. */
  const backfillRunEnded = (job: Job, settled: boolean): void => {
    const run = job.backfill;
    if (run === undefined) return;
    run.live.delete(job);
    if (settled) {
      const next = run.queue.shift();
      if (next !== undefined) queue.add(next);
    }
    if (run.live.size === 0 && job.program.backfill === run) job.program.backfill = undefined;
  };

  const cancelBackfillInFlight = (run: Backfill): void => {
    for (const job of [...run.live]) {
      if (!job.running) continue;
      dropJob(job);
      emitCancel(job, "overlap", true);
      backfillRunEnded(job, false);
    }
  };

  /** `backfill`: the program's due times in [from, to) run now, as program jobs, under an overlap policy. */
  const backfill = (command: Extract<Command, { type: "backfill" }>, at: number): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const refused = (field: string, message: string) => refuseWith("invalid-command", field, message);
    if (program.hooks.type === "basic") return refused("backfill.programId", "a basic program has no due times");
    if (program.backfill !== undefined) return refused("backfill.programId", "a backfill is in progress");
    const { from, to } = command;
    if (!(to > from)) return refused("backfill.to", "to must be after from");
    if (to > at) return refused("backfill.to", "to must not be in the future");
    if (program.cronMatch === undefined && typeof program.interval !== "number") {
      return refused("backfill.programId", "the program's interval is a function");
    }
    const limit = program.limits.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
    const times = backfillDueTimes(
      program.cronMatch === undefined
        ? { interval: program.interval as number }
        : { cron: (t: number) => cronAfter(program, t) },
      from,
      to,
      limit,
    );
    if (times.length > limit) return refused("backfill.to", `more than ${limit} due times`);
    const overlap = command.overlap ?? "buffer-all";
    return accept(() => {
      const fires = times.map((t) => ({ fireId: `${program.id}/backfill/${t}`, scheduledAt: t }));
      emit({ type: "backfilled", programId: program.id, from, to, runs: fires });
      const skips = backfillSkips(overlap, times.length);
      fires.forEach((fire, index) => {
        const reason = skips[index];
        if (reason !== undefined) emit18({ type: "skipped", programId: program.id, spawnId: null, ...fire, reason });
      });
      const run: Backfill = { overlap, queue: [], live: new Set() };
      fires.forEach((fire, index) => {
        if (skips[index] !== undefined) return;
        const job = newJob(program, null, fire.scheduledAt, fire.fireId);
        job.backfill = run;
        run.live.add(job);
        if (run.live.size > 1 && !backfillAllAtOnce(overlap)) {
          dropJob(job);
          run.queue.push(job);
        }
      });
      if (run.live.size > 0) program.backfill = run;
    });
  };

  /** Checks a well-formed command against the model as it is, at `at` (its time, or now when late). */
  const judge = (command: SimCommand, at: number): Verdict => {
    if (command.type === "pause" || command.type === "resume") return pauseOrResume(command);
    switch (command.type) {
      case "tick":
        return acceptNothing;
      case "install":
        return install(command.program);
      case "spawn":
        return spawn(command, at);
      case "unspawn":
        return unspawn(command);
      case "trigger": {
        const program = findProgram(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        const scheduledAt = command.scheduledAt ?? at;
        return accept(() => {
          const job = newJob(program, null, scheduledAt, command.fireId);
          emit({ type: "triggered", jobId: job.id, programId: program.id, scheduledAt });
        });
      }
      case "adopt":
        // Not modelled: the simulator sends no adopt (the kernel's own tests cover it).
        return refuseWith("invalid-command", "command.type", "adopt is not modelled");
      case "backfill":
        return backfill(command, at);
      case "complete":
        // The batch form never gets here: `dispatch` takes it apart into single completes.
        if ("results" in command) return refuseWith("invalid-command", "command.results", "a batch, unexpected here");
        return complete(command.jobId, command.outcome);
      case "set-interval":
        return changeInterval(command);
      case "stop-spawn":
      case "kill-spawn": {
        const program = findProgram(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        const target = findSpawn(program, command.spawnId);
        if (target === undefined) return unknownSpawn(program.id, command.spawnId);
        const kill = command.type === "kill-spawn";
        return accept(() => stopSpawn(target, kill ? "kill" : "stop", kill));
      }
      case "stop-all":
      case "kill-all": {
        const kill = command.type === "kill-all";
        if (command.programId === undefined) {
          return accept(() => {
            for (const program of [...programs]) stopProgram(program, kill);
          });
        }
        const program = findProgram(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        return accept(() => stopProgram(program, kill));
      }
      case "clear":
      case "uninstall": {
        const program = findProgram(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        const how = command.type;
        return accept(() => removeProgram(program, how));
      }
    }
  };

  /** A job id the model issued (in flight or not), as a single `complete` accepts it. */
  const wasIssued = (jobId: string): boolean => {
    const issued = /^job-([1-9]\d*)$/.exec(jobId);
    return issued !== null && Number(issued[1]) <= jobsIssued;
  };

  /**
   * A batch `complete`: its single completes in order, the wake of the last alone; rejected
   * whole (nothing changes, not even the time) if an entry is malformed or names a job never issued.
   */
  const dispatchBatch = (input: unknown, batch: NonNullable<ReturnType<typeof batchOf>>): KernelEffect[] => {
    const rejected = (code: SchedkitErrorCode, field: string): KernelEffect[] => {
      const effects = dispatchOne({ type: "tick", at: Number.NaN } as Command);
      // The same wake as any rejected command (a NaN tick is rejected and changes nothing).
      return effects.map((effect) =>
        effect.type === "rejected" ? { type: "rejected", command: input, code, field, message: "invalid" } : effect,
      ) as KernelEffect[];
    };
    if (!batch.ok) return rejected("invalid-command", batch.field);
    const { at, wall, results } = batch.value;
    const unknown = results.findIndex((entry) => !wasIssued(entry.jobId));
    if (unknown >= 0) return rejected("unknown-job", `command.results[${unknown}].jobId`);
    if (results.length === 0) return dispatchOne({ type: "tick", at, ...(wall === undefined ? {} : { wall }) });
    const all: KernelEffect[] = [];
    results.forEach((entry, index) => {
      const effects = dispatchOne({
        type: "complete",
        at,
        ...(wall === undefined ? {} : { wall }),
        jobId: entry.jobId,
        outcome: entry.outcome,
      });
      const last = index === results.length - 1;
      for (const effect of effects) if (last || effect.type !== "wake") all.push(effect);
    });
    return all;
  };

  const dispatchOne = (input: Command | SimCommand): KernelEffect[] => {
    {
      emitted = 0;
      dispatchNumber += 1;
      catchUpLeft = catchUpLimit;
      const checked = checkCommand(input);
      if (!checked.ok) {
        emit({ type: "rejected", command: input, code: "invalid-command", field: checked.field, message: "invalid" });
      } else {
        const command = checked.value;
        // Judged against the model as it is: a rejected command changes nothing, not even the time.
        const verdict = judge(command, Math.max(now, command.at));
        if (verdict.ok) {
          arrive(command.at, (command as { wall?: number }).wall);
          verdict.apply();
          startDueJobs();
        } else {
          emit({
            type: "rejected",
            command: input,
            code: verdict.code,
            field: verdict.field,
            message: verdict.message,
          });
        }
      }
      queue.undeferAll();
      sweepStops();
      // The next due job, or the next endAt of a running spawn (paused ones too), whichever comes first.
      const first = firstWaiting();
      const nextDue = first === undefined ? undefined : wakeOf(first);
      const nextEnd = firstEndDeadline()?.hooks.endAt;
      const wakeAt = nextDue === undefined ? nextEnd : nextEnd === undefined ? nextDue : Math.min(nextDue, nextEnd);
      emit({ type: "wake", at: wakeAt ?? null });
      const effects = handOut();
      // A long list is let go of (it would only keep old effects alive).
      if (emitted > 256) out.length = 0;
      emitted = 0;
      return effects;
    }
  };

  return {
    dispatch(input: Command | SimCommand): KernelEffect[] {
      const batch = batchOf(input);
      return batch === undefined ? dispatchOne(input) : dispatchBatch(input, batch);
    },
  };
};
