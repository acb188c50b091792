import { show } from "../internal/describe.js";
import type { SchedkitError } from "../SchedkitError.js";
import { inputError } from "./inputError.js";

/**
 * What the runner needs from a clock: the time in ms and one-shot timers.
 * `now()` should be monotonic (it must not jump with wall-clock corrections):
 * interval programs and every due time follow it. `wallNow()`, when there is
 * one, is the wall clock (epoch ms): cron programs follow it, so they keep
 * their local times across a host suspend or a wall-clock correction.
 * @since 0.1.0
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * The wall clock, epoch ms, read at the same instant as `now()`. Optional:
   * without it the runner sends no wall time and cron follows `now()`.
   * @since 0.1.0
   */
  wallNow?(): number;
}

/**
 * A `@sinonjs/fake-timers` clock (`createClock()` or `install()`), passed as
 * it is: its `now` is a number, not a function. The runner's monotonic time
 * is the clock's `performance.now()` (which `setSystemTime` does not move)
 * from the clock's time when the runner was created; its wall time is
 * `clock.now` (its `Date`, which `setSystemTime` sets).
 * @since 0.1.0
 */
export interface FakeTimersClock {
  readonly now: number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  readonly performance?: { now(): number } | undefined;
}

/** The clock the runner uses, whatever was passed in. */
export interface HostClock {
  now(): number;
  /** The wall clock, or undefined when the clock has none. */
  readonly wallNow: (() => number) | undefined;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Calls back at time `at` or soon after; it may still come early (the
   * caller checks and waits again): a host timer never waits longer than
   * `MAX_TIMER_MS`.
   */
  wakeAt(callback: () => void, at: number): unknown;
  cancelWake(handle: unknown): void;
}

/**
 * The longest delay a host timer takes: Node (and browsers, and fake-timers)
 * store it as a signed 32-bit int and turn anything longer into 1 ms, which
 * would make a waiting runner spin. A longer wait is armed in steps of at most this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A whole number of ms as a host timer takes it: 0 to `MAX_TIMER_MS`. */
const timerDelay = (ms: number): number => Math.min(MAX_TIMER_MS, Math.max(0, ms));

/** Read once: the getter costs as much as `performance.now()` itself, and a wake may read the clock often. */
const timeOrigin = performance.timeOrigin;

/**
 * The system's monotonic clock: `performance.now()` from a fixed origin, so it
 * never jumps with wall-clock adjustments, in epoch-like milliseconds. Its
 * `wallNow` is `Date.now()`.
 * @since 0.1.0
 */
export const systemClock: Clock & { wallNow(): number } = {
  now: () => timeOrigin + performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A wake through a clock's own `setTimeout`, rounded up to whole ms (never early by its own `now`), at most `MAX_TIMER_MS`. */
const wakeBySetTimeout = (clock: Pick<HostClock, "now" | "setTimeout" | "clearTimeout">) => ({
  wakeAt: (callback: () => void, at: number) => clock.setTimeout(callback, timerDelay(Math.ceil(at - clock.now()))),
  cancelWake: (handle: unknown) => clock.clearTimeout(handle),
});

interface SystemWake {
  timeout: ReturnType<typeof setTimeout> | undefined;
  immediate: ReturnType<typeof setImmediate> | undefined;
}

const hasSetImmediate = typeof globalThis.setImmediate === "function";

/**
 * The system clock's `"sub-ms"` wake. Platform timers count whole ms and fire
 * up to a ms after their delay, so a wake rounded up to whole ms is about a
 * ms late on average. This one rounds down and covers the fraction of a ms
 * left when the timer fires with one check per event-loop turn
 * (`setImmediate`, so I/O still runs in between). A wait longer than
 * `MAX_TIMER_MS` is armed in steps.
 */
const wakeSystem = (callback: () => void, at: number): SystemWake => {
  const wake: SystemWake = { timeout: undefined, immediate: undefined };
  const waitFor = (remaining: number) => {
    if (remaining >= 1 || !hasSetImmediate) {
      wake.timeout = setTimeout(check, timerDelay(Math.floor(remaining)));
    } else wake.immediate = setImmediate(check);
  };
  const check = () => {
    wake.timeout = undefined;
    wake.immediate = undefined;
    const remaining = at - systemClock.now();
    if (remaining <= 0) callback();
    else waitFor(remaining);
  };
  // Never calls back synchronously: the runner arms inside a step.
  waitFor(at - systemClock.now());
  return wake;
};

const cancelSystemWake = (handle: unknown): void => {
  const wake = handle as SystemWake;
  if (wake.timeout !== undefined) clearTimeout(wake.timeout);
  if (wake.immediate !== undefined) clearImmediate(wake.immediate);
};

const msSystemClock: HostClock = { ...systemClock, ...wakeBySetTimeout(systemClock) };
const subMsSystemClock: HostClock = { ...systemClock, wakeAt: wakeSystem, cancelWake: cancelSystemWake };

const invalidClock = (field: string, message: string): SchedkitError => inputError("invalid-clock", field, message);

const invalidPrecision = (message: string): SchedkitError =>
  inputError("invalid-options", "options.precision", message);

/** Reads one field of the caller's clock, once; a getter that throws is a bad clock. */
const readField = (clock: object, key: string): unknown => {
  try {
    return (clock as Record<string, unknown>)[key];
  } catch {
    throw invalidClock(`options.clock.${key}`, "could not be read");
  }
};

export const toHostClock = (clock: unknown, precision: unknown = "ms"): HostClock => {
  if (precision !== "ms" && precision !== "sub-ms") {
    throw invalidPrecision(`expected "ms" or "sub-ms", got ${show(precision)}`);
  }
  if (clock === undefined || clock === systemClock) return precision === "sub-ms" ? subMsSystemClock : msSystemClock;
  if ((typeof clock !== "object" && typeof clock !== "function") || clock === null) {
    throw invalidClock(
      "options.clock",
      `expected { now, setTimeout, clearTimeout } or a @sinonjs/fake-timers clock, got ${show(clock)}`,
    );
  }
  if (precision === "sub-ms") {
    throw invalidPrecision('"sub-ms" needs the system clock; an injected clock has its own timers');
  }
  const setTimeoutFn = readField(clock, "setTimeout");
  const clearTimeoutFn = readField(clock, "clearTimeout");
  if (typeof setTimeoutFn !== "function" || typeof clearTimeoutFn !== "function") {
    throw invalidClock("options.clock", "expected setTimeout(cb, ms) and clearTimeout(handle)");
  }
  const nowField = readField(clock, "now");
  const wallField = readField(clock, "wallNow");
  // Keep `this`: fake-timers' methods are bound to their clock, a user's may not be.
  const setTimer = (callback: () => void, ms: number): unknown => setTimeoutFn.call(clock, callback, ms);
  const clearTimer = (handle: unknown): void => {
    clearTimeoutFn.call(clock, handle);
  };
  let now: () => number;
  let wallNow: (() => number) | undefined;
  if (typeof nowField === "number") {
    if (!Number.isFinite(nowField)) {
      throw invalidClock("options.clock.now", `expected a finite time in ms, got ${show(nowField)}`);
    }
    // A fake-timers clock: `now` is its Date (moved by setSystemTime); its
    // performance.now() is the monotonic reading, from the same instant.
    const fake = clock as FakeTimersClock;
    const performanceField = readField(clock, "performance");
    const perf =
      typeof performanceField === "object" && performanceField !== null
        ? (performanceField as { now?: unknown })
        : undefined;
    const perfNow = perf === undefined ? undefined : perf.now;
    if (typeof perfNow === "function") {
      const origin = fake.now - (perfNow.call(perf) as number);
      now = () => origin + (perfNow.call(perf) as number);
    } else now = () => fake.now;
    wallNow = () => fake.now;
  } else if (typeof nowField === "function") {
    now = () => nowField.call(clock) as number;
    if (wallField !== undefined) {
      if (typeof wallField !== "function") {
        throw invalidClock("options.clock.wallNow", `expected a function returning epoch ms, got ${show(wallField)}`);
      }
      wallNow = () => wallField.call(clock) as number;
    }
  } else {
    throw invalidClock("options.clock.now", "expected a function returning ms, or a number");
  }
  const host = { now, setTimeout: setTimer, clearTimeout: clearTimer };
  return { ...host, wallNow, ...wakeBySetTimeout(host) };
};
