import { describe, expect, it } from "vitest";
import { createKernel, effectsOf, type Kernel, type ProgramSpec, restoreKernel } from "../src/index.js";

// Interactions between overlap, pause, maxRuns, jitter and backfill that a review found broken
// (each test names what went wrong before its fix).

const mainFn = () => undefined;

const install = (kernel: Kernel, program: Partial<ProgramSpec>) => {
  const spec = { id: "p", type: "constant", interval: 100, mainFn, ...program } as ProgramSpec;
  kernel.dispatch({ type: "install", at: 0, program: spec });
  return spec;
};

const complete = (kernel: Kernel, at: number, jobId: string) =>
  kernel.dispatch({ type: "complete", at, jobId, outcome: { ok: true } });

describe("feature interactions", () => {
  it("resume - a program resume frees every spawn, even after one that a buffered run stops (it was cut short)", () => {
    const kernel = createKernel();
    install(kernel, { overlap: "buffer-one" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { spawnId: "A", maxRuns: 2 } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { spawnId: "B" } });
    kernel.dispatch({ type: "tick", at: 200 });
    kernel.dispatch({ type: "pause", at: 200, programId: "p" });
    complete(kernel, 210, "job-1");
    complete(kernel, 210, "job-2");
    const resumed = kernel.dispatch({ type: "resume", at: 310, programId: "p" });
    // A's buffered run is its last (maxRuns 2) and stops it; B's still starts, and B's parked job (due 300),
    // due at once, waits in B's buffer behind it.
    expect(effectsOf(resumed, "run").map((run) => `${run.spawnId}@${run.scheduledAt}`)).toEqual(["A@200", "B@200"]);
    expect(kernel.getProps("p", "B")).toMatchObject({ paused: false, buffered: 1, runs: 2 });
  });

  it("complete - a buffered run whose argsFn throws never lets a spawn start more than maxRuns runs", () => {
    const kernel = createKernel();
    let calls = 0;
    install(kernel, {
      overlap: "buffer-all",
      maxRuns: 2,
      argsFn: () => {
        calls++;
        if (calls === 2) throw new Error("no args");
      },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 300 });
    const effects = complete(kernel, 310, "job-1");
    expect(effects.map((effect) => effect.type)).toEqual(["settled", "settled", "cancel", "cancel", "stopped", "wake"]);
    expect(kernel.latestStopped("p")).toMatchObject({ runs: 2 });
  });

  it("complete - a buffer of runs that all fail drains in a loop, not a recursion per run", () => {
    const kernel = createKernel();
    let calls = 0;
    install(kernel, {
      interval: 1,
      overlap: "buffer-all",
      bufferLimit: 20_000,
      argsFn: () => {
        if (calls++ > 0) throw new Error("no args");
      },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    // A day behind: the first job runs, 10,000 catch-ups (the dispatch's catchUpLimit) are buffered behind it.
    kernel.dispatch({ type: "tick", at: 20_001 });
    expect(kernel.getProps("p", "p-1").buffered).toBe(10_000);
    const effects = complete(kernel, 20_001, "job-1");
    expect(effects.some((effect) => effect.type === "rejected")).toBe(false);
    expect(kernel.getProps("p", "p-1")).toMatchObject({ buffered: 0, errored: 10_000, succeeded: 1 });
  });

  it("snapshot - a backfill's run released after a trigger, and a spawn whose only run cancel-other cancelled, restore", () => {
    const kernel = createKernel({ seed: 1 });
    const spec = install(kernel, { overlap: "cancel-other", jitter: 90 });
    kernel.dispatch({ type: "backfill", at: 1_000, programId: "p", from: 0, to: 300 });
    kernel.dispatch({ type: "trigger", at: 1_000, programId: "p" });
    complete(kernel, 1_001, "job-1");
    kernel.dispatch({ type: "spawn", at: 1_001, programId: "p" });
    for (let at = 1_002; at < 1_300; at += 3) kernel.dispatch({ type: "tick", at });
    const snapshot = kernel.snapshot();
    const copy = restoreKernel(JSON.parse(JSON.stringify(snapshot)), [spec]);
    expect(copy.snapshot()).toEqual(snapshot);
    const owner = createKernel({ seed: 1 });
    install(owner, { overlap: "cancel-other", jitter: 90 });
    const adopted = owner.dispatch({
      type: "adopt",
      at: 1_300,
      export: JSON.parse(JSON.stringify(kernel.exportProgram("p"))),
    });
    expect(adopted[0]?.type).toBe("adopted");
  });

  it("adopt - refused into a program paused since install (the pause would be lost)", () => {
    const kernel = createKernel();
    const spec = install(kernel, {});
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const data = JSON.parse(JSON.stringify(kernel.exportProgram("p")));
    const owner = createKernel();
    install(owner, spec);
    owner.dispatch({ type: "pause", at: 0, programId: "p" });
    const [rejected] = owner.dispatch({ type: "adopt", at: 10, export: data });
    expect(rejected).toMatchObject({ type: "rejected", code: "restore-mismatch" });
  });

  it("complete - buffered runs that waited longer than the catch-up window are missed, not run", () => {
    const kernel = createKernel();
    install(kernel, { overlap: "buffer-all", catchUpWindow: 250 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    for (let at = 200; at <= 500; at += 100) kernel.dispatch({ type: "tick", at });
    // job-1 is still running at 500; 200..500 are buffered. It ends at 520: 200 is 320 ms old.
    const effects = complete(kernel, 520, "job-1");
    expect(effects.find((effect) => effect.type === "missed")).toMatchObject({
      count: 1,
      from: 200,
      to: 200,
      reason: "catch-up-window",
    });
    expect(effectsOf(effects, "run").map((run) => run.scheduledAt)).toEqual([300]);
    expect(kernel.getProps("p", "p-1")).toMatchObject({ missed: 1, buffered: 2 });
  });

  it("tick - a job held by jitter whose host was away past the catch-up window is missed when its hold ends", () => {
    const kernel = createKernel({ seed: 2 });
    install(kernel, { jitter: 99, catchUpWindow: 1_000 });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    let at = 100;
    for (; at < 5_000; at++) {
      for (const run of effectsOf(kernel.dispatch({ type: "tick", at }), "run")) complete(kernel, at, run.jobId);
      if (kernel.snapshot().programs[0]?.spawns[0]?.pending?.jitterUntil !== undefined) break;
    }
    const due = kernel.snapshot().programs[0]?.spawns[0]?.pending?.dueAt ?? 0;
    // The host sleeps for ten seconds with the job held.
    const effects = kernel.dispatch({ type: "tick", at: at + 10_000 });
    const missed = effects.find((effect) => effect.type === "missed");
    expect(missed).toMatchObject({ from: due, reason: "catch-up-window" });
    for (const run of effectsOf(effects, "run")) expect(run.scheduledAt).toBeGreaterThanOrEqual(at + 10_000 - 1_000);
  });
});
