/**
 * The model's catch-up arithmetic, written from the contract of issue #14:
 * due times older than the catch-up window (or past the catch-up limit) are
 * missed, counted, and the spawn's job moves to the first due time that is not.
 */

/** A run of missed due times: how many, the last one, and where the job goes next. */
export interface Missed {
  readonly count: number;
  readonly last: number;
  readonly next: number;
  /** False when a cron count stopped at its budget: the rest is counted in the next dispatch. */
  readonly done: boolean;
}

/** Cron matches counted as missed at most in one go. */
export const CRON_STEPS = 10_000;

const missedAt = (t: number, bound: number, inclusive: boolean): boolean => t < bound || (inclusive && t === bound);

/**
 * Grid points `first + k * interval` (k = 0, 1, ...) before `bound` (or at it, when
 * `inclusive`): at least `first` itself. Undefined when the grid cannot move past the
 * bound at this magnitude (the interval is lost in rounding).
 */
export const missedOnGrid = (
  first: number,
  interval: number,
  bound: number,
  inclusive: boolean,
): Missed | undefined => {
  // k is the index of the first grid point that is not missed.
  let k = Math.max(1, Math.floor((bound - first) / interval));
  for (let step = 0; step < 3 && missedAt(first + k * interval, bound, inclusive); step++) k++;
  for (let step = 0; step < 3 && k > 1 && !missedAt(first + (k - 1) * interval, bound, inclusive); step++) k--;
  const next = first + k * interval;
  if (!(next > first) || missedAt(next, bound, inclusive)) return undefined;
  return { count: k, last: first + (k - 1) * interval, next, done: true };
};

/** Cron matches from `first` on, stepping with `next`, that are before `bound` (or at it): at most `budget`. */
export const missedOnCron = (
  next: (t: number) => number,
  first: number,
  bound: number,
  inclusive: boolean,
  budget: number,
): Missed => {
  let count = 0;
  let due = first;
  let last = first;
  while (count < budget && missedAt(due, bound, inclusive)) {
    count++;
    last = due;
    due = next(due);
    if (!(due > last)) throw new Error(`no due time after ${last} (past the date range)`);
  }
  return { count, last, next: due, done: !missedAt(due, bound, inclusive) };
};
