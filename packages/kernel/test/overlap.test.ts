import { describe, expect, it } from "vitest";
import {
  createKernel,
  effectsOf,
  type Kernel,
  type KernelEffect,
  type ProgramSpec,
  restoreKernel,
} from "../src/index.js";

const mainFn = () => undefined;

const setup = (program: Partial<ProgramSpec>) => {
  const kernel = createKernel();
  const timing = program.type === "cron" ? {} : { interval: 100 };
  const spec = { id: "p", type: "constant", ...timing, mainFn, ...program } as ProgramSpec;
  const effects = kernel.dispatch({ type: "install", at: 0, program: spec });
  expect(effects[0]).toEqual({ type: "installed", programId: "p" });
  kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
  return { kernel, spec };
};

const succeed = (kernel: Kernel, at: number, jobId: string) =>
  kernel.dispatch({ type: "complete", at, jobId, outcome: { ok: true } });

/** Each effect as a short line, the wake left out. */
const lines = (effects: readonly KernelEffect[]) =>
  effects.flatMap((effect) => {
    switch (effect.type) {
      case "run":
        return [`run ${effect.jobId} @${effect.scheduledAt}`];
      case "settled":
        return [`settled ${effect.jobId} ${effect.status}`];
      case "skipped":
        return [`skipped @${effect.scheduledAt} ${effect.reason} ${effect.fireId}`];
      case "cancel":
        return [`cancel ${effect.jobId} ${effect.reason} inFlight=${effect.inFlight}`];
      case "stopped":
        return [`stopped ${effect.spawnId} ${effect.reason}`];
      case "wake":
        return [];
      default:
        return [effect.type];
    }
  });

describe("overlap", () => {
  it('tick - "allow" starts a due time while the previous job runs (the default)', () => {
    const { kernel } = setup({});
    expect(lines(kernel.dispatch({ type: "tick", at: 100 }))).toEqual(["run job-1 @100"]);
    expect(lines(kernel.dispatch({ type: "tick", at: 200 }))).toEqual(["run job-2 @200"]);
    expect(kernel.getProps("p", "p-1")).toMatchObject({ runs: 2, completed: 0, skipped: 0 });
  });

  it('tick - "skip" reports a due time that comes while the job runs, once, and the grid goes on', () => {
    const { kernel } = setup({ overlap: "skip" });
    expect(lines(kernel.dispatch({ type: "tick", at: 100 }))).toEqual(["run job-1 @100"]);
    expect(lines(kernel.dispatch({ type: "tick", at: 250 }))).toEqual(["skipped @200 overlap p/p-1/200"]);
    expect(lines(kernel.dispatch({ type: "tick", at: 300 }))).toEqual(["skipped @300 overlap p/p-1/300"]);
    // The same waiting job moved on: job-2 runs at 400 once job-1 is done.
    expect(lines(succeed(kernel, 310, "job-1"))).toEqual(["settled job-1 succeeded"]);
    expect(lines(kernel.dispatch({ type: "tick", at: 400 }))).toEqual(["run job-2 @400"]);
    expect(kernel.getProps("p", "p-1")).toMatchObject({ skipped: 2, runs: 2, submitted: 3 });
  });

  it('tick - "skip" after downtime runs the first due time and skips the rest (within the catch-up limit)', () => {
    const { kernel } = setup({ overlap: "skip" });
    const effects = kernel.dispatch({ type: "tick", at: 550 });
    expect(lines(effects)).toEqual([
      "run job-1 @100",
      "skipped @200 overlap p/p-1/200",
      "skipped @300 overlap p/p-1/300",
      "skipped @400 overlap p/p-1/400",
      "skipped @500 overlap p/p-1/500",
    ]);
  });

  it('complete - "buffer-one" keeps one run and starts it when the job settles; a second is skipped', () => {
    const { kernel } = setup({ overlap: "buffer-one" });
    kernel.dispatch({ type: "tick", at: 100 });
    expect(lines(kernel.dispatch({ type: "tick", at: 200 }))).toEqual([]);
    expect(kernel.getProps("p", "p-1").buffered).toBe(1);
    expect(lines(kernel.dispatch({ type: "tick", at: 300 }))).toEqual(["skipped @300 buffer-full p/p-1/300"]);
    expect(lines(succeed(kernel, 350, "job-1"))).toEqual(["settled job-1 succeeded", "run job-2 @200"]);
    const run = effectsOf(kernel.dispatch({ type: "tick", at: 350 }), "run");
    expect(run).toEqual([]);
    // job-3 was the waiting job made when job-2 was buffered; it moved past 300 and is due at 400.
    expect(lines(succeed(kernel, 360, "job-2"))).toEqual(["settled job-2 succeeded"]);
    expect(lines(kernel.dispatch({ type: "tick", at: 400 }))).toEqual(["run job-3 @400"]);
  });

  it('complete - "buffer-all" keeps runs in order up to bufferLimit, then skips', () => {
    const { kernel } = setup({ overlap: "buffer-all", bufferLimit: 2 });
    expect(lines(kernel.dispatch({ type: "tick", at: 450 }))).toEqual([
      "run job-1 @100",
      "skipped @400 buffer-full p/p-1/400",
    ]);
    expect(kernel.getProps("p", "p-1")).toMatchObject({ buffered: 2, skipped: 1 });
    expect(lines(succeed(kernel, 460, "job-1"))).toEqual(["settled job-1 succeeded", "run job-2 @200"]);
    expect(lines(succeed(kernel, 470, "job-2"))).toEqual(["settled job-2 succeeded", "run job-3 @300"]);
    const run = effectsOf(succeed(kernel, 480, "job-3"), "run");
    expect(run).toEqual([]);
    expect(lines(kernel.dispatch({ type: "tick", at: 500 }))).toEqual(["run job-4 @500"]);
  });

  it('tick - "cancel-other" cancels the job in flight and starts the due one; its late result is discarded', () => {
    const { kernel } = setup({ overlap: "cancel-other" });
    kernel.dispatch({ type: "tick", at: 100 });
    expect(lines(kernel.dispatch({ type: "tick", at: 200 }))).toEqual([
      "cancel job-1 overlap inFlight=true",
      "run job-2 @200",
    ]);
    expect(lines(succeed(kernel, 210, "job-1"))).toEqual(["discarded"]);
    expect(kernel.getProps("p", "p-1")).toMatchObject({ completed: 0, runs: 2 });
  });

  it('complete - a result that arrives with the due time that cancels its job ("cancel-other") is discarded', () => {
    const { kernel } = setup({ overlap: "cancel-other" });
    kernel.dispatch({ type: "tick", at: 100 });
    expect(lines(succeed(kernel, 200, "job-1"))).toEqual([
      "cancel job-1 overlap inFlight=true",
      "run job-2 @200",
      "discarded",
    ]);
    // A lost outcome the same.
    expect(
      lines(kernel.dispatch({ type: "complete", at: 300, jobId: "job-2", outcome: { lost: true }, wall: 300 })),
    ).toEqual(["cancel job-2 overlap inFlight=true", "run job-3 @300", "discarded"]);
    expect(kernel.getProps("p", "p-1")).toMatchObject({ completed: 0, lost: 0, runs: 3 });
  });

  it("stop-spawn - cancels the waiting job, then the buffered runs in order", () => {
    const { kernel } = setup({ overlap: "buffer-all" });
    kernel.dispatch({ type: "tick", at: 350 });
    expect(lines(kernel.dispatch({ type: "stop-spawn", at: 360, programId: "p", spawnId: "p-1" }))).toEqual([
      "cancel job-4 stop inFlight=false",
      "cancel job-2 stop inFlight=false",
      "cancel job-3 stop inFlight=false",
    ]);
    expect(lines(succeed(kernel, 370, "job-1"))).toEqual(["settled job-1 succeeded", "stopped p-1 stop"]);
  });

  it("cron - overlap applies to cron spawns too", () => {
    const { kernel } = setup({ type: "cron", cron: "* * * * * *", overlap: "skip" });
    expect(lines(kernel.dispatch({ type: "tick", at: 1000 }))).toEqual(["run job-1 @1000"]);
    expect(lines(kernel.dispatch({ type: "tick", at: 2000 }))).toEqual(["skipped @2000 overlap p/p-1/2000"]);
  });

  it("install - overlap other than allow on a basic program is refused, naming the field", () => {
    const kernel = createKernel();
    const [rejected] = kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "b", interval: 100, mainFn, overlap: "skip" },
    });
    expect(rejected).toMatchObject({ type: "rejected", code: "invalid-program", field: "program.overlap" });
    kernel.dispatch({ type: "install", at: 0, program: { id: "b", interval: 100, mainFn } });
    const [refused] = kernel.dispatch({ type: "spawn", at: 0, programId: "b", opts: { overlap: "buffer-one" } });
    expect(refused).toMatchObject({ type: "rejected", code: "invalid-options", field: "opts.overlap" });
    const [bad] = kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "c", type: "constant", interval: 100, mainFn, overlap: "sometimes" as never },
    });
    expect(bad).toMatchObject({ type: "rejected", code: "invalid-program", field: "program.overlap" });
    const [limit] = kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "c", type: "constant", interval: 100, mainFn, bufferLimit: 0 },
    });
    expect(limit).toMatchObject({ type: "rejected", code: "invalid-program", field: "program.bufferLimit" });
  });

  it("snapshot - a buffer and the skipped count restore exactly", () => {
    const { kernel, spec } = setup({ overlap: "buffer-all", bufferLimit: 2 });
    kernel.dispatch({ type: "tick", at: 450 });
    const snapshot = kernel.snapshot();
    expect(snapshot.programs[0]?.spawns[0]?.buffer).toHaveLength(2);
    const copy = restoreKernel(JSON.parse(JSON.stringify(snapshot)), [spec]);
    expect(copy.snapshot()).toEqual(snapshot);
    const next = [succeed(kernel, 460, "job-1"), kernel.dispatch({ type: "tick", at: 600 })];
    const again = [succeed(copy, 460, "job-1"), copy.dispatch({ type: "tick", at: 600 })];
    expect(again).toEqual(next);
  });

  it("exportProgram - adopt carries the buffer to a new owner", () => {
    const { kernel, spec } = setup({ overlap: "buffer-one" });
    kernel.dispatch({ type: "tick", at: 250 });
    const data = kernel.exportProgram("p");
    expect(data?.spawns[0]?.buffer).toHaveLength(1);
    const owner = createKernel();
    owner.dispatch({ type: "install", at: 0, program: spec });
    const adopted = owner.dispatch({ type: "adopt", at: 260, export: JSON.parse(JSON.stringify(data)) });
    const [jobs] = effectsOf(adopted, "adopted");
    expect(jobs?.jobs).toHaveLength(1);
    const inFlight = jobs?.jobs[0]?.jobId ?? "";
    const settled = owner.dispatch({ type: "complete", at: 270, jobId: inFlight, outcome: { ok: true } });
    expect(effectsOf(settled, "run").map((run) => run.fireId)).toEqual(["p/p-1/200"]);
  });
});
