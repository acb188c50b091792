import { SchedkitError } from "../SchedkitError.js";

/**
 * What the runner needs from a clock: the time in ms and one-shot timers.
 * @since 0.1.0
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * A `@sinonjs/fake-timers` clock (`createClock()` or `install()`), passed as
 * it is: its `now` is a number, not a function.
 * @since 0.1.0
 */
export interface FakeTimersClock {
  readonly now: number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The clock the runner uses, whatever was passed in. */
export interface HostClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Calls back at time `at` or soon after; it may still come early (the runner checks). */
  wakeAt(callback: () => void, at: number): unknown;
  cancelWake(handle: unknown): void;
}

/** Read once: the getter costs as much as `performance.now()` itself, and a wake may read the clock often. */
const timeOrigin = performance.timeOrigin;

/**
 * The system's monotonic clock: `performance.now()` from a fixed origin, so it
 * never jumps with wall-clock adjustments, in epoch-like milliseconds.
 * @since 0.1.0
 */
export const systemClock: Clock = {
  now: () => timeOrigin + performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A wake through a clock's own `setTimeout`, rounded up to whole ms: never early by its own `now`. */
const wakeBySetTimeout = (clock: Clock): Pick<HostClock, "wakeAt" | "cancelWake"> => ({
  wakeAt: (callback, at) => clock.setTimeout(callback, Math.max(0, Math.ceil(at - clock.now()))),
  cancelWake: (handle) => clock.clearTimeout(handle),
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
 * (`setImmediate`, so I/O still runs in between).
 */
const wakeSystem = (callback: () => void, at: number): SystemWake => {
  const wake: SystemWake = { timeout: undefined, immediate: undefined };
  const waitFor = (remaining: number) => {
    if (remaining >= 1 || !hasSetImmediate) wake.timeout = setTimeout(check, Math.max(0, Math.floor(remaining)));
    else wake.immediate = setImmediate(check);
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

export const toHostClock = (
  clock: Clock | FakeTimersClock | undefined,
  precision: "ms" | "sub-ms" = "ms",
): HostClock => {
  if (precision !== "ms" && precision !== "sub-ms") {
    throw new SchedkitError(
      "invalid-options",
      `options.precision: expected "ms" or "sub-ms", got ${JSON.stringify(precision)}`,
      {
        field: "options.precision",
      },
    );
  }
  if (clock === undefined || clock === systemClock) return precision === "sub-ms" ? subMsSystemClock : msSystemClock;
  if (precision === "sub-ms") {
    throw new SchedkitError(
      "invalid-options",
      'options.precision: "sub-ms" needs the system clock; an injected clock has its own timers',
      {
        field: "options.precision",
      },
    );
  }
  const candidate = clock as { now?: unknown; setTimeout?: unknown; clearTimeout?: unknown };
  if (typeof candidate.setTimeout !== "function" || typeof candidate.clearTimeout !== "function") {
    throw new SchedkitError("invalid-clock", "options.clock: expected setTimeout(cb, ms) and clearTimeout(handle)", {
      field: "options.clock",
    });
  }
  const fake = clock as FakeTimersClock;
  // Keep `this`: fake-timers' methods are bound to their clock, a user's may not be.
  const setTimer = (callback: () => void, ms: number) => clock.setTimeout(callback, ms);
  const clearTimer = (handle: unknown) => clock.clearTimeout(handle);
  let now: () => number;
  if (typeof candidate.now === "number") now = () => fake.now;
  else if (typeof candidate.now === "function") {
    const custom = clock as Clock;
    now = () => custom.now();
  } else {
    throw new SchedkitError("invalid-clock", "options.clock.now: expected a function returning ms, or a number", {
      field: "options.clock.now",
    });
  }
  const host = { now, setTimeout: setTimer, clearTimeout: clearTimer };
  return { ...host, ...wakeBySetTimeout(host) };
};
