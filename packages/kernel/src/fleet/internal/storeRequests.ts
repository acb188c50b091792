import type { StoreRequest } from "../protocol.js";
import type { CommandRequest } from "./callerCommands.js";
import type { ShardRun } from "./shardRun.js";

/** What a store request was sent for: its reply (or its timeout) goes back to that part of the coordinator. */
export type RequestPurpose =
  | { readonly kind: "scan" }
  | { readonly kind: "acquire"; readonly shard: number }
  | { readonly kind: "renew"; readonly run: ShardRun }
  | { readonly kind: "append"; readonly run: ShardRun }
  | { readonly kind: "inbox"; readonly run: ShardRun }
  | { readonly kind: "release"; readonly run: ShardRun }
  | { readonly kind: "probe"; readonly shard: number }
  | CommandRequest;

/** A request awaiting its reply. */
export interface OutstandingRequest {
  readonly seq: number;
  /** The node's monotonic clock when it was sent. */
  readonly sentAt: number;
  readonly request: StoreRequest;
  readonly what: RequestPurpose;
}

/** A request that timed out but whose reply may still come, kept until `until`. */
export interface LateRequest extends OutstandingRequest {
  readonly until: number;
}

/**
 * The store requests one node has out. A request's answer may never come (a lost reply, a
 * partition): each one times out after `timeout`, and then counts as unknown (it may or may not
 * have been applied). Renewals and appends that timed out are kept a while longer, since a late
 * answer still tells something (see the coordinator's late replies).
 */
export class StoreRequests {
  /**
   * Requests awaiting their reply, in send order. The node's clock never goes back, so that is
   * also `sentAt` order: the ones past their timeout are always a prefix.
   */
  readonly outstanding = new Map<string, OutstandingRequest>();
  /** In the order they timed out, which is `until` order: the expired ones are a prefix. */
  private readonly late = new Map<string, LateRequest>();
  /** Requests sent so far: the latest one's `seq`. */
  sent = 0;

  constructor(
    private readonly nodeId: string,
    readonly timeout: number,
  ) {}

  /** Files a request sent at `now`; returns its id (unique to this node). */
  track(request: StoreRequest, what: RequestPurpose, now: number): string {
    this.sent += 1;
    const requestId = `${this.nodeId}:${this.sent}`;
    this.outstanding.set(requestId, { seq: this.sent, sentAt: now, request, what });
    return requestId;
  }

  /** The request, if it is still awaited, which it no longer is. */
  take(requestId: string): OutstandingRequest | undefined {
    const outstanding = this.outstanding.get(requestId);
    if (outstanding !== undefined) this.outstanding.delete(requestId);
    return outstanding;
  }

  /** Stops waiting for a request (its answer is no longer wanted). */
  forget(requestId: string): void {
    this.outstanding.delete(requestId);
  }

  /** Keeps a timed-out request until `until`, for a reply that may still come. */
  keepLate(requestId: string, outstanding: OutstandingRequest, until: number): void {
    this.late.set(requestId, { ...outstanding, until });
  }

  /** The timed-out request a late reply answers, if it is still kept, which it no longer is. */
  takeLate(requestId: string): LateRequest | undefined {
    const late = this.late.get(requestId);
    if (late !== undefined) this.late.delete(requestId);
    return late;
  }

  /** Forgets the timed-out requests kept past their `until`. */
  expireLate(now: number): void {
    for (const [requestId, late] of this.late) {
      if (now <= late.until) break;
      this.late.delete(requestId);
    }
  }

  /** When the oldest outstanding request times out (it times out first), or `Infinity` with none. */
  firstTimeout(): number {
    for (const { sentAt } of this.outstanding.values()) return sentAt + this.timeout;
    return Number.POSITIVE_INFINITY;
  }
}
