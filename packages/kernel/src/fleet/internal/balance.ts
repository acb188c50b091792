import { fnv1a32 } from "../fingerprint.js";
import type { StoreReply } from "../protocol.js";

export type ScannedReply = Extract<StoreReply, { type: "scanned" }>;

/** What the handoff choice needs to know of a shard this node runs. */
export interface HandoffCandidate {
  readonly shard: number;
  readonly runningJobs: number;
  readonly releasing: boolean;
  readonly sticky: boolean;
  /** Monotonic time the acquire was sent. */
  readonly acquiredAt: number;
}

/** The node's side of a scan: everything the decision reads, nothing it may change. */
export interface BalanceInput<Run extends HandoffCandidate> {
  readonly nodeId: string;
  readonly shardCount: number;
  readonly renewInterval: number;
  /** The node's monotonic clock. */
  readonly now: number;
  /** A node left: this scan takes every free shard. */
  readonly takeAllFree: boolean;
  /** When each shard was first seen free, as of the previous scan. */
  readonly freeSince: ReadonlyMap<number, number>;
  /** Shards this node holds (and is not giving up) or is acquiring. */
  readonly held: number;
  /** The shard is this node's already (held or being acquired), whatever the store's leases say. */
  readonly ours: (shard: number) => boolean;
  /** The shards this node holds, in the order it keeps them. */
  readonly runs: Iterable<Run>;
}

export interface BalanceDecision<Run extends HandoffCandidate> {
  /** This node's share of the shards. */
  readonly target: number;
  /** Free shards to acquire as part of the share, in the order to send the acquires. */
  readonly share: readonly number[];
  /** Free shards to acquire beyond the share, after `share`: kept (sticky) once acquired. */
  readonly orphans: readonly number[];
  /** When each shard now free was first seen free: the next scan's `freeSince`. */
  readonly freeSince: Map<number, number>;
  /** A shard to hand over to balance the fleet, if one should go. */
  readonly handOver: Run | undefined;
}

/** A node's preference for a shard: rendezvous hashing, so each node prefers different shards. */
const rank = (nodeId: string, shard: number): number => fnv1a32(`${nodeId}#${shard}`);

/** Which shards a node should take, and which it should give up, after a scan. Pure. */
export function balance<Run extends HandoffCandidate>(
  reply: ScannedReply,
  input: BalanceInput<Run>,
): BalanceDecision<Run> {
  const { nodeId, shardCount, renewInterval, now, held } = input;
  const nodes = Math.max(1, reply.nodes.length + (reply.nodes.includes(nodeId) ? 0 : 1));
  const target = Math.ceil(shardCount / nodes);
  const leases = new Map(reply.leases.map((lease) => [lease.shard, lease]));
  const free: number[] = [];
  for (let shard = 0; shard < shardCount; shard += 1) {
    if (input.ours(shard)) continue;
    const lease = leases.get(shard);
    if (lease === undefined || lease.owner === null || lease.expiresAt <= reply.now || lease.owner === nodeId) {
      free.push(shard);
    }
  }
  // Rendezvous order: each node prefers different shards, so nodes rarely race for one. Each
  // rank is hashed once, not at every comparison.
  const ranks = new Map(free.map((shard) => [shard, rank(nodeId, shard)]));
  free.sort((a, b) => (ranks.get(a) as number) - (ranks.get(b) as number) || a - b);
  // A node that left (graceful stop) leaves its shards to whoever hears first: take them all now,
  // and let balancing move them later, rather than wait for the leaver to drop out of the count.
  const share = input.takeAllFree ? free : free.slice(0, Math.max(0, target - held));
  // A shard left free for a whole scan period is one the others did not take (they may be
  // unable to: an older program version). Take it beyond the share, and keep it.
  const orphans = free.filter(
    (shard) => !share.includes(shard) && (input.freeSince.get(shard) ?? now) <= now - renewInterval,
  );
  const freeSince = new Map(free.map((shard) => [shard, input.freeSince.get(shard) ?? now]));
  return { target, share, orphans, freeSince, handOver: handOver(reply, input, nodes, target) };
}

/** The shard to hand over, if this node holds more than its share: the idlest, least preferred one. */
function handOver<Run extends HandoffCandidate>(
  reply: ScannedReply,
  input: BalanceInput<Run>,
  nodes: number,
  target: number,
): Run | undefined {
  const { nodeId, shardCount, renewInterval, now } = input;
  // Hand a shard over only if the nodes seen in the last period (a dead one lingers in `nodes`
  // for two) could take it; else it would wait for the dead node to drop out of the count.
  const fresh = Object.values(reply.lastSeen).filter((seen) => seen >= reply.now - 1.5 * renewInterval).length;
  const freshTarget = Math.ceil(shardCount / Math.max(1, fresh));
  if (!(input.held > Math.max(target, freshTarget) && nodes > 1)) return undefined;
  const idle = [...input.runs]
    // A shard just taken stays a while: balancing must not bounce it straight on.
    .filter((run) => !run.releasing && !run.sticky && now - run.acquiredAt >= 2 * renewInterval)
    .sort((a, b) => a.runningJobs - b.runningJobs || rank(nodeId, b.shard) - rank(nodeId, a.shard));
  return idle[0];
}
