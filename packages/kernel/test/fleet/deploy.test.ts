import { describe, expect, it } from "vitest";
import type { ProgramSpec } from "../../src/index.js";
import { answersTo, constant, Fleet, storedLog, submit } from "./support/harness.js";

const v1 = (): ProgramSpec => constant("a", 1_000, { version: 1 });
/** Same version, another interval: a canary deployed without a version bump. */
const v1Changed = (): ProgramSpec => constant("a", 2_000, { version: 1 });
const v2 = (): ProgramSpec => constant("a", 2_000, { version: 2 });

/** A (v1) owns shard 0 (program "a"), spawns it, and stops gracefully: the store holds v1's fingerprint. */
const storeAtV1 = () => {
  const fleet = new Fleet();
  const a = fleet.add({ nodeId: "A", programs: [v1()] });
  fleet.settle();
  submit(fleet, a, "c1", { type: "spawn", programId: "a" });
  fleet.runFor(2_000);
  fleet.send(a, { type: "stop" });
  fleet.runUntilTrue(() => a.effects("stopped").length > 0);
  expect(fleet.store.shards.get(0)?.fingerprints.a?.version).toBe(1);
  return { fleet, a };
};

describe("coordinator deploy skew", () => {
  it("acquire - a node with a changed spec under the same version reports deploy-skew once and never owns the shard", () => {
    const { fleet } = storeAtV1();
    const c = fleet.add({ nodeId: "C", programs: [v1Changed()] });
    fleet.runFor(30_000);
    const skew = c.effects("deploy-skew").map((seen) => seen.effect);
    expect(skew).toEqual([
      {
        type: "deploy-skew",
        shard: 0,
        problems: [
          expect.objectContaining({
            programId: "a",
            reason: "changed",
            stored: expect.objectContaining({ version: 1 }),
          }),
        ],
      },
    ]);
    expect(c.heldShards()).toEqual([1, 2, 3]);
    expect(c.effects("acquired").some((seen) => seen.effect.shard === 0)).toBe(false);
    expect(c.runs()).toEqual([]);
    expect(fleet.store.shards.get(0)?.lease.owner).toBe("A");
    expect(fleet.store.stats.deploySkewRefusals).toBeGreaterThan(1);
  });

  it("acquire - a node lacking a program the store holds for the shard reports it missing", () => {
    const { fleet } = storeAtV1();
    // "e" is on shard 0 too; the node has it but not "a".
    const c = fleet.add({ nodeId: "C", programs: [constant("e")] });
    fleet.runFor(30_000);
    expect(c.effects("deploy-skew").map((seen) => seen.effect.problems.map((problem) => problem.reason))).toEqual([
      ["missing"],
    ]);
    expect(c.heldShards()).not.toContain(0);
  });

  it("acquire - a higher version takes the shard over, replays it, and from then on the older nodes refuse it", () => {
    const { fleet, a } = storeAtV1();
    const d = fleet.add({ nodeId: "D", programs: [v2()] });
    fleet.runUntilTrue(() => d.heldShards().includes(0));
    expect(d.effects("acquired").find((seen) => seen.effect.shard === 0)?.effect).toMatchObject({
      previousOwner: "A",
      adopted: 1,
    });
    expect(fleet.store.shards.get(0)?.fingerprints.a?.version).toBe(2);
    // The spawn made under v1 goes on under v2.
    fleet.runFor(5_000);
    expect(d.runs().length).toBeGreaterThan(0);
    expect(d.runs().every((run) => run.spawnId === "a-1")).toBe(true);

    // D stops; the v1 node comes back, then a v1 canary: each refuses the shard as older.
    fleet.send(d, { type: "stop" });
    fleet.runUntilTrue(() => d.effects("stopped").length > 0);
    const back = fleet.restart(a);
    fleet.runFor(30_000);
    fleet.kill(back);
    const canary = fleet.add({ nodeId: "C", programs: [v1Changed()] });
    fleet.runFor(30_000);
    for (const node of [back, canary]) {
      expect(node.effects("acquired").some((seen) => seen.effect.shard === 0)).toBe(false);
      const reasons = node
        .effects("deploy-skew")
        .flatMap((seen) => seen.effect.problems.map((problem) => problem.reason));
      expect(reasons).toEqual(["older"]);
    }
    expect(fleet.store.shards.get(0)?.lease.owner).toBe("D");
    expect(fleet.store.shards.get(0)?.fingerprints.a?.version).toBe(2);
  });

  it("acquire - a refused node's commands for the shard still reach the owner", () => {
    const { fleet } = storeAtV1();
    const d = fleet.add({ nodeId: "D", programs: [v2()] });
    fleet.runUntilTrue(() => d.heldShards().includes(0));
    const c = fleet.add({ nodeId: "C", programs: [v1Changed()] });
    fleet.runFor(1_000);
    submit(fleet, c, "t1", { type: "trigger", programId: "a" });
    fleet.runFor(1_000);
    expect(answersTo(c, "t1")).toEqual([{ status: "done", value: "a-done" }]);
    expect(storedLog(fleet, 0).filter((entry) => entry.commandId === "c1").length).toBe(1);
  });

  it("acquire - skew cleared (the node restarted with matching programs) lets the node take the shard", () => {
    const { fleet } = storeAtV1();
    const c = fleet.add({ nodeId: "C", programs: [v1Changed()] });
    fleet.runUntilTrue(() => c.effects("deploy-skew").length > 0);
    const fixed = fleet.restart(c, { programs: [v1()] });
    fleet.runFor(15_000);
    expect(fixed.heldShards()).toContain(0);
  });

  it("scan - a shard only a newer node may run is not left ownerless when that node rebalances it away", () => {
    // "new" (v2) runs alone and takes every shard, upgrading shard 0 to v2; "old" (v1) joins. "new" then
    // releases shards down to its share; if shard 0 is among them, "old" is refused (older) and "new",
    // at its share, never takes it back: program "a" stops running for good.
    const fleet = new Fleet();
    const newer = fleet.add({ nodeId: "new", programs: [v2()] });
    fleet.settle();
    submit(fleet, newer, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(1_000);
    const older = fleet.add({ nodeId: "old", programs: [v1()] });
    fleet.runFor(60_000);
    expect(older.effects("deploy-skew").length).toBeGreaterThan(0);
    // Someone owns shard 0 now (only "new" can), and the program still fires.
    expect(newer.heldShards()).toContain(0);
    const lastRun = newer.effects("run").at(-1)?.at ?? 0;
    expect(lastRun).toBeGreaterThan(fleet.time - 2_000);
  });
});
