import { describe, expect, it } from "vitest";
import type { ProgramSpec } from "../../src/index.js";
import { answersTo, constant, Fleet, storedFireIds, storedLog, submit, WALL0 } from "./support/harness.js";

/**
 * A owns the only shard, runs "a" by hand: the job due at 1,250 is completed, the one due at
 * 2,250 is still running when A dies at 2,300. B joins then.
 */
const takeover = (spec: ProgramSpec, options: { checkpointEvery?: number } = {}) => {
  const fleet = new Fleet();
  const a = fleet.add({ nodeId: "A", programs: [spec], shards: 1, jobs: "manual", ...options });
  fleet.settle();
  submit(fleet, a, "c1", { type: "spawn", programId: spec.id });
  fleet.runUntil(1_300);
  const done = [...a.running.values()][0];
  if (done === undefined) throw new Error("no first job");
  fleet.finish(a, done, { ok: true, value: "first" });
  fleet.runUntil(2_300);
  const unfinished = [...a.running.values()][0];
  if (unfinished === undefined) throw new Error("no second job");
  expect(done.fireId).toBe(`a/a-1/${WALL0 + 1_250}`);
  expect(unfinished.fireId).toBe(`a/a-1/${WALL0 + 2_250}`);
  fleet.kill(a);
  const b = fleet.add({ nodeId: "B", programs: [spec], shards: 1, ...options });
  return { fleet, a, b, done, unfinished };
};

describe("coordinator takeover", () => {
  it("acquire - after the dead owner's lease expires, another node takes the shard within leaseTtl + renewInterval", () => {
    const { fleet, b } = takeover(constant("a"));
    // A's last lease write was its acquire at 0 (expires at 10,000 on the store's clock).
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    expect(fleet.time).toBeGreaterThanOrEqual(10_000);
    expect(fleet.time).toBeLessThanOrEqual(0 + 10_000 + 3_000);
    expect(fleet.store.shards.get(0)?.lease).toMatchObject({ owner: "B", epoch: 2 });
  });

  it("acquire - the new owner adopts the checkpoint and replays the log after it", () => {
    const { fleet, b } = takeover(constant("a"));
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    const acquired = b.effects("acquired").map((seen) => seen.effect);
    // The checkpoint written at A's acquire holds program "a"; after it: spawn, tick, complete, tick.
    expect(acquired).toEqual([
      expect.objectContaining({
        type: "acquired",
        shard: 0,
        epoch: 2,
        previousOwner: "A",
        replayed: 4,
        adopted: 1,
        unfinished: 1,
      }),
    ]);
    expect(storedLog(fleet, 0).map((entry) => entry.command.type)).toEqual(
      expect.arrayContaining(["spawn", "tick", "complete", "tick"]),
    );
  });

  it("acquire - replays only the entries after the latest checkpoint", () => {
    const { fleet, b } = takeover(constant("a"), { checkpointEvery: 3 });
    // What A left: a checkpoint past its first one, and entries after it.
    const checkpointSeq = fleet.store.shards.get(0)?.checkpoint?.seq ?? 0;
    const head = storedLog(fleet, 0).length;
    expect(checkpointSeq).toBeGreaterThan(0);
    expect(head).toBeGreaterThan(checkpointSeq);
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    const acquired = b.effects("acquired")[0]?.effect;
    expect(acquired?.replayed).toBe(head - checkpointSeq);
    expect(acquired?.adopted).toBe(1);
    expect(acquired?.unfinished).toBe(1);
  });

  it("acquire - at-least-once: the new owner reruns the unfinished fire with rerun true, and never the finished one", () => {
    const { fleet, b, done, unfinished } = takeover(constant("a"));
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    fleet.runFor(100);
    const reruns = b.runs().filter((run) => run.rerun);
    expect(reruns.map((run) => run.fireId)).toEqual([unfinished.fireId]);
    expect(reruns[0]).toMatchObject({
      epoch: 2,
      programId: "a",
      spawnId: "a-1",
      scheduledAt: unfinished.scheduledAt,
      startedAt: unfinished.startedAt,
    });
    expect(b.runs().some((run) => run.fireId === done.fireId)).toBe(false);
    // The rerun's completion is B's, and the record (A's) is not written again.
    expect(fleet.store.fires.get(unfinished.fireId)).toMatchObject({ node: "A", epoch: 1, completed: "succeeded" });
    expect(fleet.store.stats.duplicateFireInserts).toBe(0);
  });

  it("acquire - at-least-once: due times missed while no one owned the shard are caught up once each, as new fires", () => {
    const { fleet, b, unfinished } = takeover(constant("a"));
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    const acquiredAt = fleet.time;
    fleet.runFor(100);
    const fresh = b.runs().filter((run) => !run.rerun);
    const expected: string[] = [];
    for (let t = WALL0 + 3_250; t <= WALL0 + acquiredAt; t += 1_000) expected.push(`a/a-1/${t}`);
    expect(fresh.map((run) => run.fireId)).toEqual(expected);
    const all = storedFireIds(fleet, "a");
    expect(all).toEqual([`a/a-1/${WALL0 + 1_250}`, unfinished.fireId, ...expected].sort());
  });

  it("acquire - at-most-once: the new owner settles the unfinished fire lost and never runs it", () => {
    const { fleet, b, unfinished } = takeover(constant("a", 1_000, { delivery: "at-most-once" }));
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    fleet.runFor(100);
    expect(b.runs().some((run) => run.fireId === unfinished.fireId)).toBe(false);
    expect(b.runs().some((run) => run.rerun)).toBe(false);
    const settled = b
      .effects("kernel")
      .map((seen) => seen.effect.effect)
      .filter((effect) => effect.type === "settled" && effect.fireId === unfinished.fireId);
    expect(settled).toEqual([expect.objectContaining({ type: "settled", status: "lost", fireId: unfinished.fireId })]);
    expect(fleet.store.fires.get(unfinished.fireId)?.completed).toBe("lost");
    const lostEntries = storedLog(fleet, 0).filter(
      (entry) => entry.command.type === "complete" && entry.command.fireId === unfinished.fireId,
    );
    expect(lostEntries).toEqual([
      expect.objectContaining({ epoch: 2, command: expect.objectContaining({ outcome: { lost: true } }) }),
    ]);
  });

  it("acquire - the new owner's state is the old owner's: the spawn is there, with the completed job counted", () => {
    const { fleet, b } = takeover(constant("a"));
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    const exported = b.coordinator.exportShard(0) as Record<string, { spawns: { id: string; succeeded: number }[] }>;
    expect(exported.a?.spawns.map((spawn) => spawn.id)).toEqual(["a-1"]);
    expect(exported.a?.spawns[0]?.succeeded).toBeGreaterThanOrEqual(1);
  });

  it("acquire - a second takeover replays the first new owner's entries too", () => {
    const { fleet, b } = takeover(constant("a"));
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    fleet.runFor(2_000);
    fleet.kill(b);
    const c = fleet.add({ nodeId: "C", programs: [constant("a")], shards: 1 });
    fleet.runUntilTrue(() => c.heldShards().length === 1);
    fleet.runFor(100);
    expect(c.effects("acquired")[0]?.effect).toMatchObject({ epoch: 3, previousOwner: "B" });
    const ids = [...b.runs(), ...c.runs()].filter((run) => !run.rerun).map((run) => run.fireId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("coordinator lost acknowledgements", () => {
  const single = () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1 });
    fleet.settle();
    return { fleet, a };
  };

  it("append - a recorded fire whose acknowledgement is lost is retried, recorded once and run once", () => {
    const { fleet, a } = single();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    const target = `a/a-1/${WALL0 + 1_250}`;
    let dropped = 0;
    a.fate = (request) => {
      if (request.type === "append" && request.fires.some((fire) => fire.fireId === target) && dropped === 0) {
        dropped += 1;
        return "drop";
      }
      return "deliver";
    };
    fleet.runFor(4_000);
    expect(dropped).toBe(1);
    const runs = a.effects("run").filter((seen) => seen.effect.fireId === target);
    expect(runs.length).toBe(1);
    // The retry went out after requestTimeout, and the job started on its answer.
    expect(runs[0]?.at).toBe(1_250 + 1_000);
    expect(fleet.store.stats.retriedAppends).toBe(1);
    expect(fleet.store.stats.duplicateFireInserts).toBe(0);
    const ticks = storedLog(fleet, 0).filter((entry) => entry.command.type === "tick" && entry.at === WALL0 + 1_250);
    expect(ticks.length).toBe(1);
    expect(fleet.store.fires.get(target)?.completed).toBe("succeeded");
  });

  it("append - a failed connection (store-failed) is retried at once and the fire runs once", () => {
    const { fleet, a } = single();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    const target = `a/a-1/${WALL0 + 1_250}`;
    let failed = 0;
    a.fate = (request, requestId) => {
      if (request.type === "append" && request.fires.some((fire) => fire.fireId === target) && failed === 0) {
        failed += 1;
        fleet.send(a, { type: "store-failed", requestId, message: "connection reset" });
        return "drop";
      }
      return "deliver";
    };
    fleet.runFor(3_000);
    const runs = a.effects("run").filter((seen) => seen.effect.fireId === target);
    expect(runs.map((seen) => seen.at)).toEqual([1_250]);
    expect(fleet.store.stats.retriedAppends).toBe(1);
  });

  it("append - a lost acknowledgement of an applied command: applied once, answered once", () => {
    const { fleet, a } = single();
    let dropped = 0;
    a.fate = (request) => {
      if (request.type === "append" && request.entries.some((entry) => entry.commandId === "c1") && dropped === 0) {
        dropped += 1;
        return "drop";
      }
      return "deliver";
    };
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(3_000);
    expect(dropped).toBe(1);
    expect(storedLog(fleet, 0).filter((entry) => entry.commandId === "c1").length).toBe(1);
    expect(answersTo(a, "c1")).toEqual([{ status: "done", value: "a-1" }]);
    const exported = a.coordinator.exportShard(0) as Record<string, { spawns: unknown[] }>;
    expect(exported.a?.spawns.length).toBe(1);
  });

  it("submit - a lost acknowledgement of a submit: resubmitted, applied once", () => {
    const { fleet, a } = single();
    let dropped = 0;
    a.fate = (request) => {
      if (request.type === "submit" && dropped === 0) {
        dropped += 1;
        return "drop";
      }
      return "deliver";
    };
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(3_000);
    expect(dropped).toBe(1);
    expect(fleet.store.shards.get(0)?.inbox.length).toBe(1);
    expect(storedLog(fleet, 0).filter((entry) => entry.commandId === "c1").length).toBe(1);
    expect(answersTo(a, "c1")).toEqual([{ status: "done", value: "a-1" }]);
  });

  it("inbox - a lost reply to an inbox read: the commands are read again and applied once", () => {
    const { fleet, a } = single();
    let dropped = 0;
    a.fate = (request) => {
      if (request.type === "inbox" && fleet.store.shards.get(0)?.inbox.length === 1 && dropped === 0) {
        dropped += 1;
        return "drop";
      }
      return "deliver";
    };
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(3_000);
    expect(dropped).toBe(1);
    expect(storedLog(fleet, 0).filter((entry) => entry.commandId === "c1").length).toBe(1);
    expect(answersTo(a, "c1")).toEqual([{ status: "done", value: "a-1" }]);
  });

  it("inbox - a reply to an inbox read arriving after its timeout is ignored: the command is applied once", () => {
    const { fleet, a } = single();
    let delayed = 0;
    a.fate = (request) => {
      if (request.type === "inbox" && fleet.store.shards.get(0)?.inbox.length === 1 && delayed === 0) {
        delayed += 1;
        return { delay: 1_500 };
      }
      return "deliver";
    };
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(4_000);
    expect(delayed).toBe(1);
    expect(storedLog(fleet, 0).filter((entry) => entry.commandId === "c1").length).toBe(1);
    expect(answersTo(a, "c1")).toEqual([{ status: "done", value: "a-1" }]);
  });
});
