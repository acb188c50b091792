import type { Outcome } from "../../Command.js";
import { createKernel, type KernelOptions } from "../../Kernel.js";
import type { ProgramSpec } from "../../Program.js";
import { SchedkitError } from "../../SchedkitError.js";
import type { CoordinatorCommand, CoordinatorEffect, CoordinatorOptions, HeldShard } from "../Coordinator.js";
import { fingerprintOf, shardOf } from "../fingerprint.js";
import type { Fingerprints, StoreReply, StoreRequest } from "../protocol.js";
import { balance, type ScannedReply } from "./balance.js";
import { CallerCommands, type CommandRequest } from "./callerCommands.js";
import { jsonOutcome } from "./jsonData.js";
import { type InFlightRequest, ShardRun } from "./shardRun.js";
import { checkOptions } from "./validateOptions.js";

type Outstanding =
  | { readonly kind: "scan" }
  | { readonly kind: "acquire"; readonly shard: number }
  | { readonly kind: "renew"; readonly run: ShardRun }
  | { readonly kind: "append"; readonly run: ShardRun }
  | { readonly kind: "inbox"; readonly run: ShardRun }
  | { readonly kind: "release"; readonly run: ShardRun }
  | { readonly kind: "probe"; readonly shard: number }
  | CommandRequest;

/**
 * One node's coordinator. Everything it knows arrives in commands; everything
 * it wants done leaves as effects. Leases are judged on the node's monotonic
 * clock from each renewal's send time (FLEET.md guarantee 1); kernels run on
 * its wall clock, which all owners of a shard share as the kernel's time.
 */
export class Coordinator {
  readonly nodeId: string;
  private readonly session: string;
  readonly shardCount: number;
  private readonly leaseTtl: number;
  private readonly renewInterval: number;
  private readonly safetyMargin: number;
  private readonly requestTimeout: number;
  private readonly checkpointEvery: number;
  private readonly inboxPollInterval: number;
  private readonly kernelOptions: KernelOptions;
  private readonly ignoreLeaseDeadline: boolean;
  private readonly programs = new Map<string, ProgramSpec>();
  private readonly shardPrograms = new Map<number, Map<string, ProgramSpec>>();
  private readonly shardFingerprints = new Map<number, Fingerprints>();
  private readonly runs = new Map<number, ShardRun>();
  private readonly acquiring = new Map<number, InFlightRequest>();
  /**
   * Requests awaiting their reply, in send order. The node's clock never goes back, so that is
   * also `sentAt` order: the ones past their timeout are always a prefix.
   */
  private readonly requests = new Map<
    string,
    { readonly seq: number; readonly sentAt: number; readonly request: StoreRequest; readonly what: Outstanding }
  >();
  /** The commands this node's callers submitted. */
  private readonly callerCommands: CallerCommands;
  private readonly skewReported = new Map<number, string>();
  /** A node left: the next scan takes every free shard. */
  private takeAllFree = false;
  /** The share computed at the last scan. */
  private lastTarget = 0;
  /** When each shard was first seen free, for the orphan rule in `balance`. */
  private freeSince = new Map<number, number>();
  /** Shards being acquired beyond this node's share: kept (sticky) once acquired. */
  private readonly rescuing = new Set<number>();
  /**
   * Renewals and appends that timed out, kept a while: their replies may still come (see
   * onLateReply). In the order they timed out, which is `until` order: the expired ones are a prefix.
   */
  private readonly late = new Map<
    string,
    {
      readonly seq: number;
      readonly sentAt: number;
      readonly request: StoreRequest;
      readonly what: Outstanding;
      readonly until: number;
    }
  >();
  /** Shards whose acquire's outcome a stopping node does not know, with the release-by-session in flight. */
  private readonly probes = new Map<number, string | null>();
  /** When `stop` came. */
  private stoppedAt = Number.POSITIVE_INFINITY;
  private readonly host: ConstructorParameters<typeof ShardRun>[0];
  private out: CoordinatorEffect[] = [];
  private now = Number.NEGATIVE_INFINITY;
  private wall = 0;
  private requestSeq = 0;
  private nextScanAt = Number.NEGATIVE_INFINITY;
  private scanRequest: string | null = null;
  /** Release notices heard so far, and how many had been heard when the scan in flight was sent. */
  private releaseNotices = 0;
  private scanNotices = 0;
  private stopping = false;
  private stoppedReported = false;

  constructor(options: CoordinatorOptions) {
    const checked = checkOptions(options);
    this.nodeId = options.nodeId;
    this.session = options.session ?? options.nodeId;
    this.shardCount = checked.shards;
    this.leaseTtl = checked.leaseTtl;
    this.renewInterval = checked.renewInterval;
    this.safetyMargin = checked.safetyMargin;
    this.requestTimeout = checked.requestTimeout;
    this.checkpointEvery = checked.checkpointEvery;
    this.inboxPollInterval = checked.inboxPollInterval;
    this.kernelOptions = options.kernel ?? {};
    this.ignoreLeaseDeadline = options.unsafe?.ignoreLeaseDeadline === true;
    // A scratch kernel checks the kernel options and every spec as `install` would.
    const scratch = createKernel(this.kernelOptions);
    for (const [index, program] of options.programs.entries()) {
      const rejected = scratch
        .dispatch({ type: "install", at: 0, program })
        .find((effect) => effect.type === "rejected");
      if (rejected !== undefined) {
        throw new SchedkitError(rejected.code, `programs[${index}]: ${rejected.message}`, {
          field: `programs[${index}].${rejected.field}`,
        });
      }
      if (this.programs.has(program.id)) {
        throw new SchedkitError("invalid-options", `programs[${index}]: program "${program.id}" is given twice`, {
          field: `programs[${index}].id`,
        });
      }
      this.programs.set(program.id, program);
      const shard = shardOf(program.id, this.shardCount);
      let specs = this.shardPrograms.get(shard);
      if (specs === undefined) {
        specs = new Map();
        this.shardPrograms.set(shard, specs);
      }
      specs.set(program.id, program);
    }
    for (const [shard, specs] of this.shardPrograms) {
      const fingerprints: Record<string, ReturnType<typeof fingerprintOf>> = {};
      for (const [programId, spec] of specs) fingerprints[programId] = fingerprintOf(spec);
      this.shardFingerprints.set(shard, fingerprints);
    }
    const self = this;
    this.host = {
      nodeId: this.nodeId,
      kernelOptions: this.kernelOptions,
      checkpointEvery: this.checkpointEvery,
      skipReplay: options.unsafe?.skipReplay === true,
      recordBeforeCheck: options.unsafe?.recordBeforeCheck === true,
      get out() {
        return self.out;
      },
      wall: () => self.wall,
    };
    this.callerCommands = new CallerCommands({
      nodeId: this.nodeId,
      shardCount: this.shardCount,
      programs: this.programs,
      commandTimeout: checked.commandTimeout,
      answerPollInterval: checked.answerPollInterval,
      get out() {
        return self.out;
      },
      now: () => self.now,
      send: (request, what) => self.send(request, what),
    });
  }

  dispatch(command: CoordinatorCommand): readonly CoordinatorEffect[] {
    this.out = [];
    if (!Number.isFinite(command.at) || !Number.isFinite(command.wall)) {
      throw new SchedkitError("invalid-command", "a coordinator command needs finite `at` and `wall`", {
        field: Number.isFinite(command.at) ? "wall" : "at",
      });
    }
    this.now = Math.max(this.now, command.at);
    this.wall = command.wall;
    switch (command.type) {
      case "tick":
      case "notify":
        if (command.type === "notify" && command.reason === "released") {
          this.nextScanAt = this.now;
          this.releaseNotices += 1;
          if (command.leaving === true) this.takeAllFree = true;
        } else if (command.type === "notify") {
          for (const run of this.runs.values()) {
            if (command.shard === undefined || command.shard === run.shard) run.nextInboxAt = this.now;
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
        this.onJobDone(command.shard, command.epoch, command.jobId, command.outcome);
        break;
      case "submit":
        this.callerCommands.submit(command.commandId, command.command);
        break;
      case "stop":
        if (!this.stopping) this.stoppedAt = this.now;
        this.stopping = true;
        for (const run of this.runs.values()) run.startReleasing(Number.POSITIVE_INFINITY);
        break;
    }
    this.step();
    const out = this.out;
    out.push({ type: "wake", at: this.nextWake() });
    this.out = [];
    return out;
  }

  held(): HeldShard[] {
    return [...this.runs.values()].map((run) => ({
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
    return this.runs.get(shard)?.exportPrograms();
  }

  // ---- requests -------------------------------------------------------------

  private send(request: StoreRequest, what: Outstanding): string {
    this.requestSeq += 1;
    const requestId = `${this.nodeId}:${this.requestSeq}`;
    this.requests.set(requestId, { seq: this.requestSeq, sentAt: this.now, request, what });
    this.out.push({ type: "store", requestId, request });
    return requestId;
  }

  /** No answer, or a failed connection: the request may or may not have been applied. */
  private onUnknown(requestId: string): void {
    const outstanding = this.requests.get(requestId);
    if (outstanding === undefined) return;
    this.requests.delete(requestId);
    const { what, request } = outstanding;
    switch (what.kind) {
      case "scan":
        this.scanRequest = null;
        return;
      case "acquire":
        // If it landed, the store thinks the shard is ours: a later acquire by this node takes it
        // again (same session, same epoch). A stopping node must find out, to release it.
        this.acquiring.delete(what.shard);
        this.rescuing.delete(what.shard);
        if (this.stopping) this.probes.set(what.shard, null);
        return;
      case "renew":
        if (what.run.renew?.requestId === requestId) what.run.renew = null;
        // Slow is not lost: a late "renewed" still proves the lease from its own send time.
        this.late.set(requestId, { ...outstanding, until: this.now + 2 * this.leaseTtl });
        return;
      case "append": {
        this.late.set(requestId, { ...outstanding, until: this.now + 2 * this.leaseTtl });
        // The batch may have landed: send it again; the store answers a landed retry as the first time.
        const batch = what.run.batch;
        if (batch?.requestId === requestId && this.runs.get(what.run.shard) === what.run) {
          const retry = this.send(request, what);
          what.run.batch = { request: batch.request, runs: batch.runs, requestId: retry, sentAt: this.now };
        }
        return;
      }
      case "inbox":
        if (what.run.inboxRequest?.requestId === requestId) what.run.inboxRequest = null;
        return;
      case "release":
        if (what.run.release?.requestId === requestId) what.run.release = null;
        return;
      case "probe":
        if (this.probes.get(what.shard) === requestId) this.probes.set(what.shard, null);
        return;
      case "submit":
      case "withdraw":
      case "answers":
        this.callerCommands.onUnknown(requestId, what);
        return;
    }
  }

  private onReply(requestId: string, reply: StoreReply): void {
    const outstanding = this.requests.get(requestId);
    if (outstanding === undefined) {
      this.onLateReply(requestId, reply);
      return;
    }
    this.requests.delete(requestId);
    const { what, sentAt } = outstanding;
    switch (what.kind) {
      case "scan":
        this.scanRequest = null;
        if (reply.type === "scanned") this.onScanned(reply, this.scanNotices < this.releaseNotices);
        return;
      case "acquire":
        this.acquiring.delete(what.shard);
        this.onAcquireReply(what.shard, sentAt, reply);
        this.rescuing.delete(what.shard);
        // Took one and is still short of its share: look again now rather than a whole period later.
        if (reply.type === "acquired" && this.heldCount() < this.lastTarget) {
          this.nextScanAt = Math.min(this.nextScanAt, this.now);
        }
        return;
      case "renew": {
        const run = what.run;
        if (run.renew?.requestId === requestId) run.renew = null;
        if (this.runs.get(run.shard) !== run) return;
        if (reply.type === "renewed") {
          run.deadline = Math.max(run.deadline, sentAt + this.leaseTtl - this.safetyMargin);
        } else if (reply.type === "stale-epoch") this.drop(run, "lease-refused");
        return;
      }
      case "append":
        if (what.run.batch?.requestId === requestId) this.onAppendReply(what.run, reply);
        return;
      case "inbox": {
        const run = what.run;
        if (run.inboxRequest?.requestId === requestId) run.inboxRequest = null;
        if (this.runs.get(run.shard) !== run) return;
        if (reply.type === "inbox") run.applyInbox(reply.entries, reply.through);
        else if (reply.type === "stale-epoch") this.drop(run, "stale-epoch");
        return;
      }
      case "probe":
        // Released, or not ours after all: either way nothing is left to wait for.
        this.probes.delete(what.shard);
        return;
      case "release": {
        const run = what.run;
        if (this.runs.get(run.shard) !== run) return;
        this.runs.delete(run.shard);
        // Jobs a handoff did not wait for are the next owner's now: their results could not be written.
        for (const job of run.jobs.values()) {
          if (!job.running) continue;
          this.out.push({
            type: "cancel",
            shard: run.shard,
            epoch: run.epoch,
            jobId: job.jobId,
            fireId: job.fireId,
            reason: "released",
          });
        }
        this.out.push(
          reply.type === "released"
            ? { type: "released", shard: run.shard, epoch: run.epoch }
            : { type: "lost", shard: run.shard, epoch: run.epoch, reason: "stale-epoch" },
        );
        return;
      }
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
    const late = this.late.get(requestId);
    if (late === undefined) return;
    this.late.delete(requestId);
    const { what, sentAt, request } = late;
    if (what.kind === "renew") {
      const run = what.run;
      if (this.runs.get(run.shard) !== run) return;
      if (reply.type === "renewed") run.deadline = Math.max(run.deadline, sentAt + this.leaseTtl - this.safetyMargin);
      else if (reply.type === "stale-epoch") this.drop(run, "lease-refused");
    } else if (what.kind === "append") {
      if (what.run.batch?.request !== request) return;
      const retry = what.run.batch.requestId;
      this.requests.delete(retry);
      this.onAppendReply(what.run, reply);
    }
  }

  // ---- leases ---------------------------------------------------------------

  /** Acts on the scan's balance decision: acquire the share and the orphans, hand over at most one run. */
  private onScanned(reply: ScannedReply, staleByNotice: boolean): void {
    if (this.stopping) return;
    const decision = balance(reply, {
      nodeId: this.nodeId,
      shardCount: this.shardCount,
      renewInterval: this.renewInterval,
      now: this.now,
      takeAllFree: this.takeAllFree,
      freeSince: this.freeSince,
      held: this.heldCount(),
      ours: (shard) => this.runs.has(shard) || this.acquiring.has(shard),
      runs: this.runs.values(),
    });
    this.lastTarget = decision.target;
    if (staleByNotice) {
      // A release was announced while this scan was under way: its reply may predate it. Look
      // again at once, with the announced "take all free" still standing.
      this.nextScanAt = this.now;
    } else this.takeAllFree = false;
    this.freeSince = decision.freeSince;
    for (const shard of decision.share) this.acquire(shard, false);
    for (const shard of decision.orphans) this.acquire(shard, true);
    decision.handOver?.startReleasing(this.now + this.renewInterval);
  }

  /** `rescue`: taken beyond the share because nobody else did; kept (sticky) once acquired. */
  private acquire(shard: number, rescue: boolean): void {
    const request: StoreRequest = {
      type: "acquire",
      shard,
      node: this.nodeId,
      session: this.session,
      ttl: this.leaseTtl,
      fingerprints: this.shardFingerprints.get(shard) ?? {},
    };
    this.acquiring.set(shard, { requestId: this.send(request, { kind: "acquire", shard }), sentAt: this.now });
    if (rescue) this.rescuing.add(shard);
  }

  /** Shards this node holds (and is not giving up) or is acquiring. */
  private heldCount(): number {
    let held = this.acquiring.size;
    for (const run of this.runs.values()) if (!run.releasing) held += 1;
    return held;
  }

  private onAcquireReply(shard: number, sentAt: number, reply: StoreReply): void {
    if (reply.type === "deploy-skew") {
      const key = JSON.stringify(reply.problems);
      if (this.skewReported.get(shard) !== key) {
        this.skewReported.set(shard, key);
        this.out.push({ type: "deploy-skew", shard, problems: reply.problems });
      }
      return;
    }
    if (reply.type !== "acquired") return;
    this.skewReported.delete(shard);
    const previous = this.runs.get(shard);
    if (previous !== undefined && previous.epoch === reply.lease.epoch) {
      // The store kept our epoch (the same session asked again): the lease was extended, nothing else.
      previous.deadline = Math.max(previous.deadline, sentAt + this.leaseTtl - this.safetyMargin);
      return;
    }
    if (previous !== undefined) this.drop(previous, "stale-epoch");
    const run = new ShardRun(
      this.host,
      shard,
      reply.lease.epoch,
      this.shardPrograms.get(shard) ?? new Map(),
      sentAt,
      sentAt + this.leaseTtl - this.safetyMargin,
      reply,
    );
    this.runs.set(shard, run);
    if (this.rescuing.delete(shard)) run.sticky = true;
    this.out.push({
      type: "acquired",
      shard,
      epoch: run.epoch,
      previousOwner: reply.previousOwner,
      replayed: run.replayed,
      adopted: run.adopted,
      unfinished: run.unfinished,
    });
    run.settleUnfinished();
    if (this.stopping) run.startReleasing(Number.POSITIVE_INFINITY);
  }

  private drop(run: ShardRun, reason: "stale-epoch" | "lease-refused" | "out-of-order"): void {
    if (this.runs.get(run.shard) !== run) return;
    this.runs.delete(run.shard);
    for (const job of run.jobs.values()) {
      if (job.running) {
        this.out.push({
          type: "cancel",
          shard: run.shard,
          epoch: run.epoch,
          jobId: job.jobId,
          fireId: job.fireId,
          reason: "lost",
        });
      }
    }
    this.out.push({ type: "lost", shard: run.shard, epoch: run.epoch, reason });
  }

  // ---- writes -----------------------------------------------------------------

  private onAppendReply(run: ShardRun, reply: StoreReply): void {
    if (this.runs.get(run.shard) !== run) return;
    const batch = run.batch;
    run.batch = null;
    if (reply.type === "stale-epoch") {
      this.drop(run, "stale-epoch");
      return;
    }
    if (reply.type === "out-of-order") {
      this.drop(run, "out-of-order");
      return;
    }
    if (reply.type !== "appended" || batch === null) return;
    run.head = reply.head;
    // Almost always none: no set to build then.
    const existing = reply.existing.length > 0 ? new Set(reply.existing) : null;
    for (const job of batch.runs) {
      if (existing?.has(job.fireId) === true && !this.host.recordBeforeCheck) {
        // Recorded already, by an owner this one did not hear of: never run it a second time as new.
        run.apply({ type: "complete", fireId: job.fireId, outcome: { lost: true } });
        continue;
      }
      run.held.push(job);
    }
  }

  private onJobDone(shard: number, epoch: number, jobId: string, outcome: Outcome): void {
    const run = this.runs.get(shard);
    if (run === undefined || run.epoch !== epoch) return;
    const job = run.jobs.get(jobId);
    if (job === undefined || !job.running) return;
    run.apply({ type: "complete", fireId: job.fireId, outcome: jsonOutcome(outcome) });
  }

  // ---- the step -------------------------------------------------------------

  private step(): void {
    // Oldest first, and only the timed-out prefix of the requests sent before this step: a retry
    // sent on the way joins the end and waits for the next step (a timeout too small to move the
    // clock would otherwise retry it forever here).
    const sentBefore = this.requestSeq;
    for (const [requestId, outstanding] of this.requests) {
      if (outstanding.seq > sentBefore || this.now < outstanding.sentAt + this.requestTimeout) break;
      this.onUnknown(requestId);
    }
    if (!this.stopping && this.scanRequest === null && this.now >= this.nextScanAt) {
      this.nextScanAt = this.now + this.renewInterval;
      this.scanNotices = this.releaseNotices;
      this.scanRequest = this.send({ type: "scan", node: this.nodeId, ttl: this.renewInterval * 2 }, { kind: "scan" });
    }
    for (const [requestId, late] of this.late) {
      if (this.now <= late.until) break;
      this.late.delete(requestId);
    }
    if (this.stopping) {
      // Release, by session, what an acquire with no answer may have taken; after a lease's time
      // it has lapsed anyway, and the stop goes on without an answer.
      for (const [shard, probe] of [...this.probes]) {
        if (this.now >= this.stoppedAt + this.leaseTtl) this.probes.delete(shard);
        else if (probe === null && !this.acquiring.has(shard) && !this.runs.has(shard)) {
          const request: StoreRequest = {
            type: "release",
            shard,
            node: this.nodeId,
            epoch: null,
            session: this.session,
            leaving: true,
          };
          this.probes.set(shard, this.send(request, { kind: "probe", shard }));
        }
      }
    }
    // stepShard never adds or removes a run, so the map itself can be walked.
    for (const run of this.runs.values()) this.stepShard(run);
    this.callerCommands.step();
    if (
      this.stopping &&
      !this.stoppedReported &&
      this.runs.size === 0 &&
      this.acquiring.size === 0 &&
      this.probes.size === 0
    ) {
      this.stoppedReported = true;
      this.out.push({ type: "stopped" });
    }
  }

  private stepShard(run: ShardRun): void {
    if (run.renew === null && run.release === null && this.now >= run.lastRenewSentAt + this.renewInterval) {
      run.lastRenewSentAt = this.now;
      const request: StoreRequest = {
        type: "renew",
        shard: run.shard,
        node: this.nodeId,
        epoch: run.epoch,
        ttl: this.leaseTtl,
      };
      run.renew = { requestId: this.send(request, { kind: "renew", run }), sentAt: this.now };
    }
    const valid = this.ignoreLeaseDeadline || this.now < run.deadline;
    if (!valid && !run.paused) {
      run.paused = true;
      this.out.push({ type: "paused", shard: run.shard, epoch: run.epoch });
    } else if (valid && run.paused) {
      run.paused = false;
      this.out.push({ type: "resumed", shard: run.shard, epoch: run.epoch });
    }
    // Once its last checkpoint is written, a shard starts nothing: its unstarted fires are the next owner's.
    const handedOver = run.finalCheckpointSent;
    if (valid && !handedOver) {
      // Only acknowledged fires start, and only while the lease is surely ours.
      for (const job of run.held) {
        if (run.jobs.get(job.jobId) !== job || job.running) continue;
        job.running = true;
        this.out.push({
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
        if (run.kernelWake !== null && run.kernelWake <= this.wall) run.apply({ type: "tick" });
        // A shard without programs gets no commands: its inbox is never read.
        if (run.specs.size > 0 && run.inboxRequest === null && this.now >= run.nextInboxAt) {
          run.nextInboxAt = this.now + this.inboxPollInterval;
          const request: StoreRequest = {
            type: "inbox",
            shard: run.shard,
            node: this.nodeId,
            epoch: run.epoch,
            after: run.inboxCursor,
          };
          run.inboxRequest = { requestId: this.send(request, { kind: "inbox", run }), sentAt: this.now };
        }
      }
    }
    if (run.batch === null && this.runs.get(run.shard) === run) {
      const drained = this.drained(run);
      const final = drained && !run.finalCheckpointSent;
      const taken = run.takeBatch(final);
      if (taken !== null) {
        if (final) run.finalCheckpointSent = true;
        const requestId = this.send(taken.request, { kind: "append", run });
        run.batch = { request: taken.request, runs: taken.runs, requestId, sentAt: this.now };
      } else if (drained && run.finalCheckpointSent && run.release === null) {
        const request: StoreRequest = {
          type: "release",
          shard: run.shard,
          node: this.nodeId,
          epoch: run.epoch,
          session: this.session,
          leaving: this.stopping,
        };
        run.release = { requestId: this.send(request, { kind: "release", run }), sentAt: this.now };
      }
    }
  }

  /** A releasing shard may write its last checkpoint: its jobs are done, or a handoff's wait is over. */
  private drained(run: ShardRun): boolean {
    return run.releasing && ((run.runningJobs === 0 && run.held.length === 0) || this.now >= run.handoffBy);
  }

  private nextWake(): number {
    let wake = Number.POSITIVE_INFINITY;
    if (!this.stopping && this.scanRequest === null) wake = earlier(wake, this.nextScanAt);
    // The oldest request times out first (see `requests`).
    for (const { sentAt } of this.requests.values()) {
      wake = earlier(wake, sentAt + this.requestTimeout);
      break;
    }
    for (const [shard, probe] of this.probes) {
      wake = earlier(wake, this.stoppedAt + this.leaseTtl);
      if (probe === null && !this.acquiring.has(shard) && !this.runs.has(shard)) wake = earlier(wake, this.now);
    }
    for (const run of this.runs.values()) {
      if (run.renew === null && run.release === null) wake = earlier(wake, run.lastRenewSentAt + this.renewInterval);
      const valid = this.ignoreLeaseDeadline || this.now < run.deadline;
      if (valid) {
        if (this.now < run.deadline) wake = earlier(wake, run.deadline);
        if (run.held.length > 0 && !run.finalCheckpointSent) wake = earlier(wake, this.now);
        if (!run.releasing) {
          if (run.kernelWake !== null) wake = earlier(wake, this.now + Math.max(0, run.kernelWake - this.wall));
          if (run.inboxRequest === null && run.specs.size > 0) wake = earlier(wake, run.nextInboxAt);
        }
      }
      if (run.batch === null && (run.pendingEntries.length > 0 || run.pendingAnswers.length > 0))
        wake = earlier(wake, this.now);
      if (this.drained(run) && run.batch === null && run.release === null) wake = earlier(wake, this.now);
      else if (run.releasing && this.now < run.handoffBy) wake = earlier(wake, run.handoffBy);
    }
    wake = earlier(wake, this.callerCommands.nextWake());
    return Math.max(this.now, wake === Number.POSITIVE_INFINITY ? this.now + this.renewInterval : wake);
  }
}

/** `time` if it is earlier than `wake`, else `wake` (a NaN never wins). */
// biome-ignore lint/complexity/useMathMinMax: Math.min would let a NaN through; the wake keeps what it had.
const earlier = (wake: number, time: number): number => (time < wake ? time : wake);
