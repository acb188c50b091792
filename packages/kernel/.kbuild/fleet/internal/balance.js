import { fnv1a32 } from "../fingerprint.js";

/** A node's preference for a shard: rendezvous hashing, so each node prefers different shards. */
const rank = (nodeId, shard) => fnv1a32(`${nodeId}#${shard}`);
/** Which shards a node should take, and which it should give up, after a scan. Pure. */
export function balance(reply, input) {
  const { nodeId, shardCount, renewInterval, now, held } = input;
  const nodes = Math.max(1, reply.nodes.length + (reply.nodes.includes(nodeId) ? 0 : 1));
  const target = Math.ceil(shardCount / nodes);
  const leases = new Map(reply.leases.map((lease) => [lease.shard, lease]));
  const free = [];
  for (let shard = 0; shard < shardCount; shard += 1) {
    if (input.ours(shard)) continue;
    const lease = leases.get(shard);
    if (lease === undefined || lease.owner === null || lease.expiresAt <= reply.now || lease.owner === nodeId) {
      free.push(shard);
    }
  }
  // Rendezvous order: each node prefers different shards, so nodes rarely race for one.
  free.sort((a, b) => rank(nodeId, a) - rank(nodeId, b) || a - b);
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
function handOver(reply, input, nodes, target) {
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
