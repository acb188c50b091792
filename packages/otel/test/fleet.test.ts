import { shardOf } from "@schedkit/kernel/fleet";
import { afterEach, describe, expect, it } from "vitest";
import { createTestFleet, type FleetNode, ownedShards, runsOf, SHARDS, takeoversOf } from "./support/fleet.js";
import { after, hrAt, T0 } from "./support/telemetry.js";

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const testFleet = (...args: Parameters<typeof createTestFleet>) => {
  const made = createTestFleet(...args);
  cleanups.push(made.dispose);
  return made;
};

const inFlight = async (node: FleetNode) => (await node.telemetry.collect()).sum("schedkit.jobs.in_flight");

describe("instrument: fleet runner", () => {
  it("instrument - a fleet job's span carries its shard, epoch, rerun and node, and shards.owned is health().shards", async () => {
    const { fake, nodes, until } = testFleet(2, () => [
      { id: "reports", interval: 500, mainFn: () => after(fake, 20, "ok") },
    ]);
    const [n0, n1] = nodes as [FleetNode, FleetNode];
    n0.runner.start();
    n1.runner.start();
    for (const [at, shards] of [
      [0, [4, 0]],
      [2_000, [3, 0]],
      [3_000, [2, 1]],
      [4_000, [2, 2]],
    ] as const) {
      await fake.tickAsync(T0 + at + 100 - fake.now);
      expect([n0.runner.health().shards, n1.runner.health().shards], `at ${at}`).toEqual(shards);
      expect([await ownedShards(n0), await ownedShards(n1)], `at ${at}`).toEqual(shards);
    }
    // Shards handed over count as taken from another replica.
    expect([await takeoversOf(n0), await takeoversOf(n1)]).toEqual([0, 2]);

    const spawnId = await until(n1.runner.spawn("reports"));
    await fake.tickAsync(1_000);
    const owner = nodes.find((node) => runsOf(node).length > 0) as FleetNode;
    const other = nodes.find((node) => node !== owner) as FleetNode;
    const run = runsOf(owner)[0];
    if (run === undefined) throw new Error("no run");
    const spans = owner.telemetry.jobSpans("reports");
    expect(spans).toHaveLength(runsOf(owner).length);
    expect(spans.length).toBeGreaterThan(0);
    expect(other.telemetry.spans()).toEqual([]);
    const span = spans[0];
    expect(span?.attributes).toEqual({
      "schedkit.fleet.node.id": owner.runner.nodeId,
      "schedkit.program.id": "reports",
      "schedkit.spawn.id": spawnId,
      "schedkit.fire.id": run.fireId,
      "schedkit.job.id": run.jobId,
      "schedkit.job.kind": "spawn",
      "schedkit.job.scheduled_at": run.scheduledAt,
      "schedkit.job.lateness_ms": run.startedAt - run.scheduledAt,
      "schedkit.fleet.shard": shardOf("reports", SHARDS),
      "schedkit.fleet.epoch": run.epoch,
      "schedkit.job.rerun": false,
      "schedkit.job.status": "succeeded",
    });
    expect(run.shard).toBe(shardOf("reports", SHARDS));
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.startTime).toEqual(hrAt(run.startedAt - T0));
    expect(span?.endTime).toEqual(hrAt(run.startedAt - T0 + 20));
    const m = await owner.telemetry.collect();
    expect(m.sum("schedkit.job.settled", { "schedkit.job.status": "succeeded" })).toBe(spans.length);
    expect(m.histogram("schedkit.job.duration", {})).toMatchObject({ count: spans.length, sum: 20 * spans.length });
    // A fleet's node ids are per replica: on spans, not on metrics.
    expect(m.points("schedkit.job.settled")[0]?.attributes).toEqual({
      "schedkit.program.id": "reports",
      "schedkit.job.kind": "spawn",
      "schedkit.job.status": "succeeded",
    });
  });

  it("instrument - a fleet's triggers and backfills are marked by kind", async () => {
    const { fake, nodes, until } = testFleet(1, () => [
      { id: "reports", type: "constant", interval: 1_000, mainFn: () => 7 },
    ]);
    const [node] = nodes as [FleetNode];
    node.runner.start();
    await fake.tickAsync(5_000);
    expect(await until(node.runner.trigger("reports"))).toBe(7);
    const now = node.runner.now();
    await until(node.runner.backfill("reports", { from: now - 3_000, to: now - 1 }));
    await fake.tickAsync(500);
    const spans = node.telemetry.jobSpans("reports");
    expect(spans.map((span) => [span.attributes["schedkit.job.kind"], "schedkit.spawn.id" in span.attributes])).toEqual(
      [
        ["trigger", false],
        ["backfill", false],
        ["backfill", false],
        ["backfill", false],
      ],
    );
    expect(spans.slice(1).map((span) => span.attributes["schedkit.fire.id"])).toEqual(
      [now - 3_000, now - 2_000, now - 1_000].map((t) => `reports/backfill/${t}`),
    );
  });

  it("instrument - a graceful stop waits for the running job, then releases every shard: shards.owned goes to 0", async () => {
    const { fake, nodes, until } = testFleet(1, () => [
      { id: "reports", interval: 500, mainFn: () => after(fake, 50, 1) },
    ]);
    const [node] = nodes as [FleetNode];
    node.runner.start();
    await fake.tickAsync(1_000);
    expect(await ownedShards(node)).toBe(SHARDS);
    expect(node.runner.health().shards).toBe(SHARDS);
    await until(node.runner.spawn("reports"));
    while ((await inFlight(node)) === 0) await fake.tickAsync(10);
    await until(node.runner.stop());
    expect(node.runner.health()).toEqual({ status: "stopped", shards: 0 });
    expect(await ownedShards(node)).toBe(0);
    expect(await inFlight(node)).toBe(0);
    const spans = node.telemetry.jobSpans("reports");
    expect(spans).toHaveLength(runsOf(node).length);
    expect(spans.map((span) => span.attributes["schedkit.job.status"])).toEqual(spans.map(() => "succeeded"));
    expect(spans.map((span) => span.duration)).toEqual(spans.map(() => [0, 50_000_000]));
  });

  it("instrument - instrumenting a started replica counts the shards it already holds", async () => {
    const { fake, nodes } = testFleet(1, () => [{ id: "reports", interval: 500, mainFn: () => 1 }], {
      late: true,
    });
    const [node] = nodes as [FleetNode];
    node.runner.start();
    await fake.tickAsync(1_000);
    expect(node.runner.health().shards).toBe(SHARDS);
    node.instrument();
    expect(await ownedShards(node)).toBe(SHARDS);
    await node.runner.stop();
    await fake.tickAsync(100);
    expect(node.runner.health().shards).toBe(0);
    expect(await ownedShards(node)).toBe(0);
  });

  it("instrument - the remover ends a fleet's open spans as abandoned and takes shards.owned back to 0", async () => {
    const { fake, nodes, until } = testFleet(
      1,
      () => [{ id: "reports", interval: 500, mainFn: () => after(fake, 1_000, 1) }],
      {
        late: true,
      },
    );
    const [node] = nodes as [FleetNode];
    const remove = node.instrument();
    node.runner.start();
    await fake.tickAsync(1_000);
    await until(node.runner.spawn("reports"));
    while ((await inFlight(node)) === 0) await fake.tickAsync(10);
    const removedAt = fake.now;
    remove();
    const m = await node.telemetry.collect();
    expect(m.sum("schedkit.fleet.shards.owned")).toBe(0);
    expect(m.sum("schedkit.jobs.in_flight")).toBe(0);
    const spans = node.telemetry.jobSpans("reports");
    expect(spans.map((span) => [span.attributes["schedkit.job.status"], span.endTime])).toEqual([
      ["abandoned", hrAt(removedAt - T0)],
    ]);
    remove();
    expect(await ownedShards(node)).toBe(0);
    // Later jobs and shard moves reach nothing.
    await fake.tickAsync(3_000);
    expect(node.telemetry.spans()).toHaveLength(1);
    expect(await ownedShards(node)).toBe(0);
  });
});
