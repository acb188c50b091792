import { describe, expect, it } from "vitest";
import { type CoordinatorEffect, createCoordinator, type StoreRequest } from "../src/fleet/index.js";

type StoreEffect = Extract<CoordinatorEffect, { type: "store" }>;

const storeEffects = (effects: readonly CoordinatorEffect[]) =>
  effects.filter((effect): effect is StoreEffect => effect.type === "store");
const wakeOf = (effects: readonly CoordinatorEffect[]) =>
  (effects.find((effect) => effect.type === "wake") as { at: number } | undefined)?.at;

/** A coordinator on 4 shards whose requests time out 500 ms after they are sent. */
const setup = () =>
  createCoordinator({
    nodeId: "A",
    programs: [],
    shards: 4,
    leaseTtl: 3_000,
    renewInterval: 1_000,
    safetyMargin: 300,
    requestTimeout: 500,
  });

const scannedFree = (now: number) => ({
  type: "scanned" as const,
  now,
  leases: [],
  nodes: ["A"],
  lastSeen: { A: now },
});

describe("fleet coordinator request timeouts", () => {
  it("dispatch - wakes at the oldest request's timeout and gives up only the requests past it, oldest first", () => {
    const coordinator = setup();
    const first = coordinator.dispatch({ type: "tick", at: 0, wall: 0 });
    const [scan] = storeEffects(first);
    expect(scan?.request.type).toBe("scan");
    expect(wakeOf(first)).toBe(500);
    // The scan's answer at 100 sends an acquire for every free shard, all at 100.
    const acquires = storeEffects(
      coordinator.dispatch({
        type: "store-reply",
        requestId: scan?.requestId ?? "",
        reply: scannedFree(100),
        at: 100,
        wall: 100,
      }),
    );
    expect(
      acquires.map((effect) => (effect.request as Extract<StoreRequest, { type: "acquire" }>).shard).sort(),
    ).toEqual([0, 1, 2, 3]);
    // One acquire is answered busy at 300; the others are still in time at 599.
    const [answered, ...unanswered] = acquires;
    const busy = coordinator.dispatch({
      type: "store-reply",
      requestId: answered?.requestId ?? "",
      reply: { type: "busy", now: 300, lease: { shard: 0, owner: "B", epoch: 1, expiresAt: 9_000 } },
      at: 300,
      wall: 300,
    });
    expect(wakeOf(busy)).toBe(600);
    expect(storeEffects(coordinator.dispatch({ type: "tick", at: 599, wall: 599 }))).toEqual([]);
    // At 600 the three left time out together: a reply to one of them now changes nothing.
    const late = coordinator.dispatch({ type: "tick", at: 600, wall: 600 });
    expect(wakeOf(late)).toBe(1_000);
    const ignored = coordinator.dispatch({
      type: "store-reply",
      requestId: unanswered[0]?.requestId ?? "",
      reply: {
        type: "acquired",
        now: 650,
        lease: { shard: 1, owner: "A", epoch: 1, expiresAt: 3_650 },
        previousOwner: null,
        checkpoint: null,
        log: [],
        inboxCursor: 0,
      },
      at: 650,
      wall: 650,
    });
    expect(ignored.filter((effect) => effect.type === "acquired")).toEqual([]);
    expect(coordinator.held()).toEqual([]);
  });
});
