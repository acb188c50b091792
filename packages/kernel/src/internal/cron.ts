import * as Cron from "effect/Cron";
import * as DateTime from "effect/DateTime";
import * as Option from "effect/Option";
import * as Result from "effect/Result";
import { type CronTables, cronNextAtOffset, cronTables } from "./cronNext.js";

/** A parsed cron schedule and the pure function that gives its next due time. */
export interface CronSchedule {
  readonly expression: string;
  readonly timezone: string;
  /** The first match strictly after `t` (epoch ms). A pure function of `t`: no clock is read. */
  next(t: number): number;
}

export type CronParse =
  | { ok: true; schedule: CronSchedule }
  | { ok: false; field: "cron" | "timezone"; reason: string };

/**
 * The nicknames a cron expression may be instead of its fields, and the 5 fields each stands
 * for (as in Vixie cron and croner). `@reboot` and `@every` are not schedules of the wall clock
 * and are refused like any other unknown nickname.
 */
export const CRON_NICKNAMES: Readonly<Record<string, string>> = Object.freeze({
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
});

const NICKNAME_LIST = "@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly";

/**
 * The fields an expression stands for: a nickname (case-insensitive, surrounding whitespace
 * ignored) becomes its 5 fields, any other expression is itself; an unknown `@word` is an error.
 */
const fieldsOf = (expression: string): { ok: true; fields: string } | { ok: false; reason: string } => {
  const trimmed = expression.trim();
  if (!trimmed.startsWith("@")) return { ok: true, fields: expression };
  const nickname = (word: string): string | undefined => {
    const key = word.toLowerCase();
    return Object.hasOwn(CRON_NICKNAMES, key) ? CRON_NICKNAMES[key] : undefined;
  };
  const fields = nickname(trimmed);
  if (fields !== undefined) return { ok: true, fields };
  const word = trimmed.split(/\s/, 1)[0] ?? trimmed;
  const reason =
    nickname(word) !== undefined
      ? `the nickname ${JSON.stringify(word)} stands alone, with nothing after it`
      : `unknown nickname ${JSON.stringify(word)} (expected ${NICKNAME_LIST}, or 5 fields, or 6 with seconds first)`;
  return { ok: false, reason: `${reason} in ${JSON.stringify(expression)}` };
};

/**
 * Parses a cron expression (5 fields, or 6 with seconds, or one of the nicknames
 * `@yearly @annually @monthly @weekly @daily @midnight @hourly`) in an IANA time zone
 * with Effect's Cron. A local time that does not exist (clocks go forward)
 * runs once, shifted by the gap; one that occurs twice (clocks go back) runs
 * once, at its first occurrence.
 */
export const parseCron = (expression: string, timezone = "UTC"): CronParse => {
  // The zone first, so that a bad zone is reported as such and not as a bad expression.
  if (Result.isFailure(Cron.parse("* * * * *", timezone))) {
    return {
      ok: false,
      field: "timezone",
      reason: `unknown time zone ${JSON.stringify(timezone)} (use an IANA name such as "Europe/Berlin")`,
    };
  }
  const nickname = fieldsOf(expression);
  if (!nickname.ok) return { ok: false, field: "cron", reason: nickname.reason };
  const parsed = Cron.parse(nickname.fields, timezone, { onDstOverlap: "earlier" });
  if (Result.isFailure(parsed)) {
    return { ok: false, field: "cron", reason: `${parsed.failure.message} in ${JSON.stringify(expression)}` };
  }
  const cron = parsed.success;
  return { ok: true, schedule: { expression, timezone, next: fastCronNext(cron) } };
};

/** How far behind an instant the zone's offset is checked: a fold (clocks set back) is never longer. */
const FOLD_MARGIN = 3 * 3_600_000;
/** The zone's offset is read at least this often along the way to a match (it never changes twice within this). */
const PROBE_EVERY = 3_600_000;
/** Matches further than this past what was probed are left to Effect (a daily cron, say): at most 6 probes a call. */
const PROBE_AHEAD = 6 * PROBE_EVERY;
/**
 * In UTC nothing is probed: any match within 9 years is found here (a Feb 29 schedule waits up to 8
 * years around 2100). Effect's search, which gives up after 10,000 steps, steps a field at a time and
 * reaches that far for every schedule that has a match there.
 */
const UTC_AHEAD = 9 * 366 * 86_400_000;
/** Within a Date's range less 400 days either side; nearer its ends Effect answers (or refuses), as it always did. */
const FAST_RANGE = 8.64e15 - 400 * 86_400_000;
const inFastRange = (t: number): boolean => t >= -FAST_RANGE && t <= FAST_RANGE;

/**
 * `Cron.next` (Effect's, in the schedule's zone), fast: Effect asks `Intl` for the zone's offset
 * at every step, which makes a match cost tens of µs, and the kernel asks for up to
 * `CRON_MISSED_STEPS` matches in one command when it counts those a long gap missed. Wherever the
 * zone's offset is known not to change, between 3 h before the input and the match, the match
 * at that fixed offset is the same instant (no gap and no fold is near: local time is UTC plus the
 * offset), and `cronNextAtOffset` finds it by arithmetic. The span where the offset held is kept
 * from call to call, so a run of matches reads the offset about once an hour of schedule. Near an
 * offset change, or for a match more than 6 h past what was read, Effect answers. "UTC" never
 * changes its offset (Effect skips its own DST handling for it too).
 */
const fastCronNext = (cron: Cron.Cron): ((t: number) => number) => {
  const effectNext = (t: number): number => Cron.next(cron, t).getTime();
  const tables: CronTables = cronTables(cron);
  const zone = Option.getOrUndefined(cron.tz);
  if (zone === undefined || (DateTime.isTimeZoneNamed(zone) && zone.id === "UTC")) {
    return (t) => {
      if (!inFastRange(t)) return effectNext(t);
      const next = cronNextAtOffset(tables, t, 0, Math.min(t + UTC_AHEAD, FAST_RANGE));
      return Number.isNaN(next) ? effectNext(t) : next;
    };
  }
  const offsetAt = (epochMs: number): number =>
    DateTime.zonedOffset(DateTime.makeZonedUnsafe(epochMs, { timeZone: zone }));
  /** Instants from `from` to `to` had this offset (read at both ends and at most PROBE_EVERY apart). */
  let from = Number.NaN;
  let to = Number.NaN;
  let offset = 0;
  return (t) => {
    if (!inFastRange(t)) return effectNext(t);
    if (!(t - FOLD_MARGIN >= from && t <= to)) {
      // A match more than PROBE_AHEAD away at the offset last read (a daily cron, say) is Effect's:
      // reading the offset here would only add to its cost. (A guess: the path taken stays exact.)
      if (!Number.isNaN(from) && Number.isNaN(cronNextAtOffset(tables, t, offset, t + PROBE_AHEAD))) {
        return effectNext(t);
      }
      const here = offsetAt(t);
      // An offset change within the margin behind t: t may be in its fold. Effect resolves those.
      if (offsetAt(t - FOLD_MARGIN) !== here) return effectNext(t);
      from = t - FOLD_MARGIN;
      to = t;
      offset = here;
    }
    const next = cronNextAtOffset(tables, t, offset, Math.min(to + PROBE_AHEAD, FAST_RANGE));
    if (Number.isNaN(next)) return effectNext(t);
    // Read ahead an hour at a time: the next matches of a frequent cron fall in what was read.
    while (to < next) {
      const probe = to + PROBE_EVERY;
      if (offsetAt(probe) !== offset) return effectNext(t);
      to = probe;
    }
    return next;
  };
};
