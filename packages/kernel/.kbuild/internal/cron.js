import * as Cron from "effect/Cron";
import * as Result from "effect/Result";
/**
 * The nicknames a cron expression may be instead of its fields, and the 5 fields each stands
 * for (as in Vixie cron and croner). `@reboot` and `@every` are not schedules of the wall clock
 * and are refused like any other unknown nickname.
 */
export const CRON_NICKNAMES = Object.freeze({
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
const fieldsOf = (expression) => {
  const trimmed = expression.trim();
  if (!trimmed.startsWith("@")) return { ok: true, fields: expression };
  const nickname = (word) => {
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
export const parseCron = (expression, timezone = "UTC") => {
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
  return { ok: true, schedule: { expression, timezone, next: (t) => Cron.next(cron, t).getTime() } };
};
