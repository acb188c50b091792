import { describe, expect, it } from "vitest";
import {
  type ContinueProps,
  createKernel,
  effectsOf,
  type Kernel,
  type KernelEffect,
  type ProgramSpec,
} from "../src/index.js";

const mainFn = () => undefined;

const setup = (program: Partial<ProgramSpec>, options: Parameters<typeof createKernel>[0] = {}) => {
  const kernel = createKernel(options);
  const effects = kernel.dispatch({
    type: "install",
    at: 0,
    program: { id: "p", interval: 100, mainFn, ...program } as ProgramSpec,
  });
  expect(effects[0]).toEqual({ type: "installed", programId: "p" });
  return kernel;
};

const succeed = (kernel: Kernel, at: number, jobId: string, value?: unknown) =>
  kernel.dispatch({ type: "complete", at, jobId, outcome: { ok: true, value } });
const fail = (kernel: Kernel, at: number, jobId: string, error: unknown) =>
  kernel.dispatch({ type: "complete", at, jobId, outcome: { ok: false, error } });

const types = (effects: readonly KernelEffect[]) => effects.map((effect) => effect.type);

/** Spawns p-1 (basic, interval 100) and completes its first job with `value` at 110. */
const oneJob = (kernel: Kernel, value: unknown) => {
  kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
  kernel.dispatch({ type: "tick", at: 100 });
  return succeed(kernel, 110, "job-1", value);
};

describe("state: createFn and default mergeFn", () => {
  it("install - createFn gives the initial program state", () => {
    const kernel = setup({ createFn: () => ({ count: 0 }) });
    expect(kernel.getState("p")).toEqual({ count: 0 });
  });

  it("install - without createFn the state is undefined", () => {
    expect(setup({}).getState("p")).toBeUndefined();
  });

  it("complete - an undefined output keeps the state", () => {
    const kernel = setup({ createFn: () => ({ a: 1 }) });
    oneJob(kernel, undefined);
    expect(kernel.getState("p")).toEqual({ a: 1 });
  });

  it("complete - plain objects merge shallowly", () => {
    const kernel = setup({ createFn: () => ({ a: 1, nested: { x: 1 } }) });
    oneJob(kernel, { b: 2, nested: { y: 2 } });
    expect(kernel.getState("p")).toEqual({ a: 1, b: 2, nested: { y: 2 } });
  });

  it("complete - a non-object output replaces an object state", () => {
    const kernel = setup({ createFn: () => ({ a: 1 }) });
    oneJob(kernel, 42);
    expect(kernel.getState("p")).toBe(42);
  });

  it("complete - an object output replaces a non-object state", () => {
    const kernel = setup({ createFn: () => 7 });
    oneJob(kernel, { a: 1 });
    expect(kernel.getState("p")).toEqual({ a: 1 });
  });

  it("complete - an array output replaces an object state", () => {
    const kernel = setup({ createFn: () => ({ a: 1 }) });
    oneJob(kernel, [1, 2]);
    expect(kernel.getState("p")).toEqual([1, 2]);
  });

  it("complete - a non-plain object (class instance) output replaces the state", () => {
    const kernel = setup({ createFn: () => ({ a: 1 }) });
    const when = new Date(5);
    oneJob(kernel, when);
    // getState hands out a copy (structuredClone): equal, of the same kind, not the kernel's own object.
    const state = kernel.getState("p");
    expect(state).toBeInstanceOf(Date);
    expect(state).toEqual(when);
    expect(state).not.toBe(when);
  });

  it("complete - null replaces the state (only undefined keeps it)", () => {
    const kernel = setup({ createFn: () => ({ a: 1 }) });
    oneJob(kernel, null);
    expect(kernel.getState("p")).toBeNull();
  });

  it("complete - a failure with the default errorFn keeps the state", () => {
    const kernel = setup({ createFn: () => ({ a: 1 }) });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    fail(kernel, 110, "job-1", new Error("nope"));
    expect(kernel.getState("p")).toEqual({ a: 1 });
  });
});

describe("state: custom hooks", () => {
  it("complete - a custom mergeFn folds each output into the state", () => {
    const seen: unknown[] = [];
    const kernel = setup({
      createFn: () => 10,
      mergeFn: (state: number, output: number) => {
        seen.push([state, output]);
        return state + output;
      },
    });
    oneJob(kernel, 5);
    kernel.dispatch({ type: "tick", at: 210 });
    succeed(kernel, 220, "job-2", 3);
    expect(kernel.getState("p")).toBe(18);
    expect(seen).toEqual([
      [10, 5],
      [15, 3],
    ]);
  });

  it("complete - successFn maps the value before the merge; the record keeps the raw value", () => {
    const kernel = setup({ createFn: () => ({}), successFn: (value: number) => ({ doubled: value * 2 }) });
    const effects = oneJob(kernel, 21);
    expect(kernel.getState("p")).toEqual({ doubled: 42 });
    expect(effectsOf(effects, "settled")[0]).toMatchObject({ status: "succeeded", value: 21 });
    expect(kernel.getSpawn("p", "p-1").result).toMatchObject({ status: "succeeded", value: 21 });
  });

  it("complete - errorFn maps a failure to the output that is merged", () => {
    const kernel = setup({ createFn: () => ({ ok: 1 }), errorFn: (error: Error) => ({ failed: error.message }) });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const error = new Error("disk full");
    const effects = fail(kernel, 110, "job-1", error);
    expect(kernel.getState("p")).toEqual({ ok: 1, failed: "disk full" });
    expect(effectsOf(effects, "settled")[0]).toMatchObject({ status: "errored", error });
    expect(kernel.getProps("p", "p-1")).toMatchObject({ errored: 1, succeeded: 0, completed: 1, lastError: error });
  });

  it("complete - a throwing successFn counts the job errored, keeps the state, and the spawn goes on", () => {
    const boom = new Error("successFn boom");
    const kernel = setup({
      createFn: () => ({ a: 1 }),
      successFn: () => {
        throw boom;
      },
    });
    const effects = oneJob(kernel, { a: 2 });
    expect(types(effects)).toEqual(["settled", "wake"]);
    expect(effectsOf(effects, "settled")[0]).toMatchObject({ status: "errored", error: boom });
    expect(effects.at(-1)).toEqual({ type: "wake", at: 210 });
    expect(kernel.getState("p")).toEqual({ a: 1 });
    expect(kernel.getProps("p", "p-1")).toMatchObject({ succeeded: 0, errored: 1, completed: 1, lastError: boom });
    expect(kernel.getSpawn("p", "p-1").status).toBe("running");
  });

  it("complete - a throwing errorFn counts the job errored with that error, keeps the state, and the spawn goes on", () => {
    const boom = new Error("errorFn boom");
    const kernel = setup({
      createFn: () => ({ a: 1 }),
      errorFn: () => {
        throw boom;
      },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const effects = fail(kernel, 110, "job-1", new Error("original"));
    expect(effectsOf(effects, "settled")[0]).toMatchObject({ status: "errored", error: boom });
    expect(effects.at(-1)).toEqual({ type: "wake", at: 210 });
    expect(kernel.getState("p")).toEqual({ a: 1 });
    expect(kernel.getProps("p", "p-1")).toMatchObject({ errored: 1, completed: 1, lastError: boom });
  });

  it("complete - a throwing mergeFn counts the job errored, keeps the state, and the spawn goes on", () => {
    const boom = new Error("mergeFn boom");
    const kernel = setup({
      createFn: () => ({ a: 1 }),
      mergeFn: () => {
        throw boom;
      },
    });
    const effects = oneJob(kernel, { a: 2 });
    expect(effectsOf(effects, "settled")[0]).toMatchObject({ status: "errored", error: boom });
    expect(effects.at(-1)).toEqual({ type: "wake", at: 210 });
    expect(kernel.getState("p")).toEqual({ a: 1 });
    expect(kernel.getSpawn("p", "p-1").result).toEqual({
      jobId: "job-1",
      status: "errored",
      error: boom,
      scheduledAt: 100,
      startedAt: 100,
      endedAt: 110,
    });
  });
});

describe("state: argsFn", () => {
  it("tick - argsFn is computed when the job starts and passed in the run effect", () => {
    let calls = 0;
    const kernel = setup({ argsFn: () => ({ call: ++calls }) });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    expect(calls).toBe(0);
    const effects = kernel.dispatch({ type: "tick", at: 100 });
    expect(calls).toBe(1);
    expect(effectsOf(effects, "run")[0]).toEqual({
      type: "run",
      jobId: "job-1",
      fireId: "p/p-1/100",
      programId: "p",
      spawnId: "p-1",
      scheduledAt: 100,
      startedAt: 100,
      args: { call: 1 },
    });
    succeed(kernel, 110, "job-1");
    expect(calls).toBe(1);
    expect(effectsOf(kernel.dispatch({ type: "tick", at: 210 }), "run")[0]?.args).toEqual({ call: 2 });
  });

  it("tick - a throwing argsFn makes the job errored with no run effect", () => {
    const boom = new Error("argsFn boom");
    const kernel = setup({
      createFn: () => ({ a: 1 }),
      argsFn: () => {
        throw boom;
      },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "tick", at: 100 });
    expect(effects).toEqual([
      {
        type: "settled",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        status: "errored",
        scheduledAt: 100,
        startedAt: 100,
        endedAt: 100,
        error: boom,
      },
      { type: "wake", at: 200 },
    ]);
    expect(kernel.getState("p")).toEqual({ a: 1 });
    expect(kernel.getProps("p", "p-1")).toMatchObject({ submitted: 2, errored: 1, completed: 1, lastError: boom });
    expect(kernel.getSpawn("p", "p-1")).toMatchObject({ inFlight: 0, waiting: 1 });
  });
});

describe("state: scope", () => {
  it("complete - scope program: every spawn merges into one shared state", () => {
    const kernel = setup({ createFn: () => ({}), scope: "program" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    succeed(kernel, 110, "job-1", { one: 1 });
    succeed(kernel, 110, "job-2", { two: 2 });
    expect(kernel.getState("p")).toEqual({ one: 1, two: 2 });
    expect(kernel.getSpawnState("p", "p-1")).toEqual({ one: 1, two: 2 });
    expect(kernel.getSpawnState("p", "p-2")).toEqual({ one: 1, two: 2 });
  });

  it("spawn - scope spawn: each spawn gets its own createFn() call", () => {
    let calls = 0;
    const kernel = setup({ createFn: () => ({ made: ++calls }), scope: "spawn" });
    const afterInstall = calls;
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    expect(calls - afterInstall).toBe(2);
    expect(kernel.getSpawnState("p", "p-1")).toEqual({ made: afterInstall + 1 });
    expect(kernel.getSpawnState("p", "p-2")).toEqual({ made: afterInstall + 2 });
  });

  it("complete - scope spawn: outputs merge into the spawn's own state only", () => {
    const kernel = setup({ createFn: () => ({ base: true }), scope: "spawn" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    succeed(kernel, 110, "job-1", { one: 1 });
    succeed(kernel, 110, "job-2", { two: 2 });
    expect(kernel.getSpawnState("p", "p-1")).toEqual({ base: true, one: 1 });
    expect(kernel.getSpawnState("p", "p-2")).toEqual({ base: true, two: 2 });
    expect(kernel.getSpawn("p", "p-1").state).toEqual({ base: true, one: 1 });
    expect(kernel.getState("p")).toEqual({ base: true });
  });
});

describe("state: output", () => {
  it("complete - output latest keeps only the latest result record", () => {
    const kernel = setup({});
    oneJob(kernel, "first");
    kernel.dispatch({ type: "tick", at: 210 });
    succeed(kernel, 215, "job-2", "second");
    const spawn = kernel.getSpawn("p", "p-1");
    expect(spawn.result).toEqual({
      jobId: "job-2",
      status: "succeeded",
      value: "second",
      scheduledAt: 210,
      startedAt: 210,
      endedAt: 215,
    });
    expect(spawn.results).toBeUndefined();
  });

  it("getSpawn - results are handed out as structuredClone copies, whatever their values", () => {
    const values: unknown[] = [1, -0, Number.NaN, "text", null, undefined, true, 10n, { deep: { n: 1 } }, [1, [2]]];
    const errors: unknown[] = ["plain", new Error("boom"), { code: 7 }, null];
    const kernel = setup({ output: "all" }, { historyLimit: values.length + errors.length });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    let at = 100;
    let job = 0;
    for (const [index, outcome] of [
      ...values.map((value) => ({ ok: true as const, value })),
      ...errors.map((error) => ({ ok: false as const, error })),
    ].entries()) {
      kernel.dispatch({ type: "tick", at });
      job++;
      kernel.dispatch({ type: "complete", at: at + 5, jobId: `job-${job}`, outcome });
      at += 110;
      const spawn = kernel.getSpawn("p", "p-1");
      const results = spawn.results ?? [];
      const latest = results[results.length - 1];
      // Equal to a structured clone (numbers as themselves: -0 and NaN too), fresh on each read.
      expect(spawn.result).toStrictEqual(structuredClone(latest));
      expect(Object.keys(spawn.result ?? {})).toEqual(Object.keys(latest ?? {}));
      expect(kernel.getSpawn("p", "p-1").result).not.toBe(spawn.result);
      const payload = outcome.ok ? outcome.value : outcome.error;
      const read = outcome.ok ? spawn.result?.value : spawn.result?.error;
      if (typeof payload === "number") expect(Object.is(read, payload)).toBe(true);
      else expect(read).toStrictEqual(structuredClone(payload));
      expect(results.length).toBe(index + 1);
    }
    // Changing what was handed out changes nothing in the kernel.
    const handed = kernel.getSpawn("p", "p-1").results ?? [];
    (handed[8] as { value: { deep: { n: number } } }).value.deep.n = 99;
    (handed[0] as { value: unknown }).value = "changed";
    const again = kernel.getSpawn("p", "p-1").results ?? [];
    expect(again[8]?.value).toEqual({ deep: { n: 1 } });
    expect(again[0]?.value).toBe(1);
  });

  it("complete - output all keeps every result record, oldest first, bounded by historyLimit", () => {
    const kernel = setup({ output: "all" }, { historyLimit: 2 });
    oneJob(kernel, "a");
    kernel.dispatch({ type: "tick", at: 210 });
    fail(kernel, 220, "job-2", "b-error");
    expect(kernel.getSpawn("p", "p-1").results).toEqual([
      { jobId: "job-1", status: "succeeded", value: "a", scheduledAt: 100, startedAt: 100, endedAt: 110 },
      { jobId: "job-2", status: "errored", error: "b-error", scheduledAt: 210, startedAt: 210, endedAt: 220 },
    ]);
    kernel.dispatch({ type: "tick", at: 320 });
    succeed(kernel, 330, "job-3", "c");
    const spawn = kernel.getSpawn("p", "p-1");
    expect(spawn.results).toEqual([
      { jobId: "job-2", status: "errored", error: "b-error", scheduledAt: 210, startedAt: 210, endedAt: 220 },
      { jobId: "job-3", status: "succeeded", value: "c", scheduledAt: 320, startedAt: 320, endedAt: 330 },
    ]);
    expect(spawn.result).toEqual({
      jobId: "job-3",
      status: "succeeded",
      value: "c",
      scheduledAt: 320,
      startedAt: 320,
      endedAt: 330,
    });
  });

  it("spawn - opts.output overrides the program's output for that spawn", () => {
    const kernel = setup({});
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { output: "all" } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    succeed(kernel, 110, "job-1", 1);
    succeed(kernel, 110, "job-2", 2);
    expect(kernel.getSpawn("p", "p-1").results).toHaveLength(1);
    expect(kernel.getSpawn("p", "p-2").results).toBeUndefined();
  });
});

describe("state: counters and props", () => {
  it("getProps - has exactly the documented shape and values", () => {
    const kernel = setup({});
    kernel.dispatch({ type: "spawn", at: 5, programId: "p" });
    expect(kernel.getProps("p", "p-1")).toEqual({
      startedAt: 5,
      updatedAt: 5,
      submitted: 1,
      succeeded: 0,
      errored: 0,
      completed: 0,
      terminating: false,
      interval: 100,
      lastError: undefined,
      missed: 0,
      lost: 0,
      skipped: 0,
      buffered: 0,
      runs: 0,
      paused: false,
      pauseNote: null,
    });
    kernel.dispatch({ type: "tick", at: 105 });
    succeed(kernel, 120, "job-1", 1);
    kernel.dispatch({ type: "tick", at: 220 });
    const error = new Error("e");
    fail(kernel, 230, "job-2", error);
    const props = kernel.getProps("p", "p-1");
    expect(props).toEqual({
      startedAt: 5,
      updatedAt: 230,
      submitted: 3,
      succeeded: 1,
      errored: 1,
      completed: 2,
      terminating: false,
      interval: 100,
      lastError: error,
      missed: 0,
      lost: 0,
      skipped: 0,
      buffered: 0,
      runs: 2,
      paused: false,
      pauseNote: null,
    });
    expect(Object.keys(props).sort()).toEqual(
      [
        "startedAt",
        "updatedAt",
        "submitted",
        "succeeded",
        "errored",
        "completed",
        "terminating",
        "interval",
        "lastError",
        "missed",
        "lost",
        "skipped",
        "buffered",
        "runs",
        "paused",
        "pauseNote",
      ].sort(),
    );
  });

  it("getProps - submitted counts a job waiting for its time", () => {
    const kernel = setup({});
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    expect(kernel.getProps("p", "p-1").submitted).toBe(1);
    expect(kernel.getProps("p", "p-1").completed).toBe(0);
  });

  it("getProps - terminating is true while a stopped spawn's job is in flight", () => {
    const kernel = setup({});
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    kernel.dispatch({ type: "stop-spawn", at: 105, programId: "p", spawnId: "p-1" });
    expect(kernel.getProps("p", "p-1")).toMatchObject({ terminating: true, completed: 0 });
  });

  it("getProps - without a spawn id returns props keyed by running spawn id", () => {
    const kernel = setup({});
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "spawn", at: 10, programId: "p", opts: { interval: 50 } });
    const base = {
      submitted: 1,
      succeeded: 0,
      errored: 0,
      completed: 0,
      terminating: false,
      lastError: undefined,
      missed: 0,
      lost: 0,
      skipped: 0,
      buffered: 0,
      runs: 0,
      paused: false,
      pauseNote: null,
    };
    expect(kernel.getProps("p")).toEqual({
      "p-1": { ...base, startedAt: 0, updatedAt: 0, interval: 100 },
      "p-2": { ...base, startedAt: 10, updatedAt: 10, interval: 50 },
    });
  });
});

describe("state: continueFn", () => {
  it("complete - continueFn is asked with the props, result and state after each job", () => {
    const asked: ContinueProps[] = [];
    const kernel = setup({
      createFn: () => ({ n: 0 }),
      continueFn: (props) => {
        asked.push(props);
        return true;
      },
    });
    oneJob(kernel, { n: 1 });
    expect(asked).toEqual([
      {
        startedAt: 0,
        updatedAt: 110,
        submitted: 1,
        succeeded: 1,
        errored: 0,
        completed: 1,
        terminating: false,
        interval: 100,
        lastError: undefined,
        missed: 0,
        lost: 0,
        skipped: 0,
        buffered: 0,
        runs: 1,
        paused: false,
        pauseNote: null,
        programId: "p",
        spawnId: "p-1",
        result: {
          jobId: "job-1",
          status: "succeeded",
          value: { n: 1 },
          scheduledAt: 100,
          startedAt: 100,
          endedAt: 110,
        },
        state: { n: 1 },
      },
    ]);
  });

  it("complete - continueFn returning false stops the spawn", () => {
    const kernel = setup({ continueFn: (props) => props.completed < 2 });
    oneJob(kernel, 1);
    kernel.dispatch({ type: "tick", at: 210 });
    const effects = succeed(kernel, 220, "job-2", 2);
    expect(types(effects)).toEqual(["settled", "stopped", "wake"]);
    expect(effectsOf(effects, "stopped")[0]).toEqual({
      type: "stopped",
      programId: "p",
      spawnId: "p-1",
      reason: "continue",
    });
    expect(effects.at(-1)).toEqual({ type: "wake", at: null });
    expect(kernel.countSpawns("p")).toBe(0);
    expect(kernel.latestStopped("p")).toMatchObject({ id: "p-1", status: "stopped", completed: 2 });
  });

  it("complete - continueFn throwing stops the spawn with a fault effect", () => {
    const boom = new Error("continue boom");
    const kernel = setup({
      createFn: () => ({ n: 0 }),
      continueFn: () => {
        throw boom;
      },
    });
    const effects = oneJob(kernel, { n: 1 });
    expect(effects).toEqual([
      {
        type: "settled",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        status: "succeeded",
        scheduledAt: 100,
        startedAt: 100,
        endedAt: 110,
        value: { n: 1 },
      },
      {
        type: "fault",
        programId: "p",
        spawnId: "p-1",
        code: "hook-failed",
        message: expect.stringContaining("continueFn"),
        error: boom,
      },
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "fault" },
      { type: "wake", at: null },
    ]);
    expect(kernel.getState("p")).toEqual({ n: 1 });
    expect(kernel.countSpawns("p")).toBe(0);
    expect(kernel.latestStopped("p")).toMatchObject({ id: "p-1", status: "stopped", lastError: boom });
  });

  it("complete - continueFn false on a constant spawn cancels its pending job", () => {
    const kernel = setup({ type: "constant", continueFn: () => false });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const effects = succeed(kernel, 110, "job-1");
    expect(effects).toEqual([
      expect.objectContaining({ type: "settled", jobId: "job-1" }),
      {
        type: "cancel",
        jobId: "job-2",
        fireId: "p/p-1/200",
        programId: "p",
        spawnId: "p-1",
        reason: "continue",
        inFlight: false,
      },
      { type: "stopped", programId: "p", spawnId: "p-1", reason: "continue" },
      { type: "wake", at: null },
    ]);
  });
});

describe("state: info", () => {
  it("info - empty kernel", () => {
    expect(createKernel().info()).toEqual({ programs: {}, clock: { now: 0, regressions: 0 } });
  });

  it("info - shape for running spawns", () => {
    const kernel = setup({}, { policies: [{ name: "last", select: (s) => s.latest()?.id }] });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "spawn", at: 50, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    succeed(kernel, 130, "job-1", 1);
    expect(kernel.info()).toEqual({
      programs: {
        p: {
          type: "basic",
          policy: "last",
          current: {
            "p-1": { status: "running", duration: 130, jobs: { submitted: 2, succeeded: 1, errored: 0, waiting: 1 } },
            "p-2": { status: "created", duration: 0, jobs: { submitted: 1, succeeded: 0, errored: 0, waiting: 1 } },
          },
          counts: { submitted: 3, succeeded: 1, errored: 0 },
        },
      },
      clock: { now: 130, regressions: 0 },
    });
  });

  it("info - counts add up running and stopped spawns", () => {
    const kernel = setup({ type: "constant" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    succeed(kernel, 110, "job-1", 1);
    fail(kernel, 110, "job-2", "x");
    kernel.dispatch({ type: "stop-spawn", at: 120, programId: "p", spawnId: "p-1" });
    const info = kernel.info();
    expect(info.programs.p?.current).toEqual({
      "p-2": {
        status: "running",
        duration: 110,
        jobs: { submitted: 2, succeeded: 0, errored: 1, waiting: 1 },
        lastError: "x",
      },
    });
    expect(info.programs.p?.counts).toEqual({ submitted: 4, succeeded: 1, errored: 1 });
    expect(info.programs.p?.type).toBe("constant");
    expect(info.programs.p?.policy).toBeNull();
  });
});
