import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { SchedkitError } from "../SchedkitError.js";

/** The outcome of every job that returns `undefined`: outcomes are never mutated, so one object serves all. */
const SUCCEEDED_WITH_UNDEFINED = Object.freeze({ ok: true, value: undefined });
/**
 * Runs one job's `mainFn`. A plain value or a throw is returned as the
 * outcome at once (most jobs: nothing is allocated for later); a Promise or an
 * Effect returns `undefined` and its outcome goes to `reportLater(job, outcome)`
 * once, unless the job was cancelled meanwhile (its result is no longer
 * wanted). An Effect is interrupted when `job.signal` aborts.
 *
 * Never throws and never lets a rejection go unhandled: whatever `mainFn`
 * returns is only touched inside a `try` (a `then` getter or a `then` that
 * throws makes the job errored with that error), so a hostile result cannot
 * cut the runner's step short.
 */
export const executeJob = (mainFn, args, t, job, reportLater) => {
  let value;
  try {
    value = mainFn(args, t, job);
  } catch (error) {
    return { ok: false, error };
  }
  // Most jobs return nothing or a plain value: answer before the Effect and thenable checks.
  if (value === undefined) return SUCCEEDED_WITH_UNDEFINED;
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return { ok: true, value };
  try {
    if (Effect.isEffect(value)) {
      runEffect(value, job, reportLater);
      return undefined;
    }
    // Read once: a getter may answer differently each time.
    const then = value.then;
    if (typeof then !== "function") return { ok: true, value };
    return followThenable(value, then, job, reportLater);
  } catch (error) {
    return { ok: false, error };
  }
};
/**
 * A thenable is followed like `Promise.resolve` would: the first call of
 * either callback wins, later ones are ignored, and a throw from `then`
 * after a callback was called is ignored too. A callback called before `then`
 * returns gives the outcome now (it happens inside the step, like a
 * synchronous result).
 */
const followThenable = (thenable, then, job, reportLater) => {
  let returned = false;
  let done = false;
  let now;
  const settle = (outcome) => {
    if (done) return;
    done = true;
    if (!returned) now = outcome;
    else if (!job.aborted) reportLater(job, outcome);
  };
  try {
    then.call(
      thenable,
      (resolved) => settle({ ok: true, value: resolved }),
      (error) => settle({ ok: false, error }),
    );
  } catch (error) {
    settle({ ok: false, error });
  }
  returned = true;
  return now;
};
const runEffect = (effect, job, reportLater) => {
  const settle = (outcome) => {
    if (!job.aborted) reportLater(job, outcome);
  };
  Effect.runPromiseExit(effect, { signal: job.signal }).then(
    (exit) => {
      if (Exit.isSuccess(exit)) settle({ ok: true, value: exit.value });
      else if (!Cause.hasInterruptsOnly(exit.cause)) settle({ ok: false, error: Cause.squash(exit.cause) });
      // Interrupted, and not by the runner (a cancelled job is `aborted`, and its result is not wanted):
      // the Effect ended without a value, which is a failure, never a job left in flight for ever.
      else if (!job.aborted) settle({ ok: false, error: interruptedError(job, exit.cause) });
    },
    (error) => settle({ ok: false, error }),
  );
};
const interruptedError = (job, cause) =>
  new SchedkitError(
    "cancelled",
    `job ${job.jobId}: its Effect was interrupted, and not by the runner (no kill or stop asked for it)`,
    { cause: Cause.squash(cause) },
  );
