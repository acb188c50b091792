/**
 * Draw helpers spec 18's parts of the mix share (program fields, spawn options, events):
 * an overlap mode, and a value drawn only in some of the draws, only when its feature is on.
 */
import fc from "fast-check";

export const overlapArb = fc.constantFrom(
  "allow" as const,
  "skip" as const,
  "buffer-one" as const,
  "buffer-all" as const,
  "cancel-other" as const,
);

/** A value of `arbitrary` in `tenths` of the draws (out of ten), else undefined; always undefined when off. */
export const maybe = <T>(on: boolean, arbitrary: fc.Arbitrary<T>, tenths = 5): fc.Arbitrary<T | undefined> =>
  on
    ? fc.oneof(
        { weight: 10 - tenths, arbitrary: fc.constant(undefined) },
        { weight: tenths, arbitrary: arbitrary.map((value): T | undefined => value) },
      )
    : fc.constant(undefined);
