import * as Cron from "effect/Cron";
import * as DateTime from "effect/DateTime";
import * as Result from "effect/Result";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCron } from "../src/internal/cron.js";

/**
 * The kernel's cron matches are Effect's `Cron.next` in the schedule's zone, computed faster
 * where the zone's offset holds (src/internal/cron.ts). Effect is the reference here: every
 * match the kernel gives must be the one Effect gives, near clock changes above all.
 */
const effectNext = (expression: string, timezone: string) => {
  const parsed = Cron.parse(expression, timezone, { onDstOverlap: "earlier" });
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message);
  const cron = parsed.success;
  return (t: number): number => Cron.next(cron, t).getTime();
};

const kernelNext = (expression: string, timezone: string) => {
  const parsed = parseCron(expression, timezone);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.schedule.next;
};

/** Either the match or what was thrown, so a failure to find one compares too. */
const outcome = (next: (t: number) => number, t: number): number | string => {
  try {
    return next(t);
  } catch (error) {
    return `threw ${(error as Error).message}`;
  }
};

/** Zones with clock changes of every kind: 1 h both ways, 30 min (Lord Howe), 2 h (Troll), a skipped day (Apia), none. */
const zones = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "America/Sao_Paulo",
  "Australia/Lord_Howe",
  "Antarctica/Troll",
  "Pacific/Apia",
  "Africa/Casablanca",
  "Asia/Kolkata",
  "America/St_Johns",
  "Etc/GMT+5",
];

const part = (min: number, max: number) =>
  fc.oneof(
    fc.constant("*"),
    fc.integer({ min, max }).map(String),
    fc.uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 }).map((values) => values.join(",")),
    fc.integer({ min: 2, max: Math.max(2, Math.floor((max - min) / 2)) }).map((step) => `*/${step}`),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
  );

const expression = fc.oneof(
  fc.tuple(part(0, 59), part(0, 23), part(1, 31), part(1, 12), part(0, 6)).map((fields) => fields.join(" ")),
  fc
    .tuple(part(0, 59), part(0, 59), part(0, 23), part(1, 31), part(1, 12), part(0, 7))
    .map((fields) => fields.join(" ")),
  // Frequent ones: the fast path's common case, and many matches near each clock change.
  fc.constantFrom("* * * * *", "*/5 * * * *", "*/7 * * * * *", "0 * * * *", "30 * * * *", "15,45 2 * * *"),
  fc.constantFrom("0 2 * * *", "30 2 * * *", "0 3 * * 0", "0 0 29 2 *", "0 0 31 * *", "59 23 * * 6", "0 0 * * 7"),
);

/** Instants anywhere from 1965 to 2045, or within a day of the usual clock-change dates. */
const instant = fc.oneof(
  fc.integer({ min: Date.UTC(1965, 0, 1), max: Date.UTC(2045, 0, 1) }),
  fc
    .tuple(
      fc.integer({ min: 1968, max: 2040 }),
      fc.constantFrom(2, 3, 8, 9, 10),
      fc.integer({ min: 1, max: 31 }),
      fc.integer({ min: -36 * 60, max: 36 * 60 }),
    )
    .map(([year, month, day, minutes]) => Date.UTC(year, month, day) + minutes * 60_000),
  fc.double({ min: 0, max: Date.UTC(2040, 0, 1), noNaN: true }),
);

describe("cron matches", () => {
  it("next - the same match as Effect's Cron.next, for any expression, zone and instant", () => {
    fc.assert(
      fc.property(expression, fc.constantFrom(...zones), instant, (cron, zone, t) => {
        expect(outcome(kernelNext(cron, zone), t)).toEqual(outcome(effectNext(cron, zone), t));
      }),
      { numRuns: 3_000 },
    );
  });

  it("next - a run of matches from one schedule (the offset read once and kept) is Effect's, across clock changes", () => {
    fc.assert(
      fc.property(expression, fc.constantFrom(...zones), instant, (cron, zone, start) => {
        const kernel = kernelNext(cron, zone);
        const effect = effectNext(cron, zone);
        let t = start;
        for (let index = 0; index < 40; index++) {
          const expected = outcome(effect, t);
          expect(outcome(kernel, t)).toEqual(expected);
          if (typeof expected !== "number") return;
          t = expected;
        }
      }),
      { numRuns: 400 },
    );
  });

  it("next - every 10 minutes from 6 h before to 6 h after each clock change of 2026, in each zone, as Effect has them", () => {
    let changes = 0;
    for (const zone of zones) {
      const named = DateTime.zoneMakeNamedUnsafe(zone);
      const offsetAt = (t: number) => DateTime.zonedOffset(DateTime.makeZonedUnsafe(t, { timeZone: named }));
      // The hours of 2026 whose offset differs from the next hour's, found once per zone (Intl is slow).
      const changeHours: number[] = [];
      let offset = offsetAt(Date.UTC(2026, 0, 1));
      for (let hour = Date.UTC(2026, 0, 1); hour < Date.UTC(2027, 0, 1); hour += 3_600_000) {
        const next = offsetAt(hour + 3_600_000);
        if (next !== offset) changeHours.push(hour);
        offset = next;
      }
      changes += changeHours.length;
      for (const cron of ["*/10 * * * *", "*/7 * * * * *", "30 * * * *"]) {
        const kernel = kernelNext(cron, zone);
        const effect = effectNext(cron, zone);
        for (const hour of changeHours) {
          // Six hours either side (one for the every-7-seconds cron: Effect is slow to ask).
          const around = (cron.split(" ").length === 6 ? 1 : 6) * 3_600_000;
          let t = hour - around;
          while (t < hour + around) {
            const expected = effect(t);
            expect(kernel(t), `${cron} in ${zone} after ${new Date(t).toISOString()}`).toBe(expected);
            t = expected;
          }
          // And from every 5 minutes around it: a walk from match to match steps over a fold's second pass.
          for (let from = hour - 3 * 3_600_000; from <= hour + 3 * 3_600_000; from += 300_000) {
            expect(kernel(from), `${cron} in ${zone} after ${new Date(from).toISOString()}`).toBe(effect(from));
          }
        }
      }
    }
    // Berlin, New York, Lord Howe, Troll, St John's and Casablanca change twice in 2026 (Casablanca for Ramadan).
    expect(changes).toBeGreaterThanOrEqual(12);
  }, 120_000); // a guard for a loaded host: the walk is many thousands of Effect calls

  it("next - at the ends of a Date's range, and for a match that never comes, the same answer or error as Effect", () => {
    for (const zone of ["UTC", "Europe/Berlin"]) {
      for (const cron of ["* * * * *", "0 0 1 1 *", "0 0 31 2 *", "0 0 30 2 *"]) {
        for (const t of [
          8.64e15 - 1_000,
          8.64e15 - 86_400_000 * 400,
          8.64e15 - 86_400_000 * 401,
          -8.64e15,
          -8.64e15 + 86_400_000 * 400,
          -1.5,
          0,
          1e15 + 0.5,
          Number.NaN,
        ]) {
          expect(outcome(kernelNext(cron, zone), t), `${cron} in ${zone} after ${t}`).toEqual(
            outcome(effectNext(cron, zone), t),
          );
        }
      }
    }
  });

  it("next - sparse schedules (Feb 29 across 2100, which is no leap year; once a year) as Effect finds them", () => {
    for (const zone of ["UTC", "Europe/Berlin"]) {
      for (const cron of ["0 0 0 29 2 *", "30 59 23 31 12 *", "0 0 29 2 1", "0 0 13 * 5", "0 12 1 1,7 *"]) {
        const kernel = kernelNext(cron, zone);
        const effect = effectNext(cron, zone);
        for (let year = 2092; year <= 2104; year += 3) {
          const t = Date.UTC(year, 1, 28, 23, 59, 59);
          expect(outcome(kernel, t), `${cron} in ${zone} after ${new Date(t).toISOString()}`).toEqual(
            outcome(effect, t),
          );
        }
      }
    }
  });

  it("next - a schedule asked out of order (time going back, then on) answers each as Effect does", () => {
    fc.assert(
      fc.property(
        expression,
        fc.constantFrom(...zones),
        fc.array(instant, { minLength: 2, maxLength: 12 }),
        (cron, zone, instants) => {
          const kernel = kernelNext(cron, zone);
          const effect = effectNext(cron, zone);
          for (const t of instants) expect(outcome(kernel, t)).toEqual(outcome(effect, t));
        },
      ),
      { numRuns: 300 },
    );
  });
});
