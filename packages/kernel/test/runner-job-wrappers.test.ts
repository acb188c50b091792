import { AsyncLocalStorage } from "node:async_hooks";
import FakeTimers from "@sinonjs/fake-timers";
import * as Effect from "effect/Effect";
import { describe, expect, it, vi } from "vitest";
import { createRunner, type JobStart, SchedkitError } from "../src/index.js";

const quiet = { onJobError: false as const };

describe("runner: job wrappers", () => {
  it("wrapJobs - runs around mainFn with the run effect's job, outermost first; the job's value is mainFn's", async () => {
    const clock = FakeTimers.createClock(1_000);
    const runner = createRunner({ clock, ...quiet });
    const calls: string[] = [];
    const seen: JobStart[] = [];
    runner.wrapJobs((job, run) => {
      seen.push(job);
      calls.push("outer in");
      run();
      calls.push("outer out");
    });
    runner.wrapJobs((_job, run) => {
      calls.push("inner in");
      run();
      calls.push("inner out");
    });
    const program = runner.install({
      id: "p",
      interval: 10,
      createFn: () => ({ n: 0 }),
      mainFn: () => {
        calls.push("main");
        return 5;
      },
      mergeFn: (state: { n: number }, value: number) => ({ n: state.n + value }),
    });
    const runs: JobStart[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") runs.push(effect);
    });
    const spawnId = runner.spawn("p") as string;
    runner.start();
    clock.tick(10);
    expect(calls).toEqual(["outer in", "inner in", "main", "inner out", "outer out"]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(runs[0]);
    expect(seen[0]).toMatchObject({ programId: "p", spawnId, scheduledAt: 1_010, startedAt: 1_010 });
    expect(program.getSpawnState(spawnId)).toEqual({ n: 5 });
    await runner.stop();
  });

  it("wrapJobs - a Promise job's result comes later; a throw before run fails the job, mainFn never runs", async () => {
    const clock = FakeTimers.createClock(0);
    const failures: unknown[] = [];
    const runner = createRunner({ clock, onJobError: (error) => failures.push(error) });
    let fail = false;
    const mainFn = vi.fn(() => Promise.resolve("later"));
    runner.wrapJobs((_job, run) => {
      if (fail) throw new Error("wrapper says no");
      run();
    });
    runner.install({ id: "p", interval: 10, mainFn });
    runner.start();
    await expect(runner.trigger("p")).resolves.toBe("later");
    fail = true;
    await expect(runner.trigger("p")).rejects.toThrow("wrapper says no");
    expect(failures).toEqual([new Error("wrapper says no")]);
    expect(mainFn).toHaveBeenCalledTimes(1);
    await runner.stop();
  });

  it("wrapJobs - a throw after run goes to onError and the job's result stands; not calling run fails the job", async () => {
    const errors: unknown[] = [];
    const runner = createRunner({ clock: FakeTimers.createClock(0), onError: (error) => errors.push(error), ...quiet });
    let skip = false;
    runner.wrapJobs((_job, run) => {
      if (skip) return;
      run();
      throw new Error("after the start");
    });
    runner.install({ id: "p", interval: 10, mainFn: () => "kept" });
    runner.start();
    await expect(runner.trigger("p")).resolves.toBe("kept");
    expect(errors).toEqual([new Error("after the start")]);
    skip = true;
    await expect(runner.trigger("p")).rejects.toMatchObject({
      code: "hook-failed",
      message: expect.stringContaining("without calling run()"),
    });
    await runner.stop();
  });

  it("wrapJobs - a second call of run throws, and the job keeps its first result", async () => {
    const runner = createRunner({ clock: FakeTimers.createClock(0), ...quiet });
    const mainFn = vi.fn(() => "once");
    let second: unknown;
    runner.wrapJobs((_job, run) => {
      run();
      try {
        run();
      } catch (error) {
        second = error;
      }
    });
    runner.install({ id: "p", interval: 10, mainFn });
    runner.start();
    await expect(runner.trigger("p")).resolves.toBe("once");
    expect(mainFn).toHaveBeenCalledTimes(1);
    expect(second).toBeInstanceOf(SchedkitError);
    expect((second as SchedkitError).message).toContain("run() twice");
    await runner.stop();
  });

  it("wrapJobs - a Promise's and an Effect's continuations run in the context the wrapper set", async () => {
    const store = new AsyncLocalStorage<string>();
    const runner = createRunner({ ...quiet });
    runner.wrapJobs((job, run) => store.run(`ctx of ${job.programId}`, run));
    runner.install({
      id: "promise",
      interval: 10,
      mainFn: async () => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return store.getStore();
      },
    });
    runner.install({
      id: "effect",
      interval: 10,
      mainFn: () =>
        Effect.gen(function* () {
          yield* Effect.sleep("2 millis");
          return yield* Effect.sync(() => store.getStore());
        }),
    });
    runner.start();
    expect(await runner.trigger("promise")).toBe("ctx of promise");
    expect(await runner.trigger("effect")).toBe("ctx of effect");
    expect(store.getStore()).toBeUndefined();
    await runner.stop();
  });

  it("wrapJobs - the remover stops it for later jobs (twice is harmless); a non-function is refused naming the field", async () => {
    const runner = createRunner({ clock: FakeTimers.createClock(0), ...quiet });
    let wrapped = 0;
    const off = runner.wrapJobs((_job, run) => {
      wrapped++;
      run();
    });
    runner.install({ id: "p", interval: 10, mainFn: () => 1 });
    runner.start();
    await runner.trigger("p");
    off();
    off();
    await runner.trigger("p");
    expect(wrapped).toBe(1);
    let thrown: unknown;
    try {
      runner.wrapJobs("nope" as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "invalid-options", field: "wrapper" });
    await runner.stop();
  });

  it("wrapJobs - a runner call made from a wrapper is queued like one from mainFn", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock, ...quiet });
    runner.install({ id: "other", interval: 50, mainFn: () => undefined });
    let spawned: string | undefined = "not called";
    runner.wrapJobs((job, run) => {
      if (job.programId === "p") spawned = runner.spawn("other");
      run();
    });
    runner.install({ id: "p", interval: 10, mainFn: () => 1 });
    runner.start();
    await runner.trigger("p");
    expect(spawned).toBeUndefined();
    expect(Object.keys(runner.info().programs.other?.current ?? {})).toHaveLength(1);
    await runner.stop();
  });
});
