/** A fleet run's figures summed over its seeds: coverage of the hard cases, determinism, timings. */
import type { FleetCoverage } from "../../fleet/index.js";
import type { FleetSeedOutcome } from "../fleetSeed.js";
import { TraceHash } from "../hash.js";

/** The hard cases the issue asks a swarm to show happened, in the order the summary lists them. */
export const hardCases = [
  ["takeovers", "takeovers"],
  ["pausesPastLease", "pauses past the lease"],
  ["staleWritesRefused", "stale writes refused"],
  ["adoptedPrograms", "programs adopted"],
  ["replayedCommands", "commands replayed"],
] as const satisfies readonly (readonly [keyof FleetCoverage, string])[];

/** Labels of the other counters (one the simulator adds later is shown by its key). */
export const otherCounters = [
  ["reruns", "reruns"],
  ["lostFires", "lost fires"],
  ["deploySkew", "deploy skew"],
  ["retriedAppends", "retried appends"],
  ["commandsAnswered", "commands answered"],
  ["notOwned", "not-owned answers"],
  ["crashes", "crashes"],
  ["partitions", "partitions"],
  ["lostReplies", "lost replies"],
  ["fires", "fires recorded"],
  ["jobs", "jobs run"],
] as const satisfies readonly (readonly [keyof FleetCoverage, string])[];

/** A seed as the report lists it. */
export interface SeedRun extends Omit<FleetSeedOutcome, "failure"> {
  readonly failureFile?: string;
  /** Replays: the trace hash the file recorded (null: none). */
  readonly recorded?: string | null;
}

/** Every counter of every run, summed (a counter the simulator adds later is summed too). */
const totalCoverage = (runs: readonly SeedRun[]): FleetCoverage => {
  const total: Record<string, number> = {};
  for (const [key] of hardCases) total[key] = 0;
  for (const { result } of runs) {
    for (const [key, value] of Object.entries(result.coverage)) total[key] = (total[key] ?? 0) + value;
  }
  return total as unknown as FleetCoverage;
};

export interface Summary {
  readonly traceHash: string;
  readonly violations: number;
  readonly coverage: FleetCoverage;
  readonly uncovered: readonly (keyof FleetCoverage)[];
  readonly identical: number;
  readonly events: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  /** Summed over the seeds (in the worker threads, with `--workers`). */
  readonly shrinkMs: number;
  /** Threads the seeds ran in (1: this one). */
  readonly threads: number;
}

export const summarise = (runs: readonly SeedRun[], wallMs: number, threads = 1): Summary => {
  const coverage = totalCoverage(runs);
  const combined = new TraceHash();
  for (const { result } of runs) combined.addText(result.traceHash);
  return {
    traceHash: runs.length === 1 ? (runs[0] as SeedRun).result.traceHash : combined.digest(),
    violations: runs.reduce((sum, run) => sum + run.violations.length, 0),
    coverage,
    uncovered: hardCases.filter(([key]) => coverage[key] === 0).map(([key]): keyof FleetCoverage => key),
    identical: runs.filter((run) => run.secondTraceHash === run.result.traceHash).length,
    events: runs.reduce((sum, run) => sum + run.result.events, 0),
    simulatedMs: runs.reduce((sum, run) => sum + run.result.simulatedMs, 0),
    wallMs,
    shrinkMs: runs.reduce((sum, run) => sum + run.shrinkMs, 0),
    threads,
  };
};
