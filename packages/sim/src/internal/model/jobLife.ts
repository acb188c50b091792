/**
 * A job's life in the reference model: it starts (its `run`, and for a fixed-rate spawn the
 * next due time), is skipped or buffered by the overlap policy, and settles (the hooks fold
 * its outcome into the state; then `continueFn`, the fixed delay, the next buffered run).
 */
import type { Outcome, ResultRecord } from "@schedkit/kernel";
import { backfillRunEnded } from "./backfillCommand.js";
import { emit, emit18, type ModelState } from "./modelState.js";
import { nextDueAfter, nextInterval, noProgress, schedule, scheduleAfterDelay } from "./schedule.js";
import { fireOf, isRunning, type Job, type Spawn } from "./state.js";
import { fault, settleStop, stopSpawn } from "./stopping.js";
import { describe, mergeByDefault } from "./values.js";
import { isPaused, propsOf, stateOf } from "./views.js";

/**
 * Starts a job. A spawn's due job (not a buffered one) schedules the spawn's next due
 * time first; the spawn's `maxRuns`-th run schedules nothing and stops the spawn after
 * its `run`.
 */
export const startJob = (m: ModelState, job: Job, buffered = false): void => {
  m.queue.start(job);
  job.startedAt = m.now;
  const spawn = job.spawn;
  let last = false;
  if (spawn !== null) {
    spawn.active.push(job);
    if (spawn.status === "created") spawn.status = "running";
    spawn.runs += 1;
    last = spawn.hooks.maxRuns !== undefined && spawn.runs >= spawn.hooks.maxRuns;
    // Fixed rate (constant, cron): the next due time is scheduled as soon as this job starts.
    if (!buffered && !last && isRunning(spawn)) {
      const next = nextDueAfter(m, spawn, job.dueAt);
      if (next !== undefined) schedule(m, spawn, next);
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
    if (spawn !== null && last && isRunning(spawn)) stopSpawn(m, spawn, "max-runs", false);
    finishJob(m, job, { ok: false, error });
  }
  if (!failed) {
    emit(m, {
      type: "run",
      jobId: job.id,
      fireId: fireOf(job),
      programId: job.program.id,
      spawnId: spawn === null ? null : spawn.id,
      scheduledAt: job.dueAt,
      startedAt: m.now,
      args,
    });
  }
  if (spawn !== null && last && isRunning(spawn)) stopSpawn(m, spawn, "max-runs", false);
};

/** A due time the overlap policy skips: reported, and the same job moves on to the next due time. */
export const skipDue = (m: ModelState, spawn: Spawn, job: Job, reason: "overlap" | "buffer-full"): void => {
  spawn.skipped += 1;
  emit18(m, {
    type: "skipped",
    programId: spawn.program.id,
    spawnId: spawn.id,
    fireId: fireOf(job),
    scheduledAt: job.dueAt,
    reason,
  });
  const next = nextDueAfter(m, spawn, job.dueAt);
  if (next !== undefined) m.queue.setDue(job, next);
};

/** A due time that waits in the spawn's buffer: it leaves the schedule, and a new waiting job is scheduled. */
export const bufferDue = (m: ModelState, spawn: Spawn, job: Job): void => {
  m.queue.drop(job);
  spawn.buffer.push(job);
  const next = nextDueAfter(m, spawn, job.dueAt);
  if (next !== undefined && isRunning(spawn)) schedule(m, spawn, next);
};

/** Starts the spawn's oldest buffered run if nothing of it is in flight and it may start jobs. */
export const startBuffered = (m: ModelState, spawn: Spawn): void => {
  if (!isRunning(spawn) || spawn.stopRequested || isPaused(spawn) || spawn.active.length > 0) return;
  // Buffered runs whose due time fell out of the catch-up window while they waited are missed, one effect each.
  const oldest = m.now - spawn.hooks.catchUpWindow;
  for (let first = spawn.buffer[0]; first !== undefined && first.dueAt < oldest; first = spawn.buffer[0]) {
    spawn.buffer.shift();
    spawn.missed += 1;
    emit(m, {
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
  m.queue.add(job);
  startJob(m, job, true);
};

/** A program job (a trigger, a backfill's run) settles: its output folds into the program's state. */
const finishTrigger = (m: ModelState, job: Job, outcome: Outcome): void => {
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
    m,
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
          endedAt: m.now,
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
          endedAt: m.now,
          value: outcome.ok ? outcome.value : undefined,
        },
  );
};

/** A job in flight settles with its outcome (or `{ lost: true }`: no hook, no state change, no result). */
export const finishJob = (m: ModelState, job: Job, outcome: Outcome): void => {
  m.queue.drop(job);
  const spawn = job.spawn;
  const now = m.now;
  if ("lost" in outcome) {
    const { id: jobId, program, dueAt: scheduledAt, startedAt } = job;
    const spawnId = spawn === null ? null : spawn.id;
    emit(m, {
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
    finishTrigger(m, job, outcome);
    backfillRunEnded(m, job, true);
    return;
  }
  if (spawn === null) {
    backfillRunEnded(m, job, true);
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
    if (spawn.stopRequested) settleStop(m, spawn);
    else if (isRunning(spawn) && hooks.type === "basic") scheduleAfterDelay(m, spawn);
    startBuffered(m, spawn);
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
    if (spawn.results.length > m.historyLimit) spawn.results.shift();
  } else {
    // The latest only (the list is the model's own, never handed out: it is changed in place).
    spawn.results[0] = result;
  }
  const fireId = fireOf(job);
  emit(
    m,
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
    settleStop(m, spawn);
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
      fault(m, spawn, "hook-failed", `continueFn: threw: ${describe(hookError)}`, hookError);
      return;
    }
    if (goOn === false) {
      stopSpawn(m, spawn, "continue", false);
      return;
    }
  }
  // Fixed delay: the next job is due one interval after this one completed.
  if (hooks.type === "basic") {
    const interval = nextInterval(m, spawn);
    if (interval === undefined) return;
    if (now + interval > now) schedule(m, spawn, now + interval);
    else noProgress(m, spawn, interval, now);
  }
  // A buffered run starts when the last job in flight settled, after the settled and continueFn.
  startBuffered(m, spawn);
};
