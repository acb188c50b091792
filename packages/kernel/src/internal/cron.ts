import * as Cron from "effect/Cron";
import * as Result from "effect/Result";

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
 * Parses a cron expression (5 fields, or 6 with seconds) in an IANA time zone
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
  const parsed = Cron.parse(expression, timezone, { onDstOverlap: "earlier" });
  if (Result.isFailure(parsed)) {
    return { ok: false, field: "cron", reason: `${parsed.failure.message} in ${JSON.stringify(expression)}` };
  }
  const cron = parsed.success;
  return { ok: true, schedule: { expression, timezone, next: (t) => Cron.next(cron, t).getTime() } };
};
