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
}

/**
 * The system's monotonic clock: `performance.now()` from a fixed origin, so it
 * never jumps with wall-clock adjustments, in epoch-like milliseconds.
 * @since 0.1.0
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const toHostClock = (clock: Clock | FakeTimersClock | undefined): HostClock => {
  if (clock === undefined) return systemClock;
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
  if (typeof candidate.now === "number") return { now: () => fake.now, setTimeout: setTimer, clearTimeout: clearTimer };
  if (typeof candidate.now === "function") {
    const custom = clock as Clock;
    return { now: () => custom.now(), setTimeout: setTimer, clearTimeout: clearTimer };
  }
  throw new SchedkitError("invalid-clock", "options.clock.now: expected a function returning ms, or a number", {
    field: "options.clock.now",
  });
};
