/** A job's outcome arrives: it settles, its output is folded into state, and its spawn goes on (or stops). */

import type { Outcome } from "../Command.js";
import type { ResultRecord } from "../Program.js";
import { backfillSettled } from "./backfill.js";
import { describe, show } from "./describe.js";
import { leaveInFlight } from "./inFlight.js";
import { type ReusableJob, startBuffered } from "./jobs.js";
import { seqOfJobId } from "./jobTable.js";
import { latestResultOf, setLatestResult } from "./latestResult.js";
import { fault, finalizeStop, stopSpawn } from "./lifecycle.js";
import type { Machine } from "./machine.js";
import { defaultMerge } from "./merge.js";
import { fireIdOf, isPaused, isRunning, type JobRecord, jobIdOf, propsOf, type SpawnRecord, stateOf } from "./model.js";
import { apply, type Plan, reject } from "./plan.js";
import { scheduleAfterCompletion } from "./timing.js";

/** Enough spares for a burst of results; beyond it, settled records are left to the GC. */
const MAX_SPARE_JOBS = 4096;

/** A `complete` that came the slow way (the hot path takes the usual ones): the same three answers. */
export function prepareComplete(m: Machine, jobId: string, outcome: Outcome): Plan {
  const seq = seqOfJobId(jobId);
  const job = seq < 1 ? undefined : m.inFlight.get(seq);
  const failed = "ok" in outcome && !outcome.ok;
  const payload = "ok" in outcome ? (outcome.ok ? outcome.value : outcome.error) : undefined;
  if (job !== undefined && jobIdOf(job) === jobId) {
    return apply(() => {
      // Time arrived first: a due time with `overlap: "cancel-other"` may have cancelled it.
      if (m.inFlight.get(seq) !== job) m.emit({ type: "discarded", jobId });
      else if ("lost" in outcome) loseJob(m, job);
      else finishJob(m, job, failed, payload);
    });
  }
  if (seq >= 1 && seq <= m.jobSeq) return apply(() => m.emit({ type: "discarded", jobId }));
  return reject("unknown-job", "command.jobId", `command.jobId: no job ${show(jobId)} was issued by this kernel`);
}

/** A job's outcome arrived: `payload` is its value, or its error when `failed`. */
export function finishJob(m: Machine, job: JobRecord, failed: boolean, payload: unknown): void {
  m.inFlight.delete(job.seq);
  job.args = undefined;
  const spawn = job.spawn;
  if (spawn === null) {
    finishTrigger(m, job, failed, payload);
    return;
  }
  settle(m, spawn, job, failed, payload);
  // Nothing refers to a settled job any more, unless it never left the heap
  // (its argsFn threw while it was starting): then the heap still holds it.
  if (!m.heap.has(job) && job !== m.starting && m.spareJobs.length < MAX_SPARE_JOBS) {
    const spare = job as ReusableJob;
    // Its id strings go now, not when the record is reused: a spare (an old object) holding them
    // would keep them alive through young collections, copied each time.
    spare.id = "";
    spare.fireId = "";
    m.spareJobs.push(spare);
  }
}

/** A spawn's job has its outcome: fold it into state, record it, and decide what comes next. */
export function settle(m: Machine, spawn: SpawnRecord, job: JobRecord, jobFailed: boolean, payload: unknown): void {
  leaveInFlight(spawn, job);
  const { config, program } = spawn;
  let failed = jobFailed;
  let error: unknown = jobFailed ? payload : undefined;
  try {
    const output = jobFailed
      ? config.errorFn?.(payload)
      : config.successFn === undefined
        ? payload
        : config.successFn(payload);
    const merge = config.mergeFn ?? defaultMerge;
    const next = merge(stateOf(spawn), output);
    if (program.scope === "spawn") spawn.state = next;
    else program.state = next;
  } catch (hookError) {
    // A failing successFn/errorFn/mergeFn: the job counts as errored, state unchanged.
    failed = true;
    error = hookError;
  }
  if (failed) {
    spawn.errored++;
    program.counts.errored++;
    spawn.lastError = error;
  } else {
    spawn.succeeded++;
    program.counts.succeeded++;
  }
  spawn.updatedAt = m.now;
  const value = jobFailed ? undefined : payload;
  setLatestResult(spawn, job.seq, failed, failed ? error : value, job.dueAt, job.startedAt, m.now);
  if (spawn.results !== undefined) {
    const result = latestResultOf(spawn) as ResultRecord;
    spawn.results.push(result);
    if (spawn.results.length > m.historyLimit) spawn.results.shift();
  }
  m.emit(
    failed
      ? {
          type: "settled",
          jobId: jobIdOf(job),
          fireId: fireIdOf(job),
          programId: program.id,
          spawnId: spawn.id,
          status: "errored",
          scheduledAt: job.dueAt,
          startedAt: job.startedAt,
          endedAt: m.now,
          error,
        }
      : {
          type: "settled",
          jobId: jobIdOf(job),
          fireId: fireIdOf(job),
          programId: program.id,
          spawnId: spawn.id,
          status: "succeeded",
          scheduledAt: job.dueAt,
          startedAt: job.startedAt,
          endedAt: m.now,
          value,
        },
  );
  if (spawn.status === "terminating") {
    if (spawn.inFlightCount === 0) finalizeStop(m, spawn);
    return;
  }
  if (!isRunning(spawn)) return;
  if (config.continueFn !== undefined) {
    let goOn: unknown;
    try {
      goOn = (config.continueFn as (props: unknown) => unknown)({
        ...propsOf(spawn),
        programId: program.id,
        spawnId: spawn.id,
        result: latestResultOf(spawn),
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
  scheduleAfterCompletion(m, spawn);
  startBufferedIfFree(m, spawn);
}

/** The spawn's last job in flight settled: its oldest buffered run starts, unless the spawn is paused. */
function startBufferedIfFree(m: Machine, spawn: SpawnRecord): void {
  if (spawn.buffer.length > 0 && spawn.inFlightCount === 0 && !isPaused(spawn)) startBuffered(m, spawn);
}

/**
 * A job completed `{ lost: true }`: its result is unknown. It settles with status "lost"; no
 * hook is called, the state is unchanged, no result is kept; a basic spawn goes on as after any
 * completion (continueFn is not asked: there is no new result to judge).
 */
export function loseJob(m: Machine, job: JobRecord): void {
  m.inFlight.delete(job.seq);
  job.args = undefined;
  const { spawn, program } = job;
  m.emit({
    type: "settled",
    jobId: jobIdOf(job),
    fireId: fireIdOf(job),
    programId: program.id,
    spawnId: spawn?.id ?? null,
    status: "lost",
    scheduledAt: job.dueAt,
    startedAt: job.startedAt,
    endedAt: m.now,
  });
  if (spawn === null) {
    program.triggers.delete(job);
    if (job.backfill) backfillSettled(m, program);
    return;
  }
  leaveInFlight(spawn, job);
  spawn.lost++;
  if (spawn.status === "terminating") {
    if (spawn.inFlightCount === 0) finalizeStop(m, spawn);
    return;
  }
  if (!isRunning(spawn)) return;
  scheduleAfterCompletion(m, spawn);
  startBufferedIfFree(m, spawn);
}

export function finishTrigger(m: Machine, job: JobRecord, jobFailed: boolean, payload: unknown): void {
  const program = job.program;
  program.triggers.delete(job);
  let error: unknown = jobFailed ? payload : undefined;
  let ok = !jobFailed;
  if (ok) {
    try {
      program.state = (program.config.mergeFn ?? defaultMerge)(program.state, payload);
    } catch (mergeError) {
      ok = false;
      error = mergeError;
    }
  }
  m.emit({
    type: "settled",
    jobId: jobIdOf(job),
    fireId: job.fireId,
    programId: program.id,
    spawnId: null,
    status: ok ? "succeeded" : "errored",
    scheduledAt: job.dueAt,
    startedAt: job.startedAt,
    endedAt: m.now,
    ...(ok ? { value: payload } : { error }),
  });
  if (job.backfill) backfillSettled(m, program);
}
