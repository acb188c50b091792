import { describe, expect, it } from "vitest";
import { type CoordinatorOptions, createCoordinator } from "../../src/fleet/index.js";
import { SchedkitError } from "../../src/index.js";
import { constant } from "./support/harness.js";

const base: CoordinatorOptions = { nodeId: "A", programs: [constant("a")] };

const thrown = (options: unknown): SchedkitError => {
  try {
    createCoordinator(options as CoordinatorOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(SchedkitError);
    return error as SchedkitError;
  }
  throw new Error("createCoordinator did not throw");
};

describe("createCoordinator options", () => {
  it("createCoordinator - defaults follow FLEET.md (64 shards)", () => {
    const coordinator = createCoordinator(base);
    expect(coordinator.shards).toBe(64);
    expect(coordinator.nodeId).toBe("A");
    expect(coordinator.held()).toEqual([]);
  });

  it("createCoordinator - defaults: the first renewal goes out leaseTtl / 3 after the acquire, the deadline is leaseTtl - 1,000", () => {
    const coordinator = createCoordinator({ ...base, shards: 1 });
    const first = coordinator.dispatch({ type: "tick", at: 0, wall: 0 });
    const scan = first.find((effect) => effect.type === "store");
    if (scan?.type !== "store") throw new Error("no scan");
    expect(scan.request).toMatchObject({ type: "scan", ttl: (2 * 10_000) / 3 });
    const acquire = coordinator
      .dispatch({
        type: "store-reply",
        at: 0,
        wall: 0,
        requestId: scan.requestId,
        reply: { type: "scanned", now: 0, leases: [], nodes: ["A"], lastSeen: {} },
      })
      .find((effect) => effect.type === "store");
    if (acquire?.type !== "store") throw new Error("no acquire");
    expect(acquire.request).toMatchObject({ type: "acquire", shard: 0, ttl: 10_000 });
    coordinator.dispatch({
      type: "store-reply",
      at: 0,
      wall: 0,
      requestId: acquire.requestId,
      reply: {
        type: "acquired",
        now: 0,
        lease: { shard: 0, owner: "A", epoch: 1, expiresAt: 10_000 },
        previousOwner: null,
        checkpoint: null,
        log: [],
        inboxCursor: 0,
      },
    });
    expect(coordinator.held()).toEqual([expect.objectContaining({ shard: 0, epoch: 1, deadline: 9_000 })]);
    const renewAt = 10_000 / 3;
    const before = coordinator.dispatch({ type: "tick", at: renewAt - 1, wall: renewAt - 1 });
    expect(before.some((effect) => effect.type === "store" && effect.request.type === "renew")).toBe(false);
    const at = coordinator.dispatch({ type: "tick", at: renewAt, wall: renewAt });
    expect(at.some((effect) => effect.type === "store" && effect.request.type === "renew")).toBe(true);
  });

  it.each([
    ["nodeId", { ...base, nodeId: "" }],
    ["nodeId", { ...base, nodeId: 7 }],
    ["programs", { ...base, programs: "a" }],
    ["shards", { ...base, shards: 0 }],
    ["shards", { ...base, shards: 1.5 }],
    ["shards", { ...base, shards: Number.POSITIVE_INFINITY }],
    ["leaseTtl", { ...base, leaseTtl: -1 }],
    ["leaseTtl", { ...base, leaseTtl: "10s" }],
    ["renewInterval", { ...base, renewInterval: 0 }],
    ["safetyMargin", { ...base, safetyMargin: Number.NaN }],
    ["requestTimeout", { ...base, requestTimeout: -5 }],
    ["checkpointEvery", { ...base, checkpointEvery: 2.5 }],
    ["inboxPollInterval", { ...base, inboxPollInterval: 0 }],
    ["answerPollInterval", { ...base, answerPollInterval: -1 }],
    ["commandTimeout", { ...base, commandTimeout: 0 }],
  ])("createCoordinator - a bad %s throws invalid-options naming it", (field, options) => {
    const error = thrown(options);
    expect(error.code).toBe("invalid-options");
    expect(error.field).toBe(field);
  });

  it("createCoordinator - options that are not an object throw, naming options", () => {
    expect(thrown(null).field).toBe("options");
  });

  it("createCoordinator - a renewal interval plus margin that reaches the lease throws, naming renewInterval", () => {
    const error = thrown({ ...base, leaseTtl: 10_000, renewInterval: 9_000, safetyMargin: 1_000 });
    expect(error.code).toBe("invalid-options");
    expect(error.field).toBe("renewInterval");
    expect(() =>
      createCoordinator({ ...base, leaseTtl: 10_000, renewInterval: 8_999, safetyMargin: 1_000 }),
    ).not.toThrow();
  });

  it("createCoordinator - a program given twice throws, naming the second one's id", () => {
    const error = thrown({ ...base, programs: [constant("a"), constant("a", 5)] });
    expect(error.code).toBe("invalid-options");
    expect(error.field).toBe("programs[1].id");
  });

  it("createCoordinator - a spec the kernel would reject throws with the kernel's code, naming the program's field", () => {
    const error = thrown({ ...base, programs: [constant("ok"), constant("bad", -1)] });
    expect(error.code).toBe("invalid-program");
    expect(error.field).toMatch(/^programs\[1\]\..*interval$/);
    expect(error.message).toContain("programs[1]");
  });

  it("createCoordinator - bad kernel options throw a SchedkitError", () => {
    const error = thrown({ ...base, kernel: { seed: 1.5 } });
    expect(error.code).toMatch(/invalid/);
  });

  it("dispatch - a command without a finite at or wall throws invalid-command naming it", () => {
    const coordinator = createCoordinator(base);
    let error: unknown;
    try {
      coordinator.dispatch({ type: "tick", at: Number.NaN, wall: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SchedkitError);
    expect((error as SchedkitError).field).toBe("at");
    expect(() => coordinator.dispatch({ type: "tick", at: 0, wall: Number.POSITIVE_INFINITY })).toThrow(
      expect.objectContaining({ code: "invalid-command", field: "wall" }),
    );
  });

  it("dispatch - every dispatch ends with one wake, at or after the node's time", () => {
    const coordinator = createCoordinator({ ...base, shards: 2 });
    for (const at of [0, 5, 5, 100, 3_000]) {
      const effects = coordinator.dispatch({ type: "tick", at, wall: at });
      expect(effects.at(-1)?.type).toBe("wake");
      expect(effects.filter((effect) => effect.type === "wake").length).toBe(1);
      const wake = effects.at(-1);
      if (wake?.type === "wake") expect(wake.at).toBeGreaterThanOrEqual(at);
    }
  });

  it("dispatch - a monotonic clock going backwards is treated as now", () => {
    const coordinator = createCoordinator({ ...base, shards: 1 });
    coordinator.dispatch({ type: "tick", at: 1_000, wall: 0 });
    const effects = coordinator.dispatch({ type: "tick", at: 10, wall: 0 });
    const wake = effects.at(-1);
    expect(wake?.type === "wake" && wake.at >= 1_000).toBe(true);
  });

  it("dispatch - a reply to an unknown request is ignored", () => {
    const coordinator = createCoordinator({ ...base, shards: 1 });
    coordinator.dispatch({ type: "tick", at: 0, wall: 0 });
    const effects = coordinator.dispatch({
      type: "store-reply",
      at: 1,
      wall: 1,
      requestId: "nobody:99",
      reply: { type: "released", now: 1 },
    });
    expect(effects.map((effect) => effect.type)).toEqual(["wake"]);
  });
});
