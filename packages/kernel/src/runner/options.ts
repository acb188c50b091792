import { show } from "../internal/describe.js";
import type { KernelOptions } from "../internal/kernelOptions.js";
import { isSchedkitError, SchedkitError } from "../SchedkitError.js";
import type { Clock, FakeTimersClock } from "./clock.js";
import { inputError } from "./inputError.js";
import type { JobErrorHandler } from "./jobErrors.js";

// Checking options: bad input throws a coded SchedkitError naming the field, and changes nothing.

/** Options for `createRunner`. @since 0.1.0 */
export interface RunnerOptions extends KernelOptions {
  /** A name for logs and `info()`. Default "runner". */
  readonly id?: string;
  /**
   * `{ now, setTimeout, clearTimeout, wallNow? }` or a `@sinonjs/fake-timers`
   * clock. Default: the system's monotonic clock, with `Date.now()` as its
   * wall clock.
   */
  readonly clock?: Clock | FakeTimersClock;
  /**
   * How closely the system clock wakes for a job. `"ms"` (default): the
   * host's whole-ms timers, rounded up, so a job starts about 1 ms after its
   * time (the median; more under load), and a waiting runner uses no CPU. `"sub-ms"`: the timer is
   * rounded down and the last fraction of a ms is covered by a check on every
   * event-loop turn, so jobs start within microseconds of their time; the cost
   * is CPU while waiting, a whole core when wakes are less than a ms apart.
   * Only with the system clock: an injected clock has its own timers.
   * @since 0.1.0
   */
  readonly precision?: "ms" | "sub-ms";
  /**
   * Told about errors that have no caller to throw to: a subscriber that
   * threw, or a queued call (made from inside `mainFn` or a hook) that was
   * rejected. Default: `console.error`.
   */
  readonly onError?: (error: unknown) => void;
  /**
   * Told about every failed job (`mainFn` threw or rejected, an Effect failed), with its error
   * and the `settled` effect (program, spawn, fire id, times). Default: one line on stderr per
   * failed job (`[schedkit:<runner id>] job failed: program ..., spawn ..., fire ...: message`).
   * `false`: nothing is written. A handler that throws is reported to `onError`.
   * @since 0.3.0
   */
  readonly onJobError?: JobErrorHandler | false;
  /**
   * Ms between two looks at the wall clock while cron spawns run, when the
   * clock has a wall reading: a cron job runs at most
   * this late after a host suspend or a wall-clock step. Default 1,000.
   * `Infinity` turns the checks off (the wall clock is still read with every
   * command). A test that ticks a fake clock over weeks of cron may raise it:
   * each check is one fake timer.
   * @since 0.1.0
   */
  readonly wallCheckInterval?: number;
}

/** Options for `stop`. @since 0.1.0 */
export interface StopOptions {
  /** Ms (a number >= 0) to wait for jobs in flight before killing them. Default (or `Infinity`): wait for ever. */
  readonly timeout?: number;
}

/** Every option `createRunner` knows; the type makes a new kernel option a compile error here until it is listed. */
const RUNNER_OPTION_KEYS = {
  id: true,
  clock: true,
  precision: true,
  onError: true,
  onJobError: true,
  policies: true,
  defaultPolicy: true,
  seed: true,
  historyLimit: true,
  catchUpLimit: true,
  wallCheckInterval: true,
} as const satisfies Record<keyof RunnerOptions, true>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const invalidOptions = (field: string, message: string): SchedkitError => inputError("invalid-options", field, message);

const isPlainObject = (value: unknown): value is object =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Own keys of a caller's object, or a coded error when they cannot be listed (a hostile Proxy). */
const ownKeysOf = (value: object, field: string): string[] => {
  try {
    return Object.keys(value);
  } catch {
    throw invalidOptions(field, "its keys could not be read");
  }
};

/**
 * Reads the caller's options once, into a plain copy, and checks the shape of
 * each: what the runner uses itself in full, the kernel's options as far as
 * needed for the kernel to judge them (it gives their messages).
 */
export const readRunnerOptions = (input: unknown): RunnerOptions => {
  if (input === undefined) return {};
  if (!isPlainObject(input)) throw invalidOptions("options", `expected an object, got ${show(input)}`);
  for (const key of ownKeysOf(input, "options")) {
    if (!Object.hasOwn(RUNNER_OPTION_KEYS, key))
      throw invalidOptions(`options.${key}`, "unknown key (check its spelling)");
  }
  const copy: Mutable<RunnerOptions> & Record<string, unknown> = {};
  for (const key of Object.keys(RUNNER_OPTION_KEYS)) {
    let value: unknown;
    try {
      value = (input as Record<string, unknown>)[key];
    } catch {
      throw invalidOptions(`options.${key}`, "could not be read");
    }
    if (value !== undefined) copy[key] = value;
  }
  const { id, onError, onJobError, policies, defaultPolicy } = copy as Record<string, unknown>;
  if (id !== undefined && (typeof id !== "string" || id === "")) {
    throw invalidOptions("options.id", `expected a non-empty string, got ${show(id)}`);
  }
  if (onError !== undefined && typeof onError !== "function") {
    throw invalidOptions("options.onError", `expected a function (error) => void, got ${show(onError)}`);
  }
  if (onJobError !== undefined && onJobError !== false && typeof onJobError !== "function") {
    throw invalidOptions(
      "options.onJobError",
      `expected a function (error, job) => void or false, got ${show(onJobError)}`,
    );
  }
  if (policies !== undefined) {
    if (!Array.isArray(policies)) {
      throw invalidOptions("options.policies", `expected an array of policies, got ${show(policies)}`);
    }
    try {
      copy.policies = Array.from(policies as unknown[]) as RunnerOptions["policies"] & unknown[];
    } catch {
      throw invalidOptions("options.policies", "could not be read");
    }
  }
  if (defaultPolicy !== undefined && typeof defaultPolicy !== "string") {
    throw invalidOptions("options.defaultPolicy", `expected a policy name, got ${show(defaultPolicy)}`);
  }
  const wallCheck = copy.wallCheckInterval;
  if (wallCheck !== undefined && (typeof wallCheck !== "number" || !(wallCheck > 0))) {
    throw invalidOptions(
      "options.wallCheckInterval",
      `expected a number of ms > 0 (or Infinity), got ${show(wallCheck)}`,
    );
  }
  for (const key of ["seed", "historyLimit", "catchUpLimit"] as const) {
    const value = copy[key];
    if (value !== undefined && typeof value !== "number") {
      throw invalidOptions(`options.${key}`, `expected a number, got ${show(value)}`);
    }
  }
  return copy;
};

const messageOf = (error: unknown): string => {
  try {
    return error instanceof Error ? String(error.message) : show(error);
  } catch {
    return show(error);
  }
};

/**
 * What `createRunner` throws when its options fail: a coded error as it is,
 * anything else (a revoked Proxy, a hostile getter) as `invalid-options`.
 */
export const optionsErrorOf = (error: unknown): SchedkitError =>
  isSchedkitError(error)
    ? error
    : new SchedkitError("invalid-options", `options: ${messageOf(error)}`, { field: "options", cause: error });

/** `stop`'s options: `undefined` or `{ timeout? }` with a timeout of 0 ms or more (`Infinity`: for ever). */
export const stopTimeoutOf = (input: unknown): number => {
  if (input === undefined) return Number.POSITIVE_INFINITY;
  if (!isPlainObject(input))
    throw invalidOptions("stop.options", `expected { timeout? } or nothing, got ${show(input)}`);
  for (const key of ownKeysOf(input, "stop.options")) {
    if (key !== "timeout") throw invalidOptions(`stop.options.${key}`, "unknown key (check its spelling)");
  }
  let timeout: unknown;
  try {
    timeout = (input as { timeout?: unknown }).timeout;
  } catch {
    throw invalidOptions("stop.options.timeout", "could not be read");
  }
  if (timeout === undefined) return Number.POSITIVE_INFINITY;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw invalidOptions("stop.options.timeout", `expected a number of ms >= 0, got ${show(timeout)}`);
  }
  return timeout;
};
