import { describe, expect, it } from "vitest";
import { createKernel, type Kernel, type KernelEffect, type ProgramSpec, restoreKernel } from "../src/index.js";

const mainFn = () => undefined;

const setup = (program: Partial<ProgramSpec> = {}, spawnAt = 0) => {
  const kernel = createKernel();
  const spec = { id: "p", type: "constant", interval: 100, mainFn, ...program } as ProgramSpec;
  const [installed] = kernel.dispatch({ type: "install", at: 0, program: spec });
  expect(installed?.type).toBe("installed");
  const spawned = kernel.dispatch({ type: "spawn", at: spawnAt, programId: "p" });
  return { kernel, spec, spawned };
};

const succeed = (kernel: Kernel, at: number, jobId: string) =>
  kernel.dispatch({ type: "complete", at, jobId, outcome: { ok: true } });

const lines = (effects: readonly KernelEffect[]) =>
  effects.flatMap((effect) => {
    switch (effect.type) {
      case "run":
        return [`run ${effect.jobId} @${effect.scheduledAt}`];
      case "cancel":
        return [`cancel ${effect.jobId} ${effect.reason}`];
      case "stopped":
        return [`stopped ${effect.reason}`];
      case "wake":
        return [`wake ${effect.at}`];
      default:
        return [effect.type];
    }
  });

describe("maxRuns, startAt, endAt", () => {
  it("tick - maxRuns: the last run schedules nothing more, and the spawn stops when it settles", () => {
    const { kernel } = setup({ maxRuns: 2 });
    expect(lines(kernel.dispatch({ type: "tick", at: 100 }))).toEqual(["run job-1 @100", "wake 200"]);
    expect(lines(kernel.dispatch({ type: "tick", at: 200 }))).toEqual(["run job-2 @200", "wake null"]);
    expect(kernel.countSpawns("p")).toBe(0);
    succeed(kernel, 210, "job-1");
    expect(lines(succeed(kernel, 220, "job-2"))).toEqual(["settled", "stopped max-runs", "wake null"]);
    expect(kernel.latestStopped("p")).toMatchObject({ runs: 2, completed: 2 });
  });

  it("complete - maxRuns on a basic spawn: no job after the last run", () => {
    const { kernel } = setup({ type: "basic", maxRuns: 1 });
    kernel.dispatch({ type: "tick", at: 100 });
    expect(lines(succeed(kernel, 150, "job-1"))).toEqual(["settled", "stopped max-runs", "wake null"]);
  });

  it("spawn - startAt: the schedule counts from it, as from a spawn made then", () => {
    const { kernel } = setup({ startAt: 1_000 });
    expect(lines(kernel.dispatch({ type: "tick", at: 1_099 }))).toEqual(["wake 1100"]);
    expect(lines(kernel.dispatch({ type: "tick", at: 1_100 }))).toEqual(["run job-1 @1100", "wake 1200"]);
  });

  it("spawn - startAt in the past changes nothing", () => {
    const { kernel } = setup({ startAt: -500 }, 50);
    expect(lines(kernel.dispatch({ type: "tick", at: 150 }))).toEqual(["run job-1 @150", "wake 250"]);
  });

  it("tick - endAt: the spawn stops then; a due time equal to endAt does not run, a job in flight finishes", () => {
    const { kernel } = setup({ endAt: 300 });
    kernel.dispatch({ type: "tick", at: 200 });
    expect(lines(kernel.dispatch({ type: "tick", at: 300 }))).toEqual(["cancel job-3 end-at", "wake null"]);
    expect(lines(succeed(kernel, 305, "job-1"))).toEqual(["settled", "wake null"]);
    expect(lines(succeed(kernel, 310, "job-2"))).toEqual(["settled", "stopped end-at", "wake null"]);
  });

  it("pause - endAt still stops a paused spawn", () => {
    const { kernel } = setup({ endAt: 250 });
    kernel.dispatch({ type: "pause", at: 10, programId: "p", spawnId: "p-1" });
    expect(lines(kernel.dispatch({ type: "tick", at: 1_000 }))).toEqual([
      "cancel job-1 end-at",
      "stopped end-at",
      "wake null",
    ]);
  });

  it("spawn - a spawn made at or after its endAt stops in the same dispatch", () => {
    const { spawned } = setup({ endAt: 50 }, 60);
    expect(lines(spawned)).toEqual(["spawned", "cancel job-1 end-at", "stopped end-at", "wake null"]);
  });

  it("install - endAt must be after startAt; maxRuns a whole number >= 1", () => {
    const kernel = createKernel();
    const install = (program: Partial<ProgramSpec>) =>
      kernel.dispatch({
        type: "install",
        at: 0,
        program: { id: "x", interval: 10, mainFn, ...program } as ProgramSpec,
      })[0];
    expect(install({ startAt: 100, endAt: 100 })).toMatchObject({ code: "invalid-program", field: "program.endAt" });
    expect(install({ maxRuns: 0 })).toMatchObject({ code: "invalid-program", field: "program.maxRuns" });
    expect(install({ maxRuns: 1.5 })).toMatchObject({ code: "invalid-program", field: "program.maxRuns" });
    expect(install({ startAt: Number.NaN })).toMatchObject({ code: "invalid-program", field: "program.startAt" });
    kernel.dispatch({ type: "install", at: 0, program: { id: "y", interval: 10, mainFn, startAt: 100 } });
    const [spawn] = kernel.dispatch({ type: "spawn", at: 0, programId: "y", opts: { endAt: 50 } });
    expect(spawn).toMatchObject({ type: "rejected", code: "invalid-options", field: "opts.endAt" });
  });

  it("snapshot - runs and the endAt stop survive a restore", () => {
    const { kernel, spec } = setup({ maxRuns: 3, endAt: 1_000 });
    kernel.dispatch({ type: "tick", at: 100 });
    const snapshot = kernel.snapshot();
    expect(snapshot.programs[0]?.spawns[0]?.runs).toBe(1);
    const copy = restoreKernel(JSON.parse(JSON.stringify(snapshot)), [spec]);
    expect(copy.snapshot()).toEqual(snapshot);
    for (const command of [
      { type: "complete", at: 110, jobId: "job-1", outcome: { ok: true } },
      { type: "tick", at: 300 },
      { type: "tick", at: 1_000 },
    ] as const) {
      expect(copy.dispatch(command)).toEqual(kernel.dispatch(command));
    }
  });

  it("tick - endAt: a due time before it that is only reached after it (a late tick) does not run", () => {
    const { kernel } = setup({ endAt: 150 });
    expect(lines(kernel.dispatch({ type: "tick", at: 400 }))).toEqual([
      "cancel job-1 end-at",
      "stopped end-at",
      "wake null",
    ]);
  });

  it("snapshot - spawn options maxRuns, startAt, endAt, overlap, bufferLimit, jitter restore from overrides", () => {
    const { kernel, spec } = setup();
    kernel.dispatch({
      type: "spawn",
      at: 10,
      programId: "p",
      opts: { maxRuns: 5, startAt: 20, endAt: 5_000, overlap: "buffer-all", bufferLimit: 3, jitter: 7 },
    });
    kernel.dispatch({ type: "tick", at: 300 });
    const snapshot = kernel.snapshot();
    const copy = restoreKernel(JSON.parse(JSON.stringify(snapshot)), [spec]);
    expect(copy.snapshot()).toEqual(snapshot);
    for (let at = 301; at < 6_000; at += 50) {
      expect(copy.dispatch({ type: "tick", at })).toEqual(kernel.dispatch({ type: "tick", at }));
    }
  });

  it("spawn - startAt on a grid aligned by timeFn: the first due time is the first grid point at or after it", () => {
    const { kernel } = setup({ startAt: 1_550, timeFn: (t: number) => Math.floor(t / 1_000) * 1_000 });
    // timeFn(1550) = 1000; 1000 + 100 = 1100 is before startAt: the grid goes on to 1600.
    expect(lines(kernel.dispatch({ type: "tick", at: 1_599 }))).toEqual(["wake 1600"]);
    expect(lines(kernel.dispatch({ type: "tick", at: 1_600 }))).toEqual(["run job-1 @1600", "wake 1700"]);
  });
});
