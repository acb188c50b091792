/**
 * Running the command line's plan (in this thread or in worker threads) or its replay, then
 * handing the runs to the report.
 */
import { resolve } from "node:path";
import { isSchedkitError, type UnspawnPolicy } from "@schedkit/kernel";
import { writeFailure as writeFailureFile } from "../../files.js";
import { replay, type SimulateResult, simulate } from "../../simulate.js";
import { type SimResult, scenarioNames } from "../../types.js";
import { CliError } from "../cliError.js";
import type { PlannedRun, WorkerSetup } from "../simWorker.js";
import { runInWorkers, workerModule } from "../workerPool.js";
import { replayFleetFile } from "./fleetReplay.js";
import { assertWritableDir, assertWritableFile } from "./outputs.js";
import type { CliOptions } from "./simArgs.js";
import { type Run, report } from "./simReport.js";
import { isFleetTimeline, readTimelineFile } from "./timelineFile.js";
import { usageError } from "./usage.js";

/**
 * The runs `schedkit-sim` makes: the five scenarios (or one), then the swarm; with custom
 * policies the swarm is `policy-churn`, the scenario that exercises a policy.
 */
export const plan = (options: CliOptions, custom: boolean): PlannedRun[] => {
  if (options.scenario !== undefined) {
    return Array.from({ length: options.seeds }, (_, index) => ({
      label: options.scenario as string,
      scenario: options.scenario,
      seed: options.seed + index,
      // By the seed alone, never by its place in the run: a flagged seed reruns as it failed.
      faults: options.faults ?? "swarm",
    }));
  }
  const guide = scenarioNames
    .filter((name) => name !== "mix" && name !== "hostile" && name !== "policy-churn")
    .map((scenario) => ({
      label: scenario,
      scenario,
      seed: options.seed,
      faults: options.faults ?? ("none" as const),
    }));
  const swarm = Array.from({ length: options.seeds }, (_, index) => ({
    label: custom ? "policy-churn" : "swarm",
    scenario: custom ? ("policy-churn" as const) : undefined,
    seed: options.seed + 1 + index,
    faults: options.faults ?? ("swarm" as const),
  }));
  return [...guide, ...swarm];
};

const progress = (done: number, total: number, label: string) => {
  if (!process.stderr.isTTY || total < 3) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${label.padEnd(16)}`);
  if (done === total) process.stderr.write("\n");
};

/** A run's result as the report lists it; a failing run's shrunk timeline written to `--out` (by this thread). */
const recordRun = (options: CliOptions, entry: PlannedRun, result: SimulateResult): Run => {
  const failureFile = writeFailureFile(result, options.out);
  return { label: entry.label, result, ...(failureFile === undefined ? {} : { failureFile }) };
};

/** The plan's runs, one after another in this thread. */
const runHere = (
  options: CliOptions,
  planned: readonly PlannedRun[],
  policies: readonly UnspawnPolicy[] | undefined,
): Run[] =>
  planned.map((entry, index) => {
    progress(index, planned.length, entry.label);
    const result = simulate({
      seed: entry.seed,
      steps: options.steps,
      faults: entry.faults,
      ...(entry.scenario === undefined ? {} : { scenario: entry.scenario }),
      ...(policies === undefined ? {} : { policies }),
      checks: options.checks,
    });
    const recorded = recordRun(options, entry, result);
    progress(index + 1, planned.length, entry.label);
    return recorded;
  });

/**
 * The plan's runs in `workers` worker threads. Results are taken in the plan's order (a result
 * that comes early waits for the ones before it), so the failure files are written and the runs
 * listed as `runHere` does.
 */
const runInThreads = async (options: CliOptions, planned: readonly PlannedRun[], workers: number): Promise<Run[]> => {
  const runs: Run[] = [];
  progress(0, planned.length, planned[0]?.label ?? "");
  await runInWorkers<PlannedRun, SimulateResult>({
    entry: workerModule("simWorker"),
    setup: {
      steps: options.steps,
      checks: options.checks,
      cwd: process.cwd(),
      ...(options.policies === undefined ? {} : { policies: options.policies }),
    } satisfies WorkerSetup,
    runs: planned,
    workers,
    onArrival: (arrived, index) => progress(arrived, planned.length, planned[index]?.label ?? ""),
    onResult: (result, index) => runs.push(recordRun(options, planned[index] as PlannedRun, result)),
  });
  return runs;
};

/** Replays `options.replay` (one run); a fleet file is handed to the fleet replay, which prints its own report. */
const replayRun = (
  options: CliOptions & { replay: string },
  policies: readonly UnspawnPolicy[] | undefined,
  write: (line: string) => void,
): Run | number => {
  const timeline = readTimelineFile(options.replay);
  if (isFleetTimeline(timeline)) {
    if (options.policies !== undefined) {
      throw usageError(
        "replay-flag",
        "replay: a fleet failure file takes no --policies (it runs the fleet simulator's programs)",
      );
    }
    return replayFleetFile(options.replay, timeline, options, write);
  }
  let result: SimResult;
  try {
    result = replay(timeline, policies === undefined ? {} : { policies });
  } catch (error) {
    if (isSchedkitError(error) && error.code === "invalid-options") {
      throw new CliError("bad-timeline", `replay: ${resolve(options.replay)}: ${error.message.split("\n")[0]}`);
    }
    if (isSchedkitError(error) && error.code === "unknown-policy") {
      throw new CliError(
        "unknown-policy",
        `replay: ${error.message.split("\n")[0]}, or on the command line with --policies MODULE`,
      );
    }
    throw error;
  }
  return { label: "replay", result, recorded: result.timeline.traceHash ?? null };
};

/** How many worker threads the plan uses: none (this thread) for a replay or a single run. */
export const threadsFor = (options: CliOptions, planned: readonly PlannedRun[]): number =>
  options.replay === undefined ? Math.min(options.workers, planned.length) : 1;

/** Runs the command line's plan in this thread (`--workers 1`, and replays); returns the exit code. */
export const run = (
  options: CliOptions,
  policies: readonly UnspawnPolicy[] | undefined,
  write: (line: string) => void,
): number => {
  // Refuse an output that cannot be written before the (long) run, so nothing is lost.
  if (options.report !== undefined) assertWritableFile(options.report, "--report");
  const started = performance.now();
  if (options.replay !== undefined) {
    const replayed = replayRun({ ...options, replay: options.replay }, policies, write);
    return typeof replayed === "number" ? replayed : report(options, [replayed], started, write);
  }
  assertWritableDir(options.out, "--out");
  return report(options, runHere(options, plan(options, policies !== undefined), policies), started, write);
};

/** `run`, with the plan's runs in worker threads when `--workers` asks for more than one. */
export const runAsync = async (
  options: CliOptions,
  policies: readonly UnspawnPolicy[] | undefined,
  write: (line: string) => void,
): Promise<number> => {
  const planned = plan(options, policies !== undefined);
  const threads = threadsFor(options, planned);
  if (threads <= 1) return run(options, policies, write);
  if (options.report !== undefined) assertWritableFile(options.report, "--report");
  const started = performance.now();
  assertWritableDir(options.out, "--out");
  return report(options, await runInThreads(options, planned, threads), started, write);
};
