import type { StoreRequest } from "@schedkit/kernel/fleet";
import { MAX_DELAY, MIN_DELAY } from "../timing.js";
import { drawParts } from "../traceHash.js";
import { buildOf, type SimNode } from "./simNode.js";
import type { WorldState } from "./state.js";

/**
 * The wire between the nodes and the store, and its faults. A request is lost on the way from a
 * partitioned node (its coordinator times it out); one that arrives is applied to the store at
 * once, whatever happens to its reply, which a partition or a lost-acks fault can drop. Every
 * delay is drawn from the message's key, so a run is the same however often it is replayed.
 */

/** A message's network delay, drawn from its key `${kind}${id}${suffix}` (`"q:"` and a request id, say). */
export const delay = (world: WorldState, kind: string, id: string, suffix = ""): number => {
  const { seed } = world.timeline;
  const base = MIN_DELAY + drawParts(seed, kind, id, suffix) * (MAX_DELAY - MIN_DELAY);
  if (world.now >= world.slowUntil) return base;
  // A slow store has a long tail: one message in twenty is held ten times longer (a lock
  // wait, a pooler queue), so it can arrive after its sender gave up on it and retried.
  const held = drawParts(seed, "held:", kind, id, suffix) < 0.05 ? 10 : 1;
  return base * world.slowFactor * held;
};

/** A node's `store` effect: the request sets off for the store, unless the node is cut off. */
export const sendToStore = (world: WorldState, node: SimNode, requestId: string, request: StoreRequest): void => {
  world.trace.add("q|", requestId, "|", request.type);
  if (world.now < node.partitionedUntil) return; // lost on the way: the coordinator times out
  world.queue.push(world.now + delay(world, "q:", requestId), {
    k: "arrive",
    node: node.index,
    requestId,
    request,
    inc: node.inc,
    build: buildOf(node),
  });
};

/**
 * A request reaches the store: applied and checked, the others notified of a release, the reply
 * sent back (or lost). `from` is the process life that sent it: a write from a process that has
 * exited still lands, and the checks judge it by that life's build (the node may have been deployed
 * into a newer one since); its reply goes to that life only, never to the node's next one (whose
 * request ids start again, so a stray reply would answer one of them).
 */
export const onArrive = (
  world: WorldState,
  index: number,
  requestId: string,
  request: StoreRequest,
  from: { readonly inc: number; readonly build: string },
): void => {
  const node = world.nodes[index];
  if (node === undefined) return;
  const now = world.now;
  const reply = world.checks.apply(request, from.build);
  world.trace.add("s|", requestId, "|", reply.type);
  if (reply.type === "released" && request.type === "release") {
    // LISTEN/NOTIFY: the others hear of a released lease at once (if they can hear the store).
    for (const other of world.nodes) {
      if (other === node || other.coordinator === null || now < other.partitionedUntil) continue;
      world.queue.push(now + delay(world, "n:", requestId, `:${other.id}`), {
        k: "notify",
        node: other.index,
        inc: other.inc,
        shard: request.shard,
        leaving: request.leaving,
      });
    }
  }
  const lost =
    now < node.partitionedUntil ||
    (now < node.lostAcksUntil && drawParts(world.timeline.seed, "lost:", requestId) < node.lostAckRate);
  if (world.storeTrace !== undefined) {
    // A copy: what the store saw and said then, whatever later holds the same objects.
    world.storeTrace.push(structuredClone({ at: now, requestId, request, reply, replyLost: lost }));
  }
  if (lost) {
    world.coverage.lostReplies += 1;
    return;
  }
  world.queue.push(now + delay(world, "r:", requestId), {
    k: "reply",
    node: index,
    inc: from.inc,
    requestId,
    reply,
  });
};
