import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { createKernel, createRunner, effectsOf, type ProgramSpec } from "../src/index.js";

// Behaviours of the original std.scheduler adopted in issue #15 (section 5).

const mainFn = () => undefined;

describe("fidelity with the original", () => {
  it("spawn - a per-spawn createFn receives the spawn's context; a program's receives spawnId null", () => {
    const seen: unknown[] = [];
    const createFn = (context: unknown) => {
      seen.push(context);
      return 0;
    };
    const kernel = createKernel();
    kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "p", interval: 10, scope: "spawn", mainFn, createFn } as ProgramSpec,
    });
    kernel.dispatch({ type: "install", at: 0, program: { id: "q", interval: 10, mainFn, createFn } as ProgramSpec });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { spawnId: "named" } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    expect(seen).toEqual([
      { programId: "p", spawnId: null },
      { programId: "q", spawnId: null },
      { programId: "p", spawnId: "p-1" },
      { programId: "p", spawnId: "named" },
      { programId: "p", spawnId: "p-2" },
    ]);
    expect(kernel.listSpawns("p").map((spawn) => spawn.id)).toEqual(["p-1", "named", "p-2"]);
  });

  it("getSpawn - includes duration and jobs, as info().current does", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", type: "constant", interval: 100, mainFn } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    kernel.dispatch({ type: "complete", at: 130, jobId: "job-1", outcome: { ok: true } });
    const spawn = kernel.getSpawn("p", "p-1");
    const current = kernel.info().programs.p?.current["p-1"];
    expect(spawn.duration).toBe(130);
    expect(spawn.jobs).toEqual({ submitted: 2, succeeded: 1, errored: 0, waiting: 1 });
    expect({ duration: spawn.duration, jobs: spawn.jobs }).toEqual({
      duration: current?.duration,
      jobs: current?.jobs,
    });
  });

  it("set-interval - a number shows in getProps().interval at once, for the program and for one spawn", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 100, mainFn } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "set-interval", at: 1, programId: "p", interval: 250 });
    expect(Object.values(kernel.getProps("p")).map((props) => props.interval)).toEqual([250, 250]);
    kernel.dispatch({ type: "set-interval", at: 2, programId: "p", spawnId: "p-2", interval: 40 });
    expect(kernel.getProps("p", "p-2").interval).toBe(40);
    expect(kernel.getProps("p", "p-1").interval).toBe(250);
  });

  it("countSpawns, listSpawns - with no program id they answer for every program", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "a", interval: 100, mainFn } });
    kernel.dispatch({ type: "install", at: 0, program: { id: "b", interval: 100, mainFn } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "b" });
    kernel.dispatch({ type: "spawn", at: 5, programId: "a" });
    kernel.dispatch({ type: "spawn", at: 5, programId: "b" });
    expect(kernel.countSpawns()).toBe(3);
    expect(kernel.listSpawns().map((spawn) => spawn.id)).toEqual(["b-1", "a-1", "b-2"]);
    expect(kernel.listSpawns(undefined, "desc").map((spawn) => spawn.id)).toEqual(["b-2", "a-1", "b-1"]);
    expect(kernel.countSpawns("a")).toBe(1);
  });

  it("listSpawnIds - the ids of listSpawns, in its order, for one program or every one", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "a", interval: 100, mainFn } });
    kernel.dispatch({ type: "install", at: 0, program: { id: "b", interval: 100, mainFn } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "b" });
    kernel.dispatch({ type: "spawn", at: 5, programId: "a" });
    kernel.dispatch({ type: "spawn", at: 5, programId: "b", opts: { spawnId: "named" } });
    kernel.dispatch({ type: "spawn", at: 7, programId: "b" });
    kernel.dispatch({ type: "stop-spawn", at: 8, programId: "b", spawnId: "b-1" });
    const ids = (infos: readonly { id: string }[]) => infos.map((spawn) => spawn.id);
    for (const programId of [undefined, "a", "b"]) {
      for (const order of ["asc", "desc"] as const) {
        expect(kernel.listSpawnIds(programId, order)).toEqual(ids(kernel.listSpawns(programId, order)));
      }
      expect(kernel.listSpawnIds(programId)).toEqual(ids(kernel.listSpawns(programId)));
    }
    expect(kernel.listSpawnIds()).toEqual(["a-1", "named", "b-2"]);
    expect(kernel.listSpawnIds("b", "desc")).toEqual(["b-2", "named"]);
    // A fresh array each time: changing one changes nothing in the kernel.
    kernel.listSpawnIds("b").push("x");
    expect(kernel.listSpawnIds("b")).toEqual(["named", "b-2"]);
    expect(() => kernel.listSpawnIds("nope")).toThrow(
      expect.objectContaining({ code: "unknown-program", field: "programId" }),
    );
  });

  it("info - current[spawnId] carries the spawn's latest error", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 100, mainFn } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 100 });
    const error = new Error("disk full");
    kernel.dispatch({ type: "complete", at: 101, jobId: "job-1", outcome: { ok: false, error } });
    expect(kernel.info().programs.p?.current["p-1"]?.lastError).toBe(error);
  });

  it("install - a reinstall says in its installed effect which spawns and which state it replaced", () => {
    const kernel = createKernel();
    kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "p", interval: 100, mainFn, createFn: () => ({ n: 1 }) },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "install", at: 1, program: { id: "p", interval: 100, mainFn } });
    expect(effectsOf(effects, "installed")).toEqual([
      { type: "installed", programId: "p", replaced: { spawnIds: ["p-1"], state: { n: 1 } } },
    ]);
    const fresh = kernel.dispatch({ type: "install", at: 2, program: { id: "other", interval: 100, mainFn } });
    expect(effectsOf(fresh, "installed")).toEqual([{ type: "installed", programId: "other" }]);
  });

  it("runner - a stopped runner starts again with its programs installed", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock });
    runner.install({
      id: "p",
      interval: 100,
      createFn: () => 0,
      mergeFn: (s: number, v: number) => s + v,
      mainFn: () => 1,
    });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    await runner.stop();
    expect(runner.countSpawns("p")).toBe(0);
    runner.start();
    runner.spawn("p");
    await clock.tickAsync(100);
    expect(runner.getState("p")).toBe(2);
  });
});
