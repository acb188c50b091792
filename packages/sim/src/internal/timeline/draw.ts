/**
 * The two draw primitives the timeline modules share: one value of an arbitrary for a
 * seed, and a time in a scenario's horizon.
 */
import fc from "fast-check";

/** One value of an arbitrary for a seed: the same seed always gives the same value. */
export const sampleOne = <T>(arbitrary: fc.Arbitrary<T>, seed: number): T =>
  fc.sample(arbitrary, { seed, numRuns: 1 })[0] as T;

/** A time from 1 to `horizon` (at least 1). */
export const at = (horizon: number) => fc.integer({ min: 1, max: Math.max(1, Math.floor(horizon)) });
