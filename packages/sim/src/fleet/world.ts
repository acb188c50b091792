import type { Outcome } from "@schedkit/kernel";
import {
  type Coordinator,
  type CoordinatorCommand,
  type CoordinatorEffect,
  createCoordinator,
  createModelStore,
  type ModelStore,
  type StoreReply,
  type StoreRequest,
} from "@schedkit/kernel/fleet";
import { draw } from "../internal/hash.js";
import { FleetChecks } from "./checks.js";
import { EventQueue } from "./eventQueue.js";
import { fleetKernelOptions, fleetSpecs } from "./programs.js";
import { LIVENESS_SLACK, MAX_DELAY, MIN_DELAY } from "./timing.js";
import { traceFilter } from "./trace.js";
import { drawParts, TraceHash } from "./traceHash.js";
import type { FleetCoverage, FleetEvent, FleetResult, FleetStoreRecord, FleetTimeline } from "./types.js";

/** Wall-clock time at simulated time 0 (the kernels' epoch ms). */
export const WALL0 = 1_800_000_000_000;

type SimEvent =
  | { readonly k: "timeline"; readonly event: FleetEvent }
  | { readonly k: "wake"; readonly node: number; readonly inc: number; readonly token: number }
  | { readonly k: "arrive"; readonly node: number; readonly requestId: string; readonly request: StoreRequest }
  | {
      readonly k: "reply";
      readonly node: number;
      readonly inc: number;
      readonly requestId: string;
      readonly reply: StoreReply;
    }
  | {
      readonly k: "job-end";
      readonly node: number;
      readonly inc: number;
      readonly shard: number;
      readonly epoch: number;
      readonly jobId: string;
      readonly outcome: Outcome;
    }
  | { readonly k: "restart"; readonly node: number; readonly inc: number }
  | {
      readonly k: "notify";
      readonly node: number;
      readonly inc: number;
      readonly shard: number;
      readonly leaving: boolean;
    }
  | { readonly k: "deploy-step"; readonly node: number; readonly version: number; readonly canary: boolean }
  | { readonly k: "stop-timeout"; readonly node: number; readonly inc: number }
  | { readonly k: "stop-now"; readonly node: number; readonly inc: number }
  | { readonly k: "handoff-check"; readonly shard: number; readonly epoch: number; readonly releasedAt: number }
  | { readonly k: "liveness" }
  | { readonly k: "end" };

interface SimNode {
  readonly index: number;
  readonly id: string;
  inc: number;
  coordinator: Coordinator | null;
  version: number;
  /** Runs a changed program under an unchanged version. */
  canary: boolean;
  /** A graceful stop under way: the build to start with and how long the process stays down. */
  stopping: { readonly version: number; readonly canary: boolean; readonly downFor: number } | null;
  pausedUntil: number;
  partitionedUntil: number;
  lostAcksUntil: number;
  lostAckRate: number;
  anchorT: number;
  anchorMono: number;
  anchorWall: number;
  rate: number;
  wakeToken: number;
}

/** Runs one fleet timeline to its end (or to its first broken check). */
export const runFleet = (timeline: FleetTimeline): FleetResult => new World(timeline, undefined).run();

/** `runFleet`, also putting every request the model store applied, in order, in `trace`. */
export const runFleetRecording = (timeline: FleetTimeline, trace: FleetStoreRecord[]): FleetResult =>
  new World(timeline, trace).run();

class World {
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes: SimNode[] = [];
  private readonly store: ModelStore;
  private readonly checks: FleetChecks;
  private now = 0;
  private slowUntil = 0;
  private slowFactor = 1;
  private steps = 0;
  /** When a node last crashed, stopped or booted (the liveness bound counts from the latest). */
  private lastDisruptionAt = Number.NEGATIVE_INFINITY;
  private livenessChecked = false;
  /** When the latest fault began (a command is not a fault). */
  private lastFaultAt = Number.NEGATIVE_INFINITY;
  private progressAt = Number.NEGATIVE_INFINITY;
  private stuckSteps = 0;
  private readonly trace = new TraceHash();
  readonly coverage: FleetCoverage = {
    takeovers: 0,
    pausesPastLease: 0,
    staleWritesRefused: 0,
    adoptedPrograms: 0,
    replayedCommands: 0,
    reruns: 0,
    lostFires: 0,
    deploySkew: 0,
    retriedAppends: 0,
    commandsAnswered: 0,
    notOwned: 0,
    crashes: 0,
    partitions: 0,
    lostReplies: 0,
    fires: 0,
    jobs: 0,
  };

  /**
   * @param storeTrace where to record the store's traffic, or `undefined` (no recording:
   * nothing of the run depends on it either way).
   */
  constructor(
    private readonly timeline: FleetTimeline,
    private readonly storeTrace: FleetStoreRecord[] | undefined,
  ) {
    this.store = createModelStore({
      clock: () => this.now,
      ...(timeline.unsafe?.skipEpochCheck === true ? { unsafeSkipEpochCheck: true } : {}),
    });
    this.checks = new FleetChecks(timeline, this.store, () => ({ step: this.steps, at: this.now }));
    for (let index = 0; index < timeline.nodes; index++) {
      const node: SimNode = {
        index,
        id: `n${index}`,
        inc: 0,
        coordinator: null,
        version: 1,
        canary: false,
        stopping: null,
        pausedUntil: 0,
        partitionedUntil: 0,
        lostAcksUntil: 0,
        lostAckRate: 0,
        anchorT: 0,
        anchorMono: 10_000 * (index + 1),
        anchorWall: WALL0,
        rate: 1,
        wakeToken: 0,
      };
      this.nodes.push(node);
    }
    for (const event of timeline.events) this.queue.push(event.at, { k: "timeline", event });
    for (const node of this.nodes) this.queue.push(node.index * 3, { k: "restart", node: node.index, inc: 0 });
    this.queue.push(timeline.quietAt + timeline.leaseTtl + timeline.renewInterval + LIVENESS_SLACK, { k: "liveness" });
    this.queue.push(timeline.endAt, { k: "end" });
  }

  run(): FleetResult {
    for (;;) {
      const time = this.queue.peekTime();
      const event = this.queue.pop();
      if (time === undefined || event === undefined) break;
      this.now = time;
      if (event.k === "end" && !this.livenessChecked && this.now < this.timeline.endAt + 10 * this.timeline.leaseTtl) {
        const later = this.lastDisruptionAt + 2 * this.timeline.leaseTtl + this.timeline.renewInterval;
        this.queue.push(Math.max(this.now + this.timeline.renewInterval, later), { k: "end" });
        continue;
      }
      if (event.k === "end") {
        this.checks.final(
          this.now,
          this.nodes.map((node) => this.wallOf(node)),
        );
        break;
      }
      const node = "node" in event ? this.nodes[event.node] : undefined;
      if (node !== undefined && event.k !== "timeline" && event.k !== "arrive" && this.now < node.pausedUntil) {
        // A paused process handles nothing: what reaches it waits, in order, until it wakes.
        this.queue.push(node.pausedUntil, event);
        continue;
      }
      this.steps += 1;
      if (this.now > this.progressAt) {
        this.progressAt = this.now;
        this.stuckSteps = 0;
      } else if (++this.stuckSteps > STUCK_STEPS) {
        this.checks.stuck(
          `${STUCK_STEPS} events at ${this.now} without time moving on (last: ${event.k}${"node" in event ? ` on n${event.node}` : ""})`,
        );
        break;
      }
      this.handle(event);
      if (this.checks.broken) break;
    }
    const stats = this.store.stats;
    this.coverage.staleWritesRefused = stats.staleWritesRefused;
    this.coverage.retriedAppends = stats.retriedAppends;
    this.coverage.fires = this.store.fires.size;
    return {
      seed: this.timeline.seed,
      traceHash: this.trace.hex(),
      violations: this.checks.violations,
      coverage: this.coverage,
      timeline: this.timeline,
      events: this.steps,
      simulatedMs: this.now,
    };
  }

  // ---- clocks -------------------------------------------------------------------

  private monoOf(node: SimNode): number {
    return node.anchorMono + (this.now - node.anchorT) * node.rate;
  }

  private wallOf(node: SimNode): number {
    return Math.floor(node.anchorWall + (this.now - node.anchorT) * node.rate);
  }

  private timeOfMono(node: SimNode, mono: number): number {
    return node.anchorT + (mono - node.anchorMono) / node.rate;
  }

  /** A message's network delay, drawn from its key `${kind}${id}${suffix}` (`"q:"` and a request id, say). */
  private delay(kind: string, id: string, suffix = ""): number {
    const { seed } = this.timeline;
    const base = MIN_DELAY + drawParts(seed, kind, id, suffix) * (MAX_DELAY - MIN_DELAY);
    if (this.now >= this.slowUntil) return base;
    // A slow store has a long tail: one message in twenty is held ten times longer (a lock
    // wait, a pooler queue), so it can arrive after its sender gave up on it and retried.
    const held = drawParts(seed, "held:", kind, id, suffix) < 0.05 ? 10 : 1;
    return base * this.slowFactor * held;
  }

  // ---- events -------------------------------------------------------------------

  private handle(event: SimEvent): void {
    switch (event.k) {
      case "timeline":
        this.onTimeline(event.event);
        return;
      case "wake": {
        const node = this.nodes[event.node];
        if (node === undefined || node.inc !== event.inc || node.wakeToken !== event.token) return;
        this.dispatch(node, { type: "tick", at: this.monoOf(node), wall: this.wallOf(node) });
        return;
      }
      case "arrive":
        this.onArrive(event.node, event.requestId, event.request);
        return;
      case "reply": {
        const node = this.nodes[event.node];
        if (node === undefined || node.inc !== event.inc) return;
        this.dispatch(node, {
          type: "store-reply",
          requestId: event.requestId,
          reply: event.reply,
          at: this.monoOf(node),
          wall: this.wallOf(node),
        });
        return;
      }
      case "job-end": {
        const node = this.nodes[event.node];
        if (node === undefined || node.inc !== event.inc) return;
        this.dispatch(node, {
          type: "job-done",
          shard: event.shard,
          epoch: event.epoch,
          jobId: event.jobId,
          outcome: event.outcome,
          at: this.monoOf(node),
          wall: this.wallOf(node),
        });
        return;
      }
      case "notify": {
        const node = this.nodes[event.node];
        if (node === undefined || node.inc !== event.inc) return;
        this.dispatch(node, {
          type: "notify",
          reason: "released",
          shard: event.shard,
          leaving: event.leaving,
          at: this.monoOf(node),
          wall: this.wallOf(node),
        });
        return;
      }
      case "restart": {
        const node = this.nodes[event.node];
        if (node === undefined || node.inc !== event.inc || node.coordinator !== null) return;
        this.boot(node);
        return;
      }
      case "deploy-step": {
        const node = this.nodes[event.node];
        if (node === undefined) return;
        // A deploy restarts each process gracefully (SIGTERM: stop, then exit), as a real one does.
        const downFor =
          100 + Math.floor(draw(this.timeline.seed, `deploy:${node.id}:${event.version}:${event.canary}`) * 400);
        this.stopGracefully(node, event.version, event.canary, downFor);
        return;
      }
      case "stop-now": {
        const node = this.nodes[event.node];
        if (node === undefined || node.inc !== event.inc || node.stopping === null) return;
        this.dispatch(node, { type: "stop", at: this.monoOf(node), wall: this.wallOf(node) });
        return;
      }
      case "handoff-check":
        // Only a handoff that no fault touched owes "at once".
        if (this.lastFaultAt < event.releasedAt - 1_000) {
          this.checks.handedOver(event.shard, event.epoch, event.releasedAt, this.now);
        }
        return;
      case "stop-timeout": {
        // A stop that does not finish is ended the hard way, as an orchestrator's kill does.
        const node = this.nodes[event.node];
        if (node === undefined || node.inc !== event.inc || node.stopping === null) return;
        this.finishStop(node);
        return;
      }
      case "liveness": {
        // A graceful stop can outlast the faults (its jobs drain, its process restarts after):
        // the bound counts from the last such disruption.
        const due = this.lastDisruptionAt + this.timeline.leaseTtl + this.timeline.renewInterval + LIVENESS_SLACK;
        if (this.now < due) {
          this.queue.push(due, { k: "liveness" });
          return;
        }
        this.livenessChecked = true;
        this.checks.liveness(this.now);
        // An owner that holds a lease but stays paused runs nothing: as bad as no owner.
        for (const node of this.nodes) {
          for (const held of node.coordinator?.held() ?? []) {
            if (held.paused)
              this.checks.stuck(
                `${node.id} holds shard ${held.shard} but is paused ${Math.round(this.now - this.timeline.quietAt)} ms after the last fault`,
              );
          }
        }
        return;
      }
      case "end":
        return;
    }
  }

  private onTimeline(event: FleetEvent): void {
    this.trace.add("t|", String(this.now), "|", event.kind);
    if (event.kind !== "command") this.lastFaultAt = this.now;
    switch (event.kind) {
      case "command": {
        const node = this.nodes[event.node];
        if (node?.coordinator == null) return; // a command on a node that is down is never issued
        if (this.now < node.pausedUntil) {
          // The user's call waits until the paused node wakes.
          this.queue.push(node.pausedUntil, { k: "timeline", event });
          return;
        }
        const commandId = `${node.id}.${node.inc}.${this.steps}`;
        this.checks.submitted(commandId, node.id, this.now);
        this.dispatch(node, {
          type: "submit",
          commandId,
          command: event.command,
          at: this.monoOf(node),
          wall: this.wallOf(node),
        });
        return;
      }
      case "pause": {
        const node = this.nodes[event.node];
        if (node === undefined) return;
        node.pausedUntil = Math.max(node.pausedUntil, this.now + event.duration);
        if (event.duration >= this.timeline.leaseTtl) this.coverage.pausesPastLease += 1;
        return;
      }
      case "crash": {
        const node = this.nodes[event.node];
        if (node === undefined || node.coordinator === null) return;
        this.coverage.crashes += 1;
        this.crash(node, event.downFor);
        return;
      }
      case "skew": {
        const node = this.nodes[event.node];
        if (node === undefined) return;
        node.anchorMono = this.monoOf(node);
        node.anchorWall = WALL0 + this.now + event.skew;
        node.anchorT = this.now;
        node.rate = 1 + event.drift;
        if (node.coordinator !== null && this.now >= node.pausedUntil) {
          this.dispatch(node, { type: "tick", at: this.monoOf(node), wall: this.wallOf(node) });
        }
        return;
      }
      case "partition": {
        const node = this.nodes[event.node];
        if (node === undefined) return;
        node.partitionedUntil = Math.max(node.partitionedUntil, this.now + event.duration);
        this.coverage.partitions += 1;
        return;
      }
      case "slow-store":
        this.slowUntil = Math.max(this.slowUntil, this.now + event.duration);
        this.slowFactor = event.factor;
        return;
      case "lost-acks": {
        const node = this.nodes[event.node];
        if (node === undefined) return;
        node.lostAcksUntil = Math.max(node.lostAcksUntil, this.now + event.duration);
        node.lostAckRate = event.rate;
        return;
      }
      case "restart": {
        const node = this.nodes[event.node];
        if (node === undefined || node.coordinator === null || node.stopping !== null) return;
        this.stopGracefully(node, node.version, node.canary, event.downFor);
        return;
      }
      case "deploy":
        for (const node of this.nodes) {
          this.queue.push(this.now + node.index * event.gap, {
            k: "deploy-step",
            node: node.index,
            version: event.version,
            canary: false,
          });
        }
        return;
      case "canary": {
        const node = this.nodes[event.node];
        if (node === undefined) return;
        this.queue.push(this.now, { k: "deploy-step", node: node.index, version: node.version, canary: true });
        this.queue.push(this.now + event.duration, {
          k: "deploy-step",
          node: node.index,
          version: node.version,
          canary: false,
        });
        return;
      }
    }
  }

  private stopGracefully(node: SimNode, version: number, canary: boolean, downFor: number): void {
    if (node.coordinator === null) {
      node.version = version;
      node.canary = canary;
      return;
    }
    node.stopping = { version, canary, downFor };
    this.queue.push(this.now + 3 * this.timeline.leaseTtl, { k: "stop-timeout", node: node.index, inc: node.inc });
    // Queued, not dispatched: a paused process takes the signal when it wakes.
    this.queue.push(this.now, { k: "stop-now", node: node.index, inc: node.inc });
  }

  private finishStop(node: SimNode): void {
    const stopping = node.stopping;
    if (stopping === null) return;
    node.stopping = null;
    node.version = stopping.version;
    node.canary = stopping.canary;
    this.crash(node, stopping.downFor);
  }

  private crash(node: SimNode, downFor: number): void {
    this.lastDisruptionAt = Math.max(this.lastDisruptionAt, this.now + downFor);
    // Killed in the middle of a deploy's stop, it still comes back with the new build.
    if (node.stopping !== null) {
      node.version = node.stopping.version;
      node.canary = node.stopping.canary;
    }
    node.stopping = null;
    node.coordinator = null;
    node.inc += 1;
    this.checks.crashed(node.id);
    this.trace.add("crash|", node.id, "|", String(this.now));
    this.queue.push(this.now + downFor, { k: "restart", node: node.index, inc: node.inc });
  }

  private boot(node: SimNode): void {
    node.coordinator = createCoordinator({
      nodeId: node.id,
      // Each process life is its own session: a restarted node's old leases come back with new epochs.
      session: `${node.id}.${node.inc}`,
      programs: fleetSpecs(node.version, this.timeline.delivery, node.canary),
      shards: this.timeline.shards,
      leaseTtl: this.timeline.leaseTtl,
      renewInterval: this.timeline.renewInterval,
      safetyMargin: this.timeline.safetyMargin,
      kernel: fleetKernelOptions(this.timeline.seed),
      ...(this.timeline.unsafe === undefined
        ? {}
        : {
            unsafe: {
              ...(this.timeline.unsafe.ignoreLeaseDeadline === true ? { ignoreLeaseDeadline: true } : {}),
              ...(this.timeline.unsafe.skipReplay === true ? { skipReplay: true } : {}),
              ...(this.timeline.unsafe.recordBeforeCheck === true ? { recordBeforeCheck: true } : {}),
            },
          }),
    });
    this.checks.booted(node.id, this.buildOf(node));
    this.dispatch(node, { type: "tick", at: this.monoOf(node), wall: this.wallOf(node) });
  }

  /** The program build a node runs: its version, and whether it is a canary's changed one. */
  private buildOf(node: SimNode): string {
    return node.canary ? `${node.version}-canary` : `${node.version}`;
  }

  /**
   * `command` carries the node's clocks (`monoOf`, `wallOf`), written at each call rather than
   * spread in here: a spread of the many command shapes was a measurable share of the run.
   */
  private dispatch(node: SimNode, command: CoordinatorCommand): void {
    const coordinator = node.coordinator;
    if (coordinator === null) return;
    const effects = coordinator.dispatch(command);
    if (traceFilter !== undefined) {
      const { at: _at, wall: _wall, ...body } = command;
      const text = JSON.stringify({ body, effects });
      if (text.includes(traceFilter)) console.error(`${this.now.toFixed(1)} ${node.id} ${text}`);
    }
    for (const effect of effects) this.onEffect(node, effect);
  }

  private onEffect(node: SimNode, effect: CoordinatorEffect): void {
    switch (effect.type) {
      case "store": {
        this.trace.add("q|", effect.requestId, "|", effect.request.type);
        if (this.now < node.partitionedUntil) return; // lost on the way: the coordinator times out
        this.queue.push(this.now + this.delay("q:", effect.requestId), {
          k: "arrive",
          node: node.index,
          requestId: effect.requestId,
          request: effect.request,
        });
        return;
      }
      case "run": {
        this.trace.add("run|", node.id, "|", effect.fireId);
        this.coverage.jobs += 1;
        if (effect.rerun) this.coverage.reruns += 1;
        const attempt = this.checks.ran(node.id, effect, this.now);
        // The attempt's key is `${fireId}#${attempt}`: its duration and outcome are drawn from it.
        const { seed } = this.timeline;
        const attemptText = String(attempt);
        const roll = drawParts(seed, "d:", effect.fireId, "#", attemptText);
        const duration =
          roll < 0.7 ? 1 + roll * 40 : roll < 0.95 ? 20 + (roll - 0.7) * 1_200 : 500 + (roll - 0.95) * 60_000;
        const outcome: Outcome =
          drawParts(seed, "o:", effect.fireId, "#", attemptText) < 0.1
            ? { ok: false, error: { message: `failed ${effect.fireId}#${attempt}` } }
            : { ok: true, value: attempt };
        this.queue.push(this.now + duration, {
          k: "job-end",
          node: node.index,
          inc: node.inc,
          shard: effect.shard,
          epoch: effect.epoch,
          jobId: effect.jobId,
          outcome,
        });
        return;
      }
      case "answer":
        this.trace.add("a|", effect.commandId, "|", effect.answer.status);
        this.coverage.commandsAnswered += 1;
        if (effect.answer.status === "failed" && effect.answer.code === "not-owned") this.coverage.notOwned += 1;
        this.checks.answered(effect.commandId, node.id);
        return;
      case "acquired":
        this.trace.add("acq|", node.id, "|", `${effect.shard}|${effect.epoch}`);
        if (effect.previousOwner !== null || effect.epoch > 1) this.coverage.takeovers += 1;
        this.coverage.adoptedPrograms += effect.adopted;
        this.coverage.replayedCommands += effect.replayed;
        return;
      case "deploy-skew":
        this.trace.add("skew|", node.id, "|", String(effect.shard));
        this.coverage.deploySkew += 1;
        return;
      case "kernel":
        if (effect.effect.type === "settled" && effect.effect.status === "lost") this.coverage.lostFires += 1;
        return;
      case "wake": {
        node.wakeToken += 1;
        // The first simulated instant at which the node's clock reads at least `effect.at` (float
        // rounding must not wake it a hair early, forever).
        let at = Math.max(this.now, this.timeOfMono(node, effect.at));
        while (node.anchorMono + (at - node.anchorT) * node.rate < effect.at) at += 1e-6 * Math.max(1, Math.abs(at));
        this.queue.push(at, { k: "wake", node: node.index, inc: node.inc, token: node.wakeToken });
        return;
      }
      case "stopped":
        this.trace.add("stopped|", node.id);
        this.finishStop(node);
        return;
      case "released": {
        this.trace.add("released|", node.id, "|", String(effect.shard));
        // A node that stops gracefully hands its shards over at once (LISTEN/NOTIFY), when the
        // others are up and have heard the store well for a second (no slow or lost message in flight).
        const calm = this.now - 1_000;
        const othersUp = this.nodes.every(
          (other) =>
            other === node ||
            (other.coordinator !== null &&
              other.stopping === null &&
              // Mid-deploy, an older build may not take what a newer one ran: that handoff waits.
              this.buildOf(other) === this.buildOf(node) &&
              calm >= other.pausedUntil &&
              calm >= other.partitionedUntil &&
              calm >= other.lostAcksUntil),
        );
        if (node.stopping !== null && othersUp && calm >= this.slowUntil) {
          this.queue.push(this.now + LIVENESS_SLACK, {
            k: "handoff-check",
            shard: effect.shard,
            epoch: effect.epoch,
            releasedAt: this.now,
          });
        }
        return;
      }
      default:
        this.trace.add(effect.type, "|", node.id);
        return;
    }
  }

  private onArrive(index: number, requestId: string, request: StoreRequest): void {
    const node = this.nodes[index];
    if (node === undefined) return;
    const reply = this.checks.apply(request, this.buildOf(node));
    this.trace.add("s|", requestId, "|", reply.type);
    if (reply.type === "released" && request.type === "release") {
      // LISTEN/NOTIFY: the others hear of a released lease at once (if they can hear the store).
      for (const other of this.nodes) {
        if (other === node || other.coordinator === null || this.now < other.partitionedUntil) continue;
        this.queue.push(this.now + this.delay("n:", requestId, `:${other.id}`), {
          k: "notify",
          node: other.index,
          inc: other.inc,
          shard: request.shard,
          leaving: request.leaving,
        });
      }
    }
    const lost =
      this.now < node.partitionedUntil ||
      (this.now < node.lostAcksUntil && drawParts(this.timeline.seed, "lost:", requestId) < node.lostAckRate);
    if (this.storeTrace !== undefined) {
      // A copy: what the store saw and said then, whatever later holds the same objects.
      this.storeTrace.push(structuredClone({ at: this.now, requestId, request, reply, replyLost: lost }));
    }
    if (lost) {
      this.coverage.lostReplies += 1;
      return;
    }
    this.queue.push(this.now + this.delay("r:", requestId), {
      k: "reply",
      node: index,
      inc: node.inc,
      requestId,
      reply,
    });
  }
}

/** Events at one simulated instant before the run counts as a livelock. */
const STUCK_STEPS = 100_000;
