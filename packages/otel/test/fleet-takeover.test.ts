import { afterEach, describe, expect, it } from "vitest";
import { createTestFleet, type FleetNode, ownedShards, runsOf, SHARDS, takeoversOf } from "./support/fleet.js";
import { hrAt, T0 } from "./support/telemetry.js";

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two replicas, two shards each (from 4,000 ms), running `reports` (shard 0: n0's). */
const twoReplicas = async (mainFn: () => unknown, type: "basic" | "constant" = "basic") => {
  const made = createTestFleet(2, () => [{ id: "reports", type, interval: 500, mainFn }]);
  cleanups.push(made.dispose);
  for (const node of made.nodes) node.runner.start();
  await made.fake.tickAsync(4_500);
  for (const node of made.nodes) expect(node.runner.health().shards).toBe(2);
  return made;
};

describe("instrument: fleet takeover", () => {
  it("instrument - a takeover after a replica is killed counts in fleet.takeovers, and the rerun's span says so", async () => {
    let hang = true;
    const { fake, nodes, until } = await twoReplicas(() => (hang ? new Promise(() => {}) : "done"));
    await until((nodes[1] as FleetNode).runner.spawn("reports"));
    await fake.tickAsync(600); // the first job starts, and hangs
    const owner = nodes.find((node) => runsOf(node).length > 0) as FleetNode;
    const survivor = nodes.find((node) => node !== owner) as FleetNode;
    const first = runsOf(owner)[0];
    if (first === undefined) throw new Error("no run");
    const takenBefore = await takeoversOf(survivor);
    expect(await ownedShards(survivor)).toBe(2);

    hang = false;
    owner.runner.kill();
    await fake.tickAsync(6_000);
    expect(survivor.runner.health().shards).toBe(SHARDS);
    expect(await ownedShards(survivor)).toBe(SHARDS);
    expect((await takeoversOf(survivor)) - takenBefore).toBe(2);

    const rerun = survivor.telemetry
      .jobSpans("reports")
      .find((span) => span.attributes["schedkit.fire.id"] === first.fireId);
    expect(rerun?.attributes).toMatchObject({
      "schedkit.fleet.node.id": survivor.runner.nodeId,
      "schedkit.job.kind": "spawn",
      "schedkit.job.rerun": true,
      "schedkit.job.status": "succeeded",
      "schedkit.fleet.shard": first.shard,
    });
    expect(rerun?.attributes["schedkit.fleet.epoch"]).toBeGreaterThan(first.epoch);
    const again = runsOf(survivor).find((run) => run.fireId === first.fireId);
    expect(again?.rerun).toBe(true);
    expect(rerun?.attributes["schedkit.fleet.epoch"]).toBe(again?.epoch);
  });

  it("instrument - a killed replica ends its running jobs' spans as cancelled, and jobs.in_flight goes back to 0", async () => {
    const { fake, nodes, until } = await twoReplicas(() => new Promise(() => {}));
    await until((nodes[0] as FleetNode).runner.spawn("reports"));
    await fake.tickAsync(600);
    const owner = nodes.find((node) => runsOf(node).length > 0) as FleetNode;
    expect(runsOf(owner)).toHaveLength(1);
    expect((await owner.telemetry.collect()).sum("schedkit.jobs.in_flight")).toBe(1);
    const killedAt = fake.now;
    owner.runner.kill();
    const [span] = owner.telemetry.jobSpans("reports");
    expect(span?.attributes["schedkit.job.status"]).toBe("cancelled");
    expect(span?.endTime).toEqual(hrAt(killedAt - T0));
    const m = await owner.telemetry.collect();
    expect(m.sum("schedkit.jobs.in_flight")).toBe(0);
    expect(m.sum("schedkit.job.settled", { "schedkit.job.status": "cancelled" })).toBe(1);
    // Its leases are its own until they lapse: shards.owned stays what health() says.
    expect(await ownedShards(owner)).toBe(owner.runner.health().shards);
  });

  it("instrument - a backfill's runs, run again after a takeover, are still marked as backfills", async () => {
    let hang = true;
    const { fake, nodes, until } = await twoReplicas(() => (hang ? new Promise(() => {}) : "done"), "constant");
    const now = (nodes[0] as FleetNode).runner.now();
    await until(
      (nodes[1] as FleetNode).runner.backfill("reports", { from: now - 3_000, to: now - 1, overlap: "allow" }),
    );
    await fake.tickAsync(100);
    const owner = nodes.find((node) => runsOf(node).length > 0) as FleetNode;
    const survivor = nodes.find((node) => node !== owner) as FleetNode;
    const times = [0, 500, 1_000, 1_500, 2_000, 2_500].map((ms) => now - 3_000 + ms);
    expect(runsOf(owner).map((run) => run.fireId)).toEqual(times.map((t) => `reports/backfill/${t}`));
    hang = false;
    owner.runner.kill();
    await fake.tickAsync(6_000);
    const reruns = survivor.telemetry.jobSpans("reports");
    expect(runsOf(survivor).map((run) => run.rerun)).toEqual(times.map(() => true));
    expect(
      reruns.map((span) => [
        span.attributes["schedkit.fire.id"],
        span.attributes["schedkit.job.kind"],
        span.attributes["schedkit.job.rerun"],
      ]),
    ).toEqual(times.map((t) => [`reports/backfill/${t}`, "backfill", true]));
  });
});
