import { describe, expect, it } from "vitest";
import { constant, Fleet, perShard, storedLog, submit } from "./support/harness.js";

/** A holds every shard, with a spawn of each program firing; its jobs end when the test says. */
const running = () => {
  const fleet = new Fleet();
  const a = fleet.add({ nodeId: "A", programs: perShard(), jobs: "manual" });
  fleet.settle();
  for (const id of ["a", "b", "c", "d"]) submit(fleet, a, `spawn-${id}`, { type: "spawn", programId: id });
  fleet.runFor(1_300);
  expect(a.running.size).toBe(4);
  return { fleet, a };
};

describe("coordinator graceful stop", () => {
  it("stop - waits for running jobs, starts no new one, then checkpoints at the log head, releases and reports stopped", () => {
    const { fleet, a } = running();
    const runsBefore = a.runs().length;
    fleet.send(a, { type: "stop" });
    fleet.runFor(5_000);
    // Draining: the leases are still held (and renewed), nothing new starts, nothing is reported stopped.
    expect(a.effects("stopped")).toEqual([]);
    expect(a.runs().length).toBe(runsBefore);
    expect(a.heldShards()).toEqual([0, 1, 2, 3]);
    expect(a.coordinator.held().every((held) => held.releasing)).toBe(true);
    expect(a.effects("lost")).toEqual([]);

    for (const job of [...a.running.values()]) fleet.finish(a, job);
    fleet.settle();
    expect(a.effects("stopped").length).toBe(1);
    expect(
      a
        .effects("released")
        .map((seen) => seen.effect.shard)
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    expect(a.heldShards()).toEqual([]);
    const stoppedAt = a.effects("stopped")[0]?.at;
    for (let shard = 0; shard < 4; shard++) {
      const record = fleet.store.shards.get(shard);
      expect(record?.checkpoint?.seq).toBe(record?.log.length);
      expect(record?.lease.expiresAt).toBe(stoppedAt);
      expect(record?.checkpoint?.epoch).toBe(1);
    }
    // Every recorded fire is completed: nothing is left for a new owner to rerun.
    for (const fire of fleet.store.fires.values()) expect(fire.completed).toBe("succeeded");
  });

  it("stop - the last effect of a stop is stopped, after every released", () => {
    const { fleet, a } = running();
    for (const job of [...a.running.values()]) fleet.finish(a, job);
    fleet.send(a, { type: "stop" });
    fleet.runUntilTrue(() => a.effects("stopped").length > 0);
    const kinds = a.seen.map((seen) => seen.effect.type).filter((type) => type === "released" || type === "stopped");
    expect(kinds).toEqual(["released", "released", "released", "released", "stopped"]);
  });

  it("stop - a stopped node sends nothing more", () => {
    const { fleet, a } = running();
    for (const job of [...a.running.values()]) fleet.finish(a, job);
    fleet.send(a, { type: "stop" });
    fleet.runUntilTrue(() => a.effects("stopped").length > 0);
    const sent = a.effects("store").length;
    fleet.runFor(30_000);
    expect(a.effects("store").length).toBe(sent);
    expect(a.effects("stopped").length).toBe(1);
  });

  it("stop - a node holding nothing reports stopped at once", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1 });
    const effects = fleet.dispatch(a, { type: "stop" });
    // The first dispatch stops before scanning: no lease was ever taken.
    expect(effects.map((effect) => effect.type)).toEqual(["stopped", "wake"]);
  });

  it("stop - an acquisition answered after the stop is released again before stopped", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1 });
    a.fate = (request) => (request.type === "acquire" ? { delay: 500 } : "deliver");
    fleet.settle();
    fleet.runFor(100);
    fleet.send(a, { type: "stop" });
    fleet.runFor(2_000);
    expect(a.effects("acquired").length).toBe(1);
    expect(a.effects("released").length).toBe(1);
    expect(a.effects("stopped").length).toBe(1);
    expect(a.effects("stopped")[0]?.at).toBeGreaterThanOrEqual(
      a.effects("released")[0]?.at ?? Number.POSITIVE_INFINITY,
    );
    expect(fleet.store.shards.get(0)?.lease.expiresAt).toBeLessThanOrEqual(fleet.time);
  });

  it("stop - another node takes a released shard at once (on the release notice), with nothing to replay", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1 });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    const b = fleet.add({ nodeId: "B", programs: [constant("a")], shards: 1 });
    fleet.runFor(2_500);
    expect(a.heldShards()).toEqual([0]);
    fleet.send(a, { type: "stop" });
    fleet.runUntilTrue(() => a.effects("stopped").length > 0);
    fleet.send(b, { type: "notify", reason: "released", shard: 0 });
    fleet.settle();
    expect(b.heldShards()).toEqual([0]);
    expect(b.effects("acquired").map((seen) => seen.effect)).toEqual([
      expect.objectContaining({
        type: "acquired",
        shard: 0,
        epoch: 2,
        previousOwner: "A",
        replayed: 0,
        adopted: 1,
        unfinished: 0,
      }),
    ]);
    // The program goes on on B from A's state.
    fleet.runFor(2_000);
    expect(b.runs().length).toBeGreaterThan(0);
    expect(b.runs().every((run) => run.spawnId === "a-1" && !run.rerun)).toBe(true);
    const all = [...a.runs(), ...b.runs()].map((run) => run.fireId);
    expect(new Set(all).size).toBe(all.length);
    expect(storedLog(fleet, 0).every((entry, index) => entry.seq === index + 1)).toBe(true);
  });

  it("stop - another node takes every shard the stopped node released at once, not only its share", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: perShard() });
    fleet.settle();
    const b = fleet.add({ nodeId: "B", programs: perShard() });
    fleet.runFor(1);
    expect(a.heldShards()).toEqual([0, 1, 2, 3]);
    fleet.send(a, { type: "stop" });
    fleet.runUntilTrue(() => a.effects("stopped").length > 0);
    fleet.send(b, { type: "notify", reason: "released" });
    fleet.settle();
    // FLEET.md guarantee 5: "a graceful stop() releases its leases after checkpointing, so another node takes over at once".
    expect(b.heldShards()).toEqual([0, 1, 2, 3]);
  });

  it("stop - a release announced while a scan is under way still takes every freed shard when that (older) scan answers", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: perShard() });
    fleet.settle();
    const b = fleet.add({ nodeId: "B", programs: perShard() });
    const c = fleet.add({ nodeId: "C", programs: perShard() });
    fleet.runFor(1);
    expect(a.heldShards()).toEqual([0, 1, 2, 3]);
    // B's scans are answered 400 ms late: the one it sends now reads the leases before A lets go.
    b.fate = (request) => (request.type === "scan" ? { delay: 400 } : "deliver");
    fleet.send(b, { type: "notify", reason: "released" });
    fleet.runFor(1);
    fleet.send(a, { type: "stop" });
    fleet.runUntilTrue(() => a.effects("stopped").length > 0);
    fleet.send(b, { type: "notify", reason: "released", leaving: true });
    // The late scan still shows A's leases; the next one, sent when it answers, must still take
    // every shard A left (not only B's share of two), as the leaving notice asked.
    fleet.runFor(1_000);
    expect(b.heldShards()).toEqual([0, 1, 2, 3]);
    expect(c.heldShards()).toEqual([]);
  });

  it("stop - jobs that complete while draining start no new fire, so a stop ends though jobs outlast the interval", () => {
    const fleet = new Fleet();
    // Each job takes 1.5 s; the program fires every second, so a job is always running.
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1, jobDuration: 1_500 });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(3_000);
    fleet.send(a, { type: "stop" });
    fleet.settle();
    const runsAtStop = a.runs().length;
    fleet.runFor(5_000);
    expect(a.runs().length).toBe(runsAtStop);
    expect(a.effects("stopped").length).toBe(1);
  });
});
