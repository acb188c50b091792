import FakeTimers from "@sinonjs/fake-timers";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import {
  type Clock,
  createRunner,
  type KernelEffect,
  type ProgramSpec,
  type RunnerOptions,
  SchedkitError,
  type UnspawnPolicy,
} from "../src/index.js";

const last: UnspawnPolicy = { name: "last", select: (spawns) => spawns.latest()?.id };

const setup = (options: RunnerOptions = {}) => {
  const clock = FakeTimers.createClock(0);
  const runner = createRunner({ clock, policies: [last], ...options });
  const effects: KernelEffect[] = [];
  runner.subscribe((effect) => effects.push(effect));
  const settled = () =>
    effects.flatMap((effect) =>
      effect.type === "settled"
        ? [
            {
              jobId: effect.jobId,
              status: effect.status,
              scheduledAt: effect.scheduledAt,
              startedAt: effect.startedAt,
              endedAt: effect.endedAt,
            },
          ]
        : [],
    );
  return { clock, runner, effects, settled };
};

const sleep = (clock: { setTimeout(cb: () => void, ms: number): unknown }, ms: number) =>
  new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

const counter: Omit<ProgramSpec, "id" | "mainFn"> = {
  interval: 100,
  createFn: () => 0,
  mergeFn: (state: number, value: number) => state + value,
};

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
};

describe("runner: clock", () => {
  it("createRunner - takes a fake-timers clock as it is and runs jobs at their due times", async () => {
    const { clock, runner, settled } = setup();
    runner.install({ id: "p", ...counter, mainFn: () => 1 });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(350);
    expect(settled()).toEqual([
      { jobId: "job-1", status: "succeeded", scheduledAt: 100, startedAt: 100, endedAt: 100 },
      { jobId: "job-2", status: "succeeded", scheduledAt: 200, startedAt: 200, endedAt: 200 },
      { jobId: "job-3", status: "succeeded", scheduledAt: 300, startedAt: 300, endedAt: 300 },
    ]);
    expect(runner.getState("p")).toBe(3);
    runner.kill();
  });

  it("createRunner - keeps exactly one host timer armed, whatever the number of spawns", async () => {
    const { clock, runner } = setup();
    runner.install({ id: "p", type: "constant", interval: 10, mainFn: () => undefined });
    for (let index = 0; index < 50; index++) runner.spawn("p", { delay: index });
    runner.start();
    expect(clock.countTimers()).toBe(1);
    await clock.tickAsync(105);
    expect(clock.countTimers()).toBe(1);
    runner.kill();
    expect(clock.countTimers()).toBe(0);
  });

  it("createRunner - takes an installed fake-timers clock (install()) as it is", async () => {
    const clock = FakeTimers.install({ now: 5_000, toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const runner = createRunner({ clock });
      runner.install({ id: "p", ...counter, mainFn: () => 2 });
      runner.spawn("p");
      runner.start();
      await clock.tickAsync(200);
      expect(runner.getState("p")).toBe(4);
      expect(runner.getProps("p", "p-1")).toMatchObject({ startedAt: 5_000, updatedAt: 5_200 });
      runner.kill();
    } finally {
      clock.uninstall();
    }
  });

  it("createRunner - takes a plain { now, setTimeout, clearTimeout } clock", async () => {
    const fake = FakeTimers.createClock(1_000);
    const clock: Clock = {
      now: () => fake.now,
      setTimeout: (callback, ms) => fake.setTimeout(callback, ms),
      clearTimeout: (handle) => fake.clearTimeout(handle as FakeTimers.TimerId),
    };
    const runner = createRunner({ clock });
    runner.install({ id: "p", ...counter, mainFn: () => 5 });
    runner.spawn("p");
    runner.start();
    await fake.tickAsync(100);
    expect(runner.getState("p")).toBe(5);
    expect(runner.getProps("p", "p-1")).toMatchObject({ startedAt: 1_000, updatedAt: 1_100, completed: 1 });
    runner.kill();
  });

  it("timer - a host timer that fires early is re-armed: no job starts before its due time", async () => {
    const fake = FakeTimers.createClock(0);
    // A host whose timers fire 30 ms early.
    const early: Clock = {
      now: () => fake.now,
      setTimeout: (callback, ms) => fake.setTimeout(callback, Math.max(0, ms - 30)),
      clearTimeout: (handle) => fake.clearTimeout(handle as FakeTimers.TimerId),
    };
    const runner = createRunner({ clock: early });
    const starts: { scheduledAt: number; startedAt: number }[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") starts.push({ scheduledAt: effect.scheduledAt, startedAt: effect.startedAt });
    });
    runner.install({ id: "p", type: "constant", interval: 100, mainFn: () => undefined });
    runner.spawn("p");
    runner.start();
    await fake.tickAsync(350);
    expect(starts).toEqual([
      { scheduledAt: 100, startedAt: 100 },
      { scheduledAt: 200, startedAt: 200 },
      { scheduledAt: 300, startedAt: 300 },
    ]);
    runner.kill();
  });

  it("createRunner - a clock without timers is refused with invalid-clock", () => {
    const error = thrown(() => createRunner({ clock: { now: () => 0 } as unknown as Clock }));
    expect(error).toBeInstanceOf(SchedkitError);
    expect(error).toMatchObject({ code: "invalid-clock", field: "options.clock" });
  });

  it("createRunner - without a clock uses the system's monotonic clock", async () => {
    const runner = createRunner();
    runner.install({ id: "p", interval: 5, mainFn: () => "done" });
    const before = performance.timeOrigin + performance.now();
    runner.start();
    const started: number[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") started.push(effect.startedAt);
    });
    const value = await runner.trigger("p");
    const after = performance.timeOrigin + performance.now();
    expect(value).toBe("done");
    expect(started).toHaveLength(1);
    expect(started[0]).toBeGreaterThanOrEqual(before);
    expect(started[0]).toBeLessThanOrEqual(after);
    expect(runner.info().clock.now).toBeGreaterThanOrEqual(after);
    await runner.stop();
  });
  it("createRunner - precision other than ms or sub-ms is refused with invalid-options", () => {
    const error = thrown(() => createRunner({ precision: "us" as "ms" }));
    expect(error).toMatchObject({ code: "invalid-options", field: "options.precision" });
    expect((error as Error).message).toContain("options.precision");
  });

  it("createRunner - sub-ms precision with an injected clock is refused (its timers are its own)", () => {
    const clock = FakeTimers.createClock(0);
    const error = thrown(() => createRunner({ clock, precision: "sub-ms" }));
    expect(error).toMatchObject({ code: "invalid-options", field: "options.precision" });
  });

  it("precision sub-ms - jobs start on the system clock, never before their time", async () => {
    const runner = createRunner({ precision: "sub-ms" });
    const starts: { scheduledAt: number; startedAt: number }[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") starts.push({ scheduledAt: effect.scheduledAt, startedAt: effect.startedAt });
    });
    // Fractional due times: the case whole-ms host timers cannot hit exactly.
    runner.install({ id: "p", type: "constant", interval: 2.5, mainFn: () => undefined });
    runner.spawn("p", { delay: 0.3 });
    runner.start();
    await new Promise((resolve) => setTimeout(resolve, 40));
    runner.kill();
    expect(starts.length).toBeGreaterThanOrEqual(3);
    for (const { scheduledAt, startedAt } of starts) expect(startedAt).toBeGreaterThanOrEqual(scheduledAt);
    // Fixed rate: each due time is the one before plus the interval.
    for (let index = 1; index < starts.length; index++) {
      expect(
        (starts[index] as { scheduledAt: number }).scheduledAt -
          (starts[index - 1] as { scheduledAt: number }).scheduledAt,
      ).toBeCloseTo(2.5, 6);
    }
  });
});

describe("runner: steps", () => {
  it("step - results reported inside a step happen at its time, so a busy host's step always ends", async () => {
    const fake = FakeTimers.createClock(0);
    let reads = 0;
    // A slow host: every read of the clock finds 1 ms gone. Reporting each synchronous
    // result at a fresh now() would pull in more due jobs for ever; the guard ends such a loop.
    const slow: Clock = {
      now: () => {
        if (++reads > 100_000) throw new Error("the step never ended");
        return fake.now + reads;
      },
      setTimeout: (callback, ms) => fake.setTimeout(callback, ms),
      clearTimeout: (handle) => fake.clearTimeout(handle as FakeTimers.TimerId),
    };
    const runner = createRunner({ clock: slow });
    const steps: number[] = [];
    let runsInStep = 0;
    runner.subscribe((effect) => {
      if (effect.type === "run") runsInStep++;
      if (effect.type === "wake") {
        steps.push(runsInStep);
        runsInStep = 0;
      }
    });
    runner.install({ id: "p", type: "constant", interval: 1, mainFn: () => undefined });
    for (let index = 0; index < 20; index++) runner.spawn("p");
    runner.start();
    await fake.tickAsync(50);
    runner.kill();
    expect(reads).toBeLessThan(100_000);
    expect(Math.max(...steps)).toBeLessThanOrEqual(20 * 30);
    expect(steps.reduce((sum, runs) => sum + runs, 0)).toBeGreaterThan(20);
  });
});

describe("runner: jobs", () => {
  it("mainFn - receives args from argsFn, the scheduled time and a context", async () => {
    const { clock, runner } = setup();
    const calls: unknown[] = [];
    runner.install({
      id: "p",
      interval: 100,
      argsFn: () => ({ queue: "emails" }),
      mainFn: (args, t, ctx) => {
        calls.push({
          args,
          t,
          jobId: ctx.jobId,
          spawnId: ctx.spawnId,
          programId: ctx.programId,
          aborted: ctx.signal.aborted,
        });
      },
    });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    expect(calls).toEqual([
      { args: { queue: "emails" }, t: 100, jobId: "job-1", spawnId: "p-1", programId: "p", aborted: false },
    ]);
    runner.kill();
  });

  it("mainFn - a Promise settles when it resolves; the next basic job is due an interval after that", async () => {
    const { clock, runner, settled } = setup();
    runner.install({
      id: "p",
      ...counter,
      mainFn: async () => {
        await sleep(clock, 30);
        return 2;
      },
    });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(300);
    expect(settled()).toEqual([
      { jobId: "job-1", status: "succeeded", scheduledAt: 100, startedAt: 100, endedAt: 130 },
      { jobId: "job-2", status: "succeeded", scheduledAt: 230, startedAt: 230, endedAt: 260 },
    ]);
    expect(runner.getState("p")).toBe(4);
    runner.kill();
  });

  it("mainFn - an Effect runs to its value, and its failure counts as errored", async () => {
    const { clock, runner, settled } = setup();
    runner.install({ id: "ok", ...counter, mainFn: () => Effect.succeed(7) });
    runner.install({ id: "bad", ...counter, errorFn: () => -1, mainFn: () => Effect.fail("no luck") });
    runner.spawn("ok");
    runner.spawn("bad");
    runner.start();
    await clock.tickAsync(100);
    expect(runner.getState("ok")).toBe(7);
    expect(runner.getState("bad")).toBe(-1);
    expect(runner.getProps("bad", "bad-1")).toMatchObject({ errored: 1, lastError: "no luck" });
    expect(settled().map((record) => record.status)).toEqual(["succeeded", "errored"]);
    runner.kill();
  });

  it("mainFn - a throw or a rejection counts as errored and never becomes an unhandled rejection", async () => {
    const { clock, runner } = setup();
    runner.install({
      id: "sync",
      ...counter,
      mainFn: () => {
        throw new Error("sync boom");
      },
    });
    runner.install({ id: "async", ...counter, mainFn: () => Promise.reject(new Error("async boom")) });
    runner.spawn("sync");
    runner.spawn("async");
    runner.start();
    await clock.tickAsync(100);
    expect((runner.getProps("sync", "sync-1").lastError as Error).message).toBe("sync boom");
    expect((runner.getProps("async", "async-1").lastError as Error).message).toBe("async boom");
    expect(runner.getProps("sync", "sync-1")).toMatchObject({ succeeded: 0, errored: 1 });
    expect(runner.getProps("async", "async-1")).toMatchObject({ succeeded: 0, errored: 1 });
    runner.kill();
  });
});

describe("runner: stop and kill", () => {
  it("stop - graceful: waits for the job in flight, merges its output, then stops", async () => {
    const { clock, runner } = setup();
    runner.install({
      id: "p",
      ...counter,
      mainFn: async () => {
        await sleep(clock, 50);
        return 1;
      },
    });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(120);
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    expect(runner.getSpawn("p", "p-1").status).toBe("terminating");
    await clock.tickAsync(20);
    expect(stopped).toBe(false);
    await clock.tickAsync(20);
    await stopping;
    expect(runner.getState("p")).toBe(1);
    expect(runner.latestStopped("p")).toMatchObject({ id: "p-1", status: "stopped" });
    expect(runner.isStopped()).toBe(true);
    expect(runner.health()).toEqual({ status: "not-healthy" });
  });

  it("stop - with a timeout, kills what is still in flight when it runs out", async () => {
    const { clock, runner } = setup();
    let aborted = false;
    runner.install({
      id: "p",
      ...counter,
      mainFn: async (_args, _t, ctx) => {
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
        });
        await sleep(clock, 10_000);
        return 1;
      },
    });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    const stopping = runner.stop({ timeout: 500 });
    await clock.tickAsync(500);
    await stopping;
    expect(aborted).toBe(true);
    expect(runner.isStopped()).toBe(true);
    await clock.tickAsync(10_000);
    expect(runner.getState("p")).toBe(0);
  });

  it("kill - aborts the signal, interrupts an Effect and discards the late result", async () => {
    const { clock, runner } = setup();
    let interrupted = false;
    let aborted = false;
    runner.install({
      id: "effect",
      ...counter,
      mainFn: () =>
        Effect.sleep(10_000).pipe(
          Effect.as(5),
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              interrupted = true;
            }),
          ),
        ),
    });
    runner.install({
      id: "promise",
      ...counter,
      mainFn: async (_args, _t, ctx) => {
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
        });
        await sleep(clock, 50);
        return 9;
      },
    });
    runner.spawn("effect");
    runner.spawn("promise");
    runner.start();
    await clock.tickAsync(110);
    runner.kill();
    await clock.tickAsync(100);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(interrupted).toBe(true);
    expect(aborted).toBe(true);
    expect(runner.getState("promise")).toBe(0);
    expect(runner.getState("effect")).toBe(0);
    expect(runner.isStopped()).toBe(true);
  });

  it("start - a stopped runner refuses commands with code stopped until it is started again", async () => {
    const { clock, runner } = setup();
    runner.install({ id: "p", ...counter, mainFn: () => 1 });
    runner.start();
    await runner.stop();
    expect(thrown(() => runner.spawn("p"))).toMatchObject({ code: "stopped" });
    await expect(runner.trigger("p")).rejects.toMatchObject({ code: "stopped" });
    expect(runner.getState("p")).toBe(0);
    // Like the original (a fresh runtime): it starts again, its programs and their state still installed.
    runner.start();
    expect([runner.isStarted(), runner.isStopped(), runner.health().status]).toEqual([true, false, "ok"]);
    expect(runner.spawn("p")).toBe("p-1");
    await clock.tickAsync(100);
    expect(runner.getState("p")).toBe(1);
    runner.kill();
    runner.start();
    expect(runner.isStarted()).toBe(true);
  });

  it("lifecycle - isStarted, isStopped and health follow start, stop", async () => {
    const { runner } = setup();
    expect([runner.isStarted(), runner.isStopped(), runner.health().status]).toEqual([false, false, "not-healthy"]);
    runner.start();
    expect([runner.isStarted(), runner.isStopped(), runner.health().status]).toEqual([true, false, "ok"]);
    await runner.stop();
    expect([runner.isStarted(), runner.isStopped(), runner.health().status]).toEqual([false, true, "not-healthy"]);
  });
});

describe("runner: trigger", () => {
  it("trigger - resolves with the value and merges it into the program state", async () => {
    const { runner } = setup();
    runner.install({ id: "p", ...counter, mainFn: () => 4 });
    runner.start();
    await expect(runner.trigger("p")).resolves.toBe(4);
    expect(runner.getState("p")).toBe(4);
    runner.kill();
  });

  it("trigger - a failure rejects with the error and leaves the state unchanged", async () => {
    const { runner } = setup();
    runner.install({
      id: "p",
      ...counter,
      mainFn: () => {
        throw new Error("nope");
      },
    });
    runner.start();
    await expect(runner.trigger("p")).rejects.toThrow("nope");
    expect(runner.getState("p")).toBe(0);
    runner.kill();
  });

  it("trigger - with a future time waits for it and passes it as t", async () => {
    const { clock, runner } = setup();
    const times: number[] = [];
    runner.install({ id: "p", interval: 100, mainFn: (_args, t) => times.push(t) });
    runner.start();
    let value: unknown;
    const pending = runner.trigger("p", 250).then((result) => {
      value = result;
    });
    await clock.tickAsync(249);
    expect(times).toEqual([]);
    await clock.tickAsync(1);
    await pending;
    expect(times).toEqual([250]);
    expect(value).toBe(1);
    runner.kill();
  });

  it("trigger - an unknown program rejects with a SchedkitError unknown-program", async () => {
    const { runner } = setup();
    runner.start();
    await expect(runner.trigger("ghost")).rejects.toMatchObject({
      code: "unknown-program",
      field: "command.programId",
    });
    runner.kill();
  });

  it("trigger - before start, the job runs once the runner starts", async () => {
    const { runner } = setup();
    runner.install({ id: "p", ...counter, mainFn: () => 3 });
    let value: unknown;
    const pending = runner.trigger("p").then((result) => {
      value = result;
    });
    await Promise.resolve();
    expect(value).toBeUndefined();
    runner.start();
    await pending;
    expect(value).toBe(3);
    runner.kill();
  });
});

describe("runner: commands and bad input", () => {
  it("spawn - returns the new id; refused by max returns undefined", () => {
    const { runner } = setup();
    runner.install({ id: "p", interval: 100, max: 2, mainFn: () => undefined });
    expect(runner.spawn("p")).toBe("p-1");
    expect(runner.spawn("p", { spawnId: "named" })).toBe("named");
    expect(runner.spawn("p")).toBeUndefined();
    expect(runner.countSpawns("p")).toBe(2);
  });

  it("unspawn - returns the id the policy chose; refused by min returns undefined", () => {
    const { runner } = setup();
    runner.install({ id: "p", interval: 100, min: 1, mainFn: () => undefined });
    runner.spawn("p");
    runner.spawn("p");
    expect(runner.unspawn("p")).toBe("p-2");
    expect(runner.unspawn("p")).toBeUndefined();
    expect(runner.listSpawns("p").map((spawn) => spawn.id)).toEqual(["p-1"]);
    expect(runner.listStopped("p").map((spawn) => spawn.id)).toEqual(["p-2"]);
  });

  it("unspawn - a runner with no policy at all throws no-policy, naming the field", () => {
    const runner = createRunner({ clock: FakeTimers.createClock(0) });
    runner.install({ id: "p", interval: 100, mainFn: () => undefined });
    runner.spawn("p");
    const error = thrown(() => runner.unspawn("p"));
    expect(error).toBeInstanceOf(SchedkitError);
    expect(error).toMatchObject({ code: "no-policy", field: "program.policy" });
    expect(runner.countSpawns("p")).toBe(1);
  });

  it("install - an invalid spec throws a SchedkitError naming the field, and nothing changes", () => {
    const { runner } = setup();
    runner.install({ id: "p", interval: 100, mainFn: () => undefined });
    const before = runner.info();
    const error = thrown(() =>
      runner.install({ id: "p", intervall: 100, mainFn: () => undefined } as unknown as ProgramSpec),
    );
    expect(error).toBeInstanceOf(SchedkitError);
    expect(error).toMatchObject({
      code: "invalid-program",
      field: "program.intervall",
      message: "program.intervall: unknown key (check its spelling)",
    });
    expect(runner.info()).toEqual(before);
    expect(runner.getProgram("p").interval).toBe(100);
  });

  it("commands - unknown program, unknown spawn and duplicate spawn ids throw coded errors", () => {
    const { runner } = setup();
    runner.install({ id: "p", interval: 100, mainFn: () => undefined });
    runner.spawn("p", { spawnId: "w" });
    expect(thrown(() => runner.spawn("ghost"))).toMatchObject({ code: "unknown-program", field: "command.programId" });
    expect(thrown(() => runner.stopSpawn("p", "nobody"))).toMatchObject({
      code: "unknown-spawn",
      field: "command.spawnId",
    });
    expect(thrown(() => runner.spawn("p", { spawnId: "w" }))).toMatchObject({
      code: "duplicate-spawn",
      field: "opts.spawnId",
    });
    expect(thrown(() => runner.getState("ghost"))).toMatchObject({ code: "unknown-program", field: "programId" });
    expect(thrown(() => runner.setInterval("p", -5))).toMatchObject({
      code: "invalid-interval",
      field: "command.interval",
    });
    expect(runner.countSpawns("p")).toBe(1);
  });

  it("setInterval - program-wide and per spawn, from the next scheduling", async () => {
    const { clock, runner, settled } = setup();
    runner.install({ id: "p", interval: 100, mainFn: () => undefined });
    runner.spawn("p", { spawnId: "a" });
    runner.spawn("p", { spawnId: "b" });
    runner.start();
    await clock.tickAsync(100);
    runner.setInterval("p", 50);
    runner.setInterval("p", "b", 20);
    // Jobs already scheduled (both at 200) keep their time; the new intervals apply after them.
    await clock.tickAsync(200);
    expect(settled().map((record) => `${record.jobId}@${record.startedAt}`)).toEqual([
      "job-1@100",
      "job-2@100",
      "job-3@200",
      "job-4@200",
      "job-6@220",
      "job-7@240",
      "job-5@250",
      "job-8@260",
      "job-10@280",
      "job-9@300",
      "job-11@300",
    ]);
    expect(runner.getProps("p", "a").interval).toBe(50);
    expect(runner.getProps("p", "b").interval).toBe(20);
    runner.kill();
  });

  it("stopSpawn, killSpawn, stopAll, killAll, clear, uninstall - act on the kernel", () => {
    const { runner } = setup();
    runner.install({ id: "p", interval: 100, mainFn: () => undefined });
    runner.install({ id: "q", interval: 100, mainFn: () => undefined });
    for (const id of ["p", "p", "p", "q"]) runner.spawn(id);
    runner.stopSpawn("p", "p-1");
    runner.killSpawn("p", "p-2");
    expect(runner.listStopped("p").map((spawn) => spawn.id)).toEqual(["p-2", "p-1"]);
    runner.stopAll("p");
    expect(runner.countSpawns("p")).toBe(0);
    expect(runner.countSpawns("q")).toBe(1);
    runner.killAll();
    expect(runner.countSpawns("q")).toBe(0);
    runner.clear("q");
    expect(runner.isInstalled("q")).toBe(false);
    runner.uninstall("p");
    expect(runner.isInstalled("p")).toBe(false);
  });

  it("queries - the std.scheduler names answer like the kernel's", async () => {
    const { clock, runner } = setup();
    runner.install({ id: "p", ...counter, scope: "spawn", mainFn: () => 1 });
    runner.spawn("p", { spawnId: "a" });
    await clock.tickAsync(10);
    runner.spawn("p", { spawnId: "b" });
    runner.start();
    await clock.tickAsync(95); // now 105: a ran at 100, b is due at 110
    expect(runner.earliestSpawn("p")?.id).toBe("a");
    expect(runner.latestSpawn("p")?.id).toBe("b");
    expect(runner.latest("p")?.id).toBe("b");
    expect(runner.listSpawns("p", "desc").map((spawn) => spawn.id)).toEqual(["b", "a"]);
    expect(runner.getSpawnState("p", "a")).toBe(1);
    expect(runner.getSpawnState("p", "b")).toBe(0);
    expect(Object.keys(runner.getProps("p"))).toEqual(["a", "b"]);
    expect(runner.info()).toEqual({
      programs: {
        p: {
          type: "basic",
          policy: "last",
          current: {
            a: { status: "running", duration: 100, jobs: { submitted: 2, succeeded: 1, errored: 0, waiting: 1 } },
            b: { status: "created", duration: 0, jobs: { submitted: 1, succeeded: 0, errored: 0, waiting: 1 } },
          },
          counts: { submitted: 3, succeeded: 1, errored: 0 },
        },
      },
      clock: { now: 105, regressions: 0 },
    });
    runner.kill();
  });
});

describe("runner: re-entrancy and observability", () => {
  it("re-entrancy - calls from inside mainFn are queued and applied after the current step", async () => {
    const { clock, runner, effects } = setup();
    const inside: unknown[] = [];
    runner.install({ id: "helper", interval: 1_000, mainFn: () => undefined });
    runner.install({
      id: "scaler",
      interval: 100,
      mainFn: () => {
        inside.push(runner.spawn("helper"));
        inside.push(runner.countSpawns("helper"));
      },
    });
    runner.spawn("scaler");
    runner.start();
    await clock.tickAsync(100);
    expect(inside).toEqual([undefined, 0]);
    expect(runner.countSpawns("helper")).toBe(1);
    const order = effects
      .map((effect) => effect.type)
      .filter((type) => type === "run" || type === "spawned" || type === "settled");
    expect(order).toEqual(["spawned", "run", "spawned", "settled"]);
  });

  it("re-entrancy - kill() from inside a synchronous mainFn cancels that job too: aborted, no settled", async () => {
    const { clock, runner, effects } = setup();
    let signal: AbortSignal | undefined;
    runner.install({
      id: "p",
      interval: 100,
      mainFn: (_args: unknown, _t: number, ctx) => {
        runner.kill();
        signal = ctx.signal;
        return 1;
      },
    });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    expect(signal?.aborted).toBe(true);
    expect(runner.isStopped()).toBe(true);
    expect(effects.filter((effect) => effect.type === "settled")).toEqual([]);
    expect(effects).toContainEqual(expect.objectContaining({ type: "cancel", jobId: "job-1", inFlight: true }));
  });

  it("re-entrancy - stop() from inside a synchronous trigger still resolves that trigger", async () => {
    const { runner } = setup();
    let stopped: Promise<void> | undefined;
    runner.install({
      id: "p",
      interval: 100,
      mainFn: () => {
        stopped = runner.stop();
        return 7;
      },
    });
    runner.start();
    await expect(runner.trigger("p")).resolves.toBe(7);
    await stopped;
    expect(runner.isStopped()).toBe(true);
  });

  it("re-entrancy - a queued call that is rejected goes to onError, not into the step", async () => {
    const errors: unknown[] = [];
    const { clock, runner } = setup({ onError: (error) => errors.push(error) });
    runner.install({ id: "p", interval: 100, mainFn: () => runner.spawn("ghost") });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "unknown-program" });
    expect(runner.getProps("p", "p-1")).toMatchObject({ succeeded: 1, errored: 0 });
    runner.kill();
  });

  it("subscribe - settled records carry scheduled, started and ended times; unsubscribe stops them", async () => {
    const { clock, runner } = setup();
    const records: unknown[] = [];
    const unsubscribe = runner.subscribe((effect) => {
      if (effect.type === "settled") records.push([effect.scheduledAt, effect.startedAt, effect.endedAt]);
    });
    runner.install({
      id: "p",
      type: "constant",
      interval: 100,
      mainFn: async () => {
        await sleep(clock, 5);
      },
    });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(210);
    unsubscribe();
    await clock.tickAsync(200);
    expect(records).toEqual([
      [100, 100, 105],
      [200, 200, 205],
    ]);
    runner.kill();
  });

  it("subscribe - a listener that throws is reported to onError and scheduling goes on", async () => {
    const errors: unknown[] = [];
    const { clock, runner } = setup({ onError: (error) => errors.push(error) });
    runner.subscribe((effect) => {
      if (effect.type === "run") throw new Error("listener bug");
    });
    runner.install({ id: "p", ...counter, mainFn: () => 1 });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(200);
    expect(errors.map((error) => (error as Error).message)).toEqual(["listener bug", "listener bug"]);
    expect(runner.getState("p")).toBe(2);
    runner.kill();
  });
});

describe("runner: cron", () => {
  it("runner - a cron program runs at its matches in its zone under a fake clock", async () => {
    const clock = FakeTimers.createClock(Date.parse("2026-03-28T23:00:00Z"));
    const runner = createRunner({ clock });
    const starts: string[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") starts.push(new Date(effect.startedAt).toISOString());
    });
    runner.install({
      id: "nightly",
      type: "cron",
      cron: "30 2 * * *",
      timezone: "Europe/Berlin",
      mainFn: () => undefined,
    });
    runner.spawn("nightly");
    runner.start();
    await clock.tickAsync(3 * 24 * 3_600_000);
    // 02:30 does not exist on 2026-03-29 in Berlin: it runs once, at 03:30 CEST.
    expect(starts).toEqual(["2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z", "2026-03-31T00:30:00.000Z"]);
    runner.kill();
  });
});

describe("runner: a host that slept (clock.jump)", () => {
  const jumpRun = async (misfire: "catch-up" | "skip") => {
    const { clock, runner } = setup();
    const starts: [number, number][] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") starts.push([effect.scheduledAt, effect.startedAt]);
    });
    runner.install({ id: "p", type: "constant", interval: 100, misfire, mainFn: () => undefined });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    clock.jump(350);
    await clock.tickAsync(0);
    await clock.tickAsync(100);
    runner.kill();
    return starts;
  };

  it("clock.jump - catch-up runs one job per missed grid point, late, then keeps the grid", async () => {
    expect(await jumpRun("catch-up")).toEqual([
      [100, 100],
      [200, 450],
      [300, 450],
      [400, 450],
      [500, 500],
    ]);
  });

  it("clock.jump - skip runs one job now and continues at the next grid point after now", async () => {
    expect(await jumpRun("skip")).toEqual([
      [100, 100],
      [200, 450],
      [500, 500],
    ]);
  });
});
