/**
 * Guide scenario 5, managing state: accumulate results. The `stats` program
 * starts from 0 (`createFn`), each job draws a number in [0, 10) (the guide's
 * `rand-int 10`, here from a seeded generator so runs can be checked exactly)
 * and the `mergeFn` adds it to the state.
 *
 *   pnpm tsx examples/runner/stats.ts
 */
import { pathToFileURL } from "node:url";
import { createRunner, type KernelEffect, type Runner, systemClock } from "@schedkit/kernel";

/** A seeded generator of whole numbers in [0, bound) (mulberry32): the same seed gives the same numbers. */
export const createRandInt = (seed: number) => {
  let state = seed >>> 0;
  return (bound: number): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * bound);
  };
};

export interface StatsOptions {
  /** Ms between samples. Default 1000. */
  readonly interval?: number;
  /** Seed of the default sample source. Default 1. */
  readonly seed?: number;
  /** Takes one sample (given the job's scheduled time); may return a Promise. Default: a seeded `randInt(10)`. */
  readonly sample?: (t: number) => number | Promise<number>;
  /** `"basic"` (the guide's default) or `"constant"` (a fixed one-per-interval grid). */
  readonly type?: "basic" | "constant";
  /** For a `"constant"` program: what to do about samples missed while the host slept. Default `"catch-up"`. */
  readonly misfire?: "catch-up" | "skip";
}

export const STATS_ID = "stats";

/** Installs the `stats` program on `runner` and starts one spawn of it. */
export function setupStats(runner: Runner, options: StatsOptions = {}) {
  const { interval = 1000, seed = 1, type = "basic" } = options;
  const randInt = createRandInt(seed);
  const sample = options.sample ?? (() => randInt(10));
  runner.install({
    id: STATS_ID,
    type,
    interval,
    ...(options.misfire === undefined ? {} : { misfire: options.misfire }),
    createFn: () => 0,
    mainFn: (_args: undefined, t: number) => sample(t),
    mergeFn: (total: number, value: number) => total + value,
  });
  const spawnId = runner.spawn(STATS_ID);
  if (spawnId === undefined) throw new Error("stats: spawn was refused");
  return { programId: STATS_ID, spawnId, getTotal: () => runner.getState(STATS_ID) as number };
}

async function main(): Promise<void> {
  // Scaled down 5x so the run ends in about 1.1 s: one sample every 200 ms (not 1 s).
  const runner = createRunner({ id: "system-runner" });
  const t0 = systemClock.now();
  const samples: string[] = [];
  let maxLate = 0;
  runner.subscribe((effect: KernelEffect) => {
    if (effect.type !== "settled") return;
    samples.push(`${String(effect.value)}@+${(effect.scheduledAt - t0).toFixed(0)}ms`);
    maxLate = Math.max(maxLate, effect.startedAt - effect.scheduledAt);
  });
  console.log("stats: one sample every 200 ms (scaled down 5x from 1 s), seed 1, for 1.1 s");
  const { getTotal, spawnId } = setupStats(runner, { interval: 200 });
  runner.start();
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  console.log(`stats: samples ${samples.join(", ")}`);
  console.log(
    `stats: getState -> ${getTotal()} after ${runner.getProps(STATS_ID, spawnId).completed} jobs, max lateness ${maxLate.toFixed(1)} ms`,
  );
  await runner.stop();
  console.log(`stats: runner stopped (${runner.health().status})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
