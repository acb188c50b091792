import type { Outcome } from "@schedkit/kernel";
import type { CoordinatorCommand, CoordinatorEffect } from "@schedkit/kernel/fleet";
import { LIVENESS_SLACK } from "../timing.js";
import { traceFilter } from "../trace.js";
import { drawParts } from "../traceHash.js";
import { finishStop } from "./lifecycle.js";
import { sendToStore } from "./network.js";
import { buildOf, type SimNode, whenMonoReads } from "./simNode.js";
import type { WorldState } from "./state.js";

/**
 * A node's coordinator as the world drives it: a command in, and each effect out acted on. A
 * store request goes on the wire; a job runs for a time and ends with an outcome, both drawn
 * from its attempt's key; a wake is scheduled on the node's own clock; the rest is traced and
 * counted for coverage. A graceful stop's release queues the check that its handoff was at once.
 */

/**
 * `command` carries the node's clocks (`monoOf`, `wallOf`), written at each call rather than
 * spread in here: a spread of the many command shapes was a measurable share of the run.
 */
export const dispatch = (world: WorldState, node: SimNode, command: CoordinatorCommand): void => {
  const coordinator = node.coordinator;
  if (coordinator === null) return;
  const effects = coordinator.dispatch(command);
  if (traceFilter !== undefined) {
    const { at: _at, wall: _wall, ...body } = command;
    const text = JSON.stringify({ body, effects });
    if (text.includes(traceFilter)) console.error(`${world.now.toFixed(1)} ${node.id} ${text}`);
  }
  for (const effect of effects) onEffect(world, node, effect);
};

const onEffect = (world: WorldState, node: SimNode, effect: CoordinatorEffect): void => {
  switch (effect.type) {
    case "store":
      sendToStore(world, node, effect.requestId, effect.request);
      return;
    case "run":
      startJob(world, node, effect);
      return;
    case "answer":
      world.trace.add("a|", effect.commandId, "|", effect.answer.status);
      world.coverage.commandsAnswered += 1;
      if (effect.answer.status === "failed" && effect.answer.code === "not-owned") world.coverage.notOwned += 1;
      world.checks.answered(effect.commandId, node.id);
      return;
    case "acquired":
      world.trace.add("acq|", node.id, "|", `${effect.shard}|${effect.epoch}`);
      if (effect.previousOwner !== null || effect.epoch > 1) world.coverage.takeovers += 1;
      world.coverage.adoptedPrograms += effect.adopted;
      world.coverage.replayedCommands += effect.replayed;
      return;
    case "deploy-skew":
      world.trace.add("skew|", node.id, "|", String(effect.shard));
      world.coverage.deploySkew += 1;
      return;
    case "kernel":
      if (effect.effect.type === "settled" && effect.effect.status === "lost") world.coverage.lostFires += 1;
      return;
    case "wake":
      node.wakeToken += 1;
      world.queue.push(whenMonoReads(node, effect.at, world.now), {
        k: "wake",
        node: node.index,
        inc: node.inc,
        token: node.wakeToken,
      });
      return;
    case "stopped":
      world.trace.add("stopped|", node.id);
      finishStop(world, node);
      return;
    case "released":
      world.trace.add("released|", node.id, "|", String(effect.shard));
      if (node.stopping !== null) checkHandoffLater(world, node, effect.shard, effect.epoch);
      return;
    default:
      world.trace.add(effect.type, "|", node.id);
      return;
  }
};

/** A job starts: its duration and outcome are drawn from its attempt's key, `${fireId}#${attempt}`. */
const startJob = (world: WorldState, node: SimNode, effect: Extract<CoordinatorEffect, { type: "run" }>): void => {
  world.trace.add("run|", node.id, "|", effect.fireId);
  world.coverage.jobs += 1;
  if (effect.rerun) world.coverage.reruns += 1;
  const attempt = world.checks.ran(node.id, effect, world.now);
  const { seed } = world.timeline;
  const attemptText = String(attempt);
  const roll = drawParts(seed, "d:", effect.fireId, "#", attemptText);
  const duration = roll < 0.7 ? 1 + roll * 40 : roll < 0.95 ? 20 + (roll - 0.7) * 1_200 : 500 + (roll - 0.95) * 60_000;
  const outcome: Outcome =
    drawParts(seed, "o:", effect.fireId, "#", attemptText) < 0.1
      ? { ok: false, error: { message: `failed ${effect.fireId}#${attempt}` } }
      : { ok: true, value: attempt };
  world.queue.push(world.now + duration, {
    k: "job-end",
    node: node.index,
    inc: node.inc,
    shard: effect.shard,
    epoch: effect.epoch,
    jobId: effect.jobId,
    outcome,
  });
};

/**
 * A node that stops gracefully hands its shards over at once (LISTEN/NOTIFY), when the others
 * are up and have heard the store well for a second (no slow or lost message in flight): then
 * a check falls due that another node took the released shard.
 */
const checkHandoffLater = (world: WorldState, node: SimNode, shard: number, epoch: number): void => {
  const calm = world.now - 1_000;
  const othersUp = world.nodes.every(
    (other) =>
      other === node ||
      (other.coordinator !== null &&
        other.stopping === null &&
        // Mid-deploy, an older build may not take what a newer one ran: that handoff waits.
        buildOf(other) === buildOf(node) &&
        calm >= other.pausedUntil &&
        calm >= other.partitionedUntil &&
        calm >= other.lostAcksUntil),
  );
  if (othersUp && calm >= world.slowUntil) {
    world.queue.push(world.now + LIVENESS_SLACK, { k: "handoff-check", shard, epoch, releasedAt: world.now });
  }
};
