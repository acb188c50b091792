/**
 * The unspawn policy contract. A policy picks which running spawn of a
 * program `unspawn` stops.
 *
 * Rules for `select`:
 * - pure and deterministic: the same view gives the same answer (no
 *   ambient randomness, no clock, no state kept between calls);
 * - synchronous, and must not throw (a throw fails that `unspawn` with code
 *   `policy-failed`; nothing changes);
 * - returns the id of a member of `spawns`, or `undefined` to refuse;
 * - must not rely on mutating the views: they are frozen.
 *
 * @since 0.1.0
 */
export interface UnspawnPolicy {
  readonly name: string;
  select(spawns: SpawnSet): string | undefined;
}

/**
 * The running spawns of one program, oldest first (by start time, then
 * creation order). Iterable, with O(1) ends, so first/last policies stay O(1)
 * at 100,000 spawns.
 *
 * @since 0.1.0
 */
export interface SpawnSet extends Iterable<SpawnView> {
  readonly size: number;
  earliest(): SpawnView | undefined;
  latest(): SpawnView | undefined;
}

/** A read-only view of one running spawn. @since 0.1.0 */
export interface SpawnView {
  readonly id: string;
  readonly programId: string;
  readonly startedAt: number;
  /** Jobs of this spawn running now. */
  readonly inFlight: number;
  readonly submitted: number;
  readonly succeeded: number;
  readonly errored: number;
  readonly completed: number;
}
