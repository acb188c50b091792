import { createCoordinator } from "@schedkit/kernel/fleet";
import { draw } from "../../internal/hash.js";
import { fleetKernelOptions, fleetSpecs } from "../programs.js";
import { buildOf, type SimNode } from "./simNode.js";
import type { WorldState } from "./state.js";

/**
 * A node's process lives: it starts (a fresh coordinator, with its own session), stops
 * gracefully (as SIGTERM does: the coordinator hands its shards over, then the process exits),
 * or dies (all its state gone), and comes back after a while with the build it was given.
 */

/** A new process life on `node`: a coordinator with the node's build. The caller gives it its first tick. */
export const startProcess = (world: WorldState, node: SimNode): void => {
  const timeline = world.timeline;
  node.coordinator = createCoordinator({
    nodeId: node.id,
    // Each process life is its own session: a restarted node's old leases come back with new epochs.
    session: `${node.id}.${node.inc}`,
    programs: fleetSpecs(node.version, timeline.delivery, node.canary, timeline.unsafe?.staleSpecs === true),
    shards: timeline.shards,
    leaseTtl: timeline.leaseTtl,
    renewInterval: timeline.renewInterval,
    safetyMargin: timeline.safetyMargin,
    kernel: fleetKernelOptions(timeline.seed),
    ...(timeline.unsafe === undefined
      ? {}
      : {
          unsafe: {
            ...(timeline.unsafe.ignoreLeaseDeadline === true ? { ignoreLeaseDeadline: true } : {}),
            ...(timeline.unsafe.skipReplay === true ? { skipReplay: true } : {}),
            ...(timeline.unsafe.recordBeforeCheck === true ? { recordBeforeCheck: true } : {}),
          },
        }),
  });
  world.checks.booted(node.id, buildOf(node));
};

/** One node's turn in a deploy: a graceful restart into `version` (`canary`: a changed program under it). */
export const deployStep = (world: WorldState, node: SimNode, version: number, canary: boolean): void => {
  // A deploy restarts each process gracefully (SIGTERM: stop, then exit), as a real one does.
  const downFor = 100 + Math.floor(draw(world.timeline.seed, `deploy:${node.id}:${version}:${canary}`) * 400);
  stopGracefully(world, node, version, canary, downFor);
};

/** Stops the node gracefully, to come back `downFor` ms after it exits with the given build. */
export const stopGracefully = (
  world: WorldState,
  node: SimNode,
  version: number,
  canary: boolean,
  downFor: number,
): void => {
  if (node.coordinator === null) {
    node.version = version;
    node.canary = canary;
    return;
  }
  node.stopping = { version, canary, downFor };
  world.queue.push(world.now + 3 * world.timeline.leaseTtl, { k: "stop-timeout", node: node.index, inc: node.inc });
  // Queued, not dispatched: a paused process takes the signal when it wakes.
  world.queue.push(world.now, { k: "stop-now", node: node.index, inc: node.inc });
};

/** The graceful stop is over (or timed out): the process exits with its next build. */
export const finishStop = (world: WorldState, node: SimNode): void => {
  const stopping = node.stopping;
  if (stopping === null) return;
  node.stopping = null;
  node.version = stopping.version;
  node.canary = stopping.canary;
  crash(world, node, stopping.downFor);
};

/** The process ends (killed, or exiting): its coordinator is gone, and it starts again `downFor` ms later. */
export const crash = (world: WorldState, node: SimNode, downFor: number): void => {
  world.lastDisruptionAt = Math.max(world.lastDisruptionAt, world.now + downFor);
  // Killed in the middle of a deploy's stop, it still comes back with the new build.
  if (node.stopping !== null) {
    node.version = node.stopping.version;
    node.canary = node.stopping.canary;
  }
  node.stopping = null;
  node.coordinator = null;
  node.inc += 1;
  world.checks.crashed(node.id);
  world.trace.add("crash|", node.id, "|", String(world.now));
  world.queue.push(world.now + downFor, { k: "restart", node: node.index, inc: node.inc });
};
