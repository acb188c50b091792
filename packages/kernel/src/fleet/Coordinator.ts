import type { Outcome } from "../Command.js";
import type { KernelOptions } from "../Kernel.js";
import type { KernelEffect } from "../KernelEffect.js";
import type { ProgramSpec } from "../Program.js";
import { Coordinator as CoordinatorMachine } from "./internal/coordinator.js";
import type { CommandAnswer, FingerprintProblem, FleetCommand, StoreReply, StoreRequest } from "./protocol.js";

/**
 * Options of one node's coordinator. Times are ms. Defaults follow
 * FLEET.md: `leaseTtl` 10,000, `renewInterval` leaseTtl / 3, `safetyMargin`
 * 1,000, `shards` 64.
 * @since 0.1.0
 */
export interface CoordinatorOptions {
  readonly nodeId: string;
  /**
   * This process life's id: draw a fresh one at every start (the fleet runner
   * does). A restarted node with the same `nodeId` then takes its old shards
   * with new epochs, which fences anything its previous life still had on the
   * wire. Default: `nodeId` (right only if the node id itself is drawn per start).
   */
  readonly session?: string;
  /** Every node installs the same programs; each runs on its shard's owner. */
  readonly programs: readonly ProgramSpec[];
  readonly shards?: number;
  readonly leaseTtl?: number;
  readonly renewInterval?: number;
  /** Subtracted from the lease on the node's own clock, for clock-rate error and scheduling delay. */
  readonly safetyMargin?: number;
  /** A store request with no answer after this long is treated as unknown (retried or given up). Default: renewInterval / 2. */
  readonly requestTimeout?: number;
  /** A checkpoint is written after this many log entries. Default 100. */
  readonly checkpointEvery?: number;
  /** How often an owner reads its shards' inboxes (a `notify` reads at once). Default 250. */
  readonly inboxPollInterval?: number;
  /** How often a caller looks for its commands' answers. Default 100. */
  readonly answerPollInterval?: number;
  /** A command no owner took within this long is withdrawn and fails `not-owned`. Default leaseTtl * 2. */
  readonly commandTimeout?: number;
  /** Options for every shard's kernel (policies, seed, ...). */
  readonly kernel?: KernelOptions;
  /**
   * @internal Planted bugs, for the fleet simulator's own tests: each one
   * breaks a guarantee on purpose, so a test can show the simulator catches it.
   */
  readonly unsafe?: {
    /** Start jobs without checking the lease deadline. */
    readonly ignoreLeaseDeadline?: boolean;
    /** A new owner restores the checkpoint but does not replay the log. */
    readonly skipReplay?: boolean;
    /** A new owner records its in-flight fires again and runs them, without looking at the store's records. */
    readonly recordBeforeCheck?: boolean;
  };
}

/**
 * What a coordinator is told. `at` is the node's monotonic clock (lease
 * deadlines are measured on it); `wall` is its wall clock, the kernels' time.
 * @since 0.1.0
 */
export type CoordinatorCommand = CoordinatorCommandBody & { readonly at: number; readonly wall: number };

/** @since 0.1.0 */
export type CoordinatorCommandBody =
  /** Time passed. The host sends one at every `wake`. */
  | { readonly type: "tick" }
  /** The store answered request `requestId`. */
  | { readonly type: "store-reply"; readonly requestId: string; readonly reply: StoreReply }
  /** The request failed with no answer (connection lost): its outcome is unknown. */
  | { readonly type: "store-failed"; readonly requestId: string; readonly message?: string }
  /** A job from a `run` effect ended. */
  | {
      readonly type: "job-done";
      readonly shard: number;
      readonly epoch: number;
      readonly jobId: string;
      readonly outcome: Outcome;
    }
  /** A user's command on this node, for whichever node owns its program's shard. */
  | { readonly type: "submit"; readonly commandId: string; readonly command: FleetCommand }
  /**
   * News from the store (LISTEN/NOTIFY): `"inbox"`, a command landed in a
   * shard's inbox (read it now, not at the next poll); `"released"`, a lease
   * was given up (scan now and take it, so a graceful handoff is immediate).
   */
  | {
      readonly type: "notify";
      readonly reason: "inbox" | "released";
      readonly shard?: number;
      /** With `"released"`: the releasing node is stopping, so its shards are everyone's to take now. */
      readonly leaving?: boolean;
    }
  /** Finish in-flight jobs, checkpoint, release every lease, then report `stopped`. */
  | { readonly type: "stop" };

/** What a coordinator asks its host to do, or tells it. @since 0.1.0 */
export type CoordinatorEffect =
  /** Send this request to the store; report its reply with `store-reply`. */
  | { readonly type: "store"; readonly requestId: string; readonly request: StoreRequest }
  /** Run a job now: its fire is recorded. `rerun`: a previous owner recorded it and never completed it. */
  | {
      readonly type: "run";
      readonly shard: number;
      readonly epoch: number;
      readonly jobId: string;
      readonly fireId: string;
      readonly programId: string;
      readonly spawnId: string | null;
      readonly scheduledAt: number;
      readonly startedAt: number;
      readonly args: unknown;
      readonly rerun: boolean;
    }
  /** Abort a running job: its result is no longer wanted. */
  | {
      readonly type: "cancel";
      readonly shard: number;
      readonly epoch: number;
      readonly jobId: string;
      readonly fireId: string;
      readonly reason: string;
    }
  /** The answer to a `submit` made on this node. */
  | { readonly type: "answer"; readonly commandId: string; readonly answer: CommandAnswer }
  /** This node owns the shard now. */
  | {
      readonly type: "acquired";
      readonly shard: number;
      readonly epoch: number;
      readonly previousOwner: string | null;
      /** Log entries replayed on top of the checkpoint. */
      readonly replayed: number;
      /** Programs restored from the checkpoint. */
      readonly adopted: number;
      /** Recorded fires with no completion: run again or reported lost, per program `delivery`. */
      readonly unfinished: number;
    }
  /** The lease was given up after a checkpoint. */
  | { readonly type: "released"; readonly shard: number; readonly epoch: number }
  /** The shard is no longer ours: its jobs' results will be refused. */
  | {
      readonly type: "lost";
      readonly shard: number;
      readonly epoch: number;
      readonly reason: "stale-epoch" | "lease-refused" | "out-of-order";
    }
  /** The lease deadline passed with no acknowledged renewal: no job of the shard starts. */
  | { readonly type: "paused"; readonly shard: number; readonly epoch: number }
  /** A renewal was acknowledged in time again. */
  | { readonly type: "resumed"; readonly shard: number; readonly epoch: number }
  /** This node's programs differ from the ones the store holds for the shard: it does not take it. */
  | { readonly type: "deploy-skew"; readonly shard: number; readonly problems: readonly FingerprintProblem[] }
  /** A checkpoint could not be taken (a program's state is not JSON data): the log grows until one can. */
  | { readonly type: "checkpoint-failed"; readonly shard: number; readonly epoch: number; readonly message: string }
  /** A shard kernel's effect (settled, missed, fault, stopped, ...), for observers. */
  | { readonly type: "kernel"; readonly shard: number; readonly effect: KernelEffect }
  /** A graceful stop finished: no lease is held. */
  | { readonly type: "stopped" }
  /** The next `at` (monotonic) at which the coordinator wants a tick. Always last. */
  | { readonly type: "wake"; readonly at: number };

/** One shard as its owner sees it. @since 0.1.0 */
export interface HeldShard {
  readonly shard: number;
  readonly epoch: number;
  /** Monotonic time after which no job of the shard starts without a newer renewal. */
  readonly deadline: number;
  readonly paused: boolean;
  readonly releasing: boolean;
  /** Last log seq the store acknowledged. */
  readonly head: number;
  readonly runningJobs: number;
}

/**
 * One node's fleet logic, pure: store replies, job results, user commands and
 * time in; store requests, jobs to run and reports out. No clock, timer or
 * I/O: the host (a fleet runner, or the fleet simulator) does those.
 * @since 0.1.0
 */
export interface Coordinator {
  dispatch(command: CoordinatorCommand): readonly CoordinatorEffect[];
  readonly nodeId: string;
  readonly shards: number;
  held(): readonly HeldShard[];
  /** The exported state of a held shard's programs (as a checkpoint would hold it). */
  exportShard(shard: number): Readonly<Record<string, unknown>> | undefined;
}

/**
 * Creates one node's coordinator. Throws a `SchedkitError` for bad options.
 * @since 0.1.0
 */
export const createCoordinator = (options: CoordinatorOptions): Coordinator => {
  const machine = new CoordinatorMachine(options);
  return {
    dispatch: (command) => machine.dispatch(command),
    nodeId: machine.nodeId,
    shards: machine.shardCount,
    held: () => machine.held(),
    exportShard: (shard) => machine.exportShard(shard),
  };
};
