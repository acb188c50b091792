import { describe, expect, it } from "vitest";
import { createKernel, effectsOf, type Kernel, type KernelEffect, type ProgramSpec } from "../src/index.js";

const mainFn = () => undefined;

const setup = (program: Partial<ProgramSpec> & { id?: string }, options: Parameters<typeof createKernel>[0] = {}) => {
  const kernel = createKernel(options);
  const spec = { id: "p", interval: 100, mainFn, ...program } as ProgramSpec;
  kernel.dispatch({ type: "install", at: 0, program: spec });
  return kernel;
};

const ok = (kernel: Kernel, at: number, jobId: string, value?: unknown) =>
  kernel.dispatch({ type: "complete", at, jobId, outcome: { ok: true, value } });

const runsOf = (effects: readonly KernelEffect[]) =>
  effectsOf(effects, "run").map((run) => ({
    jobId: run.jobId,
    scheduledAt: run.scheduledAt,
    startedAt: run.startedAt,
  }));

const wakeOf = (effects: readonly KernelEffect[]) => {
  const last = effects.at(-1);
  expect(last?.type).toBe("wake");
  return (last as { at: number | null }).at;
};

describe("timing: basic (fixed delay)", () => {
  it("spawn - first job due one interval after the spawn's start", () => {
    const kernel = setup({ interval: 100 });
    const effects = kernel.dispatch({ type: "spawn", at: 20, programId: "p" });
    expect(effects).toEqual([
      { type: "spawned", programId: "p", spawnId: "p-1", startedAt: 20 },
      { type: "wake", at: 120 },
    ]);
  });

  it("tick - starts the due job with a run effect", () => {
    const kernel = setup({ interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    expect(kernel.dispatch({ type: "tick", at: 100 })).toEqual([
      {
        type: "run",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        scheduledAt: 100,
        startedAt: 100,
        args: undefined,
      },
      { type: "wake", at: null },
    ]);
  });

  it("complete - next job due one interval after the completion", () => {
    const kernel = setup({ interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const effects = ok(kernel, 170, "job-1", "v");
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
        endedAt: 170,
        value: "v",
      },
      { type: "wake", at: 270 },
    ]);
    expect(runsOf(kernel.dispatch({ type: "tick", at: 270 }))).toEqual([
      { jobId: "job-2", scheduledAt: 270, startedAt: 270 },
    ]);
  });

  it("tick - never overlaps: no second job while one is in flight", () => {
    const kernel = setup({ interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const later = kernel.dispatch({ type: "tick", at: 1_000 });
    expect(later).toEqual([{ type: "wake", at: null }]);
    expect(kernel.getSpawn("p", "p-1")).toMatchObject({ inFlight: 1, waiting: 1 });
    expect(ok(kernel, 1_050, "job-1").at(-1)).toEqual({ type: "wake", at: 1_150 });
  });

  it("complete - a failure also schedules the next job one interval after it", () => {
    const kernel = setup({ interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const effects = kernel.dispatch({ type: "complete", at: 140, jobId: "job-1", outcome: { ok: false, error: "x" } });
    expect(wakeOf(effects)).toBe(240);
  });
});

describe("timing: constant (fixed rate)", () => {
  it("spawn - first job due at timeFn(start) + interval (identity by default)", () => {
    const kernel = setup({ type: "constant", interval: 100 });
    expect(wakeOf(kernel.dispatch({ type: "spawn", at: 30, programId: "p" }))).toBe(130);
  });

  it("tick - schedules the next grid point as soon as a job starts", () => {
    const kernel = setup({ type: "constant", interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "tick", at: 100 });
    expect(runsOf(effects)).toEqual([{ jobId: "job-1", scheduledAt: 100, startedAt: 100 }]);
    expect(wakeOf(effects)).toBe(200);
    expect(kernel.getProps("p", "p-1")).toMatchObject({ submitted: 2, completed: 0 });
  });

  it("tick - jobs overlap when the previous one is still in flight", () => {
    const kernel = setup({ type: "constant", interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const effects = kernel.dispatch({ type: "tick", at: 200 });
    expect(runsOf(effects)).toEqual([{ jobId: "job-2", scheduledAt: 200, startedAt: 200 }]);
    expect(kernel.getSpawn("p", "p-1")).toMatchObject({ inFlight: 2, waiting: 3 });
  });

  it("complete - a completion never moves the grid", () => {
    const kernel = setup({ type: "constant", interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    expect(wakeOf(ok(kernel, 190, "job-1"))).toBe(200);
    const second = kernel.dispatch({ type: "tick", at: 200 });
    expect(runsOf(second)).toEqual([{ jobId: "job-2", scheduledAt: 200, startedAt: 200 }]);
    expect(wakeOf(ok(kernel, 201, "job-2"))).toBe(300);
  });

  it("tick - lateness never accumulates into drift", () => {
    const kernel = setup({ type: "constant", interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const first = kernel.dispatch({ type: "tick", at: 137 });
    expect(runsOf(first)).toEqual([{ jobId: "job-1", scheduledAt: 100, startedAt: 137 }]);
    expect(wakeOf(first)).toBe(200);
    const second = kernel.dispatch({ type: "tick", at: 260 });
    expect(runsOf(second)).toEqual([{ jobId: "job-2", scheduledAt: 200, startedAt: 260 }]);
    expect(wakeOf(second)).toBe(300);
  });
});

describe("timing: delay", () => {
  it("spawn - a numeric delay sets the first job of a basic spawn", () => {
    const kernel = setup({ interval: 100, delay: 30 });
    expect(wakeOf(kernel.dispatch({ type: "spawn", at: 10, programId: "p" }))).toBe(40);
    kernel.dispatch({ type: "tick", at: 40 });
    expect(wakeOf(ok(kernel, 50, "job-1"))).toBe(150);
  });

  it("spawn - a delay of 0 runs the first job at once", () => {
    const kernel = setup({ interval: 100, delay: 0 });
    const effects = kernel.dispatch({ type: "spawn", at: 10, programId: "p" });
    expect(runsOf(effects)).toEqual([{ jobId: "job-1", scheduledAt: 10, startedAt: 10 }]);
  });

  it("spawn - a numeric delay is added to timeFn(start) for a constant spawn", () => {
    const kernel = setup({ type: "constant", interval: 100, delay: 25, timeFn: (t) => Math.ceil(t / 100) * 100 });
    expect(wakeOf(kernel.dispatch({ type: "spawn", at: 160, programId: "p" }))).toBe(225);
    const effects = kernel.dispatch({ type: "tick", at: 225 });
    expect(runsOf(effects)).toEqual([{ jobId: "job-1", scheduledAt: 225, startedAt: 225 }]);
    expect(wakeOf(effects)).toBe(325);
  });

  it("spawn - a first due time already past (timeFn rounding down) starts the job at once, late", () => {
    const kernel = setup({ type: "constant", interval: 100, delay: 25, timeFn: (t) => Math.floor(t / 100) * 100 });
    const effects = kernel.dispatch({ type: "spawn", at: 160, programId: "p" });
    expect(effects.map((effect) => effect.type)).toEqual(["spawned", "run", "wake"]);
    expect(runsOf(effects)).toEqual([{ jobId: "job-1", scheduledAt: 125, startedAt: 160 }]);
    expect(wakeOf(effects)).toBe(225);
  });

  it("spawn - a random delay is a whole number in [0, interval)", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const kernel = setup({ interval: 1_000, delay: "random" }, { seed });
      const due = wakeOf(kernel.dispatch({ type: "spawn", at: 5_000, programId: "p" })) as number;
      const delay = due - 5_000;
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(1_000);
    }
  });

  it("spawn - the same seed gives the same random delay", () => {
    const firstDue = (seed: number) => {
      const kernel = setup({ interval: 1_000_000, delay: "random" }, { seed });
      return wakeOf(kernel.dispatch({ type: "spawn", at: 0, programId: "p" }));
    };
    expect(firstDue(7)).toBe(firstDue(7));
    expect(firstDue(123)).toBe(firstDue(123));
    const bySeed = new Set([1, 2, 3, 4, 5, 6, 7, 8].map(firstDue));
    expect(bySeed.size).toBeGreaterThan(1);
  });

  it("spawn - successive random delays of one kernel come from its generator and replay with the seed", () => {
    const run = (seed: number) => {
      const kernel = setup({ interval: 1_000_000, delay: "random" }, { seed });
      const due: number[] = [];
      for (let n = 0; n < 5; n++) {
        kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { spawnId: `s${n}` } });
      }
      const effects = kernel.dispatch({ type: "tick", at: 1_000_000 });
      for (const run of effectsOf(effects, "run")) due.push(run.scheduledAt);
      return due.sort((a, b) => a - b);
    };
    const first = run(3);
    expect(first).toHaveLength(5);
    expect(run(3)).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });
});

describe("timing: timeFn", () => {
  it("spawn - timeFn aligns a constant grid", () => {
    const kernel = setup({ type: "constant", interval: 1_000, timeFn: (t) => Math.floor(t / 1_000) * 1_000 });
    expect(wakeOf(kernel.dispatch({ type: "spawn", at: 1_234, programId: "p" }))).toBe(2_000);
    const effects = kernel.dispatch({ type: "tick", at: 2_000 });
    expect(runsOf(effects)).toEqual([{ jobId: "job-1", scheduledAt: 2_000, startedAt: 2_000 }]);
    expect(wakeOf(effects)).toBe(3_000);
  });

  it("spawn - timeFn receives the spawn's start time", () => {
    const seen: number[] = [];
    const kernel = setup({
      type: "constant",
      interval: 50,
      timeFn: (t) => {
        seen.push(t);
        return t;
      },
    });
    kernel.dispatch({ type: "spawn", at: 77, programId: "p" });
    expect(seen).toEqual([77]);
  });

  it("spawn - timeFn is not applied to a basic spawn (kernel choice)", () => {
    const kernel = setup({ type: "basic", interval: 1_000, timeFn: (t) => Math.floor(t / 1_000) * 1_000 });
    expect(wakeOf(kernel.dispatch({ type: "spawn", at: 1_234, programId: "p" }))).toBe(2_234);
  });
});

describe("timing: dynamic interval", () => {
  it("complete - a basic spawn calls the interval function at each scheduling", () => {
    const values = [100, 200, 300, 400];
    let calls = 0;
    const kernel = setup({ interval: () => values[calls++] as number });
    expect(wakeOf(kernel.dispatch({ type: "spawn", at: 0, programId: "p" }))).toBe(100);
    expect(calls).toBe(1);
    kernel.dispatch({ type: "tick", at: 100 });
    expect(calls).toBe(1);
    expect(wakeOf(ok(kernel, 110, "job-1"))).toBe(310);
    expect(calls).toBe(2);
    kernel.dispatch({ type: "tick", at: 310 });
    expect(wakeOf(ok(kernel, 320, "job-2"))).toBe(620);
    expect(calls).toBe(3);
    expect(kernel.getProps("p", "p-1").interval).toBe(300);
  });

  it("tick - a constant spawn calls the interval function when each job starts", () => {
    const values = [100, 50, 25];
    let calls = 0;
    const kernel = setup({ type: "constant", interval: () => values[calls++] as number });
    expect(wakeOf(kernel.dispatch({ type: "spawn", at: 0, programId: "p" }))).toBe(100);
    expect(wakeOf(kernel.dispatch({ type: "tick", at: 100 }))).toBe(150);
    expect(calls).toBe(2);
    expect(wakeOf(kernel.dispatch({ type: "tick", at: 150 }))).toBe(175);
    expect(calls).toBe(3);
  });

  it("complete - an interval function that later returns a non-positive number faults the spawn", () => {
    const values = [100, -1];
    let calls = 0;
    const kernel = setup({ interval: () => values[calls++] as number });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const effects = ok(kernel, 110, "job-1");
    expect(effects.map((effect) => effect.type)).toEqual(["settled", "fault", "stopped", "wake"]);
    expect(effectsOf(effects, "fault")[0]).toMatchObject({ programId: "p", spawnId: "p-1", code: "invalid-interval" });
    expect(effectsOf(effects, "stopped")[0]).toEqual({
      type: "stopped",
      programId: "p",
      spawnId: "p-1",
      reason: "fault",
    });
    expect(wakeOf(effects)).toBeNull();
  });
});

describe("timing: misfire", () => {
  it("tick - catch-up runs one job per missed due time, in order", () => {
    const kernel = setup({ type: "constant", interval: 100, misfire: "catch-up" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "tick", at: 350 });
    expect(runsOf(effects)).toEqual([
      { jobId: "job-1", scheduledAt: 100, startedAt: 350 },
      { jobId: "job-2", scheduledAt: 200, startedAt: 350 },
      { jobId: "job-3", scheduledAt: 300, startedAt: 350 },
    ]);
    expect(wakeOf(effects)).toBe(400);
  });

  it("tick - catch-up is the default", () => {
    const kernel = setup({ type: "constant", interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    expect(effectsOf(kernel.dispatch({ type: "tick", at: 350 }), "run")).toHaveLength(3);
  });

  it("tick - skip runs one job now and continues on the next grid point after now", () => {
    const kernel = setup({ type: "constant", interval: 100, misfire: "skip" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "tick", at: 350 });
    expect(runsOf(effects)).toEqual([{ jobId: "job-1", scheduledAt: 100, startedAt: 350 }]);
    expect(wakeOf(effects)).toBe(400);
    const next = kernel.dispatch({ type: "tick", at: 400 });
    expect(runsOf(next)).toEqual([{ jobId: "job-2", scheduledAt: 400, startedAt: 400 }]);
    expect(wakeOf(next)).toBe(500);
  });

  it("tick - skip does nothing special when no whole period was missed", () => {
    const kernel = setup({ type: "constant", interval: 100, misfire: "skip" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "tick", at: 150 });
    expect(runsOf(effects)).toEqual([{ jobId: "job-1", scheduledAt: 100, startedAt: 150 }]);
    expect(wakeOf(effects)).toBe(200);
  });
});

describe("timing: never early, lateness", () => {
  it("tick - a job never starts before its due time", () => {
    const kernel = setup({ interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    expect(kernel.dispatch({ type: "tick", at: 99 })).toEqual([{ type: "wake", at: 100 }]);
    expect(kernel.dispatch({ type: "tick", at: 99.999 })).toEqual([{ type: "wake", at: 100 }]);
    expect(runsOf(kernel.dispatch({ type: "tick", at: 100 }))).toEqual([
      { jobId: "job-1", scheduledAt: 100, startedAt: 100 },
    ]);
  });

  it("dispatch - any command advances time and starts due jobs before applying", () => {
    const kernel = setup({ interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "spawn", at: 120, programId: "p" });
    expect(effects.map((effect) => effect.type)).toEqual(["run", "spawned", "wake"]);
    expect(runsOf(effects)).toEqual([{ jobId: "job-1", scheduledAt: 100, startedAt: 120 }]);
    expect(wakeOf(effects)).toBe(220);
  });

  it("complete - lateness is recorded as scheduledAt, startedAt and endedAt", () => {
    const kernel = setup({ interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 125 });
    const effects = ok(kernel, 140, "job-1", 9);
    expect(effectsOf(effects, "settled")[0]).toMatchObject({ scheduledAt: 100, startedAt: 125, endedAt: 140 });
    expect(kernel.getSpawn("p", "p-1").result).toEqual({
      jobId: "job-1",
      status: "succeeded",
      value: 9,
      scheduledAt: 100,
      startedAt: 125,
      endedAt: 140,
    });
  });
});

describe("timing: same-time ordering", () => {
  it("tick - jobs due at the same time start in creation order", () => {
    const kernel = createKernel();
    for (const id of ["b", "a", "c"])
      kernel.dispatch({ type: "install", at: 0, program: { id, interval: 100, mainFn } });
    for (const id of ["b", "a", "c"]) kernel.dispatch({ type: "spawn", at: 0, programId: id });
    const effects = kernel.dispatch({ type: "tick", at: 100 });
    expect(effectsOf(effects, "run").map((run) => run.spawnId)).toEqual(["b-1", "a-1", "c-1"]);
  });

  it("tick - jobs start by due time first, then creation order", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "slow", interval: 100, mainFn } });
    kernel.dispatch({ type: "install", at: 0, program: { id: "fast", interval: 50, mainFn } });
    kernel.dispatch({ type: "install", at: 0, program: { id: "same", interval: 100, mainFn } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "slow" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "fast" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "same" });
    const effects = kernel.dispatch({ type: "tick", at: 200 });
    expect(effectsOf(effects, "run").map((run) => [run.spawnId, run.scheduledAt])).toEqual([
      ["fast-1", 50],
      ["slow-1", 100],
      ["same-1", 100],
    ]);
  });

  it("dispatch - the same commands always give the same effects", () => {
    const script = () => {
      const kernel = createKernel({ seed: 9 });
      const out: KernelEffect[][] = [];
      out.push([
        ...kernel.dispatch({
          type: "install",
          at: 0,
          program: { id: "p", type: "constant", interval: 30, delay: "random", mainFn },
        }),
      ]);
      for (let n = 0; n < 4; n++) out.push([...kernel.dispatch({ type: "spawn", at: n, programId: "p" })]);
      out.push([...kernel.dispatch({ type: "tick", at: 200 })]);
      return out;
    };
    expect(script()).toEqual(script());
  });
});

describe("timing: time regressions", () => {
  it("spawn - an at below the kernel's time is treated as now and counted", () => {
    const kernel = setup({ interval: 100 });
    kernel.dispatch({ type: "tick", at: 500 });
    const effects = kernel.dispatch({ type: "spawn", at: 200, programId: "p" });
    expect(effects).toEqual([
      { type: "spawned", programId: "p", spawnId: "p-1", startedAt: 500 },
      { type: "wake", at: 600 },
    ]);
    expect(kernel.info().clock).toEqual({ now: 500, regressions: 1 });
  });

  it("complete - a late completion is recorded at the kernel's time", () => {
    const kernel = setup({ interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 150 });
    const effects = ok(kernel, 120, "job-1");
    expect(effectsOf(effects, "settled")[0]).toMatchObject({ scheduledAt: 100, startedAt: 150, endedAt: 150 });
    expect(wakeOf(effects)).toBe(250);
    expect(kernel.info().clock).toEqual({ now: 150, regressions: 1 });
  });

  it("tick - regressions accumulate and time never goes backwards", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "tick", at: 100 });
    kernel.dispatch({ type: "tick", at: 50 });
    kernel.dispatch({ type: "tick", at: 99 });
    kernel.dispatch({ type: "tick", at: 100 });
    expect(kernel.info().clock).toEqual({ now: 100, regressions: 2 });
    kernel.dispatch({ type: "tick", at: 101 });
    expect(kernel.info().clock).toEqual({ now: 101, regressions: 2 });
  });
});

describe("timing: wake", () => {
  it("dispatch - wake is null on an empty kernel", () => {
    expect(createKernel().dispatch({ type: "tick", at: 0 })).toEqual([{ type: "wake", at: null }]);
  });

  it("dispatch - exactly one wake, always last, equal to the earliest due time", () => {
    const kernel = createKernel();
    const all: KernelEffect[][] = [];
    const send = (command: Parameters<Kernel["dispatch"]>[0]) => {
      const effects = kernel.dispatch(command);
      all.push([...effects]);
      return effects;
    };
    send({ type: "install", at: 0, program: { id: "a", interval: 300, mainFn } });
    send({ type: "install", at: 0, program: { id: "b", type: "constant", interval: 70, mainFn } });
    expect(wakeOf(send({ type: "spawn", at: 0, programId: "a" }))).toBe(300);
    expect(wakeOf(send({ type: "spawn", at: 10, programId: "b" }))).toBe(80);
    expect(wakeOf(send({ type: "tick", at: 80 }))).toBe(150);
    expect(wakeOf(send({ type: "tick", at: 300 }))).toBe(360);
    expect(wakeOf(send({ type: "kill-all", at: 301, programId: "b" }))).toBeNull();
    expect(wakeOf(send({ type: "complete", at: 310, jobId: "job-1", outcome: { ok: true } }))).toBe(610);
    expect(wakeOf(send({ type: "spawn", at: 310, programId: "nope" }))).toBe(610);
    for (const effects of all) {
      expect(effects.filter((effect) => effect.type === "wake")).toHaveLength(1);
      expect(effects.at(-1)?.type).toBe("wake");
    }
  });

  it("stop-spawn - wake becomes null when nothing is scheduled any more", () => {
    const kernel = setup({ interval: 100 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    expect(kernel.dispatch({ type: "stop-spawn", at: 10, programId: "p", spawnId: "p-1" }).at(-1)).toEqual({
      type: "wake",
      at: null,
    });
  });
});
