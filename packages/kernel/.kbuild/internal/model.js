import { DEFAULT_BUFFER_LIMIT, DEFAULT_CATCH_UP_WINDOW } from "./limits.js";
/** Paused now: the spawn itself, or its program. */
export const isPaused = (spawn) => spawn.paused !== null || spawn.program.paused !== null;
/** Busy, for overlap: a job of the spawn is in flight, or runs wait in its buffer. */
export const isBusy = (spawn) => spawn.inFlightCount > 0 || spawn.buffer.length > 0;
export const isRunning = (spawn) => spawn.status === "created" || spawn.status === "running";
export const stateOf = (spawn) => (spawn.program.scope === "spawn" ? spawn.state : spawn.program.state);
/**
 * A job's id, `job-<seq>`, made when first needed. A string made at
 * scheduling would live a whole period and be copied at every young GC.
 */
export const jobIdOf = (job) => {
  if (job.id === "") job.id = `job-${job.seq}`;
  return job.id;
};
/** A spawn's fire id for a due time: the same fire has the same id on every kernel. */
export const spawnFireId = (programId, spawnId, scheduledAt) => `${programId}/${spawnId}/${scheduledAt}`;
/** A spawn's fire id for a due time, from its prefix: one string made per job instead of four. */
export const fireIdAt = (spawn, scheduledAt) => {
  if (spawn.firePrefix === "") spawn.firePrefix = `${spawn.programId}/${spawn.id}/`;
  return spawn.firePrefix + scheduledAt;
};
/** A job's fire id: kept once it started (or for a trigger); a waiting spawn job's from its due time now. */
export const fireIdOf = (job) =>
  job.fireId !== "" || job.spawn === null ? job.fireId : spawnFireId(job.program.id, job.spawn.id, dueTimeOf(job));
/** A waiting job's due time: `dueAt`, unless jitter holds it back (then `dueAt` is when it starts). */
export const dueTimeOf = (job) => (Number.isNaN(job.heldFrom) ? job.dueAt : job.heldFrom);
/** The hooks and options of a spec, or of spawn options over a program's (`base`). */
export const configOf = (spec, base) => ({
  type: base?.type ?? spec.type ?? "basic",
  delay: spec.delay ?? base?.delay,
  timeFn: spec.timeFn ?? base?.timeFn,
  argsFn: spec.argsFn ?? base?.argsFn,
  createFn: spec.createFn ?? base?.createFn,
  mergeFn: spec.mergeFn ?? base?.mergeFn,
  successFn: spec.successFn ?? base?.successFn,
  errorFn: spec.errorFn ?? base?.errorFn,
  continueFn: spec.continueFn ?? base?.continueFn,
  misfire: spec.misfire ?? base?.misfire ?? "catch-up",
  output: spec.output ?? base?.output ?? "latest",
  catchUpWindow: spec.catchUpWindow ?? base?.catchUpWindow ?? DEFAULT_CATCH_UP_WINDOW,
  overlap: spec.overlap ?? base?.overlap ?? "allow",
  bufferLimit: spec.bufferLimit ?? base?.bufferLimit ?? DEFAULT_BUFFER_LIMIT,
  jitter: spec.jitter ?? base?.jitter ?? 0,
  maxRuns: spec.maxRuns ?? base?.maxRuns,
  startAt: spec.startAt ?? base?.startAt,
  endAt: spec.endAt ?? base?.endAt,
});
/** A spawn's counters as `getProps` and `continueFn` see them. */
export const propsOf = (spawn) => ({
  startedAt: spawn.startedAt,
  updatedAt: spawn.updatedAt,
  submitted: spawn.submitted,
  succeeded: spawn.succeeded,
  errored: spawn.errored,
  completed: spawn.succeeded + spawn.errored,
  terminating: spawn.status === "terminating",
  interval: spawn.lastInterval,
  lastError: spawn.lastError,
  missed: spawn.missed,
  lost: spawn.lost,
  skipped: spawn.skipped,
  buffered: spawn.buffer.length,
  runs: spawn.runs,
  paused: isPaused(spawn),
  pauseNote: spawn.paused?.note ?? spawn.program.paused?.note ?? null,
});
