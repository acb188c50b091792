import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import {
  createKernel,
  createRunner,
  type Kernel,
  type KernelEffect,
  type ProgramSpec,
  restoreKernel,
  SchedkitError,
} from "../src/index.js";

const mainFn = () => undefined;

const setup = (program: Partial<ProgramSpec> = {}) => {
  const kernel = createKernel();
  const timing = program.type === "cron" ? {} : { interval: 100 };
  const spec = { id: "p", type: "constant", ...timing, mainFn, ...program } as ProgramSpec;
  kernel.dispatch({ type: "install", at: 0, program: spec });
  return { kernel, spec };
};

const succeed = (kernel: Kernel, at: number, jobId: string) =>
  kernel.dispatch({ type: "complete", at, jobId, outcome: { ok: true, value: { last: jobId } } });

const lines = (effects: readonly KernelEffect[]) =>
  effects.flatMap((effect) => {
    switch (effect.type) {
      case "backfilled":
        return [`backfilled ${effect.runs.map((run) => run.scheduledAt).join(",")}`];
      case "run":
        return [`run ${effect.jobId} @${effect.scheduledAt} ${effect.fireId} spawn=${effect.spawnId}`];
      case "skipped":
        return [`skipped @${effect.scheduledAt} ${effect.reason}`];
      case "cancel":
        return [`cancel ${effect.jobId} ${effect.reason}`];
      case "settled":
        return [`settled ${effect.jobId}`];
      case "wake":
        return [];
      default:
        return [effect.type];
    }
  });

const backfill = (kernel: Kernel, at: number, from: number, to: number, overlap?: ProgramSpec["overlap"]) =>
  kernel.dispatch({ type: "backfill", at, programId: "p", from, to, ...(overlap === undefined ? {} : { overlap }) });

describe("backfill", () => {
  it('backfill - "buffer-all" (the default) runs the range\'s due times one after the other, in order', () => {
    const { kernel } = setup();
    expect(lines(backfill(kernel, 1_000, 200, 500))).toEqual([
      "backfilled 200,300,400",
      "run job-1 @200 p/backfill/200 spawn=null",
    ]);
    expect(lines(succeed(kernel, 1_010, "job-1"))).toEqual([
      "settled job-1",
      "run job-2 @300 p/backfill/300 spawn=null",
    ]);
    expect(lines(succeed(kernel, 1_020, "job-2"))).toEqual([
      "settled job-2",
      "run job-3 @400 p/backfill/400 spawn=null",
    ]);
    expect(lines(succeed(kernel, 1_030, "job-3"))).toEqual(["settled job-3"]);
    // Outputs fold into the program's state, as a trigger's do.
    expect(kernel.getState("p")).toEqual({ last: "job-3" });
    // The backfill is over: another may start.
    expect(lines(backfill(kernel, 1_040, 0, 100))).toEqual(["backfilled 0", "run job-4 @0 p/backfill/0 spawn=null"]);
  });

  it('backfill - "allow" starts them all now; "skip" only the first; "buffer-one" the first two', () => {
    const allow = setup().kernel;
    expect(lines(backfill(allow, 1_000, 0, 300, "allow"))).toEqual([
      "backfilled 0,100,200",
      "run job-1 @0 p/backfill/0 spawn=null",
      "run job-2 @100 p/backfill/100 spawn=null",
      "run job-3 @200 p/backfill/200 spawn=null",
    ]);
    const skip = setup().kernel;
    expect(lines(backfill(skip, 1_000, 0, 300, "skip"))).toEqual([
      "backfilled 0,100,200",
      "skipped @100 overlap",
      "skipped @200 overlap",
      "run job-1 @0 p/backfill/0 spawn=null",
    ]);
    const one = setup().kernel;
    expect(lines(backfill(one, 1_000, 0, 300, "buffer-one"))).toEqual([
      "backfilled 0,100,200",
      "skipped @200 buffer-full",
      "run job-1 @0 p/backfill/0 spawn=null",
    ]);
    expect(lines(succeed(one, 1_010, "job-1"))).toEqual(["settled job-1", "run job-2 @100 p/backfill/100 spawn=null"]);
  });

  it('backfill - "cancel-other": each run cancels the one before it', () => {
    const { kernel } = setup();
    expect(lines(backfill(kernel, 1_000, 0, 300, "cancel-other"))).toEqual([
      "backfilled 0,100,200",
      "run job-1 @0 p/backfill/0 spawn=null",
      "cancel job-1 overlap",
      "run job-2 @100 p/backfill/100 spawn=null",
      "cancel job-2 overlap",
      "run job-3 @200 p/backfill/200 spawn=null",
    ]);
  });

  it("backfill - cron programs backfill their matches in the range", () => {
    const { kernel } = setup({ type: "cron", cron: "*/2 * * * * *" });
    const [filled] = backfill(kernel, 10_000, 1_000, 7_000, "allow");
    expect(filled).toMatchObject({
      type: "backfilled",
      runs: [{ scheduledAt: 2_000 }, { scheduledAt: 4_000 }, { scheduledAt: 6_000 }],
    });
  });

  it("backfill - refused for a range in the future, a basic program, too many due times, one in progress; nothing changes", () => {
    const { kernel } = setup({ bufferLimit: 3 });
    const before = kernel.snapshot();
    expect(backfill(kernel, 100, 0, 200)[0]).toMatchObject({
      type: "rejected",
      code: "invalid-command",
      field: "backfill.to",
    });
    expect(backfill(kernel, 1_000, 0, 400)[0]).toMatchObject({ code: "invalid-command", field: "backfill.to" });
    expect(backfill(kernel, 1_000, 300, 300)[0]).toMatchObject({ code: "invalid-command", field: "backfill.to" });
    expect(kernel.snapshot()).toEqual(before);
    backfill(kernel, 1_000, 0, 200);
    expect(backfill(kernel, 1_000, 0, 100)[0]).toMatchObject({ code: "invalid-command", field: "backfill.programId" });
    kernel.dispatch({ type: "install", at: 1_000, program: { id: "b", interval: 10, mainFn } });
    const basic = kernel.dispatch({ type: "backfill", at: 1_000, programId: "b", from: 0, to: 100 });
    expect(basic[0]).toMatchObject({ code: "invalid-command", field: "backfill.programId" });
    const bad = kernel.dispatch({
      type: "backfill",
      at: 1_000,
      programId: "p",
      from: 0,
      to: 100,
      overlap: "never" as never,
    });
    expect(bad[0]).toMatchObject({ code: "invalid-command", field: "command.overlap" });
  });

  it("snapshot - a backfill in progress restores exactly and goes on the same way", () => {
    const { kernel, spec } = setup();
    backfill(kernel, 1_000, 0, 400);
    const snapshot = kernel.snapshot();
    expect(snapshot.programs[0]?.backfill?.queue).toHaveLength(3);
    const copy = restoreKernel(JSON.parse(JSON.stringify(snapshot)), [spec]);
    expect(copy.snapshot()).toEqual(snapshot);
    for (const jobId of ["job-1", "job-2", "job-3", "job-4"])
      expect(succeed(copy, 1_100, jobId)).toEqual(succeed(kernel, 1_100, jobId));
  });

  it("runner - backfill runs the jobs and returns their fire ids; a bad range throws a coded error", async () => {
    const clock = FakeTimers.createClock(10_000);
    const runner = createRunner({ clock });
    const seen: number[] = [];
    runner.install({ id: "p", type: "constant", interval: 1_000, mainFn: (_args: unknown, t: number) => seen.push(t) });
    runner.start();
    expect(runner.backfill("p", { from: 0, to: 3_000 })).toEqual([
      "p/backfill/0",
      "p/backfill/1000",
      "p/backfill/2000",
    ]);
    await clock.tickAsync(10);
    expect(seen).toEqual([0, 1_000, 2_000]);
    expect(() => runner.backfill("p", { from: 0, to: 20_000 })).toThrow(SchedkitError);
    runner.stop();
  });

  it("exportProgram - adopt carries a backfill in progress: the new owner runs the rest in turn", () => {
    const { kernel, spec } = setup();
    backfill(kernel, 1_000, 0, 300);
    const data = JSON.parse(JSON.stringify(kernel.exportProgram("p")));
    expect(data.backfill.queue).toHaveLength(2);
    const owner = createKernel();
    owner.dispatch({ type: "install", at: 0, program: spec });
    const adopted = owner.dispatch({ type: "adopt", at: 1_010, export: data });
    const inFlight = adopted.find((effect) => effect.type === "adopted");
    const jobId = inFlight?.type === "adopted" ? (inFlight.jobs[0]?.jobId ?? "") : "";
    expect(lines(succeed(owner, 1_020, jobId))).toEqual([
      `settled ${jobId}`,
      "run job-2 @100 p/backfill/100 spawn=null",
    ]);
  });
});
