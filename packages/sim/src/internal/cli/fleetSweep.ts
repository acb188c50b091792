/** A fleet sweep: its seeds run in this thread or in worker threads, in seed order, then reported. */
import { type FleetSeedOptions, type FleetSeedOutcome, runFleetSeed } from "../fleetSeed.js";
import { type PoolRun, runInWorkers, workerModule, workersNeedAsync } from "../workerPool.js";
import type { FleetCliOptions } from "./fleetArgs.js";
import { writeFailureFile } from "./fleetReplay.js";
import { finish } from "./fleetReport.js";
import { type SeedRun, summarise } from "./fleetSummary.js";
import { faultsText, runText } from "./fleetText.js";
import { assertWritableDir, assertWritableFile } from "./outputs.js";

/** A seed's outcome as the report lists it; a failing seed's file written to `--out` (by this thread). */
const recordSeed = (options: FleetCliOptions, { failure, ...outcome }: FleetSeedOutcome): SeedRun => {
  if (failure === undefined) return outcome;
  return {
    ...outcome,
    failureFile: writeFailureFile(failure, outcome.result.timeline.scenario, outcome.seed, options.out),
  };
};

const progress = (done: number, total: number, seed: number) => {
  if (!process.stderr.isTTY || total < 3) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} seed ${seed}   `);
  if (done === total) process.stderr.write("\n");
};

/** A sweep's seeds, one after another in this thread. */
const seedsHere = (options: FleetCliOptions): SeedRun[] => {
  const runs: SeedRun[] = [];
  for (let index = 0; index < options.seeds; index++) {
    const seed = options.seed + index;
    progress(index, options.seeds, seed);
    runs.push(recordSeed(options, runFleetSeed(options, seed)));
    progress(index + 1, options.seeds, seed);
  }
  return runs;
};

/**
 * A sweep's seeds in `threads` worker threads: the outcomes are taken in seed order, so the
 * failure files are written and the seeds listed as `seedsHere` does.
 */
const seedsInThreads = async (options: FleetCliOptions, threads: number): Promise<SeedRun[]> => {
  const runs: SeedRun[] = [];
  const planned: PoolRun[] = Array.from({ length: options.seeds }, (_, index) => ({
    label: "fleet",
    seed: options.seed + index,
  }));
  progress(0, options.seeds, options.seed);
  await runInWorkers<PoolRun, FleetSeedOutcome>({
    entry: workerModule("fleetWorker"),
    setup: {
      steps: options.steps,
      nodes: options.nodes,
      shards: options.shards,
      delivery: options.delivery,
      faults: options.faults,
      scenario: options.scenario,
      ...(options.unsafe === undefined ? {} : { unsafe: options.unsafe }),
    } satisfies FleetSeedOptions,
    runs: planned,
    workers: threads,
    onArrival: (arrived, index) => progress(arrived, options.seeds, options.seed + index),
    onResult: (outcome) => runs.push(recordSeed(options, outcome)),
  });
  return runs;
};

/** How many threads a sweep's seeds run in: `--workers`, at most one per seed (1: this thread). */
const threadsFor = (options: FleetCliOptions): number => Math.max(1, Math.min(options.workers, options.seeds));

/** Refuses (before a run) outputs that could not be written. */
const checkOutputs = (options: FleetCliOptions): void => {
  if (options.report !== undefined) assertWritableFile(options.report, "--report");
  assertWritableDir(options.out, "--out");
};

/** Prints a sweep's report (text or `--json`, and the `--report` file); returns the exit code. */
const sweepReport = (
  options: FleetCliOptions,
  runs: readonly SeedRun[],
  started: number,
  threads: number,
  write: (line: string) => void,
): number => {
  const summary = summarise(runs, performance.now() - started, threads);
  const fleet = {
    nodes: options.nodes,
    shards: options.shards,
    scenario: options.scenario,
    delivery: options.delivery,
    faults: options.faults,
    steps: options.steps,
    firstSeed: options.seed,
    ...(options.unsafe === undefined ? {} : { unsafe: options.unsafe }),
  };
  const heading = `${options.nodes} nodes, ${options.shards} shards, scenario ${options.scenario}, delivery ${options.delivery}, faults ${faultsText(options.faults)}, seeds ${options.seed}–${options.seed + options.seeds - 1}, ${options.steps} steps each`;
  return finish(runs, summary, options, heading, fleet, runText(options, runs, summary), write);
};

/**
 * Runs a fleet sweep of parsed options (not a replay) in this thread; returns the exit code.
 * Throws `needs-async` when `options.workers` asks for worker threads (`runFleetSweep`).
 */
export const runFleetSweepHere = (options: FleetCliOptions, write: (line: string) => void = console.log): number => {
  if (threadsFor(options) > 1) throw workersNeedAsync();
  checkOutputs(options);
  const started = performance.now();
  return sweepReport(options, seedsHere(options), started, 1, write);
};

/**
 * Runs a fleet sweep of parsed options (not a replay), in `options.workers` worker threads when
 * that is more than one; resolves to the exit code. The report is the one a single thread prints
 * (only the timings differ).
 */
export const runFleetSweep = async (
  options: FleetCliOptions,
  write: (line: string) => void = console.log,
): Promise<number> => {
  const threads = threadsFor(options);
  if (threads === 1) return runFleetSweepHere(options, write);
  checkOutputs(options);
  const started = performance.now();
  return sweepReport(options, await seedsInThreads(options, threads), started, threads, write);
};
