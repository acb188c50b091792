import type { StoreRequest } from "../protocol.js";
import { earlier, type NodeState } from "./nodeState.js";
import type { ShardRun } from "./shardRun.js";

/**
 * What one held shard does at each step of its node, in order: renew its lease when due, pause
 * or resume on the lease deadline, start the fires the store acknowledged, tick its kernel, read
 * its inbox, and write its next batch (or, once drained after its last checkpoint, release).
 * `shardWake` is the same walk asking only when the next of these is due.
 */
export const stepShard = (node: NodeState, run: ShardRun): void => {
  const now = node.now;
  if (run.renew === null && run.release === null && now >= run.lastRenewSentAt + node.renewInterval) {
    run.lastRenewSentAt = now;
    const request: StoreRequest = {
      type: "renew",
      shard: run.shard,
      node: node.nodeId,
      epoch: run.epoch,
      ttl: node.leaseTtl,
    };
    run.renew = { requestId: node.send(request, { kind: "renew", run }), sentAt: now };
  }
  const valid = node.ignoreLeaseDeadline || now < run.deadline;
  if (!valid && !run.paused) {
    run.paused = true;
    node.out.push({ type: "paused", shard: run.shard, epoch: run.epoch });
  } else if (valid && run.paused) {
    run.paused = false;
    node.out.push({ type: "resumed", shard: run.shard, epoch: run.epoch });
  }
  // Once its last checkpoint is written, a shard starts nothing: its unstarted fires are the next owner's.
  const handedOver = run.finalCheckpointSent;
  if (valid && !handedOver) {
    // Only acknowledged fires start, and only while the lease is surely ours.
    for (const job of run.held) {
      if (run.jobs.get(job.jobId) !== job || job.running) continue;
      job.running = true;
      node.out.push({
        type: "run",
        shard: run.shard,
        epoch: run.epoch,
        jobId: job.jobId,
        fireId: job.fireId,
        programId: job.programId,
        spawnId: job.spawnId,
        scheduledAt: job.scheduledAt,
        startedAt: job.startedAt,
        args: job.args,
        rerun: job.rerun,
      });
    }
    if (run.held.length > 0) run.held = [];
    if (!run.releasing) {
      if (run.kernelWake !== null && run.kernelWake <= node.wall) run.apply({ type: "tick" });
      // A shard without programs gets no commands: its inbox is never read.
      if (run.specs.size > 0 && run.inboxRequest === null && now >= run.nextInboxAt) {
        run.nextInboxAt = now + node.inboxPollInterval;
        const request: StoreRequest = {
          type: "inbox",
          shard: run.shard,
          node: node.nodeId,
          epoch: run.epoch,
          after: run.inboxCursor,
        };
        run.inboxRequest = { requestId: node.send(request, { kind: "inbox", run }), sentAt: now };
      }
    }
  }
  if (run.batch === null && node.runs.get(run.shard) === run) {
    const drained = isDrained(node, run);
    const final = drained && !run.finalCheckpointSent;
    const taken = run.takeBatch(final);
    if (taken !== null) {
      if (final) run.finalCheckpointSent = true;
      const requestId = node.send(taken.request, { kind: "append", run });
      run.batch = { request: taken.request, runs: taken.runs, requestId, sentAt: now };
    } else if (drained && run.finalCheckpointSent && run.release === null) {
      const request: StoreRequest = {
        type: "release",
        shard: run.shard,
        node: node.nodeId,
        epoch: run.epoch,
        session: node.session,
        leaving: node.stopping,
      };
      run.release = { requestId: node.send(request, { kind: "release", run }), sentAt: now };
    }
  }
};

/** `wake`, or earlier if something of `stepShard` is due for this shard before it. */
export const shardWake = (node: NodeState, run: ShardRun, wake: number): number => {
  const now = node.now;
  if (run.renew === null && run.release === null) wake = earlier(wake, run.lastRenewSentAt + node.renewInterval);
  const valid = node.ignoreLeaseDeadline || now < run.deadline;
  if (valid) {
    if (now < run.deadline) wake = earlier(wake, run.deadline);
    if (run.held.length > 0 && !run.finalCheckpointSent) wake = earlier(wake, now);
    if (!run.releasing) {
      if (run.kernelWake !== null) wake = earlier(wake, now + Math.max(0, run.kernelWake - node.wall));
      if (run.inboxRequest === null && run.specs.size > 0) wake = earlier(wake, run.nextInboxAt);
    }
  }
  if (run.batch === null && (run.pendingEntries.length > 0 || run.pendingAnswers.length > 0)) wake = earlier(wake, now);
  if (isDrained(node, run) && run.batch === null && run.release === null) wake = earlier(wake, now);
  else if (run.releasing && now < run.handoffBy) wake = earlier(wake, run.handoffBy);
  return wake;
};

/** A releasing shard may write its last checkpoint: its jobs are done, or a handoff's wait is over. */
const isDrained = (node: NodeState, run: ShardRun): boolean =>
  run.releasing && ((run.runningJobs === 0 && run.held.length === 0) || node.now >= run.handoffBy);
