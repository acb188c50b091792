/**
 * Spec 18 on the mix's programs: overlap and buffers, maxRuns, startAt and endAt, catch-up
 * windows and jitter, drawn per program (each only when its feature is on) and fitted to the
 * program's type.
 */
import fc from "fast-check";
import type { ProgramDescriptor, SpawnOptsDescriptor } from "../../types.js";
import type { Spec18Features } from "../features.js";
import { maybe, overlapArb } from "./spec18Draws.js";

export interface Spec18Drawn {
  readonly overlap: SpawnOptsDescriptor["overlap"];
  readonly bufferLimit: number | undefined;
  readonly maxRuns: number | undefined;
  readonly startAt: number | undefined;
  readonly endIn: number | undefined;
  readonly catchUpWindow: number | undefined;
  readonly jitter: number | undefined;
}

export const spec18ProgramArb = (features: Spec18Features, horizon: number): fc.Arbitrary<Spec18Drawn> =>
  fc.record({
    overlap: maybe(features.overlap, overlapArb, 7),
    bufferLimit: maybe(features.overlap, fc.integer({ min: 1, max: 3 }), 6),
    maxRuns: maybe(features.maxRuns, fc.integer({ min: 1, max: 12 }), 2),
    startAt: maybe(features.startAt, fc.integer({ min: 0, max: Math.max(1, Math.floor(horizon / 3)) }), 2),
    endIn: maybe(features.endAt, fc.integer({ min: 1, max: Math.max(2, horizon) }), 3),
    // Small windows, so that some pauses outlast them (and report missed due times on resume).
    catchUpWindow: maybe(features.pause, fc.integer({ min: 20, max: 2_000 }), 4),
    // Up to 40 ms: often more than a short interval allows (the kernel bounds it by the gap).
    jitter: maybe(
      features.jitter,
      fc.oneof(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 5, noNaN: true })),
      3,
    ),
  });

/**
 * A program's spec 18 fields: overlap only on constant and cron programs. On an aligned grid
 * (timeFn) too: its first due time moves on to the first grid point at or after startAt.
 */
export const spec18Of = (drawn: Spec18Drawn, type: ProgramDescriptor["type"]): Partial<ProgramDescriptor> => {
  const startAt = drawn.startAt;
  return {
    ...(drawn.overlap === undefined || type === "basic" ? {} : { overlap: drawn.overlap }),
    ...(drawn.bufferLimit === undefined || type === "basic" ? {} : { bufferLimit: drawn.bufferLimit }),
    ...(drawn.maxRuns === undefined ? {} : { maxRuns: drawn.maxRuns }),
    ...(startAt === undefined ? {} : { startAt }),
    ...(drawn.endIn === undefined ? {} : { endAt: (startAt ?? 0) + drawn.endIn }),
    ...(drawn.catchUpWindow === undefined ? {} : { catchUpWindow: drawn.catchUpWindow }),
    ...(drawn.jitter === undefined ? {} : { jitter: drawn.jitter }),
  };
};
