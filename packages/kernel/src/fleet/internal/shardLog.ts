import type { Outcome } from "../../Command.js";
import type { StoreReply } from "../protocol.js";
import { jsonOutcome } from "./jsonData.js";
import { dropShard } from "./leases.js";
import type { NodeState } from "./nodeState.js";
import type { ShardRun } from "./shardRun.js";
import type { LateRequest, OutstandingRequest } from "./storeRequests.js";

/**
 * A held shard's log traffic, fenced by its epoch: the inbox read that brings callers' commands
 * in, the append that writes what the kernel did (entries, fires, answers), and the job
 * completions that feed the next append. An append whose answer is unknown is sent again (the
 * store answers a landed retry as the first time); a late answer to it still counts.
 */

/** The inbox's answer: its commands go to the kernel (and so into the next append). */
export const onInboxReply = (node: NodeState, run: ShardRun, requestId: string, reply: StoreReply): void => {
  if (run.inboxRequest?.requestId === requestId) run.inboxRequest = null;
  if (node.runs.get(run.shard) !== run) return;
  if (reply.type === "inbox") run.applyInbox(reply.entries, reply.through);
  else if (reply.type === "stale-epoch") dropShard(node, run, "stale-epoch");
};

/** An append with no answer: it may have landed, so the same batch goes again. */
export const onAppendUnknown = (
  node: NodeState,
  requestId: string,
  outstanding: OutstandingRequest,
  run: ShardRun,
): void => {
  node.requests.keepLate(requestId, outstanding, node.now + 2 * node.leaseTtl);
  // The batch may have landed: send it again; the store answers a landed retry as the first time.
  const batch = run.batch;
  if (batch?.requestId === requestId && node.runs.get(run.shard) === run) {
    const retry = node.send(outstanding.request, outstanding.what);
    run.batch = { request: batch.request, runs: batch.runs, requestId: retry, sentAt: node.now };
  }
};

/** A timed-out append's answer: it answers the batch if that batch is still in flight (its retry's answer is then ignored). */
export const onLateAppendReply = (node: NodeState, late: LateRequest, run: ShardRun, reply: StoreReply): void => {
  if (run.batch?.request !== late.request) return;
  node.requests.forget(run.batch.requestId);
  onAppendReply(node, run, reply);
};

/** The answer to the batch in flight: acknowledged fires may start (unless an earlier owner recorded them). */
export const onAppendReply = (node: NodeState, run: ShardRun, reply: StoreReply): void => {
  if (node.runs.get(run.shard) !== run) return;
  const batch = run.batch;
  run.batch = null;
  if (reply.type === "stale-epoch") {
    dropShard(node, run, "stale-epoch");
    return;
  }
  if (reply.type === "out-of-order") {
    dropShard(node, run, "out-of-order");
    return;
  }
  if (reply.type !== "appended" || batch === null) return;
  run.head = reply.head;
  // Almost always none: no set to build then.
  const existing = reply.existing.length > 0 ? new Set(reply.existing) : null;
  for (const job of batch.runs) {
    if (existing?.has(job.fireId) === true && !node.shardHost.recordBeforeCheck) {
      // Recorded already, by an owner this one did not hear of: never run it a second time as new.
      run.apply({ type: "complete", fireId: job.fireId, outcome: { lost: true } });
      continue;
    }
    run.held.push(job);
  }
};

/** A job the host ran finished: its completion goes to the kernel, if the run it started in is still ours. */
export const onJobDone = (node: NodeState, shard: number, epoch: number, jobId: string, outcome: Outcome): void => {
  const run = node.runs.get(shard);
  if (run === undefined || run.epoch !== epoch) return;
  const job = run.jobs.get(jobId);
  if (job === undefined || !job.running) return;
  run.apply({ type: "complete", fireId: job.fireId, outcome: jsonOutcome(outcome) });
};
