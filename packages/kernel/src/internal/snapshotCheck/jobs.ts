import { seqOfJobId } from "../jobTable.js";
import type { JobSnapshot, ResultSnapshot } from "../snapshotTypes.js";
import { type CheckContext, quote } from "./context.js";

// The leaves of the snapshot check: one job (waiting, in flight or a trigger) and one result.
// Both record their job's number in the context, so that a number is live or settled only once.

/**
 * A waiting (`started` false), in-flight (true) or trigger (undefined) job; `fireId` is the one a
 * spawn's job must have (a trigger's is any non-empty string).
 */
export const checkJob = (
  ctx: CheckContext,
  job: JobSnapshot,
  path: string,
  started: boolean | undefined,
  fireId?: string,
): void => {
  const { jobSeq } = ctx.snapshot;
  if (job.seq < 1 || job.seq > jobSeq) {
    ctx.fail(`${path}.seq`, `${job.seq} is not the number of a job this kernel issued (1 to jobSeq, ${jobSeq})`);
  }
  if (job.id !== `job-${job.seq}`) ctx.fail(`${path}.id`, `job ${job.seq} is "job-${job.seq}", not ${quote(job.id)}`);
  const other = ctx.jobs.get(job.seq);
  if (other !== undefined) ctx.fail(`${path}.id`, `job "${job.id}" is also at ${other}`);
  ctx.jobs.set(job.seq, path);
  ctx.due(job.dueAt, `${path}.dueAt`);
  if (fireId !== undefined && job.fireId !== fireId) {
    ctx.fail(`${path}.fireId`, `a spawn's job due at ${job.dueAt} is fire ${quote(fireId)}, not ${quote(job.fireId)}`);
  }
  if (job.fireId === "") ctx.fail(`${path}.fireId`, "expected a non-empty fire id");
  if (started === false && job.startedAt !== null) {
    ctx.fail(`${path}.startedAt`, `a waiting job has not started; expected null, got ${job.startedAt}`);
  }
  if (started === true && job.startedAt === null) {
    ctx.fail(`${path}.startedAt`, "a job in flight has started; expected its start time, got null");
  }
  if (job.startedAt !== null) {
    ctx.past(job.startedAt, `${path}.startedAt`);
    if (job.startedAt < job.dueAt) {
      ctx.fail(`${path}.startedAt`, `${job.startedAt} is before the job's due time (${job.dueAt})`);
    }
  }
};

/** One settled job's result, kept by the spawn at `spawnPath`. */
export const checkResult = (ctx: CheckContext, result: ResultSnapshot, path: string, spawnPath: string): void => {
  const seq = seqOfJobId(result.jobId);
  if (seq < 1 || seq > ctx.snapshot.jobSeq) {
    ctx.fail(`${path}.jobId`, `${quote(result.jobId)} is not a job this kernel issued`);
  }
  const other = ctx.settled.get(seq);
  if (other !== undefined && other.spawn !== spawnPath) {
    ctx.fail(`${path}.jobId`, `"${result.jobId}" is also a result of ${other.spawn}`);
  }
  ctx.settled.set(seq, { spawn: spawnPath, path: `${path}.jobId`, where: ctx.where });
  ctx.due(result.scheduledAt, `${path}.scheduledAt`);
  ctx.past(result.startedAt, `${path}.startedAt`);
  ctx.past(result.endedAt, `${path}.endedAt`);
  if (result.startedAt < result.scheduledAt) {
    ctx.fail(`${path}.startedAt`, `${result.startedAt} is before the job's due time (${result.scheduledAt})`);
  }
  if (result.endedAt < result.startedAt) {
    ctx.fail(`${path}.endedAt`, `${result.endedAt} is before the job started (${result.startedAt})`);
  }
  if (result.status === "succeeded" && result.error !== undefined) {
    ctx.fail(`${path}.error`, "a succeeded result has no error");
  }
  if (result.status === "errored" && result.value !== undefined) {
    ctx.fail(`${path}.value`, "an errored result has no value");
  }
};
