import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import {
  type Command,
  createKernel,
  createRunner,
  effectsOf,
  type JobContext,
  type Kernel,
  type KernelEffect,
  type ProgramExport,
  type ProgramSpec,
  restoreKernel,
} from "../src/index.js";
import { policies } from "./support/timeline.js";

const mainFn = () => undefined;

const kernelWith = (spec: Partial<ProgramSpec> = {}, seed = 1) => {
  const kernel = createKernel({ policies, seed });
  kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 100, mainFn, ...spec } as ProgramSpec });
  return kernel;
};

const only = <T extends KernelEffect["type"]>(effects: readonly KernelEffect[], type: T) => {
  const found = effectsOf(effects, type);
  expect(found).toHaveLength(1);
  return found[0] as Extract<KernelEffect, { type: T }>;
};

describe("fire ids", () => {
  it("run, settled and cancel - a spawn's job is fire <programId>/<spawnId>/<scheduledAt>", () => {
    const kernel = kernelWith({ type: "constant", interval: 50.5 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const run = only(kernel.dispatch({ type: "tick", at: 60 }), "run");
    expect(run).toMatchObject({ jobId: "job-1", fireId: "p/p-1/50.5", scheduledAt: 50.5 });
    const settled = only(
      kernel.dispatch({ type: "complete", at: 61, jobId: "job-1", outcome: { ok: true } }),
      "settled",
    );
    expect(settled.fireId).toBe("p/p-1/50.5");
    const cancels = effectsOf(
      kernel.dispatch({ type: "kill-spawn", at: 62, programId: "p", spawnId: "p-1" }),
      "cancel",
    );
    expect(cancels.map((cancel) => [cancel.jobId, cancel.fireId])).toEqual([["job-2", "p/p-1/101"]]);
  });

  it("trigger - fireId names its job; the default is <programId>/trigger/<jobId>", () => {
    const kernel = kernelWith();
    const named = kernel.dispatch({ type: "trigger", at: 0, programId: "p", fireId: "log/17" });
    expect(only(named, "run")).toMatchObject({ jobId: "job-1", fireId: "log/17", spawnId: null });
    const unnamed = kernel.dispatch({ type: "trigger", at: 0, programId: "p", scheduledAt: 10 });
    expect(only(kernel.dispatch({ type: "tick", at: 10 }), "run").fireId).toBe("p/trigger/job-2");
    expect(unnamed[0]).toEqual({ type: "triggered", jobId: "job-2", programId: "p", scheduledAt: 10 });
    const settled = only(
      kernel.dispatch({ type: "complete", at: 11, jobId: "job-1", outcome: { ok: true } }),
      "settled",
    );
    expect(settled.fireId).toBe("log/17");
  });

  it("trigger - a fireId that is not a non-empty string is rejected invalid-command naming command.fireId", () => {
    const kernel = kernelWith();
    for (const fireId of ["", 7, null]) {
      const [rejected] = kernel.dispatch({ type: "trigger", at: 0, programId: "p", fireId } as unknown as Command);
      expect(rejected).toMatchObject({ type: "rejected", code: "invalid-command", field: "command.fireId" });
    }
    expect(kernel.snapshot().programs[0]?.fresh).toBe(true);
  });

  it("snapshot - fire ids survive a restore, a trigger's own one too", () => {
    const kernel = kernelWith({ type: "constant" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "trigger", at: 0, programId: "p", scheduledAt: 150, fireId: "mine" });
    kernel.dispatch({ type: "tick", at: 100 });
    const restored = restoreKernel(
      JSON.parse(JSON.stringify(kernel.snapshot())),
      [{ id: "p", type: "constant", interval: 100, mainFn }],
      {
        policies,
      },
    );
    const effects = restored.dispatch({ type: "tick", at: 200 });
    expect(effectsOf(effects, "run").map((run) => run.fireId)).toEqual(["mine", "p/p-1/200"]);
    const settled = only(
      restored.dispatch({ type: "complete", at: 201, jobId: "job-1", outcome: { ok: true } }),
      "settled",
    );
    expect(settled.fireId).toBe("p/p-1/100");
  });

  it("createRunner - mainFn's ctx carries the fire id", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock, policies });
    const seen: JobContext[] = [];
    runner.install({ id: "p", interval: 100, mainFn: (_args, _t, ctx) => void seen.push(ctx) });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    await runner.trigger("p");
    expect(seen.map((ctx) => [ctx.jobId, ctx.fireId])).toEqual([
      ["job-1", "p/p-1/100"],
      ["job-3", "p/trigger/job-3"],
    ]);
    runner.kill();
  });
});

describe("outcome lost", () => {
  const hooks = () => {
    const called: string[] = [];
    const note =
      <T, R>(name: string, answer: (input: T) => R) =>
      (input: T): R => {
        called.push(name);
        return answer(input);
      };
    const spec: Partial<ProgramSpec> = {
      createFn: () => ({ n: 0 }),
      successFn: note("successFn", (value) => value),
      errorFn: note("errorFn", () => undefined),
      mergeFn: note("mergeFn", (state) => state),
      continueFn: note("continueFn", () => true),
    };
    return { called, spec };
  };

  it("complete - { lost: true } settles with status lost: no hook, state and results unchanged, basic goes on", () => {
    const { called, spec } = hooks();
    const kernel = kernelWith(spec);
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const effects = kernel.dispatch({ type: "complete", at: 130, jobId: "job-1", outcome: { lost: true } });
    expect(effects).toEqual([
      {
        type: "settled",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        status: "lost",
        scheduledAt: 100,
        startedAt: 100,
        endedAt: 130,
      },
      { type: "wake", at: 230 },
    ]);
    expect(called).toEqual([]);
    expect(kernel.getState("p")).toEqual({ n: 0 });
    expect(kernel.getProps("p", "p-1")).toMatchObject({
      succeeded: 0,
      errored: 0,
      completed: 0,
      lost: 1,
      updatedAt: 0,
    });
    expect(kernel.getSpawn("p", "p-1").result).toBeUndefined();
    expect(kernel.info().programs.p?.counts).toEqual({ submitted: 2, succeeded: 0, errored: 0 });
    const restored = restoreKernel(
      JSON.parse(JSON.stringify(kernel.snapshot())),
      [{ id: "p", interval: 100, mainFn, ...spec } as ProgramSpec],
      {
        policies,
      },
    );
    expect(restored.getProps("p", "p-1").lost).toBe(1);
  });

  it("complete - a lost job of a stopping spawn stops it; a lost trigger leaves the state as it was", () => {
    const kernel = kernelWith({ createFn: () => ({ n: 0 }) });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    kernel.dispatch({ type: "stop-spawn", at: 110, programId: "p", spawnId: "p-1" });
    const stopped = kernel.dispatch({ type: "complete", at: 120, jobId: "job-1", outcome: { lost: true } });
    expect(stopped.map((effect) => effect.type)).toEqual(["settled", "stopped", "wake"]);
    kernel.dispatch({ type: "trigger", at: 130, programId: "p" });
    const lost = only(
      kernel.dispatch({ type: "complete", at: 131, jobId: "job-2", outcome: { lost: true } }),
      "settled",
    );
    expect(lost).toMatchObject({ spawnId: null, status: "lost", fireId: "p/trigger/job-2" });
    expect("value" in lost || "error" in lost).toBe(false);
    expect(kernel.getState("p")).toEqual({ n: 0 });
  });

  it("complete - an outcome with lost is { lost: true } exactly, else rejected", () => {
    const kernel = kernelWith();
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    for (const outcome of [
      { lost: false },
      { lost: 1 },
      { lost: true, ok: true },
      { ok: false, error: 1, lost: true },
    ]) {
      const [rejected] = kernel.dispatch({ type: "complete", at: 110, jobId: "job-1", outcome } as unknown as Command);
      expect(rejected).toMatchObject({ type: "rejected", code: "invalid-command" });
      expect((rejected as { field: string }).field.startsWith("command.outcome")).toBe(true);
    }
    expect(kernel.getSpawn("p", "p-1").inFlight).toBe(1);
  });
});

describe("a generator per program", () => {
  const randomSpec = (id: string): ProgramSpec => ({ id, interval: 1_000_000, delay: "random", mainFn });
  /** The due times of a program's waiting jobs, from its export. */
  const dues = (kernel: Kernel, programId: string) =>
    (kernel.exportProgram(programId) as ProgramExport).spawns.map((spawn) => spawn.pending?.dueAt);

  it("spawn - another program's spawns do not change a program's random delays", () => {
    const delays = (others: number) => {
      const kernel = createKernel({ policies, seed: 5 });
      kernel.dispatch({ type: "install", at: 0, program: randomSpec("other") });
      kernel.dispatch({ type: "install", at: 0, program: randomSpec("p") });
      for (let n = 0; n < 4; n++) {
        for (let k = 0; k < others; k++) kernel.dispatch({ type: "spawn", at: 0, programId: "other" });
        kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
      }
      return dues(kernel, "p");
    };
    expect(delays(0)).toEqual(delays(3));
    expect(new Set(delays(0)).size).toBe(4);
  });

  it("spawn - a program's draws depend on the seed and its id alone", () => {
    const drawn = (seed: number, ids: readonly string[]) => {
      const kernel = createKernel({ seed });
      for (const id of ids) kernel.dispatch({ type: "install", at: 0, program: randomSpec(id) });
      for (const id of ids) kernel.dispatch({ type: "spawn", at: 0, programId: id });
      return dues(kernel, "p");
    };
    expect(drawn(9, ["a", "b", "p"])).toEqual(drawn(9, ["p"]));
    expect(drawn(9, ["p", "q"])).not.toEqual(dues(withProgram(9, "q"), "q"));
    expect(new Set([9, 10, 11, 12, 13].map((seed) => drawn(seed, ["p"])[0])).size).toBeGreaterThan(1);
  });
});

const withProgram = (seed: number, id: string): Kernel => {
  const kernel = createKernel({ seed });
  kernel.dispatch({ type: "install", at: 0, program: { id, interval: 1_000_000, delay: "random", mainFn } });
  kernel.dispatch({ type: "spawn", at: 0, programId: id });
  return kernel;
};

describe("ProgramSpec version and delivery", () => {
  it("install - version (non-empty string or finite number) and delivery are kept as data", () => {
    for (const extra of [
      { version: "2.1" },
      { version: 3 },
      { delivery: "at-most-once" },
      { delivery: "at-least-once" },
    ]) {
      const kernel = kernelWith(extra as Partial<ProgramSpec>);
      expect(kernel.getProgram("p")).toMatchObject(extra);
    }
  });

  it("install - a bad version or delivery is rejected naming the field", () => {
    for (const [extra, field] of [
      [{ version: "" }, "program.version"],
      [{ version: Number.NaN }, "program.version"],
      [{ version: {} }, "program.version"],
      [{ delivery: "exactly-once" }, "program.delivery"],
    ] as const) {
      const kernel = createKernel();
      const [rejected] = kernel.dispatch({
        type: "install",
        at: 0,
        program: { id: "p", interval: 1, mainFn, ...extra } as never,
      });
      expect(rejected).toMatchObject({ type: "rejected", code: "invalid-program", field });
    }
  });
});

describe("snapshot version 2", () => {
  /** A version 3 snapshot written back as version 2 would have been. */
  const asVersion2 = (snapshot: Record<string, unknown>) =>
    JSON.parse(
      JSON.stringify({ ...snapshot, version: 2, random: 12345, seed: undefined }, (key, value) =>
        key === "fireId" ||
        key === "lost" ||
        key === "fresh" ||
        (key === "random" && typeof value === "number" && value !== 12345)
          ? undefined
          : value,
      ),
    );

  it("restoreKernel - reads a version 2 snapshot: fire ids, lost counts and generators are made up", () => {
    const kernel = kernelWith({ type: "constant", delay: "random" });
    kernel.dispatch({ type: "install", at: 0, program: { id: "q", interval: 100, mainFn } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "trigger", at: 0, programId: "p", scheduledAt: 5_000 });
    const old = asVersion2(kernel.snapshot() as never);
    expect(old.programs[0].random).toBeUndefined();
    const specs = [
      { id: "p", type: "constant", interval: 100, delay: "random", mainFn },
      { id: "q", interval: 100, mainFn },
    ] as ProgramSpec[];
    const restored = restoreKernel(old, specs, { policies });
    const snapshot = restored.snapshot();
    expect(snapshot.version).toBe(3);
    expect(snapshot.seed).toBe(12345);
    expect(snapshot.programs.map((program) => program.fresh)).toEqual([false, true]);
    expect(snapshot.programs[0]?.triggers[0]?.fireId).toBe("p/trigger/job-2");
    expect(snapshot.programs[0]?.spawns[0]?.lost).toBe(0);
    // q is fresh: it can adopt.
    const exported = kernelWith({}, 2).exportProgram("p") as ProgramExport;
    expect(restored.dispatch({ type: "adopt", at: 0, export: { ...exported, id: "q" } })[0]?.type).toBe("adopted");
  });
});
