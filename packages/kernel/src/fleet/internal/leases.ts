import type { StoreReply } from "../protocol.js";
import type { NodeState } from "./nodeState.js";
import type { ShardRun } from "./shardRun.js";
import type { OutstandingRequest } from "./storeRequests.js";

/**
 * The leases of the shards a node holds, once acquired: how a renewal's answer (on time or late)
 * moves the deadline, and how a lease ends (refused, fenced off, or released). The deadline is
 * judged on the node's own monotonic clock from the renewal's send time (FLEET.md guarantee 1).
 */

/** The monotonic time up to which a lease granted or renewed by a request sent at `sentAt` is surely ours. */
export const leaseDeadline = (node: NodeState, sentAt: number): number => sentAt + node.leaseTtl - node.safetyMargin;

/** A renewal's answer, on time or late: "renewed" still proves the lease from its own send time. */
export const onRenewReply = (node: NodeState, run: ShardRun, sentAt: number, reply: StoreReply): void => {
  if (node.runs.get(run.shard) !== run) return;
  if (reply.type === "renewed") run.deadline = Math.max(run.deadline, leaseDeadline(node, sentAt));
  else if (reply.type === "stale-epoch") dropShard(node, run, "lease-refused");
};

/** A renewal with no answer: another is sent when due; this one's answer may still come. */
export const onRenewUnknown = (
  node: NodeState,
  requestId: string,
  outstanding: OutstandingRequest,
  run: ShardRun,
): void => {
  if (run.renew?.requestId === requestId) run.renew = null;
  // Slow is not lost: a late "renewed" still proves the lease from its own send time.
  node.requests.keepLate(requestId, outstanding, node.now + 2 * node.leaseTtl);
};

/** The shard is not ours any more: its running jobs are cancelled (their results would be refused). */
export const dropShard = (
  node: NodeState,
  run: ShardRun,
  reason: "stale-epoch" | "lease-refused" | "out-of-order",
): void => {
  if (node.runs.get(run.shard) !== run) return;
  node.runs.delete(run.shard);
  cancelRunning(node, run, "lost");
  node.out.push({ type: "lost", shard: run.shard, epoch: run.epoch, reason });
};

/** A release's answer, after the shard's last checkpoint: the shard is the next owner's either way. */
export const onReleaseReply = (node: NodeState, run: ShardRun, reply: StoreReply): void => {
  if (node.runs.get(run.shard) !== run) return;
  node.runs.delete(run.shard);
  // Jobs a handoff did not wait for are the next owner's now: their results could not be written.
  cancelRunning(node, run, "released");
  node.out.push(
    reply.type === "released"
      ? { type: "released", shard: run.shard, epoch: run.epoch }
      : { type: "lost", shard: run.shard, epoch: run.epoch, reason: "stale-epoch" },
  );
};

/** Cancels the shard's running jobs: the shard is no longer this node's, so their results would be refused. */
const cancelRunning = (node: NodeState, run: ShardRun, reason: "lost" | "released"): void => {
  for (const job of run.jobs.values()) {
    if (!job.running) continue;
    node.out.push({ type: "cancel", shard: run.shard, epoch: run.epoch, jobId: job.jobId, fireId: job.fireId, reason });
  }
};
