/** Network delay bounds of the simulated fleet, ms (each way, before a slow store's factor). */
export const MIN_DELAY = 1;
export const MAX_DELAY = 15;

/** Slack for the liveness bounds: a notify or scan, an acquire and their replies on a healthy network. */
export const LIVENESS_SLACK = 4 * MAX_DELAY + 50;
