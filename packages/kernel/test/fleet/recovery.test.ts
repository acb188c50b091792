import { describe, expect, it } from "vitest";
import { answersTo, constant, Fleet, jobKey, storedFireIds, storedLog, submit, WALL0 } from "./support/harness.js";

describe("coordinator recovery", () => {
  it("acquire - a node restarted after a crash takes its own unexpired lease back at once and reruns its unfinished fire", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1, jobs: "manual" });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(1_500);
    const job = [...a.running.values()][0];
    if (job === undefined) throw new Error("no job");
    fleet.kill(a);
    fleet.runFor(500);
    const back = fleet.restart(a, { jobs: "auto" });
    fleet.settle();
    expect(back.effects("acquired").map((seen) => seen.effect)).toEqual([
      expect.objectContaining({ shard: 0, epoch: 2, previousOwner: null, unfinished: 1 }),
    ]);
    expect(fleet.time).toBe(2_000);
    fleet.runFor(10);
    expect(
      back
        .runs()
        .filter((run) => run.rerun)
        .map((run) => run.fireId),
    ).toEqual([job.fireId]);
  });

  it("acquire - a trigger in flight at a checkpoint is answered by the new owner from the checkpoint's waiting list", () => {
    const fleet = new Fleet();
    const spec = constant("a", 1_000, { mainFn: () => "from the rerun" });
    const a = fleet.add({ nodeId: "A", programs: [spec], shards: 1, jobs: "manual", checkpointEvery: 1 });
    fleet.settle();
    const b = fleet.add({ nodeId: "B", programs: [spec], shards: 1, checkpointEvery: 1 });
    submit(fleet, b, "t1", { type: "trigger", programId: "a" });
    fleet.runFor(1_000);
    expect(a.running.size).toBe(1);
    const checkpoint = fleet.store.shards.get(0)?.checkpoint;
    // The trigger's entry is inside the checkpoint: the new owner learns of its caller only from `waiting`.
    expect(Object.values(checkpoint?.waiting ?? {})).toEqual(["t1"]);
    expect(checkpoint?.seq).toBe(storedLog(fleet, 0).length);
    fleet.kill(a);
    fleet.runUntilTrue(() => answersTo(b, "t1").length > 0, 30_000);
    expect(b.effects("acquired")[0]?.effect.replayed).toBe(0);
    expect(answersTo(b, "t1")).toEqual([{ status: "done", value: "from the rerun" }]);
  });

  it("submit - kill-spawn from a non-owner cancels the running job and marks its fire cancelled", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1, jobs: "manual" });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(1_500);
    const job = [...a.running.values()][0];
    if (job === undefined) throw new Error("no job");
    const b = fleet.add({ nodeId: "B", programs: [constant("a")], shards: 1 });
    submit(fleet, b, "k1", { type: "kill-spawn", programId: "a", spawnId: "a-1" });
    fleet.runFor(1_000);
    expect(answersTo(b, "k1")).toEqual([{ status: "done" }]);
    expect(a.effects("cancel").map((seen) => seen.effect)).toEqual([
      expect.objectContaining({ shard: 0, epoch: 1, jobId: job.jobId, fireId: job.fireId }),
    ]);
    expect(a.running.has(jobKey(job))).toBe(false);
    expect(fleet.store.fires.get(job.fireId)?.completed).toBe("cancelled");
    // A takeover now has nothing to rerun.
    fleet.kill(a);
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    expect(b.effects("acquired")[0]?.effect.unfinished).toBe(0);
  });

  it("notify - an inbox notice makes the owner read its inbox at once, not at the next poll", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1, inboxPollInterval: 60_000 });
    fleet.settle();
    fleet.runFor(100);
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.settle();
    fleet.runFor(1_000);
    expect(storedLog(fleet, 0).some((entry) => entry.commandId === "c1")).toBe(false);
    fleet.send(a, { type: "notify", reason: "inbox", shard: 0 });
    fleet.settle();
    expect(storedLog(fleet, 0).filter((entry) => entry.commandId === "c1").length).toBe(1);
  });

  it("acquire - a new owner whose wall clock lags the old one's re-records and reruns nothing that finished", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1 });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(5_100);
    fleet.kill(a);
    const b = fleet.add({ nodeId: "B", programs: [constant("a")], shards: 1, wallOffset: -20_000 });
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    fleet.runFor(30_000);
    const ids = [...a.runs(), ...b.runs()].map((run) => run.fireId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(fleet.store.stats.duplicateFireInserts).toBe(0);
    expect(b.runs().some((run) => run.rerun)).toBe(false);
    expect(storedFireIds(fleet).length).toBe(ids.length);
  });

  it("acquire - a new owner whose monotonic clock is far from the old one's keeps its own deadlines", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1, monoOffset: 5_000_000 });
    fleet.settle();
    expect(a.coordinator.held()[0]?.deadline).toBe(5_000_000 + 9_000);
    fleet.kill(a);
    const b = fleet.add({ nodeId: "B", programs: [constant("a")], shards: 1, monoOffset: -777 });
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    const acquiredAt = fleet.time;
    expect(b.coordinator.held()[0]?.deadline).toBe(acquiredAt - 777 + 9_000);
  });

  it("scan - a handoff to balance the fleet waits at most renewInterval for a long job, then the new owner reruns it", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a"), constant("b")], shards: 2, jobs: "manual" });
    fleet.settle();
    submit(fleet, a, "ca", { type: "spawn", programId: "a" });
    submit(fleet, a, "cb", { type: "spawn", programId: "b" });
    fleet.runFor(1_500);
    const b = fleet.add({ nodeId: "B", programs: [constant("a"), constant("b")], shards: 2 });
    fleet.runUntilTrue(() => b.heldShards().length === 1, 30_000);
    expect(a.heldShards().length).toBe(1);
    const moved = b.heldShards()[0] as number;
    const cancelled = a.effects("cancel").filter((seen) => seen.effect.shard === moved);
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.every((seen) => seen.effect.reason === "released")).toBe(true);
    fleet.runFor(10);
    const reruns = b
      .runs()
      .filter((run) => run.rerun)
      .map((run) => run.fireId);
    expect(reruns.sort()).toEqual(cancelled.map((seen) => seen.effect.fireId).sort());
  });

  it("tick - a node frozen past its lease, with no one else around, wakes, finds the lease fenced and takes it again", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1 });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(2_000);
    a.paused = true;
    fleet.skip(30_000);
    a.paused = false;
    fleet.runFor(5_000);
    expect(a.effects("paused").length).toBeGreaterThanOrEqual(1);
    expect(a.coordinator.held()).toEqual([expect.objectContaining({ shard: 0, paused: false })]);
    const epochs = a.effects("acquired").map((seen) => seen.effect.epoch);
    expect(epochs.at(-1)).toBeGreaterThan(1);
    // The due times of the freeze are caught up once each.
    const ids = a.runs().map((run) => run.fireId);
    expect(new Set(ids).size).toBe(ids.length);
    const spawnAt = storedLog(fleet, 0).find((entry) => entry.command.type === "spawn")?.at ?? 0;
    const due: string[] = [];
    for (let t = spawnAt + 1_000; t <= WALL0 + fleet.time; t += 1_000) due.push(`a/a-1/${t}`);
    expect([...ids].sort()).toEqual([...due].sort());
  });

  it("clear - the state a new owner rebuilds from the checkpoint is the old owner's: a cleared program stays cleared", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1 });
    fleet.settle();
    const b = fleet.add({ nodeId: "B", programs: [constant("a")], shards: 1 });
    submit(fleet, b, "s1", { type: "spawn", programId: "a" });
    fleet.runFor(1_500);
    submit(fleet, b, "x1", { type: "clear", programId: "a" });
    fleet.runFor(1_000);
    expect(answersTo(b, "x1")).toEqual([{ status: "done" }]);
    submit(fleet, b, "s2", { type: "spawn", programId: "a" });
    fleet.runFor(1_000);
    // On A, the program is gone: a spawn is rejected.
    expect(answersTo(b, "s2")).toEqual([expect.objectContaining({ status: "failed", code: "unknown-program" })]);
    const onA = Object.keys(a.coordinator.exportShard(0) ?? {});
    // A hands the shard over (its final checkpoint comes after the clear); B rebuilds it.
    fleet.send(a, { type: "stop" });
    fleet.runUntilTrue(() => a.effects("stopped").length > 0);
    fleet.send(b, { type: "notify", reason: "released" });
    fleet.settle();
    expect(b.heldShards()).toEqual([0]);
    expect(Object.keys(b.coordinator.exportShard(0) ?? {})).toEqual(onA);
    submit(fleet, b, "s3", { type: "spawn", programId: "a" });
    fleet.runFor(1_000);
    expect(answersTo(b, "s3")).toEqual(answersTo(b, "s2"));
  });
});
