import { describe, expect, it } from "vitest";
import {
  answersTo,
  constant,
  Fleet,
  perShard,
  programOnShard,
  storedFireIds,
  storedLog,
  submit,
  WALL0,
} from "./support/harness.js";

describe("coordinator ownership", () => {
  it("scan - a single node acquires every shard at epoch 1", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")] });
    fleet.settle();
    expect(a.heldShards()).toEqual([0, 1, 2, 3]);
    const acquired = a.effects("acquired").map((seen) => seen.effect);
    expect(acquired.map((effect) => effect.shard).sort()).toEqual([0, 1, 2, 3]);
    for (const effect of acquired) {
      expect(effect).toMatchObject({ epoch: 1, previousOwner: null, replayed: 0, adopted: 0, unfinished: 0 });
    }
    for (let shard = 0; shard < 4; shard++) {
      expect(fleet.store.shards.get(shard)?.lease).toMatchObject({ owner: "A", epoch: 1 });
    }
  });

  it("run - a constant program's jobs run once each, with fire ids programId/spawnId/scheduledAt", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")] });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(5_600);
    expect(answersTo(a, "c1")).toEqual([{ status: "done", value: "a-1" }]);

    const spawn = storedLog(fleet, 0).find((entry) => entry.command.type === "spawn");
    expect(spawn).toBeDefined();
    const spawnAt = spawn?.at ?? 0;
    const due: string[] = [];
    for (let t = spawnAt + 1_000; t <= WALL0 + fleet.time; t += 1_000) due.push(`a/a-1/${t}`);
    expect(due.length).toBeGreaterThanOrEqual(5);

    const runs = a.runs();
    expect(runs.map((run) => run.fireId)).toEqual(due);
    for (const run of runs) {
      expect(run).toMatchObject({ shard: 0, epoch: 1, programId: "a", spawnId: "a-1", rerun: false });
      expect(run.fireId).toBe(`${run.programId}/${run.spawnId}/${run.scheduledAt}`);
    }
    expect(storedFireIds(fleet, "a")).toEqual([...due].sort());
    for (const fireId of due)
      expect(fleet.store.fires.get(fireId)).toMatchObject({ completed: "succeeded", node: "A" });
    // The log has no gap and each fire's tick and completion are logged once.
    const log = storedLog(fleet, 0);
    expect(log.map((entry) => entry.seq)).toEqual(log.map((_, index) => index + 1));
    const completes = log.flatMap((entry) => (entry.command.type === "complete" ? [entry.command.fireId] : []));
    expect(completes).toEqual(due);
  });

  it("run - a job starts only after the append recording its fire is acknowledged", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")] });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(3_000);
    for (const run of a.runs()) {
      const recorded = fleet.exchanges.findIndex(
        (exchange) =>
          exchange.request.type === "append" && exchange.request.fires.some((fire) => fire.fireId === run.fireId),
      );
      expect(recorded).toBeGreaterThanOrEqual(0);
      const exchange = fleet.exchanges[recorded];
      expect(exchange?.reply.type).toBe("appended");
      // The run effect came after that request's store effect.
      const storeIndex = a.seen.findIndex(
        (seen) => seen.effect.type === "store" && seen.effect.requestId === exchange?.requestId,
      );
      const runIndex = a.seen.findIndex((seen) => seen.effect.type === "run" && seen.effect.fireId === run.fireId);
      expect(runIndex).toBeGreaterThan(storeIndex);
    }
  });

  it("scan - two nodes split the shards between them, without overlap", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: perShard() });
    const b = fleet.add({ nodeId: "B", programs: perShard() });
    fleet.runFor(20_000);
    expect(a.heldShards().length).toBe(2);
    expect(b.heldShards().length).toBe(2);
    expect([...a.heldShards(), ...b.heldShards()].sort()).toEqual([0, 1, 2, 3]);
    for (const shard of a.heldShards()) expect(fleet.store.shards.get(shard)?.lease.owner).toBe("A");
    for (const shard of b.heldShards()) expect(fleet.store.shards.get(shard)?.lease.owner).toBe("B");
    // A shard handed over was released first (after a checkpoint), not lost.
    expect(a.effects("lost")).toEqual([]);
    expect(b.effects("lost")).toEqual([]);
  });

  it("scan - two nodes split the shards also when every shard always has a job running", () => {
    const fleet = new Fleet();
    // Jobs take 1.5 s and come every second: a shard being handed over always has one in flight.
    const a = fleet.add({ nodeId: "A", programs: perShard(), jobDuration: 1_500 });
    fleet.settle();
    for (const id of ["a", "b", "c", "d"]) submit(fleet, a, `spawn-${id}`, { type: "spawn", programId: id });
    fleet.runFor(2_000);
    const b = fleet.add({ nodeId: "B", programs: perShard(), jobDuration: 1_500 });
    fleet.runFor(30_000);
    expect(a.heldShards().length).toBe(2);
    expect(b.heldShards().length).toBe(2);
  });

  it("scan - a rebalanced shard's program goes on on its new owner without a second run of any fire", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: perShard() });
    fleet.settle();
    for (const id of ["a", "b", "c", "d"]) submit(fleet, a, `spawn-${id}`, { type: "spawn", programId: id });
    fleet.runFor(2_000);
    const b = fleet.add({ nodeId: "B", programs: perShard() });
    fleet.runFor(20_000);
    expect(b.heldShards().length).toBe(2);
    const runs = [...a.runs(), ...b.runs()];
    const ids = runs.map((run) => run.fireId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(storedFireIds(fleet).length).toBe(ids.length);
    // Every shard B took kept firing there.
    for (const shard of b.heldShards()) {
      expect(b.runs().some((run) => run.programId === programOnShard(shard))).toBe(true);
    }
  });
});

describe("coordinator races", () => {
  it("acquire - two nodes racing for a free shard: the store lets one win, the other is answered busy", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1 });
    const b = fleet.add({ nodeId: "B", programs: [constant("a")], shards: 1 });
    // Both scans are answered late, after both were applied: both see the shard free.
    a.fate = (request) => (request.type === "scan" ? { delay: 5 } : "deliver");
    b.fate = a.fate;
    fleet.runFor(10);
    const acquires = fleet.exchanges.filter((exchange) => exchange.request.type === "acquire");
    expect(acquires.map((exchange) => [exchange.node, exchange.reply.type])).toEqual([
      ["A", "acquired"],
      ["B", "busy"],
    ]);
    expect(a.heldShards()).toEqual([0]);
    expect(b.heldShards()).toEqual([]);
    fleet.runFor(20_000);
    expect(a.heldShards()).toEqual([0]);
    expect(b.heldShards()).toEqual([]);
    expect([...a.effects("lost"), ...b.effects("lost")]).toEqual([]);
  });

  it("job-done - an Error outcome is logged as JSON data and the fire is recorded errored", () => {
    const fleet = new Fleet();
    const spec = constant("a", 1_000, {
      mainFn: () => {
        throw new TypeError("bad input");
      },
    });
    const a = fleet.add({ nodeId: "A", programs: [spec], shards: 1 });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(1_500);
    const complete = storedLog(fleet, 0).find((entry) => entry.command.type === "complete");
    expect(complete?.command).toEqual({
      type: "complete",
      fireId: `a/a-1/${WALL0 + 1_250}`,
      outcome: { ok: false, error: { name: "TypeError", message: "bad input" } },
    });
    expect(JSON.parse(JSON.stringify(complete))).toEqual(complete);
    expect(fleet.store.fires.get(`a/a-1/${WALL0 + 1_250}`)?.completed).toBe("errored");
  });
});

describe("coordinator lease deadline", () => {
  const setup = () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1 });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(300);
    expect(storedLog(fleet, 0).find((entry) => entry.command.type === "spawn")?.at).toBe(WALL0 + 250);
    return { fleet, a };
  };

  it("tick - with renewals unacknowledged the node pauses at sentAt + leaseTtl - safetyMargin", () => {
    const { fleet, a } = setup();
    // The acquire was sent at 0: its deadline is 0 + 10,000 - 1,000. Every renewal lands in the store, but no reply comes back.
    a.fate = (request) => (request.type === "renew" ? "drop" : "deliver");
    fleet.runFor(12_000);
    const paused = a.effects("paused");
    expect(paused).toEqual([{ at: 9_000, effect: { type: "paused", shard: 0, epoch: 1 } }]);
    expect(a.coordinator.held()[0]).toMatchObject({ paused: true, deadline: 9_000 });
    expect(a.runs().filter((run) => run.startedAt >= WALL0 + 9_000)).toEqual([]);
    expect(a.effects("run").every((seen) => seen.at < 9_000)).toBe(true);
    // The store still holds the lease for A (the renewals landed): nothing was lost.
    expect(a.effects("lost")).toEqual([]);
    expect(fleet.store.shards.get(0)?.lease.owner).toBe("A");
  });

  it("tick - a paused node resumes when a renewal is acknowledged, and then runs what came due", () => {
    const { fleet, a } = setup();
    a.fate = (request) => (request.type === "renew" ? "drop" : "deliver");
    fleet.runUntil(10_500);
    a.fate = () => "deliver";
    fleet.runUntil(12_000);
    const resumed = a.effects("resumed");
    expect(resumed.length).toBe(1);
    const resumedAt = resumed[0]?.at ?? 0;
    // Renewals go out every 3,000 ms from the acquire: the one at 12,000 is the first answered.
    expect(resumedAt).toBe(12_000);
    expect(a.effects("run").filter((seen) => seen.at >= 9_000 && seen.at < resumedAt)).toEqual([]);
    expect(a.coordinator.held()[0]).toMatchObject({ paused: false, deadline: 12_000 + 9_000 });
    fleet.runUntil(16_000);
    // The due times of the pause are caught up after it (catch-up misfire), each once.
    const fireIds = a.runs().map((run) => run.fireId);
    expect(new Set(fireIds).size).toBe(fireIds.length);
    const spawnAt = storedLog(fleet, 0).find((entry) => entry.command.type === "spawn")?.at ?? 0;
    const due: string[] = [];
    for (let t = spawnAt + 1_000; t <= WALL0 + fleet.time; t += 1_000) due.push(`a/a-1/${t}`);
    expect([...fireIds].sort()).toEqual([...due].sort());
  });

  it("tick - a fire acknowledged after the deadline is held until the lease is renewed", () => {
    const { fleet, a } = setup();
    const spawnAt = storedLog(fleet, 0).find((entry) => entry.command.type === "spawn")?.at ?? 0;
    // The last fire due before the deadline (9,000): its append's reply comes 900 ms late, after the deadline.
    const late = `a/a-1/${spawnAt + 8_000}`;
    expect(spawnAt + 8_000).toBeLessThan(WALL0 + 9_000);
    expect(spawnAt + 8_000 + 900).toBeGreaterThan(WALL0 + 9_000);
    a.fate = (request) => {
      if (request.type === "renew") return fleet.time < 10_500 ? "drop" : "deliver";
      if (request.type === "append" && request.fires.some((fire) => fire.fireId === late)) return { delay: 900 };
      return "deliver";
    };
    fleet.runUntil(16_000);
    const runOfLate = a.effects("run").filter((seen) => seen.effect.fireId === late);
    expect(runOfLate.length).toBe(1);
    expect(runOfLate[0]?.at).toBe(12_000);
    expect(a.effects("run").filter((seen) => seen.at >= 9_000 && seen.at < 12_000)).toEqual([]);
  });

  it("tick - a late reply to an old renewal does not move the deadline past what its send time allows", () => {
    const { fleet, a } = setup();
    // The renewal sent at 3,000 is answered 900 ms later: the deadline is 3,000 + 9,000, not 3,900 + 9,000.
    a.fate = (request) => (request.type === "renew" ? { delay: 900 } : "deliver");
    fleet.runUntil(4_000);
    expect(a.coordinator.held()[0]?.deadline).toBe(12_000);
  });
});

describe("coordinator stale epoch", () => {
  /** A owns the only shard and has two jobs running; it freezes, B takes over; A wakes. */
  const setup = () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1, jobs: "manual" });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(2_500);
    const running = [...a.running.values()];
    expect(running.length).toBe(2);
    const b = fleet.add({ nodeId: "B", programs: [constant("a")], shards: 1 });
    a.paused = true;
    fleet.runFor(20_000);
    expect(b.heldShards()).toEqual([0]);
    a.paused = false;
    return { fleet, a, b, running };
  };

  it("append - refused with stale-epoch after a takeover: the shard is lost and its running jobs cancelled", () => {
    const { fleet, a, running } = setup();
    // A's renewal is lost on the way, so the append is what meets the new epoch.
    a.fate = (request) => (request.type === "renew" ? "lose" : "deliver");
    const first = running[0];
    const second = running[1];
    if (first === undefined || second === undefined) throw new Error("no jobs");
    fleet.finish(a, first);
    fleet.settle();
    const lost = a.effects("lost").map((seen) => seen.effect);
    expect(lost).toEqual([{ type: "lost", shard: 0, epoch: 1, reason: "stale-epoch" }]);
    expect(a.effects("cancel").map((seen) => seen.effect)).toEqual([
      { type: "cancel", shard: 0, epoch: 1, jobId: second.jobId, fireId: second.fireId, reason: "lost" },
    ]);
    expect(a.coordinator.held()).toEqual([]);
    // Nothing A wrote after B took over landed.
    expect(storedLog(fleet, 0).filter((entry) => entry.epoch === 1 && entry.command.type === "complete")).toEqual([]);
    expect(fleet.store.stats.staleWritesRefused).toBeGreaterThan(0);
  });

  it("renew - refused after a takeover: the shard is lost (lease-refused)", () => {
    const { fleet, a } = setup();
    fleet.runFor(10);
    expect(a.effects("lost").map((seen) => seen.effect)).toEqual([
      { type: "lost", shard: 0, epoch: 1, reason: "lease-refused" },
    ]);
  });

  it("job-done - a job of a lost epoch reporting later is ignored: no write, no effect", () => {
    const { fleet, a, running } = setup();
    fleet.runFor(10);
    expect(a.effects("lost").length).toBe(1);
    const before = fleet.exchanges.length;
    const job = running[1];
    if (job === undefined) throw new Error("no job");
    const effects = fleet.dispatch(a, {
      type: "job-done",
      shard: 0,
      epoch: 1,
      jobId: job.jobId,
      outcome: { ok: true, value: "late" },
    });
    expect(effects.filter((effect) => effect.type !== "wake" && effect.type !== "store")).toEqual([]);
    expect(
      fleet.exchanges.slice(before).filter((exchange) => exchange.request.type === "append" && exchange.node === "A"),
    ).toEqual([]);
    // The fire's only completion is the new owner's (B reran it: at-least-once).
    const completions = storedLog(fleet, 0).filter(
      (entry) => entry.command.type === "complete" && entry.command.fireId === job.fireId,
    );
    expect(completions.map((entry) => entry.epoch)).toEqual([2]);
  });

  it("job-done - a job of an old epoch is ignored even when the node holds the shard again at a new epoch", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1, jobs: "manual" });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(1_500);
    const job = [...a.running.values()][0];
    if (job === undefined) throw new Error("no job");
    // A freezes past its lease, no one else takes the shard; A wakes and acquires it again (epoch 2).
    a.paused = true;
    fleet.skip(15_000);
    a.paused = false;
    fleet.runFor(5_000);
    expect(a.coordinator.held()[0]?.epoch).toBe(2);
    const before = fleet.exchanges.length;
    fleet.dispatch(a, { type: "job-done", shard: 0, epoch: 1, jobId: job.jobId, outcome: { ok: true } });
    const appends = fleet.exchanges
      .slice(before)
      .filter((exchange) => exchange.request.type === "append" && exchange.request.entries.length > 0);
    expect(appends).toEqual([]);
  });
});
