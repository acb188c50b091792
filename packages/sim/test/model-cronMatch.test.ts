import * as Cron from "effect/Cron";
import * as Result from "effect/Result";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cronMatcher } from "../src/internal/model/cronMatch.js";

const HOUR = 3_600_000;

const namedCron = (expression: string, zone: string): Cron.Cron => {
  const parsed = Cron.parse(expression, zone, { onDstOverlap: "earlier" });
  if (Result.isFailure(parsed)) throw new Error(`bad cron ${expression}`);
  return parsed.success;
};

/** Effect's own answer, or the error's message (both sides must throw alike). */
const answer = (next: (wall: number) => number, wall: number): number | string => {
  try {
    return next(wall);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

/** Each zone with one instant where its offset changes in 2026 (a zone without DST: any instant). */
const changes: readonly { readonly zone: string; readonly at: number }[] = [
  { zone: "Europe/Berlin", at: Date.UTC(2026, 2, 29, 1) },
  { zone: "Europe/Berlin", at: Date.UTC(2026, 9, 25, 1) },
  { zone: "America/New_York", at: Date.UTC(2026, 2, 8, 7) },
  { zone: "America/New_York", at: Date.UTC(2026, 10, 1, 6) },
  { zone: "Australia/Lord_Howe", at: Date.UTC(2026, 3, 4, 15) },
  { zone: "Asia/Kathmandu", at: Date.UTC(2026, 5, 1) },
  { zone: "UTC", at: Date.UTC(2026, 0, 1) },
];

/**
 * Walks from `from` hours around the change: from ten hours before it (fixed-offset answers until
 * the change is within the matcher's probes) to past three hours after it (fixed ones again).
 */
const walks: readonly { readonly cron: string; readonly from: number; readonly steps: number }[] = [
  { cron: "*/30 * * * * *", from: -10, steps: 1_700 },
  { cron: "* * * * *", from: -10, steps: 850 },
  { cron: "0 */2 * * * *", from: -10, steps: 430 },
  { cron: "30 2 * * *", from: -10, steps: 3 },
  { cron: "0 30 2 * * *", from: -10, steps: 3 },
  { cron: "*/3 1-50/7 * * * *", from: -10, steps: 2_300 },
  { cron: "0 0 0 29 2 *", from: -10, steps: 2 },
  // Dense ones where the named zone hands over to the fixed offset, three hours after the change.
  { cron: "*/5 * * * * *", from: 2.9, steps: 300 },
  { cron: "10-20 * * * * *", from: 2.9, steps: 300 },
];

describe("model cron matcher", () => {
  it("cronMatcher - walks through each change of offset with Effect's named-zone answers", () => {
    for (const { zone, at } of changes) {
      for (const { cron, from, steps } of walks) {
        const named = namedCron(cron, zone);
        const matcher = cronMatcher(cron, zone, named);
        let wall = at + from * HOUR - 1;
        for (let step = 0; step < steps; step++) {
          const expected = Cron.next(named, wall).getTime();
          const got = matcher(wall);
          if (got !== expected) expect({ zone, cron, wall, got }).toEqual({ zone, cron, wall, got: expected });
          wall = expected;
        }
      }
    }
  }, 120_000);

  it("cronMatcher - any sequence of times, near changes or not, gets Effect's answers", () => {
    const crons = walks.map((walk) => walk.cron);
    fc.assert(
      fc.property(
        fc.constantFrom(...changes),
        fc.constantFrom(...crons),
        fc.array(fc.integer({ min: -12 * HOUR, max: 12 * HOUR }), { minLength: 1, maxLength: 40 }),
        ({ zone, at }, cron, offsets) => {
          const named = namedCron(cron, zone);
          const matcher = cronMatcher(cron, zone, named);
          for (const offset of offsets) {
            const wall = at + offset;
            expect(answer(matcher, wall)).toEqual(answer((time) => Cron.next(named, time).getTime(), wall));
          }
        },
      ),
      { numRuns: 300, seed: 20261203 },
    );
  }, 120_000);

  it("cronMatcher - within days of either end of the date range, Effect's answer or its refusal", () => {
    // Effect's named-zone search refuses instants up to a day plus the zone's offset from either end
    // of a Date's range, though they have matches; the fixed offset would answer them (hostile seed 757).
    const DAY = 24 * HOUR;
    const zones = ["Europe/Berlin", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Los_Angeles", "UTC"];
    const crons = ["1-5,30-35 * * * * *", "*/5 * * * * *", "* * * * *"];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...crons),
        fc.constantFrom(8.64e15, -8.64e15 + 6 * DAY),
        fc.array(fc.integer({ min: -6 * DAY, max: 0 }), { minLength: 1, maxLength: 30 }),
        (zone, cron, end, offsets) => {
          const named = namedCron(cron, zone);
          const matcher = cronMatcher(cron, zone, named);
          // Ascending, as a schedule asks: a stretch read far from the end is carried towards it.
          for (const offset of [...offsets].sort((a, b) => a - b)) {
            const wall = end + offset;
            expect(answer(matcher, wall)).toEqual(answer((time) => Cron.next(named, time).getTime(), wall));
          }
        },
      ),
      { numRuns: 300, seed: 20261204 },
    );
  }, 120_000);

  it("cronMatcher - past the date range it throws as Effect does", () => {
    const named = namedCron("*/5 * * * * *", "Europe/Berlin");
    const matcher = cronMatcher("*/5 * * * * *", "Europe/Berlin", named);
    for (const wall of [8.64e15 - 1_000, 8.64e15, Number.NaN]) {
      expect(answer(matcher, wall)).toEqual(answer((time) => Cron.next(named, time).getTime(), wall));
    }
  });
});
