import type * as Cron from "effect/Cron";

/**
 * A cron's next match at a fixed UTC offset, by arithmetic on the calendar: no `Date`, no
 * `Intl`, nothing allocated. Effect's `Cron.next` answers the same question in a named time
 * zone, where every step asks `Intl` for the offset (tens of µs a match); `cron.ts` uses this
 * one wherever the zone's offset is known not to change (see `fastCronNext` there) and Effect's
 * everywhere else. Both give the least whole second after the input whose local time matches.
 */

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** One field: whether it is a wildcard, and for each value the least allowed value at or after it (-1: none). */
interface Field {
  readonly any: boolean;
  readonly next: Int8Array;
}

/** A parsed cron's fields, as lookup tables. */
export interface CronTables {
  readonly seconds: Field;
  readonly minutes: Field;
  readonly hours: Field;
  readonly days: Field;
  readonly months: Field;
  readonly weekdays: Field;
  /** Both day fields must match (Effect's `and`); else either restricted one does, as in Vixie cron. */
  readonly and: boolean;
}

const field = (values: ReadonlySet<number>, size: number): Field => {
  const next = new Int8Array(size + 1).fill(-1);
  for (let value = size - 1; value >= 0; value--) {
    next[value] = values.has(value) ? value : (next[value + 1] as number);
  }
  return { any: values.size === 0, next };
};

export const cronTables = (cron: Cron.Cron): CronTables => ({
  seconds: field(cron.seconds, 60),
  minutes: field(cron.minutes, 60),
  hours: field(cron.hours, 24),
  days: field(cron.days, 32),
  months: field(cron.months, 13),
  weekdays: field(cron.weekdays, 7),
  and: (cron as { readonly and?: boolean }).and === true,
});

/** The civil date of a day number (days since 1970-01-01), after Howard Hinnant's `civil_from_days`. */
const civil = (dayNumber: number): { year: number; month: number; day: number } => {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
};

/** The day number of the first day of a month (`days_from_civil`). */
const firstOfMonth = (year: number, month: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5);
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
};

const allows = (field: Field, value: number): boolean => field.any || field.next[value] === value;

const dayMatches = (tables: CronTables, day: number, weekday: number): boolean => {
  const { days, weekdays } = tables;
  if (days.any && weekdays.any) return true;
  if (tables.and) return allows(days, day) && allows(weekdays, weekday);
  return (!days.any && allows(days, day)) || (!weekdays.any && allows(weekdays, weekday));
};

/**
 * The least whole second strictly after `t` (epoch ms; a fraction is cut as `Date` cuts it)
 * whose local time at `offset` ms from UTC matches, or NaN when there is none up to `limit`
 * (epoch ms): the caller then asks Effect, which looks further.
 */
export const cronNextAtOffset = (tables: CronTables, t: number, offset: number, limit: number): number => {
  const limitLocal = limit + offset;
  let local = Math.floor((Math.trunc(t) + offset) / SECOND) * SECOND + SECOND;
  while (local <= limitLocal) {
    const dayNumber = Math.floor(local / DAY);
    const { year, month, day } = civil(dayNumber);
    if (!allows(tables.months, month)) {
      local = (month === 12 ? firstOfMonth(year + 1, 1) : firstOfMonth(year, month + 1)) * DAY;
      continue;
    }
    // 1970-01-01 was a Thursday (4); Sunday is 0.
    const weekday = (((dayNumber + 4) % 7) + 7) % 7;
    if (!dayMatches(tables, day, weekday)) {
      local = (dayNumber + 1) * DAY;
      continue;
    }
    const dayStart = dayNumber * DAY;
    const ofDay = local - dayStart;
    const hour = Math.floor(ofDay / HOUR);
    if (!allows(tables.hours, hour)) {
      const next = tables.hours.next[hour] as number;
      local = next < 0 ? dayStart + DAY : dayStart + next * HOUR;
      continue;
    }
    const hourStart = dayStart + hour * HOUR;
    const minute = Math.floor((local - hourStart) / MINUTE);
    if (!allows(tables.minutes, minute)) {
      const next = tables.minutes.next[minute] as number;
      local = next < 0 ? hourStart + HOUR : hourStart + next * MINUTE;
      continue;
    }
    const minuteStart = hourStart + minute * MINUTE;
    const second = Math.floor((local - minuteStart) / SECOND);
    if (!allows(tables.seconds, second)) {
      const next = tables.seconds.next[second] as number;
      local = next < 0 ? minuteStart + MINUTE : minuteStart + next * SECOND;
      continue;
    }
    return local - offset;
  }
  return Number.NaN;
};
