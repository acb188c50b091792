/**
 * The fleet simulator's speed: simulated events per second of wall time, with every check on
 * (they always are) and determinism off (one run per seed), beside the single-node simulator's
 * events per second measured in the same process, the way section 5 measures it.
 *
 * A fleet event is one event of the simulator's queue (a timeline event, a node's wake, a store
 * request arriving, a reply, a job's end, a notification); most of them dispatch a node's
 * coordinator, which drives its shards' kernels, and every one is checked. A single-node event is
 * one kernel dispatch, checked against the invariants and the reference model.
 *
 * `npx tsx bench/fleet.ts [--smoke]` runs this section alone.
 */
import { pathToFileURL } from "node:url";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import { simulateFleet } from "../packages/sim/src/index.js";
import { runTimeline } from "../packages/sim/src/internal/engine.js";
import { generateTimeline } from "../packages/sim/src/internal/generate.js";

export interface Rate {
  readonly events: number;
  readonly wallSeconds: number;
  readonly eventsPerSecond: number;
  readonly simulatedSeconds: number;
}

/** Seeds `1..seeds` of the swarm (5 nodes, 16 shards), `steps` each, one run per seed. */
export const fleetRate = (seeds: number, steps: number): Rate & { readonly violations: number } => {
  let events = 0;
  let simulatedMs = 0;
  let violations = 0;
  const started = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const result = simulateFleet({ seed, steps, determinism: false, shrink: false });
    events += result.events;
    simulatedMs += result.simulatedMs;
    violations += result.violations.length;
  }
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    events,
    wallSeconds,
    eventsPerSecond: Math.round(events / wallSeconds),
    simulatedSeconds: simulatedMs / 1000,
    violations,
  };
};

/** The single-node simulator on section 5's workload (worker-pool, no faults), `hours` simulated. */
export const singleNodeRate = (hours: number): Rate => {
  // About 254,000 dispatches per simulated hour of this scenario (section 5), so steps for the hours wanted.
  const steps = Math.ceil(((hours * 3_600_000) / 85) * 3 * 2);
  const timeline = generateTimeline({
    seed: 1,
    scenario: "worker-pool",
    steps,
    faults: "none",
    policies: ["last", "first"],
  });
  const started = performance.now();
  const run = runTimeline({ timeline, policies: [lifo(), fifo()] });
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    events: run.steps,
    wallSeconds,
    eventsPerSecond: Math.round(run.steps / wallSeconds),
    simulatedSeconds: run.simulatedMs / 1000,
  };
};

export interface FleetBench {
  readonly seeds: number;
  readonly steps: number;
  readonly fleet: Rate & { readonly violations: number };
  readonly singleNode: Rate & { readonly hours: number };
  /** Fleet events per second over single-node events per second. */
  readonly ratio: number;
}

/** Both measured alternately after a warm-up; the better of two runs of each. */
export const fleetBench = (smoke: boolean): FleetBench => {
  const seeds = smoke ? 2 : 10;
  const steps = smoke ? 300 : 1_000;
  const hours = smoke ? 0.1 : 2;
  fleetRate(1, 200);
  singleNodeRate(0.05);
  const fleetRuns = [fleetRate(seeds, steps)];
  const singleRuns = [singleNodeRate(hours)];
  fleetRuns.push(fleetRate(seeds, steps));
  singleRuns.push(singleNodeRate(hours));
  const fleet = fleetRuns.reduce((best, run) => (run.eventsPerSecond > best.eventsPerSecond ? run : best));
  const single = singleRuns.reduce((best, run) => (run.eventsPerSecond > best.eventsPerSecond ? run : best));
  return {
    seeds,
    steps,
    fleet,
    singleNode: { ...single, hours },
    ratio: fleet.eventsPerSecond / single.eventsPerSecond,
  };
};

const fmt = (value: number) => Math.round(value).toLocaleString("en-US");

/** The section's lines, as `pnpm bench` prints them. */
export const fleetLines = (bench: FleetBench): string[] => [
  `   fleet (5 nodes, 16 shards, swarm faults): ${bench.seeds} seeds × ${fmt(bench.steps)} steps, ${fmt(bench.fleet.events)} events (${fmt(bench.fleet.simulatedSeconds)} s simulated, every check on, one run per seed) in ${bench.fleet.wallSeconds.toFixed(1)} s: ${fmt(bench.fleet.eventsPerSecond)} simulated events/s${bench.fleet.violations > 0 ? ` (${bench.fleet.violations} violations!)` : ""}`,
  `   single node (worker-pool, ${bench.singleNode.hours} h simulated): ${fmt(bench.singleNode.events)} events in ${bench.singleNode.wallSeconds.toFixed(1)} s: ${fmt(bench.singleNode.eventsPerSecond)} simulated events/s`,
  `   fleet / single node: ${bench.ratio.toFixed(2)}`,
];

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const bench = fleetBench(process.argv.includes("--smoke"));
  for (const line of fleetLines(bench)) console.log(line);
  console.log(JSON.stringify(bench));
}
