import { describe, expect, it } from "vitest";
import {
  type Command,
  createKernel,
  effectsOf,
  type Kernel,
  type KernelEffect,
  maxTime,
  type ProgramSpec,
  type UnspawnPolicy,
} from "../src/index.js";
import { JobTable } from "../src/internal/jobTable.js";
import { Machine } from "../src/internal/machine.js";

// Issue #14, kernel items 1-6: hostile input and hooks, inputs that cannot make progress,
// rejected commands that changed the kernel, fields read twice, lifecycle effects.

const mainFn = () => undefined;
const last: UnspawnPolicy = { name: "last", select: (spawns) => spawns.latest()?.id };
const types = (effects: readonly KernelEffect[]) => effects.map((effect) => effect.type);
const rejection = (effects: readonly KernelEffect[]) => effectsOf(effects, "rejected")[0];

const kernelWith = (program: Partial<ProgramSpec> = {}, policies: UnspawnPolicy[] = [last]) => {
  const kernel = createKernel({ policies });
  const effects = kernel.dispatch({
    type: "install",
    at: 0,
    program: { id: "p", interval: 100, mainFn, ...program } as ProgramSpec,
  });
  expect(types(effects)).toEqual(["installed", "wake"]);
  return kernel;
};

/** Hostile values a hook may throw: each one used to escape `dispatch` from the message builder. */
const hostileThrows: Record<string, () => unknown> = {
  "a null-prototype object": () => Object.create(null),
  "an object whose toString throws": () => ({
    toString() {
      throw new Error("no string for you");
    },
  }),
  "an Error whose message getter throws": () => {
    const error = new Error("x");
    Object.defineProperty(error, "message", {
      get() {
        throw new Error("no message for you");
      },
    });
    return error;
  },
  "a Symbol": () => Symbol("thrown"),
};

const thrower = (make: () => unknown) => () => {
  throw make();
};

/** A dispatch that must not throw, returning its effects. */
const safely = (kernel: Kernel, command: unknown): readonly KernelEffect[] => {
  let effects: readonly KernelEffect[] = [];
  expect(() => {
    effects = kernel.dispatch(command as Command);
  }).not.toThrow();
  expect(effects.at(-1)?.type).toBe("wake");
  return effects;
};

describe("robustness: dispatch never throws, and every started job's run is returned", () => {
  it("install - a cron expression that can never match is refused, naming program.cron", () => {
    for (const cron of ["0 0 31 4 *", "0 0 30 2 *", "0 0 31 2,4,6,9,11 *"]) {
      const kernel = createKernel();
      const effects = safely(kernel, { type: "install", at: 0, program: { id: "c", type: "cron", cron, mainFn } });
      expect(rejection(effects)).toMatchObject({ code: "invalid-program", field: "program.cron" });
      expect(rejection(effects)?.message).toContain("never matches");
      expect(kernel.isInstalled("c")).toBe(false);
    }
  });

  it("install - a cron expression that matches rarely (29 February) is accepted", () => {
    const kernel = createKernel();
    const effects = safely(kernel, {
      type: "install",
      at: 0,
      program: { id: "c", type: "cron", cron: "0 0 29 2 *", mainFn },
    });
    expect(types(effects)).toEqual(["installed", "wake"]);
    expect(types(safely(kernel, { type: "spawn", at: 0, programId: "c" }))).toEqual(["spawned", "wake"]);
  });

  it("spawn - a cron program at the end of the date range is refused, not thrown", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "c", type: "cron", cron: "0 0 1 1 *", mainFn } });
    const effects = safely(kernel, { type: "spawn", at: maxTime - 1000, programId: "c" });
    expect(rejection(effects)).toMatchObject({ code: "invalid-program", field: "program.cron" });
    expect(kernel.countSpawns("c")).toBe(0);
  });

  it("tick - a cron spawn whose schedule runs past the date range faults; the job due now still runs", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "c", type: "cron", cron: "0 0 1 1 *", mainFn } });
    // 1 January 275760 is the last match inside the range; its next one is past it.
    const lastMatch = Date.UTC(275760, 0, 1);
    kernel.dispatch({ type: "spawn", at: lastMatch - 1000, programId: "c" });
    const effects = safely(kernel, { type: "tick", at: lastMatch });
    // The job due now starts; its spawn cannot schedule the next one, so it faults (and stops once the job ends).
    expect(types(effects)).toEqual(["fault", "run", "wake"]);
    expect(effectsOf(effects, "fault")[0]).toMatchObject({ code: "invalid-program" });
  });

  it("unspawn - a policy answering 1n or a circular object is rejected with a message, and due jobs still run", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const answer of [1n, circular, Symbol("x")]) {
      const odd: UnspawnPolicy = { name: "odd", select: () => answer as never };
      const kernel = kernelWith({ type: "constant" }, [odd]);
      kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
      kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
      const effects = safely(kernel, { type: "unspawn", at: 100, programId: "p" });
      expect(effectsOf(effects, "run")).toHaveLength(2);
      expect(rejection(effects)).toMatchObject({ code: "policy-failed" });
      expect(kernel.countSpawns("p")).toBe(2);
    }
  });

  it("dispatch - a command whose type is a BigInt, a Symbol or circular is rejected, naming command.type", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const type of [1n, Symbol("tick"), circular]) {
      const kernel = createKernel();
      const effects = safely(kernel, { type, at: 0 });
      expect(rejection(effects)).toMatchObject({ code: "invalid-command", field: "command.type" });
    }
  });

  for (const [name, make] of Object.entries(hostileThrows)) {
    it(`hooks - ${name} thrown by any hook is reported, never thrown out of dispatch`, () => {
      // createFn at install: rejected.
      const a = createKernel();
      expect(
        rejection(
          safely(a, { type: "install", at: 0, program: { id: "p", interval: 10, mainFn, createFn: thrower(make) } }),
        ),
      ).toMatchObject({
        code: "hook-failed",
        field: "program.createFn",
      });
      // timeFn at spawn: rejected.
      const b = kernelWith({ type: "constant", timeFn: thrower(make) });
      expect(rejection(safely(b, { type: "spawn", at: 0, programId: "p" }))).toMatchObject({ code: "hook-failed" });
      // A policy: rejected.
      const c = kernelWith({}, [{ name: "boom", select: thrower(make) as never }]);
      c.dispatch({ type: "spawn", at: 0, programId: "p" });
      expect(rejection(safely(c, { type: "unspawn", at: 0, programId: "p" }))).toMatchObject({ code: "policy-failed" });
      // continueFn after a job: the spawn faults.
      const d = kernelWith({ continueFn: thrower(make) as never });
      d.dispatch({ type: "spawn", at: 0, programId: "p" });
      d.dispatch({ type: "tick", at: 100 });
      const done = safely(d, { type: "complete", at: 101, jobId: "job-1", outcome: { ok: true } });
      expect(types(done)).toEqual(["settled", "fault", "stopped", "wake"]);
      // An interval function at the next scheduling, beside another spawn due at the same time: its run is returned.
      let calls = 0;
      const e = kernelWith({
        type: "constant",
        interval: () => {
          calls++;
          if (calls > 1) throw make();
          return 100;
        },
      });
      e.dispatch({ type: "spawn", at: 0, programId: "p" });
      e.dispatch({ type: "install", at: 0, program: { id: "q", type: "constant", interval: 100, mainFn } });
      e.dispatch({ type: "spawn", at: 0, programId: "q" });
      const due = safely(e, { type: "tick", at: 100 });
      expect(effectsOf(due, "run").map((run) => run.programId)).toEqual(["p", "q"]);
      expect(effectsOf(due, "fault")[0]).toMatchObject({ programId: "p", code: "hook-failed" });
      // argsFn and mergeFn: the job counts as errored.
      const f = kernelWith({ argsFn: thrower(make), mergeFn: thrower(make) as never });
      f.dispatch({ type: "spawn", at: 0, programId: "p" });
      expect(effectsOf(safely(f, { type: "tick", at: 100 }), "settled")[0]?.status).toBe("errored");
    });
  }
});

describe("robustness: inputs that cannot make progress are refused", () => {
  it("spawn - an interval below the time's precision at the spawn's time is refused (0.0001 ms at 1.7e12)", () => {
    const kernel = kernelWith({ type: "constant", interval: 0.001 });
    kernel.dispatch({ type: "install", at: 0, program: { id: "q", type: "constant", interval: 0.001, mainFn } });
    const effects = safely(kernel, { type: "spawn", at: 1.7e15, programId: "q" });
    expect(rejection(effects)).toMatchObject({ code: "invalid-interval", field: "program.interval" });
    expect(rejection(effects)?.message).toContain("precision");
    const tiny = safely(createKernel(), {
      type: "install",
      at: 0,
      program: { id: "t", interval: 0.0001, mainFn },
    });
    expect(rejection(tiny)).toMatchObject({ code: "invalid-program", field: "program.interval" });
  });

  it("install - Number.MIN_VALUE and intervals past the maximum time are refused", () => {
    for (const interval of [Number.MIN_VALUE, maxTime * 2, Number.MAX_VALUE]) {
      const effects = safely(createKernel(), { type: "install", at: 0, program: { id: "p", interval, mainFn } });
      expect(rejection(effects)).toMatchObject({ code: "invalid-program", field: "program.interval" });
    }
  });

  it("tick - a time past the documented maximum is refused, naming command.at (1e300, 1e20 for spawn)", () => {
    const kernel = kernelWith({ type: "constant" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const before = kernel.snapshot();
    expect(rejection(safely(kernel, { type: "tick", at: 1e300 }))).toMatchObject({ field: "command.at" });
    expect(rejection(safely(kernel, { type: "spawn", at: 1e20, programId: "p" }))).toMatchObject({
      field: "command.at",
    });
    expect(rejection(safely(kernel, { type: "trigger", at: 0, programId: "p", scheduledAt: 1e300 }))).toMatchObject({
      field: "command.scheduledAt",
    });
    expect(kernel.snapshot()).toEqual(before);
  });

  it("set-interval - an interval function answering a value below the precision faults the spawn at its next scheduling", () => {
    const kernel = kernelWith({ type: "constant" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "set-interval", at: 0, programId: "p", interval: () => Number.MIN_VALUE });
    const effects = safely(kernel, { type: "tick", at: 100 });
    expect(effectsOf(effects, "fault")[0]).toMatchObject({ code: "invalid-interval" });
    expect(effectsOf(effects, "run")).toHaveLength(1);
  });

  it("tick - a spawn scheduled near the maximum time stops with a fault instead of looping", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", type: "constant", interval: 0.001, mainFn } });
    kernel.dispatch({ type: "spawn", at: 1e9, programId: "p" });
    // The spawn's grid at 1e9 moves; a jump to near the maximum makes its next step vanish.
    const effects = safely(kernel, { type: "tick", at: maxTime - 1 });
    expect(types(effects)).toEqual(["missed", "fault", "run", "wake"]);
    expect(effectsOf(effects, "fault")[0]).toMatchObject({ code: "invalid-interval" });
  });
});

describe("robustness: completions stay O(1) and bursts give their memory back", () => {
  it("complete - settling thousands of jobs in flight in any order keeps each spawn's in-flight count right", () => {
    const kernel = createKernel({ catchUpLimit: 10_000 });
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", type: "constant", interval: 1, mainFn } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const runs = effectsOf(kernel.dispatch({ type: "tick", at: 5000 }), "run");
    expect(runs).toHaveLength(5000);
    // Every other job first, then the rest backwards: swap-removal must keep every index right.
    const order = [...runs.filter((_, i) => i % 2 === 0), ...runs.filter((_, i) => i % 2 === 1).reverse()];
    for (const [n, run] of order.entries()) {
      const effects = kernel.dispatch({ type: "complete", at: 5000, jobId: run.jobId, outcome: { ok: true } });
      expect(effects[0]?.type).toBe("settled");
      expect(kernel.getSpawn("p", "p-1").inFlight).toBe(4999 - n);
    }
  });

  it("dispatch - the kernel keeps no effects between commands, a burst's neither", () => {
    const machine = new Machine({ catchUpLimit: 100_000 });
    const kept = () => {
      const fields = machine as unknown as { out0?: unknown; out1?: unknown; outMore?: unknown[] };
      return [fields.out0, fields.out1, fields.outMore].filter((field) => field !== undefined).length;
    };
    machine.dispatch({ type: "install", at: 0, program: { id: "p", type: "constant", interval: 1, mainFn } });
    machine.dispatch({ type: "spawn", at: 0, programId: "p" });
    expect(machine.dispatch({ type: "tick", at: 50_000 }).length).toBe(50_001);
    expect(kept()).toBe(0);
    machine.dispatch({ type: "tick", at: 50_001 });
    expect(kept()).toBe(0);
  });

  it("JobTable - shrinks after a burst drains, and keeps every entry", () => {
    const table = new JobTable<{ seq: number }>();
    for (let seq = 1; seq <= 100_000; seq++) table.add({ seq });
    const peak = table.capacity;
    for (let seq = 1; seq <= 99_990; seq++) table.delete(seq);
    expect(table.capacity).toBeLessThan(peak / 100);
    for (let seq = 99_991; seq <= 100_000; seq++) expect(table.get(seq)?.seq).toBe(seq);
    expect(table.size).toBe(10);
  });
});

describe("robustness: a rejected command changes nothing, not even time", () => {
  it("spawn - an unknown program at an earlier at counts no regression", () => {
    const kernel = kernelWith();
    kernel.dispatch({ type: "tick", at: 50 });
    const before = kernel.snapshot();
    expect(rejection(safely(kernel, { type: "spawn", at: 10, programId: "nope" }))).toMatchObject({
      code: "unknown-program",
    });
    expect(kernel.info().clock.regressions).toBe(0);
    expect(kernel.snapshot()).toEqual(before);
  });

  it("unspawn - an unknown program at a later at neither moves time nor starts the job due", () => {
    const kernel = kernelWith();
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const before = kernel.snapshot();
    const effects = safely(kernel, { type: "unspawn", at: 500, programId: "nope" });
    expect(types(effects)).toEqual(["rejected", "wake"]);
    expect(kernel.info().clock.now).toBe(0);
    expect(kernel.snapshot()).toEqual(before);
  });

  it("dispatch - every kind of rejection leaves the snapshot as it was", () => {
    const kernel = kernelWith();
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const bad: unknown[] = [
      { type: "spawn", at: 200, programId: "p", opts: { spawnId: "p-1" } },
      { type: "spawn", at: 200, programId: "p", opts: { intervall: 5 } },
      { type: "stop-spawn", at: 200, programId: "p", spawnId: "ghost" },
      { type: "complete", at: 200, jobId: "job-99", outcome: { ok: true } },
      { type: "set-interval", at: 200, programId: "p", interval: -1 },
      { type: "install", at: 200, program: { id: "p", mainFn } },
      { type: "clear", at: 50, programId: "nope" },
    ];
    for (const command of bad) {
      const before = kernel.snapshot();
      expect(rejection(safely(kernel, command))).toBeDefined();
      expect(kernel.snapshot()).toEqual(before);
    }
  });
});

describe("robustness: each field is read once, into the kernel's own copy", () => {
  it("dispatch - getters that throw, and Proxies, are rejections, never exceptions", () => {
    const kernel = kernelWith();
    const throwing = {
      type: "tick",
      get at(): number {
        throw new Error("no time");
      },
    };
    expect(rejection(safely(kernel, throwing))).toMatchObject({ code: "invalid-command", field: "command.at" });
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("no keys");
        },
        get() {
          throw new Error("no get");
        },
      },
    );
    expect(rejection(safely(kernel, trap))).toMatchObject({ code: "invalid-command" });
    expect(rejection(safely(kernel, { type: "install", at: 0, program: trap }))).toMatchObject({
      code: "invalid-program",
    });
    expect(rejection(safely(kernel, { type: "spawn", at: 0, programId: "p", opts: trap }))).toMatchObject({
      code: "invalid-options",
    });
    expect(rejection(safely(kernel, { type: "complete", at: 0, jobId: "job-1", outcome: trap }))).toMatchObject({
      code: "invalid-command",
    });
  });

  it("dispatch - an at getter answering 50 then NaN sets the time once, to 50", () => {
    for (const type of ["tick", "spawn"]) {
      const kernel = kernelWith();
      let reads = 0;
      const command = {
        type,
        programId: "p",
        get at() {
          reads++;
          return reads === 1 ? 50 : Number.NaN;
        },
      };
      if (type === "tick") delete (command as { programId?: string }).programId;
      safely(kernel, command);
      expect(kernel.info().clock.now).toBe(50);
    }
  });

  it("install - an id getter cannot store a program under one key with another id inside", () => {
    const kernel = createKernel();
    let reads = 0;
    const spec = {
      get id() {
        reads++;
        return reads === 1 ? "a" : "b";
      },
      interval: 10,
      mainFn,
    };
    safely(kernel, { type: "install", at: 0, program: spec });
    expect(reads).toBe(1);
    expect(kernel.isInstalled("a")).toBe(true);
    expect(kernel.getProgram("a").id).toBe("a");
    expect(kernel.isInstalled("b")).toBe(false);
  });

  it("spawn - changing the opts object after the spawn changes nothing in the kernel", () => {
    const kernel = kernelWith({ type: "constant" });
    const opts: { interval: number; spawnId: string } = { interval: 50, spawnId: "s" };
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts });
    opts.interval = 1;
    const snapshot = JSON.stringify(kernel.snapshot());
    expect(effectsOf(kernel.dispatch({ type: "tick", at: 50 }), "run")).toHaveLength(1);
    expect(kernel.getProps("p", "s").interval).toBe(50);
    expect(snapshot).not.toContain('"interval":1,');
  });

  it("install - a class instance's methods count as its fields", () => {
    class Cleanup {
      readonly id = "cleanup";
      readonly interval = 10;
      mainFn() {
        return 1;
      }
    }
    const kernel = createKernel();
    expect(types(safely(kernel, { type: "install", at: 0, program: new Cleanup() }))).toEqual(["installed", "wake"]);
  });

  it("getSpawn, listSpawns - state, result and results are copies too", () => {
    const kernel = kernelWith({ createFn: () => ({ n: 1 }), output: "all" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    kernel.dispatch({ type: "complete", at: 101, jobId: "job-1", outcome: { ok: true, value: { rows: [1] } } });
    const info = kernel.getSpawn("p", "p-1");
    (info.state as { n: number }).n = 999;
    ((info.result?.value as { rows: number[] }) ?? { rows: [] }).rows.push(2);
    (info.results as unknown[]).length = 0;
    (kernel.listSpawns("p")[0]?.state as { n: number }).n = 998;
    expect(kernel.getState("p")).toEqual({ n: 1, rows: [1] });
    expect(kernel.getSpawn("p", "p-1").result?.value).toEqual({ rows: [1] });
    expect(kernel.getSpawn("p", "p-1").results).toHaveLength(1);
  });

  it("complete - an outcome whose getters answer differently is read once, or rejected naming the field", () => {
    const kernel = kernelWith();
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    let reads = 0;
    const outcome = {
      get ok() {
        reads++;
        if (reads <= 2) throw new Error("not yet");
        return reads <= 4;
      },
      value: "v",
    };
    const effects = kernel.dispatch({ type: "complete", at: 101, jobId: "job-1", outcome } as never);
    expect(rejection(effects)).toMatchObject({ code: "invalid-command", field: "command.outcome.ok" });
    expect(kernel.getSpawn("p", "p-1").inFlight).toBe(1);
    const extra = kernel.dispatch({
      type: "complete",
      at: 101,
      jobId: "job-1",
      outcome: { ok: true, value: 1, extra: 2 },
    } as never);
    expect(rejection(extra)).toMatchObject({ field: "command.outcome.extra" });
  });

  it("getState - hands out a copy: changing it does not change the kernel's state", () => {
    const kernel = kernelWith({ createFn: () => ({ items: [1, 2] }) });
    const state = kernel.getState("p") as { items: number[] };
    state.items.push(3);
    expect(kernel.getState("p")).toEqual({ items: [1, 2] });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    (kernel.getSpawnState("p", "p-1") as { items: number[] }).items.length = 0;
    expect(kernel.getSpawnState("p", "p-1")).toEqual({ items: [1, 2] });
  });
});

describe("robustness: lifecycle effects", () => {
  it("stop-spawn - on a spawn already stopping keeps its first reason", () => {
    const kernel = kernelWith();
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    kernel.dispatch({ type: "unspawn", at: 100, programId: "p" });
    kernel.dispatch({ type: "stop-spawn", at: 101, programId: "p", spawnId: "p-2" });
    const effects = kernel.dispatch({ type: "complete", at: 102, jobId: "job-2", outcome: { ok: true } });
    expect(effectsOf(effects, "stopped")).toEqual([
      { type: "stopped", programId: "p", spawnId: "p-2", reason: "unspawn" },
    ]);
  });

  it("uninstall, clear, reinstall - exactly one stopped per spawn, also with jobs in flight", () => {
    for (const how of ["uninstall", "clear", "install"] as const) {
      const kernel = kernelWith();
      kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
      kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
      kernel.dispatch({ type: "tick", at: 100 });
      kernel.dispatch({ type: "stop-spawn", at: 100, programId: "p", spawnId: "p-1" }); // terminating, job in flight
      const command: Command =
        how === "install"
          ? { type: "install", at: 110, program: { id: "p", interval: 100, mainFn } }
          : { type: how, at: 110, programId: "p" };
      const effects = kernel.dispatch(command);
      expect(
        effectsOf(effects, "stopped")
          .map((s) => s.spawnId)
          .sort(),
      ).toEqual(["p-1", "p-2"]);
      // The late results are discarded and give no second stopped.
      for (const jobId of ["job-1", "job-2"]) {
        const late = kernel.dispatch({ type: "complete", at: 120, jobId, outcome: { ok: true } });
        expect(types(late)).toEqual(["discarded", "wake"]);
      }
    }
  });

  it("complete - ids the kernel never issued (job-0, job-01, job-1e3) are rejected unknown-job", () => {
    const kernel = kernelWith();
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    for (const jobId of ["job-0", "job-01", "job-1e3", "job--1", "job-1.0"]) {
      expect(rejection(kernel.dispatch({ type: "complete", at: 100, jobId, outcome: { ok: true } }))).toMatchObject({
        code: "unknown-job",
        field: "command.jobId",
      });
    }
    expect(kernel.getSpawn("p", "p-1").inFlight).toBe(1);
  });

  it("info, getProps - ids such as __proto__ and constructor are listed like any other", () => {
    const kernel = createKernel();
    for (const id of ["__proto__", "constructor", "hasOwnProperty"]) {
      kernel.dispatch({ type: "install", at: 0, program: { id, interval: 10, mainFn } });
      kernel.dispatch({ type: "spawn", at: 0, programId: id, opts: { spawnId: "__proto__" } });
    }
    const programs = kernel.info().programs;
    expect(Object.keys(programs).sort()).toEqual(["__proto__", "constructor", "hasOwnProperty"]);
    const own = Object.getOwnPropertyDescriptor(programs, "__proto__")?.value as { current: object } | undefined;
    expect(Object.keys(own?.current ?? {})).toEqual(["__proto__"]);
    expect(Object.keys(kernel.getProps("__proto__"))).toEqual(["__proto__"]);
    expect(kernel.getProps("__proto__", "__proto__").submitted).toBe(1);
  });
});

describe("robustness: snapshots from inside a hook", () => {
  it("snapshot - taken while a command is being applied throws a coded error; the dispatch goes on", () => {
    const kernel: Kernel = createKernel();
    let thrown: unknown;
    kernel.dispatch({
      type: "install",
      at: 0,
      program: {
        id: "p",
        interval: 10,
        mainFn,
        argsFn: () => {
          try {
            kernel.snapshot();
          } catch (error) {
            thrown = error;
          }
          return 1;
        },
      },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    expect(types(kernel.dispatch({ type: "tick", at: 10 }))).toEqual(["run", "wake"]);
    expect(thrown).toMatchObject({ code: "invalid-snapshot", field: "snapshot" });
    expect(() => kernel.snapshot()).not.toThrow();
  });
});

describe("robustness: queries on a bare kernel", () => {
  it("queries - a null-prototype object as id, or a bad order, is a coded error naming the argument", () => {
    const kernel = kernelWith();
    const odd = Object.create(null) as string;
    expect(() => kernel.getState(odd)).toThrow(
      expect.objectContaining({ code: "unknown-program", field: "programId" }),
    );
    expect(() => kernel.getSpawn("p", odd)).toThrow(
      expect.objectContaining({ code: "unknown-spawn", field: "spawnId" }),
    );
    expect(() => kernel.listSpawns("p", "sideways" as never)).toThrow(
      expect.objectContaining({ code: "invalid-command", field: "order" }),
    );
    expect(kernel.isInstalled(odd)).toBe(false);
  });
});
