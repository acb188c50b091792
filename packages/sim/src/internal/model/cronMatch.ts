/**
 * The reference model's cron matcher: Effect's `Cron.next` in the program's zone, answered in the
 * same expression at the zone's fixed offset wherever that offset surely holds.
 *
 * Why: a named zone's `Cron.next` asks `Intl` for offsets several times per call (about 180 µs a
 * match here), and the model counts missed matches one by one, up to 10,000 per command, after a
 * jump. At a fixed offset the same expression costs about a tenth. Where the zone's offset is the
 * same over the whole stretch from three hours before `wall` to the answer, the zone's wall times
 * there are the fixed offset's and none repeats or is skipped, so both give the same instant.
 * Anywhere near a change of offset, near the ends of a Date's range, and for an answer past the
 * stretch, the named zone answers, as it always did. This is the model's own code: the kernel's
 * cron arithmetic shares none of it.
 */
import * as Cron from "effect/Cron";
import * as DateTime from "effect/DateTime";
import * as Option from "effect/Option";
import * as Result from "effect/Result";
import { MAX_TIME } from "./inputs.js";

/**
 * Probes are this far apart. Assumed of every zone (tzdb: changes are months apart, and at most a
 * few hours each): it does not change its offset twice within this time, and a change that turns
 * the clocks back repeats less than this much of its wall time.
 */
const PROBE_MS = 3 * 3_600_000;
/** A stretch is read from `PROBE_MS` before `wall` (past any repeated hour) to this many probes on. */
const PROBES_AHEAD = 3;
/**
 * Within this of either end of a Date's range (±8.64e15 ms) the named zone always answers. Its
 * search refuses instants there that have a match (up to a day plus the zone's offset from the
 * end: 38 h in Pacific/Kiritimati), which the fixed offset would answer; the model follows the
 * named zone. Four days covers that, the largest offset and a stretch.
 */
const NEAR_RANGE_END = 4 * 86_400_000;
const farFromRangeEnds = (wall: number): boolean => Math.abs(wall) <= MAX_TIME - NEAR_RANGE_END;

/** A stretch of time whose offset is known to hold: answers in [from, to) are the fixed offset's. */
interface Stretch {
  readonly from: number;
  readonly to: number;
  /** The expression at the stretch's fixed offset; undefined where the offset changes in it. */
  readonly fixed: Cron.Cron | undefined;
}

const NO_STRETCH: Stretch = { from: 0, to: 0, fixed: undefined };

/** Whether the expression matches at least twice in an hour (in UTC, from the start of 2026). */
const isFrequent = (expression: string): boolean => {
  let known = frequent.get(expression);
  if (known === undefined) {
    known = matchesTwiceAnHour(expression);
    if (frequent.size >= 256) frequent.clear();
    frequent.set(expression, known);
  }
  return known;
};

/** `isFrequent`'s answers by expression (a pure function of it), up to a bound. */
const frequent = new Map<string, boolean>();

const matchesTwiceAnHour = (expression: string): boolean => {
  const parsed = Cron.parse(expression, DateTime.zoneMakeOffset(0));
  if (Result.isFailure(parsed)) return false;
  try {
    const from = Date.UTC(2026, 0, 1);
    const first = Cron.next(parsed.success, from).getTime();
    return Cron.next(parsed.success, first).getTime() - from < 3_600_000;
  } catch {
    return false;
  }
};

/** `Cron.next` of `named` (the expression in `zone`), with fixed-offset answers where they are the same. */
export const cronMatcher = (expression: string, zone: string, named: Cron.Cron): ((wall: number) => number) => {
  const timeZone = Option.getOrUndefined(DateTime.zoneMakeNamed(zone));
  /** The expression at each offset the zone was seen at, parsed once. */
  const atOffset = new Map<number, Cron.Cron | undefined>();
  let stretch = NO_STRETCH;

  const offsetAt = (instant: number): number | undefined => {
    try {
      return timeZone === undefined
        ? undefined
        : DateTime.zonedOffset(DateTime.makeZonedUnsafe(instant, { timeZone: timeZone }));
    } catch {
      return undefined;
    }
  };

  const fixedAt = (offset: number): Cron.Cron | undefined => {
    if (atOffset.has(offset)) return atOffset.get(offset);
    const parsed = Cron.parse(expression, DateTime.zoneMakeOffset(offset), { onDstOverlap: "earlier" });
    const fixed = Result.isSuccess(parsed) ? parsed.success : undefined;
    atOffset.set(offset, fixed);
    return fixed;
  };

  /** The stretch around `wall`: its offset read every `PROBE_MS` from `PROBE_MS` before it. */
  const stretchAt = (wall: number): Stretch => {
    const from = wall - PROBE_MS;
    const first = offsetAt(from);
    let same = first !== undefined;
    for (let probe = 1; same && probe <= PROBES_AHEAD + 1; probe++) same = offsetAt(from + probe * PROBE_MS) === first;
    const to = from + (PROBES_AHEAD + 1) * PROBE_MS;
    // Where the offset changes, the named zone answers until the next probe's time has passed.
    if (!same || first === undefined) return { from: wall, to: wall + PROBE_MS, fixed: undefined };
    return { from: wall, to, fixed: fixedAt(first) };
  };

  // An expression whose matches are hours apart gains nothing (the answer is past the stretch).
  if (!isFrequent(expression)) return (wall) => Cron.next(named, wall).getTime();
  return (wall) => {
    if (Number.isFinite(wall) && (wall < stretch.from || wall >= stretch.to)) stretch = stretchAt(wall);
    const fixed =
      Number.isFinite(wall) && wall >= stretch.from && wall < stretch.to && farFromRangeEnds(wall)
        ? stretch.fixed
        : undefined;
    if (fixed !== undefined) {
      try {
        const next = Cron.next(fixed, wall).getTime();
        if (next > wall && next < stretch.to) return next;
      } catch {
        // Past the date range at the fixed offset: the named zone says what it says there.
      }
    }
    return Cron.next(named, wall).getTime();
  };
};
