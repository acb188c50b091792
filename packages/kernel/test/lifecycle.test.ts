import { describe, expect, it } from "vitest";
import {
  createKernel,
  effectsOf,
  type Kernel,
  type KernelEffect,
  type ProgramSpec,
  type UnspawnPolicy,
} from "../src/index.js";

const mainFn = () => undefined;
const last: UnspawnPolicy = { name: "last", select: (spawns) => spawns.latest()?.id };
const first: UnspawnPolicy = { name: "first", select: (spawns) => spawns.earliest()?.id };

const kernelWith = (program: Partial<ProgramSpec> = {}, options: Parameters<typeof createKernel>[0] = {}) => {
  const kernel = createKernel({ policies: [last, first], ...options });
  kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 100, mainFn, ...program } as ProgramSpec });
  return kernel;
};

const spawn = (kernel: Kernel, at: number, programId = "p", opts?: Record<string, unknown>) =>
  kernel.dispatch({ type: "spawn", at, programId, ...(opts === undefined ? {} : { opts }) });
const succeed = (kernel: Kernel, at: number, jobId: string, value?: unknown) =>
  kernel.dispatch({ type: "complete", at, jobId, outcome: { ok: true, value } });
const types = (effects: readonly KernelEffect[]) => effects.map((effect) => effect.type);
const ids = (spawns: readonly { id: string }[]) => spawns.map((s) => s.id);

describe("lifecycle: spawn", () => {
  it("spawn - ids are deterministic <programId>-<n>", () => {
    const kernel = kernelWith();
    expect(spawn(kernel, 0)).toEqual([
      { type: "spawned", programId: "p", spawnId: "p-1", startedAt: 0 },
      { type: "wake", at: 100 },
    ]);
    expect(effectsOf(spawn(kernel, 1), "spawned")[0]?.spawnId).toBe("p-2");
    expect(effectsOf(spawn(kernel, 2), "spawned")[0]?.spawnId).toBe("p-3");
    expect(ids(kernel.listSpawns("p"))).toEqual(["p-1", "p-2", "p-3"]);
  });

  it("spawn - opts.spawnId names the spawn", () => {
    const kernel = kernelWith();
    expect(effectsOf(spawn(kernel, 0, "p", { spawnId: "worker-a" }), "spawned")).toEqual([
      { type: "spawned", programId: "p", spawnId: "worker-a", startedAt: 0 },
    ]);
    expect(kernel.getSpawn("p", "worker-a")).toMatchObject({ id: "worker-a", programId: "p", status: "created" });
  });

  it("spawn - generated ids skip an id already taken by opts.spawnId", () => {
    const kernel = kernelWith();
    spawn(kernel, 0, "p", { spawnId: "p-1" });
    expect(effectsOf(spawn(kernel, 0), "spawned")[0]?.spawnId).toBe("p-2");
  });

  it("spawn - a duplicate spawn id is rejected with code duplicate-spawn", () => {
    const kernel = kernelWith();
    spawn(kernel, 0, "p", { spawnId: "w" });
    kernel.dispatch({ type: "tick", at: 10 });
    const before = kernel.info();
    const effects = spawn(kernel, 10, "p", { spawnId: "w" });
    expect(effects).toEqual([
      {
        type: "rejected",
        command: { type: "spawn", at: 10, programId: "p", opts: { spawnId: "w" } },
        code: "duplicate-spawn",
        field: "opts.spawnId",
        message: expect.stringContaining("opts.spawnId"),
      },
      { type: "wake", at: 100 },
    ]);
    expect(kernel.info()).toEqual(before);
  });

  it("spawn - refused with max-reached when max spawns run", () => {
    const kernel = kernelWith({ max: 2 });
    spawn(kernel, 0);
    spawn(kernel, 0);
    const command = { type: "spawn", at: 5, programId: "p" } as const;
    const effects = kernel.dispatch(command);
    expect(effects).toEqual([
      { type: "refused", command, code: "max-reached", message: expect.any(String) },
      { type: "wake", at: 100 },
    ]);
    expect(kernel.countSpawns("p")).toBe(2);
  });

  it("spawn - allowed again once a running spawn stops below max", () => {
    const kernel = kernelWith({ max: 1 });
    spawn(kernel, 0);
    kernel.dispatch({ type: "stop-spawn", at: 1, programId: "p", spawnId: "p-1" });
    expect(types(spawn(kernel, 2))).toEqual(["spawned", "wake"]);
  });

  it("spawn - opts.interval overrides the interval for that spawn alone", () => {
    const kernel = kernelWith({ interval: 100 });
    expect(spawn(kernel, 0, "p", { interval: 30 }).at(-1)).toEqual({ type: "wake", at: 30 });
    spawn(kernel, 0);
    const effects = kernel.dispatch({ type: "tick", at: 100 });
    expect(effectsOf(effects, "run").map((run) => [run.spawnId, run.scheduledAt])).toEqual([
      ["p-1", 30],
      ["p-2", 100],
    ]);
    succeed(kernel, 100, "job-1");
    succeed(kernel, 100, "job-2");
    expect(kernel.getProps("p", "p-1").interval).toBe(30);
    expect(kernel.getProps("p", "p-2").interval).toBe(100);
    expect(kernel.dispatch({ type: "tick", at: 100 }).at(-1)).toEqual({ type: "wake", at: 130 });
  });

  it("spawn - other opts (argsFn, delay) override for that spawn alone", () => {
    const kernel = kernelWith({ argsFn: () => "program" });
    spawn(kernel, 0, "p", { argsFn: () => "spawn", delay: 10 });
    spawn(kernel, 0);
    const a = effectsOf(kernel.dispatch({ type: "tick", at: 10 }), "run");
    expect(a.map((run) => [run.spawnId, run.scheduledAt, run.args])).toEqual([["p-1", 10, "spawn"]]);
    const b = effectsOf(kernel.dispatch({ type: "tick", at: 100 }), "run");
    expect(b.map((run) => [run.spawnId, run.scheduledAt, run.args])).toEqual([["p-2", 100, "program"]]);
  });
});

describe("lifecycle: unspawn", () => {
  it("unspawn - refused with min-reached when min or fewer spawns run", () => {
    const kernel = kernelWith({ min: 2 });
    spawn(kernel, 0);
    spawn(kernel, 0);
    const command = { type: "unspawn", at: 5, programId: "p" } as const;
    expect(kernel.dispatch(command)).toEqual([
      { type: "refused", command, code: "min-reached", message: expect.any(String) },
      { type: "wake", at: 100 },
    ]);
    expect(kernel.countSpawns("p")).toBe(2);
  });

  it("unspawn - refused with none-running when no spawn runs (kernel choice)", () => {
    const kernel = kernelWith();
    const command = { type: "unspawn", at: 5, programId: "p" } as const;
    expect(kernel.dispatch(command)).toEqual([
      { type: "refused", command, code: "none-running", message: expect.any(String) },
      { type: "wake", at: null },
    ]);
  });

  it("unspawn - the 'last' policy stops the most recently started spawn", () => {
    const kernel = kernelWith({ policy: "last" });
    spawn(kernel, 0);
    spawn(kernel, 10);
    spawn(kernel, 20);
    expect(kernel.dispatch({ type: "unspawn", at: 30, programId: "p" })).toEqual([
      { type: "unspawned", programId: "p", spawnId: "p-3" },
      {
        type: "cancel",
        jobId: "job-3",
        fireId: "p/p-3/120",
        programId: "p",
        spawnId: "p-3",
        reason: "unspawn",
        inFlight: false,
      },
      { type: "stopped", programId: "p", spawnId: "p-3", reason: "unspawn" },
      { type: "wake", at: 100 },
    ]);
    expect(ids(kernel.listSpawns("p"))).toEqual(["p-1", "p-2"]);
  });

  it("unspawn - the 'first' policy stops the earliest spawn", () => {
    const kernel = kernelWith({ policy: "first" });
    spawn(kernel, 0);
    spawn(kernel, 10);
    const effects = kernel.dispatch({ type: "unspawn", at: 30, programId: "p" });
    expect(effectsOf(effects, "unspawned")).toEqual([{ type: "unspawned", programId: "p", spawnId: "p-1" }]);
    expect(ids(kernel.listSpawns("p"))).toEqual(["p-2"]);
  });

  it("unspawn - the kernel's default policy applies when the program names none", () => {
    const kernel = kernelWith({}, { defaultPolicy: "first" });
    spawn(kernel, 0);
    spawn(kernel, 10);
    expect(effectsOf(kernel.dispatch({ type: "unspawn", at: 30, programId: "p" }), "unspawned")[0]?.spawnId).toBe(
      "p-1",
    );
  });

  it("unspawn - the first registered policy is the default when none is named", () => {
    const kernel = kernelWith(); // policies: [last, first]
    spawn(kernel, 0);
    spawn(kernel, 10);
    expect(effectsOf(kernel.dispatch({ type: "unspawn", at: 30, programId: "p" }), "unspawned")[0]?.spawnId).toBe(
      "p-2",
    );
  });

  it("unspawn - the policy sees the running spawns oldest first with their counters", () => {
    const seen: unknown[] = [];
    const spy: UnspawnPolicy = {
      name: "spy",
      select: (spawns) => {
        seen.push({
          size: spawns.size,
          all: [...spawns],
          earliest: spawns.earliest()?.id,
          latest: spawns.latest()?.id,
        });
        return spawns.earliest()?.id;
      },
    };
    const kernel = kernelWith({ policy: "spy" }, { policies: [spy] });
    spawn(kernel, 0);
    spawn(kernel, 10);
    kernel.dispatch({ type: "tick", at: 100 });
    kernel.dispatch({ type: "unspawn", at: 100, programId: "p" });
    expect(seen).toEqual([
      {
        size: 2,
        earliest: "p-1",
        latest: "p-2",
        all: [
          {
            id: "p-1",
            programId: "p",
            startedAt: 0,
            inFlight: 1,
            submitted: 1,
            succeeded: 0,
            errored: 0,
            completed: 0,
          },
          {
            id: "p-2",
            programId: "p",
            startedAt: 10,
            inFlight: 0,
            submitted: 1,
            succeeded: 0,
            errored: 0,
            completed: 0,
          },
        ],
      },
    ]);
  });

  it("unspawn - a throwing policy gives rejected policy-failed and nothing changes", () => {
    const thrower: UnspawnPolicy = {
      name: "thrower",
      select: () => {
        throw new Error("nope");
      },
    };
    const kernel = kernelWith({ policy: "thrower" }, { policies: [thrower] });
    spawn(kernel, 0);
    spawn(kernel, 10);
    kernel.dispatch({ type: "tick", at: 20 });
    const before = kernel.info();
    const effects = kernel.dispatch({ type: "unspawn", at: 20, programId: "p" });
    expect(effects).toEqual([
      {
        type: "rejected",
        command: { type: "unspawn", at: 20, programId: "p" },
        code: "policy-failed",
        field: expect.any(String),
        message: expect.stringContaining("thrower"),
      },
      { type: "wake", at: 100 },
    ]);
    expect(kernel.info()).toEqual(before);
  });

  it("unspawn - a policy returning a non-member id gives rejected policy-failed and nothing changes", () => {
    const liar: UnspawnPolicy = { name: "liar", select: () => "p-99" };
    const kernel = kernelWith({ policy: "liar" }, { policies: [liar] });
    spawn(kernel, 0);
    spawn(kernel, 10);
    kernel.dispatch({ type: "tick", at: 20 });
    const before = kernel.info();
    const effects = kernel.dispatch({ type: "unspawn", at: 20, programId: "p" });
    expect(effectsOf(effects, "rejected")).toEqual([
      expect.objectContaining({ code: "policy-failed", message: expect.stringContaining("liar") }),
    ]);
    expect(types(effects)).toEqual(["rejected", "wake"]);
    expect(kernel.info()).toEqual(before);
  });

  it("unspawn - a policy returning a stopped spawn's id gives rejected policy-failed", () => {
    const stale: UnspawnPolicy = { name: "stale", select: () => "p-1" };
    const kernel = kernelWith({ policy: "stale" }, { policies: [stale] });
    spawn(kernel, 0);
    spawn(kernel, 0);
    kernel.dispatch({ type: "stop-spawn", at: 1, programId: "p", spawnId: "p-1" });
    const effects = kernel.dispatch({ type: "unspawn", at: 2, programId: "p" });
    expect(effectsOf(effects, "rejected")[0]?.code).toBe("policy-failed");
    expect(kernel.countSpawns("p")).toBe(1);
  });

  it("unspawn - a policy returning undefined refuses with policy-refused (kernel choice)", () => {
    const never: UnspawnPolicy = { name: "never", select: () => undefined };
    const kernel = kernelWith({ policy: "never" }, { policies: [never] });
    spawn(kernel, 0);
    const command = { type: "unspawn", at: 2, programId: "p" } as const;
    expect(kernel.dispatch(command)).toEqual([
      { type: "refused", command, code: "policy-refused", message: expect.stringContaining("never") },
      { type: "wake", at: 100 },
    ]);
    expect(kernel.countSpawns("p")).toBe(1);
  });

  it("unspawn - no policy registered gives rejected no-policy", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 100, mainFn } });
    spawn(kernel, 0);
    kernel.dispatch({ type: "tick", at: 5 });
    const before = kernel.info();
    const effects = kernel.dispatch({ type: "unspawn", at: 5, programId: "p" });
    expect(effects).toEqual([
      {
        type: "rejected",
        command: { type: "unspawn", at: 5, programId: "p" },
        code: "no-policy",
        field: "program.policy",
        message: expect.stringContaining("program.policy"),
      },
      { type: "wake", at: 100 },
    ]);
    expect(kernel.info()).toEqual(before);
  });

  it("unspawn - a spawn with a job in flight is stopped gracefully", () => {
    const kernel = kernelWith({ policy: "last", createFn: () => ({}) });
    spawn(kernel, 0);
    kernel.dispatch({ type: "tick", at: 100 });
    expect(kernel.dispatch({ type: "unspawn", at: 110, programId: "p" })).toEqual([
      { type: "unspawned", programId: "p", spawnId: "p-1" },
      { type: "wake", at: null },
    ]);
    expect(kernel.getSpawn("p", "p-1").status).toBe("terminating");
    expect(succeed(kernel, 120, "job-1", { done: true })).toEqual([
      expect.objectContaining({ type: "settled", jobId: "job-1", status: "succeeded" }),
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "unspawn" },
      { type: "wake", at: null },
    ]);
    expect(kernel.getState("p")).toEqual({ done: true });
  });
});

describe("lifecycle: status, stop and kill", () => {
  it("status - created, then running, then terminating, then stopped", () => {
    const kernel = kernelWith();
    spawn(kernel, 0);
    expect(kernel.getSpawn("p", "p-1").status).toBe("created");
    kernel.dispatch({ type: "tick", at: 100 });
    expect(kernel.getSpawn("p", "p-1").status).toBe("running");
    succeed(kernel, 110, "job-1");
    expect(kernel.getSpawn("p", "p-1").status).toBe("running");
    kernel.dispatch({ type: "tick", at: 210 });
    kernel.dispatch({ type: "stop-spawn", at: 220, programId: "p", spawnId: "p-1" });
    expect(kernel.getSpawn("p", "p-1").status).toBe("terminating");
    succeed(kernel, 230, "job-2");
    expect(kernel.getSpawn("p", "p-1").status).toBe("stopped");
  });

  it("stop-spawn - a spawn with nothing in flight stops at once and its pending job is cancelled", () => {
    const kernel = kernelWith();
    spawn(kernel, 0);
    expect(kernel.dispatch({ type: "stop-spawn", at: 10, programId: "p", spawnId: "p-1" })).toEqual([
      {
        type: "cancel",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        reason: "stop",
        inFlight: false,
      },
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "stop" },
      { type: "wake", at: null },
    ]);
    expect(kernel.getSpawn("p", "p-1").status).toBe("stopped");
    expect(kernel.countSpawns("p")).toBe(0);
    expect(kernel.dispatch({ type: "tick", at: 1_000 })).toEqual([{ type: "wake", at: null }]);
  });

  it("stop-spawn - graceful: removed from running at once, pending cancelled, in-flight finishes and merges, then stopped", () => {
    const kernel = kernelWith({ type: "constant", createFn: () => ({ n: 0 }) });
    spawn(kernel, 0);
    kernel.dispatch({ type: "tick", at: 100 }); // job-1 in flight, job-2 pending at 200
    const stop = kernel.dispatch({ type: "stop-spawn", at: 150, programId: "p", spawnId: "p-1" });
    expect(stop).toEqual([
      {
        type: "cancel",
        jobId: "job-2",
        fireId: "p/p-1/200",
        programId: "p",
        spawnId: "p-1",
        reason: "stop",
        inFlight: false,
      },
      { type: "wake", at: null },
    ]);
    expect(kernel.countSpawns("p")).toBe(0);
    expect(kernel.listSpawns("p")).toEqual([]);
    expect(ids(kernel.listStopped("p"))).toEqual(["p-1"]);
    expect(kernel.getSpawn("p", "p-1")).toMatchObject({ status: "terminating", inFlight: 1, waiting: 1 });
    const done = succeed(kernel, 250, "job-1", { n: 5 });
    expect(done).toEqual([
      {
        type: "settled",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        status: "succeeded",
        scheduledAt: 100,
        startedAt: 100,
        endedAt: 250,
        value: { n: 5 },
      },
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "stop" },
      { type: "wake", at: null },
    ]);
    expect(kernel.getState("p")).toEqual({ n: 5 });
    expect(kernel.getProps("p", "p-1")).toMatchObject({ succeeded: 1, completed: 1, terminating: false });
  });

  it("stop-spawn - stopping an already stopped spawn does nothing", () => {
    const kernel = kernelWith();
    spawn(kernel, 0);
    kernel.dispatch({ type: "stop-spawn", at: 10, programId: "p", spawnId: "p-1" });
    expect(kernel.dispatch({ type: "stop-spawn", at: 11, programId: "p", spawnId: "p-1" })).toEqual([
      { type: "wake", at: null },
    ]);
  });

  it("kill-spawn - in-flight jobs are cancelled with inFlight: true and the spawn stops at once", () => {
    const kernel = kernelWith({ type: "constant" });
    spawn(kernel, 0);
    kernel.dispatch({ type: "tick", at: 100 });
    kernel.dispatch({ type: "tick", at: 200 }); // job-1, job-2 in flight; job-3 pending
    expect(kernel.dispatch({ type: "kill-spawn", at: 250, programId: "p", spawnId: "p-1" })).toEqual([
      {
        type: "cancel",
        jobId: "job-3",
        fireId: "p/p-1/300",
        programId: "p",
        spawnId: "p-1",
        reason: "kill",
        inFlight: false,
      },
      {
        type: "cancel",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        reason: "kill",
        inFlight: true,
      },
      {
        type: "cancel",
        jobId: "job-2",
        fireId: "p/p-1/200",
        programId: "p",
        spawnId: "p-1",
        reason: "kill",
        inFlight: true,
      },
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "kill" },
      { type: "wake", at: null },
    ]);
    expect(kernel.getSpawn("p", "p-1")).toMatchObject({ status: "stopped", inFlight: 0, waiting: 0 });
  });

  it("kill-spawn - a later complete is discarded and does not change state", () => {
    const kernel = kernelWith({ createFn: () => ({ n: 0 }) });
    spawn(kernel, 0);
    kernel.dispatch({ type: "tick", at: 100 });
    kernel.dispatch({ type: "kill-spawn", at: 110, programId: "p", spawnId: "p-1" });
    const before = { info: kernel.info(), props: kernel.getProps("p", "p-1"), state: kernel.getState("p") };
    expect(succeed(kernel, 120, "job-1", { n: 9 })).toEqual([
      { type: "discarded", jobId: "job-1" },
      { type: "wake", at: null },
    ]);
    expect(kernel.getState("p")).toEqual({ n: 0 });
    expect(kernel.getProps("p", "p-1")).toEqual(before.props);
    expect(kernel.info().programs).toEqual(before.info.programs);
  });

  it("kill-spawn - kills a spawn that was stopping gracefully; the first reason stands", () => {
    const kernel = kernelWith();
    spawn(kernel, 0);
    kernel.dispatch({ type: "tick", at: 100 });
    kernel.dispatch({ type: "stop-spawn", at: 110, programId: "p", spawnId: "p-1" });
    expect(kernel.dispatch({ type: "kill-spawn", at: 120, programId: "p", spawnId: "p-1" })).toEqual([
      {
        type: "cancel",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        reason: "kill",
        inFlight: true,
      },
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "stop" },
      { type: "wake", at: null },
    ]);
  });

  it("complete - a second completion of the same job is discarded", () => {
    const kernel = kernelWith({ createFn: () => 0, mergeFn: (s: number, o: number) => s + o });
    spawn(kernel, 0);
    kernel.dispatch({ type: "tick", at: 100 });
    succeed(kernel, 110, "job-1", 1);
    expect(succeed(kernel, 111, "job-1", 1)).toEqual([
      { type: "discarded", jobId: "job-1" },
      { type: "wake", at: 210 },
    ]);
    expect(kernel.getState("p")).toBe(1);
  });
});

describe("lifecycle: stop-all, kill-all", () => {
  const two = () => {
    const kernel = createKernel({ policies: [last] });
    for (const id of ["a", "b"]) {
      kernel.dispatch({ type: "install", at: 0, program: { id, interval: 100, mainFn } });
      spawn(kernel, 0, id);
      spawn(kernel, 0, id);
    }
    kernel.dispatch({ type: "tick", at: 100 }); // job-1..job-4 in flight
    return kernel;
  };

  it("stop-all - one program: every running spawn of it stops gracefully", () => {
    const kernel = two();
    const effects = kernel.dispatch({ type: "stop-all", at: 110, programId: "a" });
    expect(effects).toEqual([{ type: "wake", at: null }]);
    expect(kernel.countSpawns("a")).toBe(0);
    expect(kernel.countSpawns("b")).toBe(2);
    expect(kernel.listStopped("a").map((s) => [s.id, s.status])).toEqual([
      ["a-2", "terminating"],
      ["a-1", "terminating"],
    ]);
    expect(types(succeed(kernel, 120, "job-1"))).toEqual(["settled", "stopped", "wake"]);
    expect(types(succeed(kernel, 120, "job-3"))).toEqual(["settled", "wake"]);
  });

  it("stop-all - without a program id stops every program's spawns", () => {
    const kernel = two();
    kernel.dispatch({ type: "stop-all", at: 110 });
    expect(kernel.countSpawns("a")).toBe(0);
    expect(kernel.countSpawns("b")).toBe(0);
    expect(kernel.listStopped("b").map((s) => s.status)).toEqual(["terminating", "terminating"]);
  });

  it("kill-all - one program: in-flight jobs cancelled, spawns stopped at once", () => {
    const kernel = two();
    expect(kernel.dispatch({ type: "kill-all", at: 110, programId: "a" })).toEqual([
      {
        type: "cancel",
        jobId: "job-1",
        fireId: "a/a-1/100",
        programId: "a",
        spawnId: "a-1",
        reason: "kill",
        inFlight: true,
      },
      { type: "stopped", programId: "a", spawnId: "a-1", reason: "kill" },
      {
        type: "cancel",
        jobId: "job-2",
        fireId: "a/a-2/100",
        programId: "a",
        spawnId: "a-2",
        reason: "kill",
        inFlight: true,
      },
      { type: "stopped", programId: "a", spawnId: "a-2", reason: "kill" },
      { type: "wake", at: null },
    ]);
    expect(kernel.countSpawns("b")).toBe(2);
  });

  it("kill-all - without a program id kills every program's spawns", () => {
    const kernel = two();
    const effects = kernel.dispatch({ type: "kill-all", at: 110 });
    expect(effectsOf(effects, "stopped").map((s) => s.spawnId)).toEqual(["a-1", "a-2", "b-1", "b-2"]);
    expect(effectsOf(effects, "cancel").every((c) => c.inFlight && c.reason === "kill")).toBe(true);
    expect(kernel.countSpawns("a") + kernel.countSpawns("b")).toBe(0);
  });
});

describe("lifecycle: clear, uninstall, reinstall", () => {
  it("clear - removes the program, its spawns and its history; a running spawn gets its one stopped", () => {
    const kernel = kernelWith({ createFn: () => ({ n: 0 }) });
    spawn(kernel, 0);
    spawn(kernel, 0);
    kernel.dispatch({ type: "stop-spawn", at: 1, programId: "p", spawnId: "p-2" });
    kernel.dispatch({ type: "tick", at: 100 });
    expect(kernel.dispatch({ type: "clear", at: 110, programId: "p" })).toEqual([
      {
        type: "cancel",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        reason: "clear",
        inFlight: true,
      },
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "clear" },
      { type: "cleared", programId: "p" },
      { type: "wake", at: null },
    ]);
    expect(kernel.isInstalled("p")).toBe(false);
    expect(kernel.info().programs).toEqual({});
    expect(() => kernel.listStopped("p")).toThrow(expect.objectContaining({ code: "unknown-program" }));
    expect(succeed(kernel, 120, "job-1")).toEqual([
      { type: "discarded", jobId: "job-1" },
      { type: "wake", at: null },
    ]);
  });

  it("uninstall - stops every spawn, then clears", () => {
    const kernel = kernelWith();
    spawn(kernel, 0);
    spawn(kernel, 0);
    expect(kernel.dispatch({ type: "uninstall", at: 10, programId: "p" })).toEqual([
      {
        type: "cancel",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        reason: "uninstall",
        inFlight: false,
      },
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "uninstall" },
      {
        type: "cancel",
        jobId: "job-2",
        fireId: "p/p-2/100",
        programId: "p",
        spawnId: "p-2",
        reason: "uninstall",
        inFlight: false,
      },
      { type: "stopped", programId: "p", spawnId: "p-2", reason: "uninstall" },
      { type: "uninstalled", programId: "p" },
      { type: "wake", at: null },
    ]);
    expect(kernel.isInstalled("p")).toBe(false);
  });

  it("uninstall - in-flight jobs are cancelled (kernel choice: no waiting for them), then the spawn is stopped", () => {
    const kernel = kernelWith();
    spawn(kernel, 0);
    kernel.dispatch({ type: "tick", at: 100 });
    const effects = kernel.dispatch({ type: "uninstall", at: 110, programId: "p" });
    expect(effects).toEqual([
      {
        type: "cancel",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        reason: "uninstall",
        inFlight: true,
      },
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "uninstall" },
      { type: "uninstalled", programId: "p" },
      { type: "wake", at: null },
    ]);
  });

  it("install - reinstalling an id replaces the old program, and its installed effect says what it replaced", () => {
    const kernel = kernelWith({ createFn: () => ({ version: 1 }) });
    spawn(kernel, 0);
    const effects = kernel.dispatch({
      type: "install",
      at: 10,
      program: { id: "p", interval: 500, mainFn, createFn: () => ({ version: 2 }) },
    });
    expect(effects).toEqual([
      {
        type: "cancel",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        reason: "uninstall",
        inFlight: false,
      },
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "uninstall" },
      { type: "uninstalled", programId: "p" },
      { type: "installed", programId: "p", replaced: { spawnIds: ["p-1"], state: { version: 1 } } },
      { type: "wake", at: null },
    ]);
    expect(kernel.getState("p")).toEqual({ version: 2 });
    expect(kernel.countSpawns("p")).toBe(0);
    expect(kernel.listStopped("p")).toEqual([]);
    expect(spawn(kernel, 20)).toEqual([
      { type: "spawned", programId: "p", spawnId: "p-1", startedAt: 20 },
      { type: "wake", at: 520 },
    ]);
  });
});

describe("lifecycle: history and queries", () => {
  it("listStopped - newest first and bounded by historyLimit", () => {
    const kernel = kernelWith({}, { historyLimit: 2 });
    for (let n = 0; n < 4; n++) spawn(kernel, n);
    for (const [n, id] of ["p-2", "p-4", "p-1", "p-3"].entries()) {
      kernel.dispatch({ type: "stop-spawn", at: 10 + n, programId: "p", spawnId: id });
    }
    expect(ids(kernel.listStopped("p"))).toEqual(["p-3", "p-1"]);
    expect(kernel.latestStopped("p")?.id).toBe("p-3");
    expect(() => kernel.getSpawn("p", "p-2")).toThrow(expect.objectContaining({ code: "unknown-spawn" }));
  });

  it("listStopped - default limit is 100", () => {
    const kernel = kernelWith();
    for (let n = 0; n < 105; n++) {
      spawn(kernel, n);
      kernel.dispatch({ type: "stop-spawn", at: n, programId: "p", spawnId: `p-${n + 1}` });
    }
    const stopped = kernel.listStopped("p");
    expect(stopped).toHaveLength(100);
    expect(stopped[0]?.id).toBe("p-105");
    expect(stopped.at(-1)?.id).toBe("p-6");
  });

  it("listSpawns - asc and desc by start time", () => {
    const kernel = kernelWith();
    spawn(kernel, 0, "p", { spawnId: "x" });
    spawn(kernel, 5, "p", { spawnId: "a" });
    spawn(kernel, 9, "p", { spawnId: "m" });
    expect(ids(kernel.listSpawns("p"))).toEqual(["x", "a", "m"]);
    expect(ids(kernel.listSpawns("p", "asc"))).toEqual(["x", "a", "m"]);
    expect(ids(kernel.listSpawns("p", "desc"))).toEqual(["m", "a", "x"]);
    expect(kernel.listSpawns("p")[1]).toMatchObject({ id: "a", programId: "p", status: "created", startedAt: 5 });
  });

  it("countSpawns, latestSpawn, earliestSpawn - over running spawns only", () => {
    const kernel = kernelWith();
    expect(kernel.countSpawns("p")).toBe(0);
    expect(kernel.latestSpawn("p")).toBeUndefined();
    expect(kernel.earliestSpawn("p")).toBeUndefined();
    spawn(kernel, 0);
    spawn(kernel, 1);
    spawn(kernel, 2);
    kernel.dispatch({ type: "stop-spawn", at: 3, programId: "p", spawnId: "p-3" });
    expect(kernel.countSpawns("p")).toBe(2);
    expect(kernel.latestSpawn("p")?.id).toBe("p-2");
    expect(kernel.earliestSpawn("p")?.id).toBe("p-1");
  });

  it("latest - latest running, else latest stopped, else undefined", () => {
    const kernel = kernelWith();
    expect(kernel.latest("p")).toBeUndefined();
    expect(kernel.latestStopped("p")).toBeUndefined();
    spawn(kernel, 0);
    spawn(kernel, 1);
    expect(kernel.latest("p")?.id).toBe("p-2");
    kernel.dispatch({ type: "stop-spawn", at: 2, programId: "p", spawnId: "p-2" });
    expect(kernel.latest("p")?.id).toBe("p-1");
    expect(kernel.latestStopped("p")?.id).toBe("p-2");
    kernel.dispatch({ type: "stop-spawn", at: 3, programId: "p", spawnId: "p-1" });
    expect(kernel.latest("p")).toMatchObject({ id: "p-1", status: "stopped" });
  });

  it("getProgram, isInstalled - report the installed spec", () => {
    const kernel = kernelWith({ meta: { owner: "ops" } });
    expect(kernel.isInstalled("p")).toBe(true);
    expect(kernel.isInstalled("q")).toBe(false);
    expect(kernel.getProgram("p")).toMatchObject({ id: "p", interval: 100, meta: { owner: "ops" } });
  });
});

describe("lifecycle: trigger", () => {
  it("trigger - runs one job with spawnId null and argsFn()", () => {
    const kernel = kernelWith({ argsFn: () => ({ manual: true }) });
    expect(kernel.dispatch({ type: "trigger", at: 10, programId: "p" })).toEqual([
      { type: "triggered", jobId: "job-1", programId: "p", scheduledAt: 10 },
      {
        type: "run",
        jobId: "job-1",
        fireId: "p/trigger/job-1",
        programId: "p",
        spawnId: null,
        scheduledAt: 10,
        startedAt: 10,
        args: { manual: true },
      },
      { type: "wake", at: null },
    ]);
    expect(kernel.countSpawns("p")).toBe(0);
  });

  it("trigger - the value is merged into program state through mergeFn, without successFn", () => {
    const kernel = kernelWith({
      createFn: () => ({ n: 1 }),
      successFn: () => ({ fromSuccessFn: true }),
      mergeFn: (state: object, output: object) => ({ ...state, ...output, merged: true }),
    });
    kernel.dispatch({ type: "trigger", at: 10, programId: "p" });
    expect(succeed(kernel, 20, "job-1", { n: 2 })).toEqual([
      {
        type: "settled",
        jobId: "job-1",
        fireId: "p/trigger/job-1",
        programId: "p",
        spawnId: null,
        status: "succeeded",
        scheduledAt: 10,
        startedAt: 10,
        endedAt: 20,
        value: { n: 2 },
      },
      { type: "wake", at: null },
    ]);
    expect(kernel.getState("p")).toEqual({ n: 2, merged: true });
  });

  it("trigger - merges into program state even for scope spawn", () => {
    const kernel = kernelWith({ scope: "spawn", createFn: () => ({ n: 0 }) });
    kernel.dispatch({ type: "trigger", at: 10, programId: "p" });
    succeed(kernel, 20, "job-1", { n: 3 });
    expect(kernel.getState("p")).toEqual({ n: 3 });
  });

  it("trigger - a failure goes back as an errored settle and leaves the state unchanged", () => {
    const kernel = kernelWith({ createFn: () => ({ n: 1 }), errorFn: () => ({ fromErrorFn: true }) });
    kernel.dispatch({ type: "trigger", at: 10, programId: "p" });
    const error = new Error("manual failed");
    const effects = kernel.dispatch({ type: "complete", at: 20, jobId: "job-1", outcome: { ok: false, error } });
    expect(effects).toEqual([
      {
        type: "settled",
        jobId: "job-1",
        fireId: "p/trigger/job-1",
        programId: "p",
        spawnId: null,
        status: "errored",
        scheduledAt: 10,
        startedAt: 10,
        endedAt: 20,
        error,
      },
      { type: "wake", at: null },
    ]);
    expect(kernel.getState("p")).toEqual({ n: 1 });
  });

  it("trigger - a throwing mergeFn makes it errored and leaves the state unchanged", () => {
    const boom = new Error("merge");
    const kernel = kernelWith({
      createFn: () => ({ n: 1 }),
      mergeFn: () => {
        throw boom;
      },
    });
    kernel.dispatch({ type: "trigger", at: 10, programId: "p" });
    expect(effectsOf(succeed(kernel, 20, "job-1", { n: 2 }), "settled")[0]).toMatchObject({
      status: "errored",
      error: boom,
    });
    expect(kernel.getState("p")).toEqual({ n: 1 });
  });

  it("trigger - a scheduledAt in the future waits for its time", () => {
    const kernel = kernelWith();
    expect(kernel.dispatch({ type: "trigger", at: 10, programId: "p", scheduledAt: 50 })).toEqual([
      { type: "triggered", jobId: "job-1", programId: "p", scheduledAt: 50 },
      { type: "wake", at: 50 },
    ]);
    expect(kernel.dispatch({ type: "tick", at: 49 })).toEqual([{ type: "wake", at: 50 }]);
    expect(kernel.dispatch({ type: "tick", at: 50 })).toEqual([
      {
        type: "run",
        jobId: "job-1",
        fireId: "p/trigger/job-1",
        programId: "p",
        spawnId: null,
        scheduledAt: 50,
        startedAt: 50,
        args: undefined,
      },
      { type: "wake", at: null },
    ]);
  });

  it("trigger - does not count toward spawn counters", () => {
    const kernel = kernelWith();
    kernel.dispatch({ type: "trigger", at: 10, programId: "p" });
    succeed(kernel, 20, "job-1", 1);
    expect(kernel.info().programs.p?.counts).toEqual({ submitted: 0, succeeded: 0, errored: 0 });
  });
});

describe("lifecycle: set-interval", () => {
  it("set-interval - program-wide: changes every running spawn from the next scheduling", () => {
    const kernel = kernelWith({ interval: 100 });
    spawn(kernel, 0);
    spawn(kernel, 0);
    expect(kernel.dispatch({ type: "set-interval", at: 50, programId: "p", interval: 300 })).toEqual([
      { type: "interval-set", programId: "p", spawnId: null },
      { type: "wake", at: 100 },
    ]);
    kernel.dispatch({ type: "tick", at: 100 });
    expect(succeed(kernel, 110, "job-1").at(-1)).toEqual({ type: "wake", at: 410 });
    succeed(kernel, 120, "job-2");
    expect(kernel.getProps("p", "p-2").interval).toBe(300);
    expect(kernel.dispatch({ type: "tick", at: 410 }).at(-1)).toEqual({ type: "wake", at: 420 });
  });

  it("set-interval - program-wide: applies to spawns created later", () => {
    const kernel = kernelWith({ interval: 100 });
    kernel.dispatch({ type: "set-interval", at: 0, programId: "p", interval: 40 });
    expect(spawn(kernel, 10).at(-1)).toEqual({ type: "wake", at: 50 });
  });

  it("set-interval - per spawn: only that spawn changes, from its next scheduling", () => {
    const kernel = kernelWith({ interval: 100 });
    spawn(kernel, 0);
    spawn(kernel, 0);
    expect(kernel.dispatch({ type: "set-interval", at: 50, programId: "p", spawnId: "p-2", interval: 10 })).toEqual([
      { type: "interval-set", programId: "p", spawnId: "p-2" },
      { type: "wake", at: 100 },
    ]);
    kernel.dispatch({ type: "tick", at: 100 });
    expect(succeed(kernel, 100, "job-1").at(-1)).toEqual({ type: "wake", at: 200 });
    expect(succeed(kernel, 100, "job-2").at(-1)).toEqual({ type: "wake", at: 110 });
  });

  it("set-interval - on a constant spawn the already scheduled grid point stays", () => {
    const kernel = kernelWith({ type: "constant", interval: 100 });
    spawn(kernel, 0);
    kernel.dispatch({ type: "tick", at: 100 }); // next at 200 already scheduled
    expect(kernel.dispatch({ type: "set-interval", at: 150, programId: "p", interval: 50 }).at(-1)).toEqual({
      type: "wake",
      at: 200,
    });
    expect(kernel.dispatch({ type: "tick", at: 200 }).at(-1)).toEqual({ type: "wake", at: 250 });
  });

  it("set-interval - accepts an interval function", () => {
    const kernel = kernelWith({ interval: 100 });
    spawn(kernel, 0);
    kernel.dispatch({ type: "set-interval", at: 0, programId: "p", interval: () => 7 });
    kernel.dispatch({ type: "tick", at: 100 });
    expect(succeed(kernel, 100, "job-1").at(-1)).toEqual({ type: "wake", at: 107 });
  });
});
