import { SchedkitError } from "@schedkit/kernel";
import { planFleet } from "./plan.js";
import { decodeFleetTimeline } from "./timelineCheck.js";
import {
  type Delivery,
  type FleetFaults,
  type FleetResult,
  type FleetScenario,
  type FleetStoreRecord,
  type FleetTimeline,
  type FleetUnsafe,
  type FleetViolation,
  fleetFaultFamilies,
  fleetScenarioNames,
} from "./types.js";
import { runFleet, runFleetRecording } from "./world.js";

/** Options for `simulateFleet`. @since 0.1.0 */
export interface SimulateFleetOptions {
  readonly seed: number;
  /** Nodes (replicas) sharing the store. Default 5. */
  readonly nodes?: number;
  /** Default 16. */
  readonly shards?: number;
  /** Default "steady". */
  readonly scenario?: FleetScenario;
  /** Steps of 100 simulated ms each; faults come in the first 70 %, then the fleet heals. Default 1,000. */
  readonly steps?: number;
  /** Default "swarm". */
  readonly faults?: FleetFaults;
  /** Every program's delivery. Default "at-least-once". */
  readonly delivery?: Delivery;
  /** Lease options, ms. Defaults 3,000 / 1,000 / 300 (shorter than a real fleet's, so a run sees many takeovers). */
  readonly leaseTtl?: number;
  readonly renewInterval?: number;
  readonly safetyMargin?: number;
  /** Run the seed twice and compare trace hashes. Default true. */
  readonly determinism?: boolean;
  /** Shrink a failing timeline (in `result.shrunk`). Default true. */
  readonly shrink?: boolean;
  /** Planted bugs, for testing the simulator itself. */
  readonly unsafe?: FleetUnsafe;
  /**
   * Record the store traffic of the run in `result.storeTrace`: every request the
   * model store applied, in order, with its store time and reply (to replay it on
   * another `Store` and compare). The run itself is the same with it on or off.
   * Default false.
   */
  readonly recordStore?: boolean;
}

/** @since 0.1.0 */
export interface SimulateFleetResult extends FleetResult {
  /** The smallest timeline found that still breaks the first broken check. */
  readonly shrunk?: FleetTimeline;
  /** With `recordStore: true`: the requests the model store applied, in order (see `FleetStoreRecord`). */
  readonly storeTrace?: readonly FleetStoreRecord[];
}

const positiveInt = (value: unknown, field: string, fallback: number, max: number): number => {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new SchedkitError("invalid-options", `${field}: must be an integer from 1 to ${max}, got ${String(value)}`, {
      field,
    });
  }
  return value;
};

const checkFaults = (faults: unknown): FleetFaults => {
  if (faults === undefined) return "swarm";
  if (faults === "none" || faults === "swarm") return faults;
  if (Array.isArray(faults) && faults.every((family) => (fleetFaultFamilies as readonly unknown[]).includes(family))) {
    return faults as FleetFaults;
  }
  throw new SchedkitError(
    "invalid-options",
    `faults: must be "none", "swarm" or a list of ${fleetFaultFamilies.join(", ")}; got ${JSON.stringify(faults)}`,
    { field: "faults" },
  );
};

/**
 * Simulates a fleet: `nodes` coordinators with their shard kernels on one
 * model store, in virtual time, with faults; checks FLEET.md's guarantees
 * after every step.
 * @since 0.1.0
 */
export const simulateFleet = (options: SimulateFleetOptions): SimulateFleetResult => {
  if (typeof options !== "object" || options === null || !Number.isSafeInteger(options.seed)) {
    throw new SchedkitError("invalid-options", "seed: must be a safe integer", { field: "seed" });
  }
  const scenario = options.scenario ?? "steady";
  if (!(fleetScenarioNames as readonly string[]).includes(scenario)) {
    throw new SchedkitError("invalid-options", `scenario: must be one of ${fleetScenarioNames.join(", ")}`, {
      field: "scenario",
    });
  }
  const delivery = options.delivery ?? "at-least-once";
  if (delivery !== "at-least-once" && delivery !== "at-most-once") {
    throw new SchedkitError("invalid-options", 'delivery: must be "at-least-once" or "at-most-once"', {
      field: "delivery",
    });
  }
  const leaseTtl = positiveInt(options.leaseTtl, "leaseTtl", 3_000, 3_600_000);
  const timeline = planFleet({
    seed: options.seed,
    nodes: positiveInt(options.nodes, "nodes", 5, 64),
    shards: positiveInt(options.shards, "shards", 16, 4_096),
    scenario,
    steps: positiveInt(options.steps, "steps", 1_000, 1_000_000),
    faults: checkFaults(options.faults),
    delivery,
    leaseTtl,
    renewInterval: positiveInt(options.renewInterval, "renewInterval", Math.round(leaseTtl / 3), leaseTtl),
    safetyMargin: positiveInt(options.safetyMargin, "safetyMargin", Math.round(leaseTtl / 10), leaseTtl),
    ...(options.unsafe === undefined ? {} : { unsafe: options.unsafe }),
  });
  const storeTrace: FleetStoreRecord[] | undefined = options.recordStore === true ? [] : undefined;
  const result = storeTrace === undefined ? runFleet(timeline) : runFleetRecording(timeline, storeTrace);
  let violations: readonly FleetViolation[] = result.violations;
  if (options.determinism !== false) {
    const again = runFleet(timeline);
    if (again.traceHash !== result.traceHash && violations.length === 0) {
      violations = [
        {
          check: "determinism",
          step: Math.min(result.events, again.events),
          at: 0,
          message: `seed ${options.seed} ran twice with trace hashes ${result.traceHash} and ${again.traceHash}`,
        },
      ];
    }
  }
  const first = violations[0];
  const shrunk = first === undefined || options.shrink === false ? undefined : shrinkFleet(timeline, first.check);
  return {
    ...result,
    violations,
    ...(shrunk === undefined ? {} : { shrunk }),
    ...(storeTrace === undefined ? {} : { storeTrace }),
  };
};

/** Runs a fleet timeline (from `simulateFleet`'s result or a failure file) again. @since 0.1.0 */
export const replayFleet = (timeline: FleetTimeline): FleetResult => runFleet(decodeFleetTimeline(timeline));

/**
 * The smallest timeline found (events removed in halving chunks, then one by
 * one) that still breaks `check`. Each candidate is a full replay, so this
 * costs a few hundred runs at most.
 * @since 0.1.0
 */
export const shrinkFleet = (timeline: FleetTimeline, check: string, budget = 300): FleetTimeline => {
  const breaks = (candidate: FleetTimeline) => runFleet(candidate).violations[0]?.check === check;
  let best = timeline;
  let runs = 0;
  // Shorten the run first: end soon after the violation.
  const failing = runFleet(timeline).violations[0];
  if (
    failing !== undefined &&
    check !== "liveness" &&
    check !== "every-fire-completed" &&
    check !== "no-due-time-lost"
  ) {
    const endAt = Math.ceil(failing.at) + 1;
    const shorter: FleetTimeline = {
      ...best,
      endAt,
      quietAt: Math.min(best.quietAt, endAt),
      events: best.events.filter((event) => event.at <= endAt),
    };
    runs += 1;
    if (breaks(shorter)) best = shorter;
  }
  let chunk = Math.max(1, Math.floor(best.events.length / 2));
  while (chunk >= 1 && runs < budget) {
    let removed = false;
    for (let start = 0; start < best.events.length && runs < budget; start += chunk) {
      const events = [...best.events.slice(0, start), ...best.events.slice(start + chunk)];
      const candidate = { ...best, events };
      runs += 1;
      if (breaks(candidate)) {
        best = candidate;
        removed = true;
        start -= chunk;
      }
    }
    if (!removed) chunk = Math.floor(chunk / 2);
  }
  return best;
};
