import type { FleetEvent } from "../types.js";
import { crash, stopGracefully } from "./lifecycle.js";
import { dispatch } from "./nodeEffects.js";
import { monoOf, WALL0, wallOf } from "./simNode.js";
import type { WorldState } from "./state.js";

/**
 * The timeline's events as they happen: the faults (each sets a node's or the store's fault
 * state, or starts a node's crash, restart or deploy) and the users' commands. Network faults
 * only set state here; the network and the nodes read it as messages pass.
 */
export const onTimelineEvent = (world: WorldState, event: FleetEvent): void => {
  const now = world.now;
  world.trace.add("t|", String(now), "|", event.kind);
  if (event.kind !== "command") world.lastFaultAt = now;
  switch (event.kind) {
    case "command": {
      const node = world.nodes[event.node];
      if (node?.coordinator == null) return; // a command on a node that is down is never issued
      if (now < node.pausedUntil) {
        // The user's call waits until the paused node wakes.
        world.queue.push(node.pausedUntil, { k: "timeline", event });
        return;
      }
      const commandId = `${node.id}.${node.inc}.${world.steps}`;
      world.checks.submitted(commandId, node.id, now);
      dispatch(world, node, {
        type: "submit",
        commandId,
        command: event.command,
        at: monoOf(node, now),
        wall: wallOf(node, now),
      });
      return;
    }
    case "pause": {
      const node = world.nodes[event.node];
      if (node === undefined) return;
      node.pausedUntil = Math.max(node.pausedUntil, now + event.duration);
      if (event.duration >= world.timeline.leaseTtl) world.coverage.pausesPastLease += 1;
      return;
    }
    case "crash": {
      const node = world.nodes[event.node];
      if (node === undefined || node.coordinator === null) return;
      world.coverage.crashes += 1;
      crash(world, node, event.downFor);
      return;
    }
    case "skew": {
      const node = world.nodes[event.node];
      if (node === undefined) return;
      node.anchorMono = monoOf(node, now);
      node.anchorWall = WALL0 + now + event.skew;
      node.anchorT = now;
      node.rate = 1 + event.drift;
      if (node.coordinator !== null && now >= node.pausedUntil) {
        dispatch(world, node, { type: "tick", at: monoOf(node, now), wall: wallOf(node, now) });
      }
      return;
    }
    case "partition": {
      const node = world.nodes[event.node];
      if (node === undefined) return;
      node.partitionedUntil = Math.max(node.partitionedUntil, now + event.duration);
      world.coverage.partitions += 1;
      return;
    }
    case "slow-store":
      world.slowUntil = Math.max(world.slowUntil, now + event.duration);
      world.slowFactor = event.factor;
      return;
    case "lost-acks": {
      const node = world.nodes[event.node];
      if (node === undefined) return;
      node.lostAcksUntil = Math.max(node.lostAcksUntil, now + event.duration);
      node.lostAckRate = event.rate;
      return;
    }
    case "restart": {
      const node = world.nodes[event.node];
      if (node === undefined || node.coordinator === null || node.stopping !== null) return;
      stopGracefully(world, node, node.version, node.canary, event.downFor);
      return;
    }
    case "deploy":
      for (const node of world.nodes) {
        world.queue.push(now + node.index * event.gap, {
          k: "deploy-step",
          node: node.index,
          version: event.version,
          canary: false,
        });
      }
      return;
    case "canary": {
      const node = world.nodes[event.node];
      if (node === undefined) return;
      world.queue.push(now, { k: "deploy-step", node: node.index, version: node.version, canary: true });
      world.queue.push(now + event.duration, {
        k: "deploy-step",
        node: node.index,
        version: node.version,
        canary: false,
      });
      return;
    }
  }
};
