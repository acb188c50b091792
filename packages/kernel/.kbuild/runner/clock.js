import { show } from "../internal/describe.js";
import { inputError } from "./inputError.js";
/**
 * The longest delay a host timer takes: Node (and browsers, and fake-timers)
 * store it as a signed 32-bit int and turn anything longer into 1 ms, which
 * would make a waiting runner spin. A longer wait is armed in steps of at most this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** A whole number of ms as a host timer takes it: 0 to `MAX_TIMER_MS`. */
const timerDelay = (ms) => Math.min(MAX_TIMER_MS, Math.max(0, ms));
/** Read once: the getter costs as much as `performance.now()` itself, and a wake may read the clock often. */
const timeOrigin = performance.timeOrigin;
/**
 * The system's monotonic clock: `performance.now()` from a fixed origin, so it
 * never jumps with wall-clock adjustments, in epoch-like milliseconds. Its
 * `wallNow` is `Date.now()`.
 * @since 0.1.0
 */
export const systemClock = {
  now: () => timeOrigin + performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};
/** A wake through a clock's own `setTimeout`, rounded up to whole ms (never early by its own `now`), at most `MAX_TIMER_MS`. */
const wakeBySetTimeout = (clock) => ({
  wakeAt: (callback, at) => clock.setTimeout(callback, timerDelay(Math.ceil(at - clock.now()))),
  cancelWake: (handle) => clock.clearTimeout(handle),
});
const hasSetImmediate = typeof globalThis.setImmediate === "function";
/**
 * The system clock's `"sub-ms"` wake. Platform timers count whole ms and fire
 * up to a ms after their delay, so a wake rounded up to whole ms is about a
 * ms late on average. This one rounds down and covers the fraction of a ms
 * left when the timer fires with one check per event-loop turn
 * (`setImmediate`, so I/O still runs in between). A wait longer than
 * `MAX_TIMER_MS` is armed in steps.
 */
const wakeSystem = (callback, at) => {
  const wake = { timeout: undefined, immediate: undefined };
  const waitFor = (remaining) => {
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
const cancelSystemWake = (handle) => {
  const wake = handle;
  if (wake.timeout !== undefined) clearTimeout(wake.timeout);
  if (wake.immediate !== undefined) clearImmediate(wake.immediate);
};
const msSystemClock = { ...systemClock, ...wakeBySetTimeout(systemClock) };
const subMsSystemClock = { ...systemClock, wakeAt: wakeSystem, cancelWake: cancelSystemWake };
const invalidClock = (field, message) => inputError("invalid-clock", field, message);
const invalidPrecision = (message) => inputError("invalid-options", "options.precision", message);
/** Reads one field of the caller's clock, once; a getter that throws is a bad clock. */
const readField = (clock, key) => {
  try {
    return clock[key];
  } catch {
    throw invalidClock(`options.clock.${key}`, "could not be read");
  }
};
export const toHostClock = (clock, precision = "ms") => {
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
  const setTimer = (callback, ms) => setTimeoutFn.call(clock, callback, ms);
  const clearTimer = (handle) => {
    clearTimeoutFn.call(clock, handle);
  };
  let now;
  let wallNow;
  if (typeof nowField === "number") {
    if (!Number.isFinite(nowField)) {
      throw invalidClock("options.clock.now", `expected a finite time in ms, got ${show(nowField)}`);
    }
    // A fake-timers clock: `now` is its Date (moved by setSystemTime); its
    // performance.now() is the monotonic reading, from the same instant.
    const fake = clock;
    const performanceField = readField(clock, "performance");
    const perf = typeof performanceField === "object" && performanceField !== null ? performanceField : undefined;
    const perfNow = perf === undefined ? undefined : perf.now;
    if (typeof perfNow === "function") {
      const origin = fake.now - perfNow.call(perf);
      now = () => origin + perfNow.call(perf);
    } else now = () => fake.now;
    wallNow = () => fake.now;
  } else if (typeof nowField === "function") {
    now = () => nowField.call(clock);
    if (wallField !== undefined) {
      if (typeof wallField !== "function") {
        throw invalidClock("options.clock.wallNow", `expected a function returning epoch ms, got ${show(wallField)}`);
      }
      wallNow = () => wallField.call(clock);
    }
  } else {
    throw invalidClock("options.clock.now", "expected a function returning ms, or a number");
  }
  const host = { now, setTimeout: setTimer, clearTimeout: clearTimer };
  return { ...host, wallNow, ...wakeBySetTimeout(host) };
};
