import { SchedkitError } from "../SchedkitError.js";
/**
 * A running job: the context `mainFn` receives, and its cancellation. The
 * AbortController is made only when the job reads its signal: most jobs never
 * do, and a controller per job would be the runner's largest cost per job.
 */
export class Job {
  jobId;
  spawnId;
  programId;
  fireId;
  #controller;
  #reason;
  #aborted = false;
  constructor(jobId, spawnId, programId, fireId) {
    this.jobId = jobId;
    this.spawnId = spawnId;
    this.programId = programId;
    this.fireId = fireId;
  }
  get signal() {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }
  /** Whether the job was cancelled, without making a signal. */
  get aborted() {
    return this.#aborted;
  }
  static cancel(job, reason) {
    if (job.#aborted) return;
    job.#aborted = true;
    job.#reason = reason;
    job.#controller?.abort(reason);
  }
}
/**
 * What the runner keeps of jobs between the kernel's effects: the jobs held
 * for `start()`, the jobs running, and the `trigger()` promises waiting for
 * their job to settle. Every job leaves each of them once, by its id.
 */
export class JobBook {
  /** Jobs the kernel started before `start()`, by job id, in order. */
  held = new Map();
  /** Jobs whose result comes later (Promises, Effects); a synchronous job is only ever `current`. */
  inFlight = new Map();
  /** The job whose `mainFn` is running right now (synchronously, inside a step). */
  current = null;
  triggers = new Map();
  // --- Held until start().
  get hasHeld() {
    return this.held.size > 0;
  }
  hold(effect) {
    this.held.set(effect.jobId, effect);
  }
  /** A cancelled job is no longer held. */
  unhold(jobId) {
    if (this.held.size > 0) this.held.delete(jobId);
  }
  /** Every held job, in order; none is held afterwards. */
  takeHeld() {
    const held = [...this.held.values()];
    this.held.clear();
    return held;
  }
  // --- Running.
  /** A job whose result comes later. */
  awaitResult(job) {
    this.inFlight.set(job.jobId, job);
  }
  /** Whether a later result of `job` is still wanted (it is in flight); if so, it is in flight no more. */
  takeResult(job) {
    if (this.inFlight.get(job.jobId) !== job) return false;
    this.inFlight.delete(job.jobId);
    return true;
  }
  get hasInFlight() {
    return this.inFlight.size > 0;
  }
  /** Cancels a running job (its signal aborts, its result is not wanted) and rejects its trigger. */
  abort(jobId, reason) {
    const job = this.current?.jobId === jobId ? this.current : this.inFlight.get(jobId);
    this.inFlight.delete(jobId);
    if (job !== undefined) Job.cancel(job, new SchedkitError("cancelled", reason));
    this.rejectTrigger(jobId, reason);
  }
  /** Cancels every running job and rejects every trigger. */
  abortAll(reason) {
    const running = this.current === null ? [...this.inFlight.keys()] : [this.current.jobId, ...this.inFlight.keys()];
    for (const jobId of running) this.abort(jobId, reason);
    for (const jobId of [...this.triggers.keys()]) this.rejectTrigger(jobId, reason);
  }
  // --- Triggers.
  awaitTrigger(jobId, deferred) {
    this.triggers.set(jobId, deferred);
  }
  /** A settled job's trigger, if it has one, resolves with its value or rejects with its error. */
  settleTrigger(effect) {
    if (this.triggers.size === 0) return;
    const deferred = this.takeTrigger(effect.jobId);
    if (deferred === undefined) return;
    if (effect.status === "succeeded") deferred.resolve(effect.value);
    else if (effect.status === "lost") deferred.reject(new SchedkitError("cancelled", `job ${effect.jobId} was lost`));
    else deferred.reject(effect.error);
  }
  rejectTrigger(jobId, reason) {
    this.takeTrigger(jobId)?.reject(new SchedkitError("cancelled", reason));
  }
  /** Rejects the triggers whose job is not running (it waits for its time). */
  rejectWaitingTriggers(reasonOf) {
    for (const jobId of [...this.triggers.keys()]) {
      if (!this.inFlight.has(jobId) && this.current?.jobId !== jobId) this.rejectTrigger(jobId, reasonOf(jobId));
    }
  }
  takeTrigger(jobId) {
    const deferred = this.triggers.get(jobId);
    if (deferred !== undefined) this.triggers.delete(jobId);
    return deferred;
  }
}
