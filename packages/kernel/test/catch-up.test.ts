import { describe, expect, it } from "vitest";
import { createKernel, effectsOf, type Kernel, type KernelEffect, type ProgramSpec } from "../src/index.js";

// The catch-up window and the catch-up limit (issue #14 item 2): a time jump or a downtime must not
// run (or build effects for) an unbounded number of due times in one dispatch.

const mainFn = () => undefined;
const types = (effects: readonly KernelEffect[]) => effects.map((effect) => effect.type);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const kernelWith = (program: Partial<ProgramSpec>, options: Parameters<typeof createKernel>[0] = {}): Kernel => {
  const kernel = createKernel(options);
  kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 1000, mainFn, ...program } as ProgramSpec });
  kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
  return kernel;
};

describe("catch-up window", () => {
  it("tick - after a jump, due times older than the window are missed in one effect; the rest catch up", () => {
    const kernel = kernelWith({ type: "constant", catchUpWindow: 10_000 });
    const effects = kernel.dispatch({ type: "tick", at: 100_000 });
    const missed = effectsOf(effects, "missed");
    // Due at 1000, 2000, ...; the window starts at 90,000: 1000 ... 89,000 are missed (89 due times).
    expect(missed).toEqual([
      { type: "missed", programId: "p", spawnId: "p-1", count: 89, from: 1000, to: 89_000, reason: "catch-up-window" },
    ]);
    const runs = effectsOf(effects, "run");
    expect(runs.map((run) => run.scheduledAt)).toEqual(Array.from({ length: 11 }, (_, i) => 90_000 + i * 1000));
    expect(kernel.getProps("p", "p-1").missed).toBe(89);
    // The job that moved keeps its id: nothing is submitted twice.
    expect(runs[0]?.jobId).toBe("job-1");
    expect(effects.at(-1)).toEqual({ type: "wake", at: 101_000 });
  });

  it("tick - the default window is 24 hours", () => {
    const kernel = kernelWith({ type: "constant", interval: HOUR });
    const effects = kernel.dispatch({ type: "tick", at: 3 * DAY });
    expect(effectsOf(effects, "missed")[0]).toMatchObject({ count: 47, from: HOUR, to: 47 * HOUR });
    expect(effectsOf(effects, "run")).toHaveLength(25);
  });

  it("tick - with misfire skip, a stale due time outside the window is missed and the grid goes on after now", () => {
    const kernel = kernelWith({ type: "constant", misfire: "skip", catchUpWindow: 10_000 });
    const effects = kernel.dispatch({ type: "tick", at: 100_500 });
    expect(types(effects)).toEqual(["missed", "wake"]);
    expect(effectsOf(effects, "missed")[0]).toMatchObject({ count: 1, from: 1000, to: 1000 });
    expect(effects.at(-1)).toEqual({ type: "wake", at: 101_000 });
  });

  it("tick - with misfire skip, a stale due time inside the window still runs once", () => {
    const kernel = kernelWith({ type: "constant", misfire: "skip", catchUpWindow: 10_000 });
    const effects = kernel.dispatch({ type: "tick", at: 5500 });
    expect(types(effects)).toEqual(["run", "wake"]);
    expect(effects.at(-1)).toEqual({ type: "wake", at: 6000 });
  });

  it("tick - a basic spawn's stale job is missed and the next is due an interval from now", () => {
    const kernel = kernelWith({ catchUpWindow: 10_000 });
    const effects = kernel.dispatch({ type: "tick", at: 50_000 });
    expect(types(effects)).toEqual(["missed", "wake"]);
    expect(effectsOf(effects, "missed")[0]).toMatchObject({ count: 1, from: 1000, to: 1000 });
    expect(effects.at(-1)).toEqual({ type: "wake", at: 51_000 });
  });

  it("tick - a cron spawn misses the matches older than its window and catches up the rest", () => {
    const kernel = createKernel();
    kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "c", type: "cron", cron: "0 * * * *", catchUpWindow: 3 * HOUR, mainFn },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "c" });
    const effects = kernel.dispatch({ type: "tick", at: 10 * HOUR });
    expect(effectsOf(effects, "missed")).toEqual([
      { type: "missed", programId: "c", spawnId: "c-1", count: 6, from: HOUR, to: 6 * HOUR, reason: "catch-up-window" },
    ]);
    expect(effectsOf(effects, "run").map((run) => run.scheduledAt)).toEqual([7, 8, 9, 10].map((h) => h * HOUR));
  });

  it("spawn - catchUpWindow is a spawn option too; bad values are refused naming the field", () => {
    const kernel = kernelWith({ type: "constant" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { spawnId: "short", catchUpWindow: 2000 } });
    const effects = kernel.dispatch({ type: "tick", at: 100_000 });
    const missed = effectsOf(effects, "missed");
    expect(missed.map((m) => [m.spawnId, m.count])).toEqual([["short", 97]]);
    for (const catchUpWindow of [0, -1, Number.NaN, "1h", 1e300]) {
      const bad = kernel.dispatch({ type: "spawn", at: 100_000, programId: "p", opts: { catchUpWindow } as never });
      expect(effectsOf(bad, "rejected")[0]).toMatchObject({ code: "invalid-options", field: "opts.catchUpWindow" });
    }
    const spec = createKernel().dispatch({
      type: "install",
      at: 0,
      program: { id: "q", interval: 10, mainFn, catchUpWindow: -5 },
    });
    expect(effectsOf(spec, "rejected")[0]).toMatchObject({ code: "invalid-program", field: "program.catchUpWindow" });
  });
});

describe("catch-up limit", () => {
  it("tick - a day at 1 ms builds a bounded dispatch: the limit's catch-up jobs run, the rest are missed", () => {
    const kernel = kernelWith({ type: "constant", interval: 1 });
    const effects = kernel.dispatch({ type: "tick", at: DAY });
    const runs = effectsOf(effects, "run");
    // The spawn's first job, then 10,000 catch-up jobs (the default limit).
    expect(runs).toHaveLength(10_001);
    const missed = effectsOf(effects, "missed");
    // A jump of exactly the window: nothing is older than it, so only the limit misses.
    expect(missed.map((m) => m.reason)).toEqual(["catch-up-limit"]);
    // Every due time from 1 to DAY is either run or missed, once.
    expect(runs.length + missed.reduce((sum, m) => sum + m.count, 0)).toBe(DAY);
    expect(missed[0]).toMatchObject({ from: 10_002, to: DAY });
    expect(effects.at(-1)).toEqual({ type: "wake", at: DAY + 1 });
    expect(kernel.getProps("p", "p-1").missed).toBe(DAY - 10_001);
  });

  it("tick - the limit is per dispatch, over all spawns: 2,000 spawns a day behind stay bounded", () => {
    const kernel = kernelWith({ type: "constant", interval: 1 });
    for (let n = 1; n < 2000; n++) kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "tick", at: DAY });
    const runs = effectsOf(effects, "run");
    const missed = effectsOf(effects, "missed");
    // Each spawn's first job, the 10,000 catch-up jobs, and one missed effect per spawn.
    expect(runs).toHaveLength(2000 + 10_000);
    expect(missed).toHaveLength(2000);
    expect(effects.length).toBe(2000 + 10_000 + 2000 + 1);
    expect(runs.length + missed.reduce((sum, m) => sum + m.count, 0)).toBe(2000 * DAY);
  });

  it("createKernel - catchUpLimit bounds a dispatch's catch-up jobs, shared by the spawns in due-time order", () => {
    const kernel = kernelWith({ type: "constant", interval: 10 }, { catchUpLimit: 3 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "tick", at: 100 });
    const runs = effectsOf(effects, "run");
    // Each spawn's first job is free; the next three (in due-time order) spend the limit.
    expect(runs.map((run) => [run.spawnId, run.scheduledAt])).toEqual([
      ["p-1", 10],
      ["p-2", 10],
      ["p-1", 20],
      ["p-2", 20],
      ["p-1", 30],
    ]);
    expect(effectsOf(effects, "missed").map((m) => [m.spawnId, m.count, m.from, m.to])).toEqual([
      ["p-2", 8, 30, 100],
      ["p-1", 7, 40, 100],
    ]);
    // The next dispatch starts afresh.
    expect(effectsOf(kernel.dispatch({ type: "tick", at: 110 }), "run")).toHaveLength(2);
  });

  it("stop-spawn - a cron spawn whose missed matches are still being counted never runs once stopped", () => {
    for (const how of ["stop-spawn", "kill-spawn", "uninstall", "clear"] as const) {
      const kernel = createKernel();
      kernel.dispatch({ type: "install", at: 0, program: { id: "c", type: "cron", cron: "* * * * * *", mainFn } });
      kernel.dispatch({ type: "spawn", at: 0, programId: "c" });
      // More missed matches than one dispatch counts (10,000), and the stop in the same dispatch.
      const command =
        how === "stop-spawn" || how === "kill-spawn"
          ? ({ type: how, at: 4 * HOUR, programId: "c", spawnId: "c-1" } as const)
          : ({ type: how, at: 4 * HOUR, programId: "c" } as const);
      const first = kernel.dispatch(command);
      // A graceful stop waits for the jobs it started; the others stop at once.
      expect(effectsOf(first, "stopped")).toHaveLength(how === "stop-spawn" ? 0 : 1);
      expect(first.at(-1)).toEqual({ type: "wake", at: null });
      const later = [kernel.dispatch({ type: "tick", at: 4 * HOUR }), kernel.dispatch({ type: "tick", at: 5 * HOUR })];
      for (const effects of later) expect(effects).toEqual([{ type: "wake", at: null }]);
    }
  });

  it("createKernel - a bad catchUpLimit is refused naming options.catchUpLimit", () => {
    for (const catchUpLimit of [0, 1.5, -1, Number.NaN]) {
      expect(() => createKernel({ catchUpLimit })).toThrow(
        expect.objectContaining({ code: "invalid-options", field: "options.catchUpLimit" }),
      );
    }
  });

  it("tick - a cron gap of more than the counting budget is counted over dispatches, each due time once", () => {
    const kernel = createKernel();
    kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "c", type: "cron", cron: "* * * * * *", catchUpWindow: 1000, mainFn },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "c" });
    // Matches at 1 s ... 29,999 s are older than the window (29,999 of them), counted 10,000 at a time.
    let effects = kernel.dispatch({ type: "tick", at: 30_001_000 });
    let missed = effectsOf(effects, "missed").reduce((sum, m) => sum + m.count, 0);
    let dispatches = 1;
    while (effects.at(-1)?.type === "wake" && (effects.at(-1) as { at: number }).at <= 30_001_000) {
      effects = kernel.dispatch({ type: "tick", at: 30_001_000 });
      missed += effectsOf(effects, "missed").reduce((sum, m) => sum + m.count, 0);
      dispatches++;
      expect(dispatches).toBeLessThan(10);
    }
    expect(missed).toBe(29_999);
    expect(dispatches).toBe(3);
    expect(kernel.getProps("c", "c-1").missed).toBe(29_999);
    // The two matches inside the window ran, in the last dispatch.
    expect(effectsOf(effects, "run").map((run) => run.scheduledAt)).toEqual([30_000_000, 30_001_000]);
  });
});
