/**
 * The largest time, in ms, that the kernel accepts (`at`, `scheduledAt`,
 * `wall`, and every interval): the range of a JavaScript `Date`, 8.64e15 ms
 * (about 275,760 years either side of 1970). Beyond it, cron dates cannot be
 * computed and a fixed-rate grid cannot be told apart from its next point.
 */
export const MAX_TIME = 8_640_000_000_000_000;
/** A finite time within [-MAX_TIME, MAX_TIME]. */
export const isTime = (value) => typeof value === "number" && value >= -MAX_TIME && value <= MAX_TIME;
/**
 * The smallest interval, in ms (a microsecond). Anything finer is below what a
 * host can time and, at large times, below the precision of the time itself.
 */
export const MIN_INTERVAL = 0.001;
/** Default `catchUpWindow`: due times older than a day before now are reported missed, not run. */
export const DEFAULT_CATCH_UP_WINDOW = 86_400_000;
/** Default `catchUpLimit`: the most catch-up jobs (a spawn's second and later in a dispatch) one dispatch starts. */
export const DEFAULT_CATCH_UP_LIMIT = 10_000;
/**
 * The most cron matches counted as missed in one go (a cron step costs about
 * 15 µs, so this bounds a dispatch to a few hundred ms); the rest are counted
 * in the next dispatch, which the wake asks for at once.
 */
export const CRON_MISSED_STEPS = 10_000;
/** A wall-clock offset change below this is reading noise, not a clock step (ms). */
export const WALL_STEP_TOLERANCE = 100;
/** The most runs `overlap: "buffer-all"` keeps waiting (and a backfill runs), unless `bufferLimit` says. */
export const DEFAULT_BUFFER_LIMIT = 1_000;
