import type { HrTime } from "@opentelemetry/api";

/**
 * A runner's time (ms, epoch-based for the system clock and for fake-timers clocks) as an
 * OpenTelemetry HrTime. Given as HrTime, not as a number: the API reads a number below its
 * process's time origin as `performance.now()`-relative, which would move a simulated 1970 time.
 */
export const hrTimeOf = (ms: number): HrTime => {
  const seconds = Math.floor(ms / 1_000);
  const nanos = Math.round((ms - seconds * 1_000) * 1_000_000);
  return nanos >= 1_000_000_000 ? [seconds + 1, nanos - 1_000_000_000] : [seconds, nanos];
};
