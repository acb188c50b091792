import { LIVENESS_SLACK } from "./timing.js";
import type { FleetResult, FleetStoreRecord, FleetTimeline } from "./types.js";
import type { SimEvent } from "./world/events.js";
import { onTimelineEvent } from "./world/faults.js";
import { deployStep, finishStop, startProcess } from "./world/lifecycle.js";
import { onArrive } from "./world/network.js";
import { dispatch } from "./world/nodeEffects.js";
import { monoOf, wallOf } from "./world/simNode.js";
import { WorldState } from "./world/state.js";

export { WALL0 } from "./world/simNode.js";

/** Runs one fleet timeline to its end (or to its first broken check). */
export const runFleet = (timeline: FleetTimeline): FleetResult => new World(timeline, undefined).run();

/** `runFleet`, also putting every request the model store applied, in order, in `trace`. */
export const runFleetRecording = (timeline: FleetTimeline, trace: FleetStoreRecord[]): FleetResult =>
  new World(timeline, trace).run();

/**
 * The simulated fleet's run loop: the next event off the queue, held while its node is paused,
 * taken to the part of the world it concerns, and the checks' verdict after each. The parts, in
 * `world/`: the nodes and their clocks (`simNode`), their process lives (`lifecycle`), their
 * coordinators' effects (`nodeEffects`), the wire to the store (`network`), and the timeline's
 * faults and commands (`faults`), sharing one `WorldState`.
 */
class World {
  private readonly world: WorldState;
  private livenessChecked = false;
  /** The latest simulated time the run reached, and how many events were handled at it. */
  private progressAt = Number.NEGATIVE_INFINITY;
  private stuckSteps = 0;

  /**
   * @param storeTrace where to record the store's traffic, or `undefined` (no recording:
   * nothing of the run depends on it either way).
   */
  constructor(timeline: FleetTimeline, storeTrace: FleetStoreRecord[] | undefined) {
    const world = new WorldState(timeline, storeTrace);
    this.world = world;
    for (const event of timeline.events) world.queue.push(event.at, { k: "timeline", event });
    for (const node of world.nodes) world.queue.push(node.index * 3, { k: "restart", node: node.index, inc: 0 });
    world.queue.push(timeline.quietAt + timeline.leaseTtl + timeline.renewInterval + LIVENESS_SLACK, { k: "liveness" });
    world.queue.push(timeline.endAt, { k: "end" });
  }

  run(): FleetResult {
    const world = this.world;
    const { queue, timeline, checks } = world;
    for (;;) {
      const time = queue.peekTime();
      const event = queue.pop();
      if (time === undefined || event === undefined) break;
      world.now = time;
      if (event.k === "end" && !this.livenessChecked && world.now < timeline.endAt + 10 * timeline.leaseTtl) {
        const later = world.lastDisruptionAt + 2 * timeline.leaseTtl + timeline.renewInterval;
        queue.push(Math.max(world.now + timeline.renewInterval, later), { k: "end" });
        continue;
      }
      if (event.k === "end") {
        checks.final(
          world.now,
          world.nodes.map((node) => wallOf(node, world.now)),
        );
        break;
      }
      const node = "node" in event ? world.nodes[event.node] : undefined;
      if (node !== undefined && event.k !== "timeline" && event.k !== "arrive" && world.now < node.pausedUntil) {
        // A paused process handles nothing: what reaches it waits, in order, until it wakes.
        queue.push(node.pausedUntil, event);
        continue;
      }
      world.steps += 1;
      if (world.now > this.progressAt) {
        this.progressAt = world.now;
        this.stuckSteps = 0;
      } else if (++this.stuckSteps > STUCK_STEPS) {
        checks.stuck(
          `${STUCK_STEPS} events at ${world.now} without time moving on (last: ${event.k}${"node" in event ? ` on n${event.node}` : ""})`,
        );
        break;
      }
      this.handle(event);
      if (checks.broken) break;
    }
    const stats = world.store.stats;
    world.coverage.staleWritesRefused = stats.staleWritesRefused;
    world.coverage.retriedAppends = stats.retriedAppends;
    world.coverage.fires = world.store.fires.size;
    return {
      seed: timeline.seed,
      traceHash: world.trace.hex(),
      violations: checks.violations,
      coverage: world.coverage,
      timeline,
      events: world.steps,
      simulatedMs: world.now,
    };
  }

  private handle(event: SimEvent): void {
    const world = this.world;
    const now = world.now;
    switch (event.k) {
      case "timeline":
        onTimelineEvent(world, event.event);
        return;
      case "wake": {
        const node = world.nodes[event.node];
        if (node === undefined || node.inc !== event.inc || node.wakeToken !== event.token) return;
        dispatch(world, node, { type: "tick", at: monoOf(node, now), wall: wallOf(node, now) });
        return;
      }
      case "arrive":
        onArrive(world, event.node, event.requestId, event.request, event);
        return;
      case "reply": {
        const node = world.nodes[event.node];
        if (node === undefined || node.inc !== event.inc) return;
        dispatch(world, node, {
          type: "store-reply",
          requestId: event.requestId,
          reply: event.reply,
          at: monoOf(node, now),
          wall: wallOf(node, now),
        });
        return;
      }
      case "job-end": {
        const node = world.nodes[event.node];
        if (node === undefined || node.inc !== event.inc) return;
        dispatch(world, node, {
          type: "job-done",
          shard: event.shard,
          epoch: event.epoch,
          jobId: event.jobId,
          outcome: event.outcome,
          at: monoOf(node, now),
          wall: wallOf(node, now),
        });
        return;
      }
      case "notify": {
        const node = world.nodes[event.node];
        if (node === undefined || node.inc !== event.inc) return;
        dispatch(world, node, {
          type: "notify",
          reason: "released",
          shard: event.shard,
          leaving: event.leaving,
          at: monoOf(node, now),
          wall: wallOf(node, now),
        });
        return;
      }
      case "restart": {
        const node = world.nodes[event.node];
        if (node === undefined || node.inc !== event.inc || node.coordinator !== null) return;
        startProcess(world, node);
        dispatch(world, node, { type: "tick", at: monoOf(node, now), wall: wallOf(node, now) });
        return;
      }
      case "deploy-step": {
        const node = world.nodes[event.node];
        if (node === undefined) return;
        deployStep(world, node, event.version, event.canary);
        return;
      }
      case "stop-now": {
        const node = world.nodes[event.node];
        if (node === undefined || node.inc !== event.inc || node.stopping === null) return;
        dispatch(world, node, { type: "stop", at: monoOf(node, now), wall: wallOf(node, now) });
        return;
      }
      case "handoff-check":
        // Only a handoff that no fault touched owes "at once".
        if (world.lastFaultAt < event.releasedAt - 1_000) {
          world.checks.handedOver(event.shard, event.epoch, event.releasedAt, now);
        }
        return;
      case "stop-timeout": {
        // A stop that does not finish is ended the hard way, as an orchestrator's kill does.
        const node = world.nodes[event.node];
        if (node === undefined || node.inc !== event.inc || node.stopping === null) return;
        finishStop(world, node);
        return;
      }
      case "liveness":
        this.checkLiveness();
        return;
      case "end":
        return;
    }
  }

  /** No shard may stay without a running owner past the liveness bound (FLEET.md guarantee 5). */
  private checkLiveness(): void {
    const world = this.world;
    const { timeline } = world;
    // A graceful stop can outlast the faults (its jobs drain, its process restarts after):
    // the bound counts from the last such disruption.
    const due = world.lastDisruptionAt + timeline.leaseTtl + timeline.renewInterval + LIVENESS_SLACK;
    if (world.now < due) {
      world.queue.push(due, { k: "liveness" });
      return;
    }
    this.livenessChecked = true;
    world.checks.liveness(world.now);
    // An owner that holds a lease but stays paused runs nothing: as bad as no owner.
    for (const node of world.nodes) {
      for (const held of node.coordinator?.held() ?? []) {
        if (held.paused)
          world.checks.stuck(
            `${node.id} holds shard ${held.shard} but is paused ${Math.round(world.now - timeline.quietAt)} ms after the last fault`,
          );
      }
    }
  }
}

/** Events at one simulated instant before the run counts as a livelock. */
const STUCK_STEPS = 100_000;
