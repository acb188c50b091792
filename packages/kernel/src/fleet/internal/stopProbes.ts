import type { StoreRequest } from "../protocol.js";
import { earlier, type NodeState } from "./nodeState.js";

/**
 * A stopping node's loose ends: shards whose acquire got no answer may be ours in the store. Each
 * is released by session (which frees it if that acquire landed, and does nothing otherwise), so
 * the next owner need not wait out the lease. After a lease's time from the stop it has lapsed
 * anyway, and the stop goes on without an answer.
 */
export class StopProbes {
  /** By shard: the release in flight, or `null` when one is yet to be sent. */
  private readonly probes = new Map<number, string | null>();

  /** Probes not yet answered or given up. */
  get size(): number {
    return this.probes.size;
  }

  /** An acquire's outcome is unknown to a stopping node: it must find out, to release it. */
  add(shard: number): void {
    this.probes.set(shard, null);
  }

  /** The probe's release had no answer: it is sent again. */
  onUnknown(shard: number, requestId: string): void {
    if (this.probes.get(shard) === requestId) this.probes.set(shard, null);
  }

  /** Released, or not ours after all: either way nothing is left to wait for. */
  onReply(shard: number): void {
    this.probes.delete(shard);
  }

  /** Sends the releases due (none for a shard being acquired or held: that one ends on its own). */
  step(node: NodeState, acquiring: ReadonlyMap<number, unknown>): void {
    for (const [shard, probe] of [...this.probes]) {
      if (node.now >= node.stoppedAt + node.leaseTtl) this.probes.delete(shard);
      else if (probe === null && !acquiring.has(shard) && !node.runs.has(shard)) {
        const request: StoreRequest = {
          type: "release",
          shard,
          node: node.nodeId,
          epoch: null,
          session: node.session,
          leaving: true,
        };
        this.probes.set(shard, node.send(request, { kind: "probe", shard }));
      }
    }
  }

  /** `wake`, or earlier if a probe is due to be sent or given up. */
  wake(node: NodeState, acquiring: ReadonlyMap<number, unknown>, wake: number): number {
    for (const [shard, probe] of this.probes) {
      wake = earlier(wake, node.stoppedAt + node.leaseTtl);
      if (probe === null && !acquiring.has(shard) && !node.runs.has(shard)) wake = earlier(wake, node.now);
    }
    return wake;
  }
}
