import { describe, expect, it } from "vitest";
import type { ProgramSpec } from "../../src/index.js";
import { answersTo, constant, Fleet, storedLog, submit } from "./support/harness.js";

const programs = (): ProgramSpec[] => [
  constant("a", 1_000, {
    max: 1,
    mainFn: (_args: unknown, t: number, ctx: { fireId: string }) => ({ n: 42, t, fireId: ctx.fireId }),
  }),
  constant("boom", 1_000, {
    mainFn: () => {
      throw new Error("it broke");
    },
  }),
];

/** One shard: A owns it (it came first), B never does while A lives. */
const twoNodes = (bOptions: { commandTimeout?: number } = {}, aJobs: "auto" | "manual" = "auto") => {
  const fleet = new Fleet();
  const a = fleet.add({ nodeId: "A", programs: programs(), shards: 1, jobs: aJobs });
  fleet.settle();
  const b = fleet.add({ nodeId: "B", programs: programs(), shards: 1, ...bOptions });
  fleet.runFor(500);
  expect(a.heldShards()).toEqual([0]);
  expect(b.heldShards()).toEqual([]);
  return { fleet, a, b };
};

describe("coordinator commands from a non-owner", () => {
  it("submit - spawn is applied by the owner and answered on the caller with the spawn id", () => {
    const { fleet, a, b } = twoNodes();
    submit(fleet, b, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(1_000);
    expect(answersTo(b, "c1")).toEqual([{ status: "done", value: "a-1" }]);
    expect(answersTo(a, "c1")).toEqual([]);
    const logged = storedLog(fleet, 0).filter((entry) => entry.commandId === "c1");
    expect(logged).toEqual([expect.objectContaining({ epoch: 1, command: { type: "spawn", programId: "a" } })]);
    expect(fleet.store.shards.get(0)?.inbox[0]).toMatchObject({ commandId: "c1", origin: "B" });
  });

  it("submit - a spawn with an explicit spawn id and interval travels as data", () => {
    const { fleet, a, b } = twoNodes();
    submit(fleet, b, "c1", { type: "spawn", programId: "a", opts: { spawnId: "nightly", interval: 500 } });
    fleet.runFor(2_000);
    expect(answersTo(b, "c1")).toEqual([{ status: "done", value: "nightly" }]);
    expect(a.runs().every((run) => run.fireId.startsWith("a/nightly/"))).toBe(true);
    expect(a.runs().length).toBeGreaterThanOrEqual(2);
  });

  it("submit - pause and resume travel to the owner, which starts nothing of the spawn in between", () => {
    const { fleet, a, b } = twoNodes();
    submit(fleet, b, "s1", { type: "spawn", programId: "a", opts: { spawnId: "s" } });
    fleet.runFor(2_500);
    submit(fleet, b, "p1", { type: "pause", programId: "a", spawnId: "s", note: "maintenance" });
    fleet.runFor(500);
    expect(answersTo(b, "p1")).toEqual([{ status: "done" }]);
    const before = a.runs().length;
    fleet.runFor(3_000);
    expect(a.runs().length).toBe(before);
    submit(fleet, b, "r1", { type: "resume", programId: "a", spawnId: "s" });
    fleet.runFor(2_000);
    expect(answersTo(b, "r1")).toEqual([{ status: "done" }]);
    expect(a.runs().length).toBeGreaterThan(before);
  });

  it("submit - trigger is answered with the job's value, its fire id from the command's log position", () => {
    const { fleet, a, b } = twoNodes();
    submit(fleet, b, "t1", { type: "trigger", programId: "a" });
    fleet.runFor(1_000);
    const entry = storedLog(fleet, 0).find((logged) => logged.commandId === "t1");
    expect(entry).toBeDefined();
    const fireId = `a/trigger/${entry?.seq}`;
    expect(a.runs().map((run) => run.fireId)).toEqual([fireId]);
    expect(a.runs()[0]?.spawnId).toBeNull();
    expect(answersTo(b, "t1")).toEqual([{ status: "done", value: { n: 42, t: entry?.at, fireId } }]);
    expect(fleet.store.fires.get(fireId)?.completed).toBe("succeeded");
  });

  it("submit - a trigger whose job fails is answered failed job-failed with the error's message", () => {
    const { fleet, b } = twoNodes();
    submit(fleet, b, "t1", { type: "trigger", programId: "boom" });
    fleet.runFor(1_000);
    expect(answersTo(b, "t1")).toEqual([{ status: "failed", code: "job-failed", message: "it broke" }]);
  });

  it("submit - a command the owner's kernel rejects is answered failed with its code and field", () => {
    const { fleet, b } = twoNodes();
    submit(fleet, b, "c1", { type: "stop-spawn", programId: "a", spawnId: "nope" });
    submit(fleet, b, "c2", { type: "set-interval", programId: "a", interval: -5 });
    fleet.runFor(1_000);
    expect(answersTo(b, "c1")).toEqual([
      expect.objectContaining({ status: "failed", code: "unknown-spawn", field: "command.spawnId" }),
    ]);
    expect(answersTo(b, "c2")).toEqual([
      expect.objectContaining({ status: "failed", code: "invalid-interval", field: "command.interval" }),
    ]);
  });

  it("submit - a command a bound refuses is answered refused with its code", () => {
    const { fleet, b } = twoNodes();
    submit(fleet, b, "c1", { type: "spawn", programId: "a" });
    submit(fleet, b, "c2", { type: "spawn", programId: "a" });
    fleet.runFor(1_000);
    expect(answersTo(b, "c1")).toEqual([{ status: "done", value: "a-1" }]);
    expect(answersTo(b, "c2")).toEqual([expect.objectContaining({ status: "refused", code: "max-reached" })]);
  });

  it("submit - commands from one caller are applied in the order submitted", () => {
    const { fleet, b } = twoNodes();
    submit(fleet, b, "c1", { type: "spawn", programId: "a", opts: { spawnId: "s1" } });
    submit(fleet, b, "c2", { type: "stop-spawn", programId: "a", spawnId: "s1" });
    submit(fleet, b, "c3", { type: "trigger", programId: "a" });
    fleet.runFor(1_500);
    const order = storedLog(fleet, 0)
      .filter((entry) => entry.commandId !== undefined)
      .map((entry) => entry.commandId);
    expect(order).toEqual(["c1", "c2", "c3"]);
    expect(answersTo(b, "c2")).toEqual([{ status: "done" }]);
  });

  it("submit - a command for a program this node lacks is answered unknown-program at once, without the store", () => {
    const { fleet, b } = twoNodes();
    const before = fleet.exchanges.length;
    const effects = fleet.dispatch(b, {
      type: "submit",
      commandId: "c1",
      command: { type: "spawn", programId: "ghost" },
    });
    expect(effects.filter((effect) => effect.type === "answer")).toEqual([
      {
        type: "answer",
        commandId: "c1",
        answer: expect.objectContaining({ status: "failed", code: "unknown-program", field: "programId" }),
      },
    ]);
    expect(fleet.exchanges.slice(before).filter((exchange) => exchange.request.type === "submit")).toEqual([]);
  });

  it("submit - a set-interval with a function, a bad type, or a duplicate pending id is answered at once", () => {
    const { fleet, b } = twoNodes();
    const answer = (commandId: string, command: unknown) =>
      fleet
        .dispatch(b, { type: "submit", commandId, command: command as never })
        .filter((effect) => effect.type === "answer");
    expect(answer("c1", { type: "set-interval", programId: "a", interval: () => 5 })).toEqual([
      expect.objectContaining({ answer: expect.objectContaining({ code: "invalid-interval", field: "interval" }) }),
    ]);
    expect(answer("c2", { type: "install", programId: "a" })).toEqual([
      expect.objectContaining({ answer: expect.objectContaining({ code: "invalid-command", field: "type" }) }),
    ]);
    expect(answer("c3", { type: "spawn", programId: "a" })).toEqual([]);
    expect(answer("c3", { type: "spawn", programId: "a" })).toEqual([
      expect.objectContaining({ answer: expect.objectContaining({ code: "invalid-command", field: "commandId" }) }),
    ]);
    expect(answer("", { type: "spawn", programId: "a" })).toEqual([
      expect.objectContaining({ answer: expect.objectContaining({ code: "invalid-command", field: "commandId" }) }),
    ]);
  });

  it("submit - no owner: after commandTimeout the command is withdrawn, answered not-owned, and never applied later", () => {
    const { fleet, a, b } = twoNodes({ commandTimeout: 3_000 });
    fleet.kill(a);
    const submittedAt = fleet.time;
    submit(fleet, b, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(3_500);
    const answers = b.effects("answer").filter((seen) => seen.effect.commandId === "c1");
    expect(answers.map((seen) => seen.effect.answer)).toEqual([
      expect.objectContaining({ status: "failed", code: "not-owned" }),
    ]);
    expect(answers[0]?.at).toBe(submittedAt + 3_000);
    // B takes the shard once A's lease lapses, reads the inbox, and leaves the withdrawn command alone.
    fleet.runUntilTrue(() => b.heldShards().length === 1);
    fleet.runFor(2_000);
    expect(storedLog(fleet, 0).filter((entry) => entry.commandId === "c1")).toEqual([]);
    const exported = b.coordinator.exportShard(0) as Record<string, { spawns: unknown[] }>;
    expect(exported.a?.spawns).toEqual([]);
    expect(b.effects("answer").filter((seen) => seen.effect.commandId === "c1").length).toBe(1);
    expect(b.runs()).toEqual([]);
  });

  it("submit - a command the owner took before the timeout is answered by it, never not-owned", () => {
    const { fleet, a, b } = twoNodes({ commandTimeout: 3_000 }, "manual");
    submit(fleet, b, "t1", { type: "trigger", programId: "a" });
    fleet.runFor(5_000);
    // The job is still running on A: B waits (the owner took the command), past its commandTimeout.
    expect(a.running.size).toBe(1);
    expect(answersTo(b, "t1")).toEqual([]);
    const job = [...a.running.values()][0];
    if (job === undefined) throw new Error("no job");
    fleet.finish(a, job, { ok: true, value: "late but done" });
    fleet.runFor(500);
    expect(answersTo(b, "t1")).toEqual([{ status: "done", value: "late but done" }]);
  });

  it("submit - a trigger whose owner died mid-job is rerun by the new owner and answered (at-least-once)", () => {
    const { fleet, a, b } = twoNodes({}, "manual");
    submit(fleet, b, "t1", { type: "trigger", programId: "a" });
    fleet.runFor(1_000);
    expect(a.running.size).toBe(1);
    fleet.kill(a);
    fleet.runUntilTrue(() => answersTo(b, "t1").length > 0, 30_000);
    expect(
      b
        .runs()
        .filter((run) => run.rerun)
        .map((run) => run.fireId),
    ).toEqual([expect.stringMatching(/^a\/trigger\/\d+$/)]);
    expect(answersTo(b, "t1")).toEqual([{ status: "done", value: expect.objectContaining({ n: 42 }) }]);
  });

  it("submit - a trigger whose owner died mid-job is answered failed job-lost (at-most-once)", () => {
    const fleet = new Fleet();
    const spec = constant("a", 1_000, { delivery: "at-most-once", mainFn: () => "v" });
    const a = fleet.add({ nodeId: "A", programs: [spec], shards: 1, jobs: "manual" });
    fleet.settle();
    const b = fleet.add({ nodeId: "B", programs: [spec], shards: 1 });
    submit(fleet, b, "t1", { type: "trigger", programId: "a" });
    fleet.runFor(1_000);
    expect(a.running.size).toBe(1);
    fleet.kill(a);
    fleet.runUntilTrue(() => answersTo(b, "t1").length > 0, 30_000);
    expect(answersTo(b, "t1")).toEqual([expect.objectContaining({ status: "failed", code: "job-lost" })]);
    expect(b.runs()).toEqual([]);
  });

  it("submit - a command submitted while the owner is frozen is applied once by the next owner", () => {
    const { fleet, a, b } = twoNodes();
    a.paused = true;
    submit(fleet, b, "c1", { type: "spawn", programId: "a" });
    fleet.runUntilTrue(() => answersTo(b, "c1").length > 0, 40_000);
    expect(answersTo(b, "c1")).toEqual([{ status: "done", value: "a-1" }]);
    a.paused = false;
    fleet.runFor(5_000);
    expect(storedLog(fleet, 0).filter((entry) => entry.commandId === "c1").length).toBe(1);
  });
});
