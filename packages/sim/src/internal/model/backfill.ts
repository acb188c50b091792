/**
 * Spec 18's backfill, as the reference model reads it: which due times `[from, to)` a
 * backfill runs (constant: the program's grid from `from`; cron: the matches), and which
 * of them its overlap policy skips among themselves.
 */
import { DEFAULT_BUFFER_LIMIT, type Overlap } from "./spec18.js";

/** The due times of `[from, to)`, at most `limit + 1` of them (one more than allowed says "too many"). */
export const backfillDueTimes = (
  kind: { readonly cron: (t: number) => number } | { readonly interval: number },
  from: number,
  to: number,
  limit: number,
): number[] => {
  const times: number[] = [];
  if ("interval" in kind) {
    for (let k = 0; times.length <= limit; k++) {
      const t = from + k * kind.interval;
      if (!(t < to)) break;
      times.push(t);
    }
    return times;
  }
  // Cron: the first match at or after `from` (matches fall on whole milliseconds), then each next one.
  let t = kind.cron(from - 1);
  while (t < to && times.length <= limit) {
    times.push(t);
    const next = kind.cron(t);
    if (!(next > t)) break;
    t = next;
  }
  return times;
};

/** Which due times (by index) a backfill's overlap skips: `skip` all but the first; `buffer-one` from the third. */
export const backfillSkips = (overlap: Overlap, count: number): ("overlap" | "buffer-full" | undefined)[] =>
  Array.from({ length: count }, (_, index) => {
    if (overlap === "skip" && index > 0) return "overlap";
    if (overlap === "buffer-one" && index > 1) return "buffer-full";
    return undefined;
  });

/** Whether a backfill's runs all start at once (else one after the other, each when the previous settled). */
export const backfillAllAtOnce = (overlap: Overlap): boolean => overlap === "allow" || overlap === "cancel-other";

export { DEFAULT_BUFFER_LIMIT };
