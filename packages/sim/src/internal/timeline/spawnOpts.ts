/**
 * The spawn options a spec 18 spawn command of the mix carries: overlap and buffers,
 * maxRuns, jitter, and a start and end relative to the spawn's time (each only when its
 * feature is on).
 */
import fc from "fast-check";
import type { SpawnOptsDescriptor } from "../../types.js";
import type { Spec18Features } from "../features.js";
import { maybe, overlapArb } from "./spec18Draws.js";

/** A spawn's options, drawn for a run whose horizon is `horizon`; the end after the start, mostly. */
export const spawnOptsArb = (features: Spec18Features, horizon: number): fc.Arbitrary<SpawnOptsDescriptor> =>
  fc
    .record({
      overlap: maybe(features.overlap, overlapArb, 6),
      bufferLimit: maybe(features.overlap, fc.integer({ min: 1, max: 3 }), 5),
      maxRuns: maybe(features.maxRuns, fc.integer({ min: 1, max: 8 }), 3),
      jitter: maybe(features.jitter, fc.integer({ min: 1, max: 30 }), 2),
      startIn: maybe(
        features.startAt,
        fc.oneof(
          { weight: 1, arbitrary: fc.integer({ min: -200, max: 0 }) },
          { weight: 3, arbitrary: fc.integer({ min: 1, max: Math.max(1, Math.floor(horizon / 4)) }) },
        ),
        3,
      ),
      // An end at or before the spawn's time: the spawn stops in the dispatch that made it.
      endIn: maybe(
        features.endAt,
        fc.oneof(
          { weight: 1, arbitrary: fc.integer({ min: -100, max: 0 }) },
          { weight: 4, arbitrary: fc.integer({ min: 1, max: Math.max(1, Math.floor(horizon / 2)) }) },
        ),
        3,
      ),
    })
    .map((drawn): SpawnOptsDescriptor => {
      // endAt after startAt, mostly: an end before the start is a bad command's business.
      const endIn =
        drawn.endIn !== undefined && drawn.startIn !== undefined && drawn.endIn <= drawn.startIn
          ? drawn.startIn + 1 + Math.abs(drawn.endIn)
          : drawn.endIn;
      return {
        ...(drawn.overlap === undefined ? {} : { overlap: drawn.overlap }),
        ...(drawn.bufferLimit === undefined ? {} : { bufferLimit: drawn.bufferLimit }),
        ...(drawn.maxRuns === undefined ? {} : { maxRuns: drawn.maxRuns }),
        ...(drawn.jitter === undefined ? {} : { jitter: drawn.jitter }),
        ...(drawn.startIn === undefined ? {} : { startIn: drawn.startIn }),
        ...(endIn === undefined ? {} : { endIn }),
      };
    });
