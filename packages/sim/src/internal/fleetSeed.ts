/**
 * One seed of `schedkit-sim fleet` (run twice, shrunk when it fails), as plain data: computed in
 * the main thread or in a worker thread (`fleetWorker.ts`, `--workers N`) alike. The main thread
 * writes the failure file (`fleetCli.ts`), in seed order.
 */
import {
  type Delivery,
  type FleetFaults,
  type FleetResult,
  type FleetScenario,
  type FleetTimeline,
  type FleetUnsafe,
  replayFleet,
  type SimulateFleetResult,
  shrinkFleet,
  simulateFleet,
} from "../fleet/index.js";

/** What every seed of a fleet sweep shares (plain data: it is sent to each worker). */
export interface FleetSeedOptions {
  readonly steps: number;
  readonly nodes: number;
  readonly shards: number;
  readonly delivery: Delivery;
  readonly faults: FleetFaults;
  readonly scenario: FleetScenario;
  /** Planted bugs (for the simulator's own tests; no flag sets them). */
  readonly unsafe?: FleetUnsafe;
}

/** A violation as the CLI reports it: a fleet check, or `trace-hash` (a replay whose trace differs from its file's). */
export interface FleetCliViolation {
  readonly check: string;
  readonly step: number;
  readonly at: number;
  readonly message: string;
}

/** A fleet failure file: the timeline, with the trace hash of its run when it was written. */
export type FleetFailureFile = FleetTimeline & { readonly traceHash?: string };

/** What one seed gave, before its failure file (if any) is written. */
export interface FleetSeedOutcome {
  readonly seed: number;
  readonly result: FleetResult;
  readonly violations: readonly FleetCliViolation[];
  /** The second run's trace hash (each seed runs twice). */
  readonly secondTraceHash: string;
  /** Wall time spent shrinking its failure (and checking the shrunk timeline), ms. */
  readonly shrinkMs: number;
  /** A failing seed's failure file (see `fleetFailureTimeline`), to write. */
  readonly failure?: FleetFailureFile;
}

/**
 * The timeline a failing `simulateFleet` result offers for replay, with the trace hash of its
 * run: the shrunk one when its replay breaks the same check, else the whole run's timeline.
 * `undefined` when every check held.
 */
export const fleetFailureTimeline = (result: SimulateFleetResult): FleetFailureFile | undefined => {
  const first = result.violations[0];
  if (first === undefined) return undefined;
  if (result.shrunk !== undefined && first.check !== "determinism") {
    const again = replayFleet(result.shrunk);
    if (again.violations[0]?.check === first.check) return { ...result.shrunk, traceHash: again.traceHash };
  }
  // A determinism failure has no trace of its own to record: the file is the timeline alone.
  return first.check === "determinism" ? result.timeline : { ...result.timeline, traceHash: result.traceHash };
};

export const determinismViolation = (seed: number, first: FleetResult, second: FleetResult): FleetCliViolation => ({
  check: "determinism",
  step: Math.min(first.events, second.events),
  at: 0,
  message: `seed ${seed} ran twice with trace hashes ${first.traceHash} and ${second.traceHash}`,
});

/** Runs one seed twice (comparing the trace hashes) and, when a check broke, shrinks its failure. */
export const runFleetSeed = (options: FleetSeedOptions, seed: number): FleetSeedOutcome => {
  const result = simulateFleet({
    seed,
    nodes: options.nodes,
    shards: options.shards,
    scenario: options.scenario,
    steps: options.steps,
    faults: options.faults,
    delivery: options.delivery,
    ...(options.unsafe === undefined ? {} : { unsafe: options.unsafe }),
    // The second run and the shrinking are made here: both trace hashes are reported, and the
    // time spent shrinking is told apart from the time spent simulating.
    determinism: false,
    shrink: false,
  });
  const second = replayFleet(result.timeline);
  const violations: FleetCliViolation[] = [...result.violations];
  if (second.traceHash !== result.traceHash) violations.push(determinismViolation(seed, result, second));
  const first = violations[0];
  if (first === undefined) return { seed, result, violations, secondTraceHash: second.traceHash, shrinkMs: 0 };
  const started = performance.now();
  const shrunk = first.check === "determinism" ? undefined : shrinkFleet(result.timeline, first.check);
  const failure = fleetFailureTimeline({
    ...result,
    violations: violations as SimulateFleetResult["violations"],
    ...(shrunk === undefined ? {} : { shrunk }),
  });
  return {
    seed,
    result,
    violations,
    secondTraceHash: second.traceHash,
    shrinkMs: performance.now() - started,
    ...(failure === undefined ? {} : { failure }),
  };
};
