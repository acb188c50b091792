/**
 * Cron matches (section 12): µs per `next()` of a kernel cron schedule beside Effect's
 * `Cron.next` for the same expression and zone, in this process, alternating, medians of 3.
 * Each run walks from 2026-01-01 through successive matches (what a runner's cron spawn does,
 * and what counting the matches a long gap missed does, up to 10,000 in one command).
 *
 * `npx tsx bench/cron.ts [--smoke]` runs this section alone.
 */
import { pathToFileURL } from "node:url";
import * as Cron from "effect/Cron";
import * as Result from "effect/Result";
import { parseCron } from "../packages/kernel/src/internal/cron.js";

export interface CronRow {
  readonly expression: string;
  readonly timezone: string;
  /** µs per match, the kernel's schedule. */
  readonly kernel: number;
  /** µs per match, Effect's `Cron.next` (what the kernel used before). */
  readonly effect: number;
}

const cases: readonly (readonly [string, string])[] = [
  ["*/5 * * * *", "UTC"],
  ["*/5 * * * *", "Europe/Berlin"],
  ["* * * * * *", "America/New_York"],
  ["30 2 * * *", "Europe/Berlin"],
];

const START = Date.UTC(2026, 0, 1);

/** µs per call over `matches` successive matches. */
const perMatch = (next: (t: number) => number, matches: number): number => {
  let t = START;
  const started = performance.now();
  for (let index = 0; index < matches; index++) t = next(t);
  return ((performance.now() - started) * 1000) / matches;
};

const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export const cronBench = (smoke: boolean): CronRow[] =>
  cases.map(([expression, timezone]) => {
    const parsed = parseCron(expression, timezone);
    const effectParsed = Cron.parse(expression, timezone, { onDstOverlap: "earlier" });
    if (!parsed.ok || Result.isFailure(effectParsed)) throw new Error(`cron bench: ${expression} does not parse`);
    const cron = effectParsed.success;
    const effectNext = (t: number) => Cron.next(cron, t).getTime();
    const matches = smoke ? 500 : 5_000;
    // Warm both up.
    perMatch(parsed.schedule.next, 200);
    perMatch(effectNext, 200);
    const kernel: number[] = [];
    const effect: number[] = [];
    for (let round = 0; round < 3; round++) {
      // A fresh schedule each round: what it learns of the zone's offset starts empty.
      const fresh = parseCron(expression, timezone);
      if (!fresh.ok) throw new Error("cron bench: no schedule");
      kernel.push(perMatch(fresh.schedule.next, matches));
      effect.push(perMatch(effectNext, matches));
    }
    return { expression, timezone, kernel: median(kernel), effect: median(effect) };
  });

export const cronLines = (rows: readonly CronRow[]): string[] =>
  rows.map(
    (row) =>
      `   ${JSON.stringify(row.expression).padEnd(16)} ${row.timezone.padEnd(17)} kernel ${row.kernel.toFixed(2)} µs/match, Effect's Cron.next ${row.effect.toFixed(1)} µs/match (${(row.effect / row.kernel).toFixed(0)}×)`,
  );

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) for (const line of cronLines(cronBench(process.argv.includes("--smoke")))) console.log(line);
