import { Cause, Effect, Exit } from "effect";
import type { Outcome } from "../Command.js";
import type { JobContext } from "../Program.js";

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === "object" || typeof value === "function") &&
  value !== null &&
  typeof (value as { then?: unknown }).then === "function";

/** The outcome of every job that returns `undefined`: outcomes are never mutated, so one object serves all. */
const SUCCEEDED_WITH_UNDEFINED: Outcome = Object.freeze({ ok: true, value: undefined });

/** A job's context as the runner keeps it: it can also tell whether the job was cancelled. */
export interface RunningJob extends JobContext {
  readonly aborted: boolean;
}

/**
 * Runs one job's `mainFn`. A plain value or a throw is returned as the
 * outcome at once (most jobs: nothing is allocated for later); a Promise or an
 * Effect returns `undefined` and its outcome goes to `reportLater(job, outcome)`
 * once, unless the job was cancelled meanwhile (its result is no longer
 * wanted). Never lets a rejection go unhandled. An Effect is interrupted when
 * `job.signal` aborts.
 */
export const executeJob = <J extends RunningJob>(
  mainFn: (args: unknown, t: number, ctx: JobContext) => unknown,
  args: unknown,
  t: number,
  job: J,
  reportLater: (job: J, outcome: Outcome) => void,
): Outcome | undefined => {
  let value: unknown;
  try {
    value = mainFn(args, t, job);
  } catch (error) {
    return { ok: false, error };
  }
  // Most jobs return nothing or a plain value: answer before the Effect and thenable checks.
  if (value === undefined) return SUCCEEDED_WITH_UNDEFINED;
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return { ok: true, value };
  if (!Effect.isEffect(value) && !isThenable(value)) return { ok: true, value };
  const settle = (outcome: Outcome) => {
    if (!job.aborted) reportLater(job, outcome);
  };
  if (Effect.isEffect(value)) {
    Effect.runPromiseExit(value as Effect.Effect<unknown, unknown>, { signal: job.signal }).then(
      (exit) => {
        if (Exit.isSuccess(exit)) settle({ ok: true, value: exit.value });
        else if (!Cause.hasInterruptsOnly(exit.cause)) settle({ ok: false, error: Cause.squash(exit.cause) });
      },
      (error: unknown) => settle({ ok: false, error }),
    );
    return undefined;
  }
  (value as PromiseLike<unknown>).then(
    (resolved) => settle({ ok: true, value: resolved }),
    (error: unknown) => settle({ ok: false, error }),
  );
  return undefined;
};
