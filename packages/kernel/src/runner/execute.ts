import { Cause, Effect, Exit } from "effect";
import type { Outcome } from "../Command.js";
import type { JobContext } from "../Program.js";

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === "object" || typeof value === "function") &&
  value !== null &&
  typeof (value as { then?: unknown }).then === "function";

/**
 * Runs one job's `mainFn` and reports its outcome once: synchronously for a
 * plain value or a throw, later for a Promise or an Effect. Never lets a
 * rejection go unhandled. An Effect is interrupted when `ctx.signal` aborts;
 * an aborted job reports nothing (its result is no longer wanted).
 */
export const executeJob = (
  mainFn: (args: unknown, t: number, ctx: JobContext) => unknown,
  args: unknown,
  t: number,
  ctx: JobContext & { readonly aborted: boolean },
  report: (outcome: Outcome) => void,
): void => {
  const settle = (outcome: Outcome) => {
    if (!ctx.aborted) report(outcome);
  };
  let value: unknown;
  try {
    value = mainFn(args, t, ctx);
  } catch (error) {
    settle({ ok: false, error });
    return;
  }
  if (Effect.isEffect(value)) {
    Effect.runPromiseExit(value as Effect.Effect<unknown, unknown>, { signal: ctx.signal }).then(
      (exit) => {
        if (Exit.isSuccess(exit)) settle({ ok: true, value: exit.value });
        else if (!Cause.hasInterruptsOnly(exit.cause)) settle({ ok: false, error: Cause.squash(exit.cause) });
      },
      (error: unknown) => settle({ ok: false, error }),
    );
    return;
  }
  if (isThenable(value)) {
    value.then(
      (resolved) => settle({ ok: true, value: resolved }),
      (error: unknown) => settle({ ok: false, error }),
    );
    return;
  }
  settle({ ok: true, value });
};
