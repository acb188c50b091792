import type { KernelOptions } from "../../Kernel.js";
import type { CoordinatorEffect, CoordinatorOptions } from "../Coordinator.js";
import type { StoreRequest } from "../protocol.js";
import type { ShardHost, ShardRun } from "./shardRun.js";
import { type RequestPurpose, StoreRequests } from "./storeRequests.js";
import type { CheckedOptions } from "./validateOptions.js";

/**
 * What every part of one node's coordinator shares: its settings, its clocks and effects as of
 * the current dispatch, the shards it runs, the requests it has out, and whether it is stopping.
 * Plain fields the parts read directly (they are on the simulator's hot path).
 */
export class NodeState {
  readonly nodeId: string;
  readonly session: string;
  readonly shardCount: number;
  readonly leaseTtl: number;
  readonly renewInterval: number;
  readonly safetyMargin: number;
  readonly inboxPollInterval: number;
  readonly ignoreLeaseDeadline: boolean;
  readonly kernelOptions: KernelOptions;
  /** The shards this node holds, by shard. */
  readonly runs = new Map<number, ShardRun>();
  readonly requests: StoreRequests;
  /** What a shard's run needs of its node. */
  readonly shardHost: ShardHost;
  /** The current dispatch's effects (a fresh array each dispatch). */
  out: CoordinatorEffect[] = [];
  /** The node's monotonic clock, as of the current dispatch: leases are judged on it. */
  now = Number.NEGATIVE_INFINITY;
  /** The node's wall clock, as of the current dispatch: the kernels' time. */
  wall = 0;
  stopping = false;
  /** When `stop` came. */
  stoppedAt = Number.POSITIVE_INFINITY;

  constructor(options: CoordinatorOptions, checked: CheckedOptions) {
    this.nodeId = options.nodeId;
    this.session = options.session ?? options.nodeId;
    this.shardCount = checked.shards;
    this.leaseTtl = checked.leaseTtl;
    this.renewInterval = checked.renewInterval;
    this.safetyMargin = checked.safetyMargin;
    this.inboxPollInterval = checked.inboxPollInterval;
    this.kernelOptions = options.kernel ?? {};
    this.ignoreLeaseDeadline = options.unsafe?.ignoreLeaseDeadline === true;
    this.requests = new StoreRequests(this.nodeId, checked.requestTimeout);
    const self = this;
    this.shardHost = {
      nodeId: this.nodeId,
      kernelOptions: this.kernelOptions,
      checkpointEvery: checked.checkpointEvery,
      skipReplay: options.unsafe?.skipReplay === true,
      recordBeforeCheck: options.unsafe?.recordBeforeCheck === true,
      get out() {
        return self.out;
      },
      wall: () => self.wall,
    };
  }

  /** Sends a store request (a `store` effect) and files it to time out; returns its id. */
  send(request: StoreRequest, what: RequestPurpose): string {
    const requestId = this.requests.track(request, what, this.now);
    this.out.push({ type: "store", requestId, request });
    return requestId;
  }
}

/** `time` if it is earlier than `wake`, else `wake` (a NaN never wins). */
// biome-ignore lint/complexity/useMathMinMax: Math.min would let a NaN through; the wake keeps what it had.
export const earlier = (wake: number, time: number): number => (time < wake ? time : wake);
