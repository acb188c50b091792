/** Is `t` missed: before `bound`, or also at it when `inclusive`. */
const isBefore = (t, bound, inclusive) => (inclusive ? t <= bound : t < bound);
/**
 * On a fixed-rate grid `first + k * interval`: the points missed before the
 * bound, and the first one that is not. `undefined` when the interval is
 * below the time's precision there (the grid would not move).
 */
export const missOnGrid = (first, interval, bound, inclusive) => {
  let count = Math.max(1, Math.ceil((bound - first) / interval));
  if (!Number.isFinite(count)) return undefined;
  let next = first + count * interval;
  // Rounding may leave the estimate a point off either way. Bounded corrections: at large
  // counts `count - 1` and `count` are the same float, and a loop until exact would not end.
  for (let fix = 0; fix < 2 && isBefore(next, bound, inclusive); fix++) next = first + ++count * interval;
  for (let fix = 0; fix < 2 && count > 1; fix++) {
    const previous = first + (count - 1) * interval;
    if (isBefore(previous, bound, inclusive)) break;
    count--;
    next = previous;
  }
  if (!(next > first) || isBefore(next, bound, inclusive)) return undefined;
  return { count, last: first + (count - 1) * interval, next, done: true };
};
/**
 * On a cron schedule: steps match by match from the stale due time, at most
 * `budget` of them. Throws what `next` throws (the machine faults the spawn).
 */
export const missOnCron = (next, first, bound, inclusive, budget) => {
  let count = 0;
  let last = first;
  let due = first;
  while (isBefore(due, bound, inclusive) && count < budget) {
    last = due;
    count++;
    due = next(due);
    if (!(due > last)) throw new Error(`the schedule gave no time after ${last}`);
  }
  return { count, last, next: due, done: !isBefore(due, bound, inclusive) };
};
