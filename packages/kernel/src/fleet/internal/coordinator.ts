import { SchedkitError } from "../../SchedkitError.js";
import type { CoordinatorCommand, CoordinatorEffect, CoordinatorOptions, HeldShard } from "../Coordinator.js";
import type { StoreReply } from "../protocol.js";
import { Acquisition } from "./acquisition.js";
import { CallerCommands } from "./callerCommands.js";
import { onReleaseReply, onRenewReply, onRenewUnknown } from "./leases.js";
import { earlier, NodeState } from "./nodeState.js";
import { programTable } from "./programTable.js";
import { onAppendReply, onAppendUnknown, onInboxReply, onJobDone, onLateAppendReply } from "./shardLog.js";
import { shardWake, stepShard } from "./shardStep.js";
import { StopProbes } from "./stopProbes.js";
import { checkOptions } from "./validateOptions.js";

/**
 * One node's coordinator. Everything it knows arrives in commands; everything
 * it wants done leaves as effects. Leases are judged on the node's monotonic
 * clock from each renewal's send time (FLEET.md guarantee 1); kernels run on
 * its wall clock, which all owners of a shard share as the kernel's time.
 *
 * This class is the switchboard: it takes a command to the part it concerns,
 * a store reply to the part that sent the request, and runs each part's step in
 * a fixed order. The parts: `acquisition` (scan, balance, acquire), `leases`
 * (renewed, lost, released), `shardLog` (inbox and appends), `shardStep` (one
 * held shard's step), `stopProbes`, and the callers' `callerCommands`; they
 * share one `NodeState`.
 */
export class Coordinator {
  readonly nodeId: string;
  readonly shardCount: number;
  private readonly node: NodeState;
  private readonly acquisition: Acquisition;
  /** The commands this node's callers submitted. */
  private readonly callerCommands: CallerCommands;
  private readonly probes = new StopProbes();
  private stoppedReported = false;

  constructor(options: CoordinatorOptions) {
    const checked = checkOptions(options);
    const node = new NodeState(options, checked);
    this.node = node;
    this.nodeId = node.nodeId;
    this.shardCount = node.shardCount;
    const table = programTable(options.programs, node.kernelOptions, node.shardCount);
    this.acquisition = new Acquisition(node, table);
    this.callerCommands = new CallerCommands({
      nodeId: node.nodeId,
      shardCount: node.shardCount,
      programs: table.programs,
      commandTimeout: checked.commandTimeout,
      answerPollInterval: checked.answerPollInterval,
      get out() {
        return node.out;
      },
      now: () => node.now,
      send: (request, what) => node.send(request, what),
    });
  }

  dispatch(command: CoordinatorCommand): readonly CoordinatorEffect[] {
    const node = this.node;
    node.out = [];
    if (!Number.isFinite(command.at) || !Number.isFinite(command.wall)) {
      throw new SchedkitError("invalid-command", "a coordinator command needs finite `at` and `wall`", {
        field: Number.isFinite(command.at) ? "wall" : "at",
      });
    }
    node.now = Math.max(node.now, command.at);
    node.wall = command.wall;
    switch (command.type) {
      case "tick":
      case "notify":
        if (command.type === "notify" && command.reason === "released") {
          this.acquisition.onReleaseNotice(command.leaving);
        } else if (command.type === "notify") {
          for (const run of node.runs.values()) {
            if (command.shard === undefined || command.shard === run.shard) run.nextInboxAt = node.now;
          }
        }
        break;
      case "store-reply":
        this.onReply(command.requestId, command.reply);
        break;
      case "store-failed":
        this.onUnknown(command.requestId);
        break;
      case "job-done":
        onJobDone(node, command.shard, command.epoch, command.jobId, command.outcome);
        break;
      case "submit":
        this.callerCommands.submit(command.commandId, command.command);
        break;
      case "stop":
        if (!node.stopping) node.stoppedAt = node.now;
        node.stopping = true;
        for (const run of node.runs.values()) run.startReleasing(Number.POSITIVE_INFINITY);
        break;
    }
    this.step();
    const out = node.out;
    out.push({ type: "wake", at: this.nextWake() });
    node.out = [];
    return out;
  }

  held(): HeldShard[] {
    return [...this.node.runs.values()].map((run) => ({
      shard: run.shard,
      epoch: run.epoch,
      deadline: run.deadline,
      paused: run.paused,
      releasing: run.releasing,
      head: run.head,
      runningJobs: run.runningJobs,
    }));
  }

  exportShard(shard: number): Record<string, unknown> | undefined {
    return this.node.runs.get(shard)?.exportPrograms();
  }

  // ---- replies, to the part that sent the request ------------------------------

  /** No answer, or a failed connection: the request may or may not have been applied. */
  private onUnknown(requestId: string): void {
    const node = this.node;
    const outstanding = node.requests.take(requestId);
    if (outstanding === undefined) return;
    const { what } = outstanding;
    switch (what.kind) {
      case "scan":
        this.acquisition.onScanUnknown();
        return;
      case "acquire":
        this.acquisition.onAcquireUnknown(what.shard);
        // A stopping node must find out whether it landed, to release it.
        if (node.stopping) this.probes.add(what.shard);
        return;
      case "renew":
        onRenewUnknown(node, requestId, outstanding, what.run);
        return;
      case "append":
        onAppendUnknown(node, requestId, outstanding, what.run);
        return;
      case "inbox":
        if (what.run.inboxRequest?.requestId === requestId) what.run.inboxRequest = null;
        return;
      case "release":
        if (what.run.release?.requestId === requestId) what.run.release = null;
        return;
      case "probe":
        this.probes.onUnknown(what.shard, requestId);
        return;
      case "submit":
      case "withdraw":
      case "answers":
        this.callerCommands.onUnknown(requestId, what);
        return;
    }
  }

  private onReply(requestId: string, reply: StoreReply): void {
    const node = this.node;
    const outstanding = node.requests.take(requestId);
    if (outstanding === undefined) {
      this.onLateReply(requestId, reply);
      return;
    }
    const { what, sentAt } = outstanding;
    switch (what.kind) {
      case "scan":
        this.acquisition.onScanReply(reply);
        return;
      case "acquire":
        this.acquisition.onAcquireReply(what.shard, sentAt, reply);
        return;
      case "renew":
        if (what.run.renew?.requestId === requestId) what.run.renew = null;
        onRenewReply(node, what.run, sentAt, reply);
        return;
      case "append":
        if (what.run.batch?.requestId === requestId) onAppendReply(node, what.run, reply);
        return;
      case "inbox":
        onInboxReply(node, what.run, requestId, reply);
        return;
      case "probe":
        this.probes.onReply(what.shard);
        return;
      case "release":
        onReleaseReply(node, what.run, reply);
        return;
      case "submit":
      case "withdraw":
      case "answers":
        this.callerCommands.onReply(requestId, what, reply);
        return;
    }
  }

  /**
   * A reply after its request timed out. A renewal still moves the deadline (from its own send
   * time); an append still answers its batch if that batch is the one in flight (its retry's
   * answer is then ignored). Everything else was retried or given up, and its retry answers.
   */
  private onLateReply(requestId: string, reply: StoreReply): void {
    const late = this.node.requests.takeLate(requestId);
    if (late === undefined) return;
    const { what } = late;
    if (what.kind === "renew") onRenewReply(this.node, what.run, late.sentAt, reply);
    else if (what.kind === "append") onLateAppendReply(this.node, late, what.run, reply);
  }

  // ---- the step -------------------------------------------------------------

  private step(): void {
    const node = this.node;
    const requests = node.requests;
    // Oldest first, and only the timed-out prefix of the requests sent before this step: a retry
    // sent on the way joins the end and waits for the next step (a timeout too small to move the
    // clock would otherwise retry it forever here).
    const sentBefore = requests.sent;
    for (const [requestId, outstanding] of requests.outstanding) {
      if (outstanding.seq > sentBefore || node.now < outstanding.sentAt + requests.timeout) break;
      this.onUnknown(requestId);
    }
    this.acquisition.scanIfDue();
    requests.expireLate(node.now);
    if (node.stopping) this.probes.step(node, this.acquisition.acquiring);
    // stepShard never adds or removes a run, so the map itself can be walked.
    for (const run of node.runs.values()) stepShard(node, run);
    this.callerCommands.step();
    if (
      node.stopping &&
      !this.stoppedReported &&
      node.runs.size === 0 &&
      this.acquisition.acquiring.size === 0 &&
      this.probes.size === 0
    ) {
      this.stoppedReported = true;
      node.out.push({ type: "stopped" });
    }
  }

  private nextWake(): number {
    const node = this.node;
    let wake = this.acquisition.scanWake(Number.POSITIVE_INFINITY);
    wake = earlier(wake, node.requests.firstTimeout());
    wake = this.probes.wake(node, this.acquisition.acquiring, wake);
    for (const run of node.runs.values()) wake = shardWake(node, run, wake);
    wake = earlier(wake, this.callerCommands.nextWake());
    return Math.max(node.now, wake === Number.POSITIVE_INFINITY ? node.now + node.renewInterval : wake);
  }
}
