import { spawnFireId } from "../model.js";
import type { JobSnapshot, ProgramSnapshot, SpawnSnapshot } from "../snapshotTypes.js";
import type { CheckContext } from "./context.js";
import { checkJob } from "./jobs.js";
import { checkSpawnOverrides } from "./overrides.js";
import { checkSpawnResults } from "./spawnResults.js";

/**
 * One spawn of `program`: its times and counters, status against stop reason and history,
 * its jobs (waiting, in flight, buffered) against the status, then its results and overrides.
 */
export const checkSpawn = (ctx: CheckContext, program: ProgramSnapshot, spawn: SpawnSnapshot, path: string): void => {
  const { status } = spawn;
  const live = status === "created" || status === "running";
  ctx.past(spawn.startedAt, `${path}.startedAt`);
  ctx.past(spawn.updatedAt, `${path}.updatedAt`);
  if (spawn.updatedAt < spawn.startedAt) {
    ctx.fail(`${path}.updatedAt`, `${spawn.updatedAt} is before the spawn started (${spawn.startedAt})`);
  }
  ctx.interval(spawn.interval, program.type, `${path}.interval`);
  if (!(spawn.lastInterval >= 0)) ctx.fail(`${path}.lastInterval`, `expected ms >= 0, got ${spawn.lastInterval}`);
  for (const key of ["submitted", "succeeded", "errored", "lost", "missed"] as const)
    ctx.count(spawn[key], `${path}.${key}`);
  if (program.scope === "program" && spawn.state !== undefined) {
    ctx.fail(`${path}.state`, 'the program has scope "program": its spawns keep no state of their own');
  }
  // A fault (a failing interval, cron or continueFn) keeps its error without an errored job, and stops the spawn.
  if (spawn.lastError !== undefined && spawn.errored === 0 && live) {
    ctx.fail(`${path}.lastError`, `a ${status} spawn with no errored job has no last error`);
  }

  // Status, stop reason and the stopped history agree.
  if (live !== (spawn.stopReason === null)) {
    ctx.fail(
      `${path}.stopReason`,
      live ? `a ${status} spawn has not been stopped; expected null` : `a ${status} spawn has a stop reason`,
    );
  }
  if (live && spawn.inHistory) ctx.fail(`${path}.inHistory`, `a ${status} spawn is not in the stopped history`);
  if (status === "stopped" && !spawn.inHistory) {
    ctx.fail(`${path}.inHistory`, "a stopped spawn out of the history is forgotten; expected true");
  }

  // Its jobs: the waiting one has not started, those in flight have, and the status agrees.
  const completed = spawn.succeeded + spawn.errored;
  /** Jobs that ended: completed, or lost (a lost job leaves no result). */
  const ended = completed + spawn.lost;
  const fireOf = (job: JobSnapshot) => spawnFireId(program.id, spawn.id, job.dueAt);
  if (spawn.pending !== null) {
    checkJob(ctx, spawn.pending, `${path}.pending`, false, fireOf(spawn.pending));
    if (!live) ctx.fail(`${path}.pending`, `a ${status} spawn has no waiting job (stopping cancels it)`);
  } else if (live && (program.type !== "basic" || spawn.inFlight.length === 0)) {
    ctx.fail(`${path}.pending`, `a ${status} ${program.type} spawn has its next job waiting; got null`);
  }
  let newest = 0;
  spawn.inFlight.forEach((job, index) => {
    const jobPath = `${path}.inFlight[${index}]`;
    checkJob(ctx, job, jobPath, true, fireOf(job));
    if ((job.startedAt ?? 0) < spawn.startedAt) {
      ctx.fail(`${jobPath}.startedAt`, `${job.startedAt} is before the spawn started (${spawn.startedAt})`);
    }
    newest = Math.max(newest, job.seq);
  });
  const buffer = spawn.buffer ?? [];
  buffer.forEach((job, index) => {
    const jobPath = `${path}.buffer[${index}]`;
    checkJob(ctx, job, jobPath, false, fireOf(job));
    if (job.dueAt > ctx.snapshot.now)
      ctx.fail(`${jobPath}.dueAt`, `a buffered run came due; ${job.dueAt} is after now`);
  });
  if (!live && buffer.length > 0)
    ctx.fail(`${path}.buffer`, `a ${status} spawn has no buffered runs (stopping cancels them)`);
  if (spawn.parked === true && (spawn.pending === null || !live)) {
    ctx.fail(`${path}.parked`, "only a running spawn's waiting job is parked");
  }
  if (spawn.parked === true && spawn.paused === undefined && program.paused === undefined) {
    ctx.fail(`${path}.parked`, "a waiting job is parked only while its spawn or program is paused");
  }
  if (spawn.pending !== null && spawn.pending.seq < newest) {
    ctx.fail(
      `${path}.pending.seq`,
      `the waiting job is scheduled after the jobs in flight; ${spawn.pending.seq} < ${newest}`,
    );
  }
  if (program.type === "basic" && spawn.pending !== null && spawn.inFlight.length > 0) {
    ctx.fail(`${path}.pending`, "a basic spawn schedules its next job when the one in flight completes; expected null");
  }
  if (program.type === "basic" && spawn.inFlight.length > 1) {
    ctx.fail(`${path}.inFlight`, `a basic spawn runs one job at a time; got ${spawn.inFlight.length}`);
  }
  if (status === "created" && (spawn.inFlight.length > 0 || ended > 0)) {
    ctx.fail(`${path}.status`, 'a spawn that has started a job is "running", not "created"');
  }
  // A run cancelled by `overlap: "cancel-other"` neither ended nor is in flight: `runs` tells.
  if (status === "running" && spawn.inFlight.length === 0 && ended === 0 && (spawn.runs ?? 0) === 0) {
    ctx.fail(`${path}.status`, 'a spawn that has started no job is "created", not "running"');
  }
  if (status === "terminating" && spawn.inFlight.length === 0) {
    ctx.fail(`${path}.inFlight`, "a terminating spawn is finishing jobs in flight; got none");
  }
  if (status === "stopped" && spawn.inFlight.length > 0) {
    ctx.fail(`${path}.inFlight`, "a stopped spawn has no job in flight");
  }
  const waiting = spawn.inFlight.length + buffer.length + (spawn.pending === null ? 0 : 1);
  if (ended + waiting > spawn.submitted) {
    ctx.fail(
      `${path}.submitted`,
      `${spawn.submitted} jobs submitted, but ${completed} completed, ${spawn.lost} lost and ${waiting} waiting or in flight`,
    );
  }
  checkSpawnResults(ctx, program, spawn, path, completed);
  checkSpawnOverrides(ctx, program, spawn, path);
};
