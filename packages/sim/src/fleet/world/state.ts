import { createModelStore, type ModelStore } from "@schedkit/kernel/fleet";
import { FleetChecks } from "../checks.js";
import { EventQueue } from "../eventQueue.js";
import { TraceHash } from "../traceHash.js";
import type { FleetCoverage, FleetStoreRecord, FleetTimeline } from "../types.js";
import type { SimEvent } from "./events.js";
import { newSimNode, type SimNode } from "./simNode.js";

/**
 * Everything one simulated fleet run shares: the timeline, the event queue, the nodes, the model
 * store and its checks, the store-wide faults, and what the run counts (trace hash, coverage).
 * Plain fields, which the world's parts (network, faults, node lives and effects) read and
 * write directly: they run at every event.
 */
export class WorldState {
  readonly queue = new EventQueue<SimEvent>();
  readonly nodes: SimNode[] = [];
  readonly store: ModelStore;
  readonly checks: FleetChecks;
  readonly trace = new TraceHash();
  readonly coverage: FleetCoverage = {
    takeovers: 0,
    pausesPastLease: 0,
    staleWritesRefused: 0,
    adoptedPrograms: 0,
    replayedCommands: 0,
    reruns: 0,
    lostFires: 0,
    deploySkew: 0,
    retriedAppends: 0,
    commandsAnswered: 0,
    notOwned: 0,
    crashes: 0,
    partitions: 0,
    lostReplies: 0,
    fires: 0,
    jobs: 0,
  };
  /** Simulated time (ms) of the event being handled. */
  now = 0;
  /** A slow store (every round trip `slowFactor` times longer) until then. */
  slowUntil = 0;
  slowFactor = 1;
  /** Events handled so far. */
  steps = 0;
  /** When a node last crashed, stopped or booted (the liveness bound counts from the latest). */
  lastDisruptionAt = Number.NEGATIVE_INFINITY;
  /** When the latest fault began (a command is not a fault). */
  lastFaultAt = Number.NEGATIVE_INFINITY;

  /**
   * @param storeTrace where to record the store's traffic, or `undefined` (no recording:
   * nothing of the run depends on it either way).
   */
  constructor(
    readonly timeline: FleetTimeline,
    readonly storeTrace: FleetStoreRecord[] | undefined,
  ) {
    this.store = createModelStore({
      clock: () => this.now,
      ...(timeline.unsafe?.skipEpochCheck === true ? { unsafeSkipEpochCheck: true } : {}),
    });
    this.checks = new FleetChecks(timeline, this.store, () => ({ step: this.steps, at: this.now }));
    for (let index = 0; index < timeline.nodes; index++) this.nodes.push(newSimNode(index));
  }
}
