import type { ProgramSpec } from "@schedkit/kernel";
import { createModelStore } from "@schedkit/kernel/fleet";
import { describe, expect, it } from "vitest";
import { createFleetRunner, type FleetRunner, type FleetRunnerEvent } from "../src/fleetRunner.js";
import { VirtualClock } from "./support/virtualClock.js";

const OPTIONS = { shards: 4, leaseTtl: 3_000, renewInterval: 1_000, safetyMargin: 300 } as const;

const setup = (count: number, programs: (node: string, runs: string[]) => ProgramSpec[]) => {
  const clock = new VirtualClock();
  const store = createModelStore({ clock: () => clock.time });
  const runs: string[] = [];
  const events: FleetRunnerEvent[] = [];
  const nodes: FleetRunner[] = [];
  for (let index = 0; index < count; index++) {
    const nodeId = `n${index}`;
    const runner = createFleetRunner({ store, clock, nodeId, programs: programs(nodeId, runs), ...OPTIONS });
    runner.subscribe((event) => events.push(event));
    nodes.push(runner);
  }
  return { clock, store, runs, events, nodes };
};

const ticking =
  (id: string, interval: number) =>
  (node: string, runs: string[]): ProgramSpec => ({
    id,
    interval,
    mainFn: (_args: unknown, _t: number, ctx) => {
      runs.push(`${node} ${ctx.fireId}`);
      return node;
    },
  });

describe("createFleetRunner", () => {
  it("spawn - a spawn from any replica runs its job once per due time across the fleet", async () => {
    const { clock, store, runs, nodes } = setup(3, (node, runs) => [
      ticking("reports", 100)(node, runs),
      ticking("sync", 250)(node, runs),
    ]);
    for (const node of nodes) node.start();
    await clock.advance(50);
    expect(await clock.until(nodes[2]?.spawn("reports"))).toBe("reports-1");
    await clock.advance(2_000);
    const fires = runs.map((run) => run.split(" ")[1]);
    expect(fires.length).toBeGreaterThan(15);
    expect(new Set(fires).size).toBe(fires.length);
    expect([...store.fires.keys()].sort()).toEqual([...fires].sort());
    for (const node of nodes) node.kill();
  });

  it("trigger - a trigger on a replica that does not own the program answers with the job's output", async () => {
    const { clock, nodes } = setup(2, (node, runs) => [ticking("reports", 1_000)(node, runs)]);
    for (const node of nodes) node.start();
    await clock.advance(100);
    const outputs = await clock.until(Promise.all(nodes.map((node) => node.trigger("reports"))));
    // Both ran on the owner, whichever node asked.
    expect(outputs[0]).toBe(outputs[1]);
    expect(["n0", "n1"]).toContain(outputs[0]);
    for (const node of nodes) node.kill();
  });

  it("stop - a graceful stop hands the shards over at once and the schedule goes on elsewhere", async () => {
    const { clock, runs, nodes, events } = setup(2, (node, runs) => [ticking("reports", 100)(node, runs)]);
    for (const node of nodes) node.start();
    await clock.advance(50);
    await clock.until(nodes[0]?.spawn("reports"));
    await clock.advance(300);
    const owner = runs.at(-1)?.split(" ")[0];
    const ownerIndex = owner === "n0" ? 0 : 1;
    await clock.until(nodes[ownerIndex]?.stop());
    expect(nodes[ownerIndex]?.health().status).toBe("stopped");
    const before = runs.length;
    await clock.advance(1_000);
    const after = runs.slice(before);
    expect(after.length).toBeGreaterThan(5);
    expect(after.every((run) => !run.startsWith(`${owner} `))).toBe(true);
    expect(events.some((event) => event.type === "released")).toBe(true);
    const fires = runs.map((run) => run.split(" ")[1]);
    expect(new Set(fires).size).toBe(fires.length);
    for (const node of nodes) node.kill();
  });

  it("kill - a killed owner's shards are taken over after the lease and its unfinished fire runs again", async () => {
    let hang = true;
    const reruns: string[] = [];
    const { clock, runs, nodes } = setup(2, (node, runs) => [
      {
        id: "reports",
        interval: 500,
        mainFn: (_args: unknown, _t: number, ctx) => {
          runs.push(`${node} ${ctx.fireId}`);
          if (ctx.rerun === true) reruns.push(ctx.fireId);
          return hang ? new Promise(() => {}) : node;
        },
      },
    ]);
    for (const node of nodes) node.start();
    await clock.advance(50);
    await clock.until(nodes[0]?.spawn("reports"));
    await clock.advance(600); // the first job starts an interval after the spawn, and hangs
    expect(runs.length).toBe(1);
    const [owner, fireId] = (runs[0] ?? "").split(" ");
    hang = false;
    nodes[owner === "n0" ? 0 : 1]?.kill();
    await clock.advance(5_000);
    const rerun = runs.filter((run) => run.endsWith(` ${fireId}`));
    expect(rerun.length, JSON.stringify({ owner, fireId, runs: runs.slice(0, 5) })).toBe(2);
    expect(rerun[1]?.startsWith(owner === "n0" ? "n1 " : "n0 ")).toBe(true);
    // Its job knows it may repeat work: `ctx.rerun`, on the second run only.
    expect(reruns).toEqual([fireId]);
    for (const node of nodes) node.kill();
  });

  it("pause - a pause from any replica holds the program on its owner, survives a takeover, and resume lets it go on", async () => {
    const { clock, runs, nodes } = setup(2, (node, runs) => [
      {
        id: "reports",
        type: "constant",
        interval: 200,
        mainFn: (_args: unknown, _t: number, ctx) => {
          runs.push(`${node} ${ctx.fireId}`);
          return node;
        },
      },
    ]);
    for (const node of nodes) node.start();
    await clock.advance(50);
    await clock.until(nodes[1]?.spawn("reports", { spawnId: "main", misfire: "skip" }));
    await clock.advance(1_000);
    expect(runs.length).toBeGreaterThan(2);
    await clock.until(nodes[1]?.pause("reports", undefined, { note: "deploy" }));
    const before = runs.length;
    const owner = (runs.at(-1) ?? "").split(" ")[0];
    nodes[owner === "n0" ? 0 : 1]?.kill();
    await clock.advance(6_000);
    // The survivor took the shard (its checkpoint and log hold the pause): nothing ran.
    expect(runs.length).toBe(before);
    const survivor = nodes[owner === "n0" ? 1 : 0];
    await clock.until(survivor?.resume("reports"));
    await clock.advance(1_000);
    const after = runs.slice(before);
    expect(after.length).toBeGreaterThanOrEqual(4);
    expect(after.every((run) => run.startsWith(owner === "n0" ? "n1 " : "n0 "))).toBe(true);
    survivor?.kill();
  });

  it("backfill - a backfill from any replica runs the range's due times once each, with their backfill fire ids", async () => {
    const { clock, runs, nodes } = setup(2, (node, runs) => [
      {
        id: "reports",
        type: "constant",
        interval: 1_000,
        mainFn: (_args: unknown, _t: number, ctx) => {
          runs.push(`${node} ${ctx.fireId}`);
          return node;
        },
      },
    ]);
    for (const node of nodes) node.start();
    await clock.advance(5_000);
    // A fleet's kernel time is the wall clock (epoch ms).
    const now = clock.wallNow();
    await clock.until(nodes[0]?.backfill("reports", { from: now - 3_000, to: now - 1 }));
    await clock.advance(500);
    const fires = runs.map((run) => run.split(" ")[1]);
    expect(fires).toEqual([now - 3_000, now - 2_000, now - 1_000].map((t) => `reports/backfill/${t}`));
    await expect(clock.until(nodes[1]?.backfill("reports", { from: now, to: now + 10_000 }))).rejects.toMatchObject({
      code: "invalid-command",
    });
    for (const node of nodes) node.kill();
  });

  it("health - a program changed without a higher version keeps a replica off its shard: degraded, saying so", async () => {
    const clock = new VirtualClock();
    const store = createModelStore({ clock: () => clock.time });
    const events: FleetRunnerEvent[] = [];
    const report = (interval: number): ProgramSpec => ({ id: "report", interval, version: 1, mainFn: () => "ok" });
    const old = createFleetRunner({ store, clock, nodeId: "old", programs: [report(100)], ...OPTIONS, shards: 1 });
    old.start();
    await clock.advance(100);
    await clock.until(old.spawn("report"));
    await clock.until(old.stop());
    // The same version with another interval: the store refuses this replica the shard.
    const skewed = createFleetRunner({ store, clock, nodeId: "new", programs: [report(250)], ...OPTIONS, shards: 1 });
    skewed.subscribe((event) => events.push(event));
    skewed.start();
    await clock.advance(500);
    const health = skewed.health();
    expect(health.status).toBe("degraded");
    expect(health.reason).toMatch(/deploy skew.*shard 0: report changed without a higher version/);
    expect(events.filter((event) => event.type === "health")).toEqual([
      expect.objectContaining({ type: "health", status: "degraded", shards: 0 }),
    ]);
    skewed.kill();
    expect(events.at(-1)).toMatchObject({ type: "health", status: "stopped" });
  });

  it("createFleetRunner - bad options and early calls are coded errors", async () => {
    expect(() => createFleetRunner({} as never)).toThrow(/store/);
    // The coordinator's options are checked at creation, not at start().
    expect(() => createFleetRunner({ store: createModelStore({ clock: () => 0 }), leaseTtl: -5 })).toThrow(
      expect.objectContaining({ code: "invalid-options", field: "leaseTtl" }),
    );
    expect(() =>
      createFleetRunner({ store: createModelStore({ clock: () => 0 }), leaseTtl: 1_000, renewInterval: 900 }),
    ).toThrow(expect.objectContaining({ field: "renewInterval" }));
    const runner = createFleetRunner({ store: createModelStore({ clock: () => 0 }) });
    await expect(runner.spawn("x")).rejects.toMatchObject({ code: "not-started" });
    expect(runner.health()).toEqual({ status: "idle", shards: 0 });
  });
});
