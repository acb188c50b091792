import type { FleetCommand, StoreReply, StoreRequest } from "@schedkit/kernel/fleet";

/** Fault families of the fleet simulator (FLEET.md). @since 0.1.0 */
export const fleetFaultFamilies = [
  "pauses",
  "crashes",
  "skew",
  "partitions",
  "slowStore",
  "lostAcks",
  "deploys",
  "restarts",
] as const;

/** @since 0.1.0 */
export type FleetFaultFamily = (typeof fleetFaultFamilies)[number];

/** `"swarm"`: each seed switches every family on or off (at least one on). @since 0.1.0 */
export type FleetFaults = "none" | "swarm" | readonly FleetFaultFamily[];

/** @since 0.1.0 */
export const fleetScenarioNames = ["steady", "commands"] as const;

/**
 * `steady`: a dozen programs spawned at the start, few commands after;
 * `commands`: the same programs with spawns, unspawns, triggers and interval
 * changes issued from every node throughout. @since 0.1.0
 */
export type FleetScenario = (typeof fleetScenarioNames)[number];

/** @since 0.1.0 */
export type Delivery = "at-least-once" | "at-most-once";

/** One thing that happens to the fleet at a simulated time (ms). @since 0.1.0 */
export type FleetEvent =
  /** The node's process stops (GC, SIGSTOP) for `duration` ms, then goes on as if nothing happened. */
  | { readonly at: number; readonly kind: "pause"; readonly node: number; readonly duration: number }
  /** The node stops gracefully (finishes its jobs, checkpoints, releases its leases), exits, and starts again `downFor` ms later. */
  | { readonly at: number; readonly kind: "restart"; readonly node: number; readonly downFor: number }
  /** The node dies (all its state is gone) and restarts `downFor` ms later. */
  | { readonly at: number; readonly kind: "crash"; readonly node: number; readonly downFor: number }
  /** The node's wall clock jumps to `skew` ms off and its clocks run at `1 + drift`. */
  | { readonly at: number; readonly kind: "skew"; readonly node: number; readonly skew: number; readonly drift: number }
  /** Nothing passes between the node and the store for `duration` ms. */
  | { readonly at: number; readonly kind: "partition"; readonly node: number; readonly duration: number }
  /** Every store round trip takes `factor` times longer for `duration` ms. */
  | { readonly at: number; readonly kind: "slow-store"; readonly duration: number; readonly factor: number }
  /** Replies to the node are lost with probability `rate` for `duration` ms (the writes still commit). */
  | {
      readonly at: number;
      readonly kind: "lost-acks";
      readonly node: number;
      readonly duration: number;
      readonly rate: number;
    }
  /** A rolling deploy: each node in turn restarts with program version `version`, `gap` ms apart. */
  | { readonly at: number; readonly kind: "deploy"; readonly version: number; readonly gap: number }
  /** The node restarts with a changed program under the same version (a forgotten bump) for `duration` ms, then rolls back. */
  | { readonly at: number; readonly kind: "canary"; readonly node: number; readonly duration: number }
  /** A user's command, issued on `node`. */
  | { readonly at: number; readonly kind: "command"; readonly node: number; readonly command: FleetCommand };

/** @since 0.1.0 */
export type FleetEventKind = FleetEvent["kind"];

/** Everything a fleet run depends on: replaying it gives the same trace. @since 0.1.0 */
export interface FleetTimeline {
  readonly kind: "fleet";
  readonly version: 1;
  readonly seed: number;
  readonly nodes: number;
  readonly shards: number;
  readonly scenario: FleetScenario;
  readonly delivery: Delivery;
  readonly leaseTtl: number;
  readonly renewInterval: number;
  readonly safetyMargin: number;
  /** Faults come only before this time; after it the fleet heals and the final checks run at `endAt`. */
  readonly quietAt: number;
  readonly endAt: number;
  readonly families: readonly FleetFaultFamily[];
  readonly events: readonly FleetEvent[];
  /** Planted bugs (for the simulator's own tests). */
  readonly unsafe?: FleetUnsafe;
}

/** Planted bugs: each breaks a guarantee on purpose. @since 0.1.0 */
export interface FleetUnsafe {
  readonly ignoreLeaseDeadline?: boolean;
  readonly skipReplay?: boolean;
  readonly recordBeforeCheck?: boolean;
  readonly skipEpochCheck?: boolean;
  /** Every build installs the upgraded program with its first build's interval: a deploy's change never runs. */
  readonly staleSpecs?: boolean;
}

/** The checks, one per guarantee (FLEET.md). @since 0.1.0 */
export const fleetChecks = [
  "one-owner",
  "epochs-increase",
  "fenced-writes",
  "fire-recorded-once",
  "no-due-time-lost",
  "delivery",
  "every-fire-completed",
  "replay-equals-log",
  "upgrade-takes-effect",
  "liveness",
  "commands-once",
  "determinism",
] as const;

/** @since 0.1.0 */
export type FleetCheck = (typeof fleetChecks)[number];

/** @since 0.1.0 */
export interface FleetViolation {
  readonly check: FleetCheck;
  /** Events processed before it (the simulator's step). */
  readonly step: number;
  /** Simulated time, ms. */
  readonly at: number;
  readonly message: string;
}

/** How often the hard cases happened: a run that never took over proves little. @since 0.1.0 */
export interface FleetCoverage {
  takeovers: number;
  pausesPastLease: number;
  staleWritesRefused: number;
  adoptedPrograms: number;
  replayedCommands: number;
  reruns: number;
  lostFires: number;
  deploySkew: number;
  retriedAppends: number;
  commandsAnswered: number;
  notOwned: number;
  crashes: number;
  partitions: number;
  lostReplies: number;
  fires: number;
  jobs: number;
}

/** @since 0.1.0 */
export interface FleetResult {
  readonly seed: number;
  readonly traceHash: string;
  readonly violations: readonly FleetViolation[];
  readonly coverage: FleetCoverage;
  readonly timeline: FleetTimeline;
  /** Events the simulator processed. */
  readonly events: number;
  readonly simulatedMs: number;
}

/**
 * One request the run's model store applied (`simulateFleet({ recordStore: true })`):
 * in the order the store applied them, each with the store clock's time and the
 * store's reply. A request a fault dropped on its way is not here; one whose reply
 * was lost on the way back is (`replyLost`). Feeding the same requests, in order, to
 * another `Store` whose clock reads each `at` must give the same replies.
 * @since 0.1.0
 */
export interface FleetStoreRecord {
  /** The store's clock when it applied the request (simulated ms; equals `reply.now`). */
  readonly at: number;
  /** The sender's request id (`<node>:<n>`, counted per process life: a restarted node counts again). */
  readonly requestId: string;
  readonly request: StoreRequest;
  readonly reply: StoreReply;
  /** The reply never reached the sender (a partition or lost acks): the write still counts. */
  readonly replyLost: boolean;
}
