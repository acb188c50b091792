import type { StoreReply, StoreRequest } from "../protocol.js";
import { balance, type ScannedReply } from "./balance.js";
import { dropShard, leaseDeadline } from "./leases.js";
import { earlier, type NodeState } from "./nodeState.js";
import type { ProgramTable } from "./programTable.js";
import { type InFlightRequest, ShardRun } from "./shardRun.js";

/**
 * How a node comes to own shards: a periodic scan of the store's leases (sooner after a release
 * notice), the balance decision on its answer (this node's share, orphans nobody took, at most one
 * handoff), the acquires that follow, and a granted lease turned into a running shard (rebuilt
 * from checkpoint and log). A lease refused for other programs is reported once as deploy skew.
 */
export class Acquisition {
  /** Acquires in flight, by shard. */
  readonly acquiring = new Map<number, InFlightRequest>();
  /** Shards being acquired beyond this node's share: kept (sticky) once acquired. */
  private readonly rescuing = new Set<number>();
  /** The deploy-skew problems last reported per shard, so each is reported once. */
  private readonly skewReported = new Map<number, string>();
  /** A node left: the next scan takes every free shard. */
  private takeAllFree = false;
  /** The share computed at the last scan. */
  private lastTarget = 0;
  /** When each shard was first seen free, for the orphan rule in `balance`. */
  private freeSince = new Map<number, number>();
  nextScanAt = Number.NEGATIVE_INFINITY;
  scanRequest: string | null = null;
  /** Release notices heard so far, and how many had been heard when the scan in flight was sent. */
  private releaseNotices = 0;
  private scanNotices = 0;

  constructor(
    private readonly node: NodeState,
    private readonly table: ProgramTable,
  ) {}

  /** Another node released a lease (`leaving`: it is going away): scan at once. */
  onReleaseNotice(leaving: boolean | undefined): void {
    this.nextScanAt = this.node.now;
    this.releaseNotices += 1;
    if (leaving === true) this.takeAllFree = true;
  }

  scanIfDue(): void {
    const node = this.node;
    if (!node.stopping && this.scanRequest === null && node.now >= this.nextScanAt) {
      this.nextScanAt = node.now + node.renewInterval;
      this.scanNotices = this.releaseNotices;
      this.scanRequest = node.send({ type: "scan", node: node.nodeId, ttl: node.renewInterval * 2 }, { kind: "scan" });
    }
  }

  /** `wake`, or earlier if the next scan is due before it. */
  scanWake(wake: number): number {
    return !this.node.stopping && this.scanRequest === null ? earlier(wake, this.nextScanAt) : wake;
  }

  onScanUnknown(): void {
    this.scanRequest = null;
  }

  onScanReply(reply: StoreReply): void {
    this.scanRequest = null;
    if (reply.type === "scanned") this.onScanned(reply, this.scanNotices < this.releaseNotices);
  }

  /** If it landed, the store thinks the shard is ours: a later acquire by this node takes it again (same session, same epoch). */
  onAcquireUnknown(shard: number): void {
    this.acquiring.delete(shard);
    this.rescuing.delete(shard);
  }

  onAcquireReply(shard: number, sentAt: number, reply: StoreReply): void {
    this.acquiring.delete(shard);
    this.onAcquired(shard, sentAt, reply);
    this.rescuing.delete(shard);
    // Took one and is still short of its share: look again now rather than a whole period later.
    if (reply.type === "acquired" && this.heldCount() < this.lastTarget) {
      this.nextScanAt = Math.min(this.nextScanAt, this.node.now);
    }
  }

  /** Acts on the scan's balance decision: acquire the share and the orphans, hand over at most one run. */
  private onScanned(reply: ScannedReply, staleByNotice: boolean): void {
    const node = this.node;
    if (node.stopping) return;
    const decision = balance(reply, {
      nodeId: node.nodeId,
      shardCount: node.shardCount,
      renewInterval: node.renewInterval,
      now: node.now,
      takeAllFree: this.takeAllFree,
      freeSince: this.freeSince,
      held: this.heldCount(),
      ours: (shard) => node.runs.has(shard) || this.acquiring.has(shard),
      runs: node.runs.values(),
    });
    this.lastTarget = decision.target;
    if (staleByNotice) {
      // A release was announced while this scan was under way: its reply may predate it. Look
      // again at once, with the announced "take all free" still standing.
      this.nextScanAt = node.now;
    } else this.takeAllFree = false;
    this.freeSince = decision.freeSince;
    for (const shard of decision.share) this.acquire(shard, false);
    for (const shard of decision.orphans) this.acquire(shard, true);
    decision.handOver?.startReleasing(node.now + node.renewInterval);
  }

  /** `rescue`: taken beyond the share because nobody else did; kept (sticky) once acquired. */
  private acquire(shard: number, rescue: boolean): void {
    const node = this.node;
    const request: StoreRequest = {
      type: "acquire",
      shard,
      node: node.nodeId,
      session: node.session,
      ttl: node.leaseTtl,
      fingerprints: this.table.shardFingerprints.get(shard) ?? {},
    };
    this.acquiring.set(shard, { requestId: node.send(request, { kind: "acquire", shard }), sentAt: node.now });
    if (rescue) this.rescuing.add(shard);
  }

  /** Shards this node holds (and is not giving up) or is acquiring. */
  private heldCount(): number {
    let held = this.acquiring.size;
    for (const run of this.node.runs.values()) if (!run.releasing) held += 1;
    return held;
  }

  private onAcquired(shard: number, sentAt: number, reply: StoreReply): void {
    const node = this.node;
    if (reply.type === "deploy-skew") {
      const key = JSON.stringify(reply.problems);
      if (this.skewReported.get(shard) !== key) {
        this.skewReported.set(shard, key);
        node.out.push({ type: "deploy-skew", shard, problems: reply.problems });
      }
      return;
    }
    if (reply.type !== "acquired") return;
    this.skewReported.delete(shard);
    const previous = node.runs.get(shard);
    if (previous !== undefined && previous.epoch === reply.lease.epoch) {
      // The store kept our epoch (the same session asked again): the lease was extended, nothing else.
      previous.deadline = Math.max(previous.deadline, leaseDeadline(node, sentAt));
      return;
    }
    if (previous !== undefined) dropShard(node, previous, "stale-epoch");
    const run = new ShardRun(
      node.shardHost,
      shard,
      reply.lease.epoch,
      this.table.shardPrograms.get(shard) ?? new Map(),
      sentAt,
      leaseDeadline(node, sentAt),
      reply,
    );
    node.runs.set(shard, run);
    if (this.rescuing.delete(shard)) run.sticky = true;
    node.out.push({
      type: "acquired",
      shard,
      epoch: run.epoch,
      previousOwner: reply.previousOwner,
      replayed: run.replayed,
      adopted: run.adopted,
      unfinished: run.unfinished,
    });
    run.settleUnfinished();
    if (node.stopping) run.startReleasing(Number.POSITIVE_INFINITY);
  }
}
