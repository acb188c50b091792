import { describe, expect, it } from "vitest";
import { createKernel, type Kernel, type KernelEffect, type ProgramSpec, restoreKernel } from "../src/index.js";

const mainFn = () => undefined;

const setup = (program: Partial<ProgramSpec> = {}) => {
  const kernel = createKernel();
  const spec = { id: "p", type: "constant", interval: 100, mainFn, ...program } as ProgramSpec;
  kernel.dispatch({ type: "install", at: 0, program: spec });
  kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
  return { kernel, spec };
};

const succeed = (kernel: Kernel, at: number, jobId: string) =>
  kernel.dispatch({ type: "complete", at, jobId, outcome: { ok: true } });

const lines = (effects: readonly KernelEffect[]) =>
  effects.flatMap((effect) => {
    switch (effect.type) {
      case "run":
        return [`run ${effect.jobId} @${effect.scheduledAt}`];
      case "missed":
        return [`missed ${effect.count} ${effect.from}..${effect.to} ${effect.reason}`];
      case "paused":
        return [`paused ${effect.spawnId}${effect.note === undefined ? "" : ` "${effect.note}"`}`];
      case "resumed":
        return [`resumed ${effect.spawnId}`];
      case "wake":
        return [];
      default:
        return [effect.type];
    }
  });

describe("pause and resume", () => {
  it("pause - a paused spawn starts nothing; resume runs what it missed, one job each (misfire catch-up)", () => {
    const { kernel } = setup();
    expect(lines(kernel.dispatch({ type: "pause", at: 50, programId: "p", spawnId: "p-1", note: "deploy" }))).toEqual([
      'paused p-1 "deploy"',
    ]);
    expect(lines(kernel.dispatch({ type: "tick", at: 350 }))).toEqual([]);
    expect(kernel.getProps("p", "p-1")).toMatchObject({ paused: true, pauseNote: "deploy", runs: 0, submitted: 1 });
    expect(lines(kernel.dispatch({ type: "resume", at: 360, programId: "p", spawnId: "p-1" }))).toEqual([
      "resumed p-1",
      "run job-1 @100",
      "run job-2 @200",
      "run job-3 @300",
    ]);
    expect(kernel.getProps("p", "p-1")).toMatchObject({ paused: false, pauseNote: null });
  });

  it("resume - a pause longer than the catch-up window is reported missed, as downtime is", () => {
    const { kernel } = setup({ catchUpWindow: 250 });
    kernel.dispatch({ type: "pause", at: 0, programId: "p", spawnId: "p-1" });
    expect(lines(kernel.dispatch({ type: "resume", at: 1000, programId: "p", spawnId: "p-1" }))).toEqual([
      "resumed p-1",
      "missed 7 100..700 catch-up-window",
      "run job-1 @800",
      "run job-2 @900",
      "run job-3 @1000",
    ]);
  });

  it("resume - with misfire skip, the paused spawn goes on from now", () => {
    const { kernel } = setup({ misfire: "skip" });
    kernel.dispatch({ type: "pause", at: 0, programId: "p" });
    expect(lines(kernel.dispatch({ type: "resume", at: 450, programId: "p" }))).toEqual([
      "resumed null",
      "run job-1 @100",
    ]);
    expect(lines(kernel.dispatch({ type: "tick", at: 500 }))).toEqual(["run job-2 @500"]);
  });

  it("pause - a paused program pauses its spawns and new spawns start paused; triggers still run", () => {
    const { kernel } = setup();
    kernel.dispatch({ type: "pause", at: 0, programId: "p", note: "maintenance" });
    kernel.dispatch({ type: "spawn", at: 10, programId: "p" });
    expect(lines(kernel.dispatch({ type: "trigger", at: 20, programId: "p" }))).toEqual(["triggered", "run job-3 @20"]);
    expect(lines(kernel.dispatch({ type: "tick", at: 150 }))).toEqual([]);
    expect(kernel.getProps("p", "p-2")).toMatchObject({ paused: true, pauseNote: "maintenance" });
    expect(kernel.info().programs.p).toMatchObject({ paused: true, pauseNote: "maintenance" });
    // A spawn paused on its own stays paused when the program resumes.
    kernel.dispatch({ type: "pause", at: 150, programId: "p", spawnId: "p-2" });
    expect(lines(kernel.dispatch({ type: "resume", at: 160, programId: "p" }))).toEqual([
      "resumed null",
      "run job-1 @100",
    ]);
    expect(kernel.getProps("p", "p-2")).toMatchObject({ paused: true, pauseNote: null });
  });

  it("pause - jobs in flight finish; a buffered run waits for the resume", () => {
    const { kernel } = setup({ overlap: "buffer-one" });
    kernel.dispatch({ type: "tick", at: 200 });
    kernel.dispatch({ type: "pause", at: 210, programId: "p", spawnId: "p-1" });
    expect(lines(succeed(kernel, 220, "job-1"))).toEqual(["settled"]);
    expect(lines(kernel.dispatch({ type: "resume", at: 230, programId: "p", spawnId: "p-1" }))).toEqual([
      "resumed p-1",
      "run job-2 @200",
    ]);
  });

  it("pause - refused for an unknown or stopped spawn and a note that is not a string; nothing changes", () => {
    const { kernel } = setup();
    const unknown = kernel.dispatch({ type: "pause", at: 0, programId: "p", spawnId: "nope" });
    expect(unknown[0]).toMatchObject({ type: "rejected", code: "unknown-spawn", field: "command.spawnId" });
    const note = kernel.dispatch({ type: "pause", at: 0, programId: "p", note: 5 as never });
    expect(note[0]).toMatchObject({ type: "rejected", code: "invalid-command", field: "command.note" });
    kernel.dispatch({ type: "stop-spawn", at: 0, programId: "p", spawnId: "p-1" });
    const stopped = kernel.dispatch({ type: "pause", at: 0, programId: "p", spawnId: "p-1" });
    expect(stopped[0]).toMatchObject({ type: "rejected", code: "invalid-command", field: "command.spawnId" });
    const program = kernel.dispatch({ type: "resume", at: 0, programId: "q" });
    expect(program[0]).toMatchObject({ type: "rejected", code: "unknown-program", field: "command.programId" });
  });

  it("snapshot - a paused spawn with a parked job restores exactly and resumes the same way", () => {
    const { kernel, spec } = setup();
    kernel.dispatch({ type: "pause", at: 0, programId: "p", spawnId: "p-1", note: "n" });
    kernel.dispatch({ type: "tick", at: 250 });
    const snapshot = kernel.snapshot();
    expect(snapshot.programs[0]?.spawns[0]).toMatchObject({ paused: { note: "n" }, parked: true });
    const copy = restoreKernel(JSON.parse(JSON.stringify(snapshot)), [spec]);
    expect(copy.snapshot()).toEqual(snapshot);
    expect(copy.dispatch({ type: "tick", at: 300 })).toEqual(kernel.dispatch({ type: "tick", at: 300 }));
    const resume = { type: "resume", at: 310, programId: "p", spawnId: "p-1" } as const;
    expect(copy.dispatch(resume)).toEqual(kernel.dispatch(resume));
  });

  it("exportProgram - adopt carries a pause and its parked job to a new owner, which resumes it the same way", () => {
    const { kernel, spec } = setup();
    kernel.dispatch({ type: "pause", at: 0, programId: "p", note: "deploy" });
    kernel.dispatch({ type: "tick", at: 250 });
    const data = JSON.parse(JSON.stringify(kernel.exportProgram("p")));
    expect(data.paused).toEqual({ note: "deploy" });
    const owner = createKernel();
    owner.dispatch({ type: "install", at: 0, program: spec });
    owner.dispatch({ type: "adopt", at: 260, export: data });
    expect(lines(owner.dispatch({ type: "tick", at: 300 }))).toEqual([]);
    expect(owner.getProps("p", "p-1")).toMatchObject({ paused: true, pauseNote: "deploy" });
    expect(lines(owner.dispatch({ type: "resume", at: 310, programId: "p" }))).toEqual([
      "resumed null",
      "run job-1 @100",
      "run job-2 @200",
      "run job-3 @300",
    ]);
  });
});
