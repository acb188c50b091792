import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createKernel, effectsOf, type KernelEffect, type ProgramSpec, restoreKernel } from "../src/index.js";

const mainFn = () => undefined;

const setup = (program: Partial<ProgramSpec>, seed = 1) => {
  const kernel = createKernel({ seed });
  const timing = program.type === "cron" ? {} : { interval: 100 };
  const spec = { id: "p", type: "constant", ...timing, mainFn, ...program } as ProgramSpec;
  const [installed] = kernel.dispatch({ type: "install", at: 0, program: spec });
  expect(installed?.type).toBe("installed");
  kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
  return { kernel, spec };
};

/** Ticks at every ms up to `until`, completing each job at once; the runs it gave. */
const drive = (kernel: ReturnType<typeof createKernel>, until: number) => {
  const runs: Extract<KernelEffect, { type: "run" }>[] = [];
  for (let at = 1; at <= until; at++) {
    for (const run of effectsOf(kernel.dispatch({ type: "tick", at }), "run")) {
      runs.push(run);
      kernel.dispatch({ type: "complete", at, jobId: run.jobId, outcome: { ok: true } });
    }
  }
  return runs;
};

describe("jitter", () => {
  it("tick - each job starts a whole number of ms after its due time, within jitter; the grid does not drift", () => {
    const { kernel } = setup({ jitter: 30 });
    const runs = drive(kernel, 1_000);
    expect(runs.map((run) => run.scheduledAt)).toEqual(
      [100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000].slice(0, runs.length),
    );
    expect(runs.length).toBeGreaterThanOrEqual(9);
    const delays = runs.map((run) => run.startedAt - run.scheduledAt);
    for (const delay of delays) {
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(30);
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
    expect(runs.map((run) => run.fireId)).toEqual(runs.map((run) => `p/p-1/${run.scheduledAt}`));
  });

  it("tick - jitter never moves a job to or past the next due time (Temporal's rule)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer(),
        (interval, jitter, seed) => {
          const { kernel } = setup({ interval, jitter }, seed);
          const runs = drive(kernel, interval * 12);
          for (const run of runs) expect(run.startedAt).toBeLessThan(run.scheduledAt + interval);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("tick - the same seed gives the same delays; another seed others", () => {
    const delays = (seed: number) =>
      drive(setup({ jitter: 50 }, seed).kernel, 2_000).map((run) => run.startedAt - run.scheduledAt);
    expect(delays(7)).toEqual(delays(7));
    expect(delays(7)).not.toEqual(delays(8));
  });

  it("cron - jitter is bounded by the gap to the next match", () => {
    const { kernel } = setup({ type: "cron", cron: "* * * * * *", jitter: 5_000 });
    const runs = drive(kernel, 10_000);
    for (const run of runs) expect(run.startedAt - run.scheduledAt).toBeLessThan(1_000);
  });

  it("install - jitter below 0 is refused naming the field", () => {
    const kernel = createKernel();
    const [rejected] = kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "x", interval: 10, mainFn, jitter: -1 },
    });
    expect(rejected).toMatchObject({ type: "rejected", code: "invalid-program", field: "program.jitter" });
    kernel.dispatch({ type: "install", at: 0, program: { id: "y", interval: 10, mainFn } });
    const [spawn] = kernel.dispatch({ type: "spawn", at: 0, programId: "y", opts: { jitter: Number.NaN } });
    expect(spawn).toMatchObject({ type: "rejected", code: "invalid-options", field: "opts.jitter" });
  });

  it("snapshot - a job held by jitter restores exactly and starts at the same time", () => {
    const { kernel, spec } = setup({ jitter: 90 }, 3);
    // Find a moment where the waiting job is held (due, not started).
    let at = 100;
    for (; at < 2_000; at++) {
      const runs = effectsOf(kernel.dispatch({ type: "tick", at }), "run");
      for (const run of runs) kernel.dispatch({ type: "complete", at, jobId: run.jobId, outcome: { ok: true } });
      const pending = kernel.snapshot().programs[0]?.spawns[0]?.pending;
      if (pending?.jitterUntil !== undefined) break;
    }
    const snapshot = kernel.snapshot();
    const pending = snapshot.programs[0]?.spawns[0]?.pending;
    expect(pending?.jitterUntil).toBeGreaterThan(pending?.dueAt ?? 0);
    const copy = restoreKernel(JSON.parse(JSON.stringify(snapshot)), [spec]);
    expect(copy.snapshot()).toEqual(snapshot);
    for (let t = at + 1; t < at + 300; t++)
      expect(copy.dispatch({ type: "tick", at: t })).toEqual(kernel.dispatch({ type: "tick", at: t }));
  });

  it("pause - a held job that is paused waits at its due time and draws again after the resume", () => {
    const { kernel } = setup({ jitter: 99 }, 5);
    let held = false;
    let at = 100;
    for (; at < 2_000 && !held; at++) {
      for (const run of effectsOf(kernel.dispatch({ type: "tick", at }), "run")) {
        kernel.dispatch({ type: "complete", at, jobId: run.jobId, outcome: { ok: true } });
      }
      held = kernel.snapshot().programs[0]?.spawns[0]?.pending?.jitterUntil !== undefined;
    }
    expect(held).toBe(true);
    kernel.dispatch({ type: "pause", at, programId: "p" });
    kernel.dispatch({ type: "tick", at: at + 500 });
    const pending = kernel.snapshot().programs[0]?.spawns[0]?.pending;
    expect(pending?.jitterUntil).toBeUndefined();
    expect(effectsOf(kernel.dispatch({ type: "tick", at: at + 600 }), "run")).toEqual([]);
  });
});
