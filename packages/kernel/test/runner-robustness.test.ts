import FakeTimers from "@sinonjs/fake-timers";
import { Effect } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Clock,
  createRunner,
  isSchedkitError,
  type KernelEffect,
  type ProgramSpec,
  type Runner,
  type RunnerOptions,
  SchedkitError,
  type UnspawnPolicy,
} from "../src/index.js";

// Issue #14, items 8-15: the runner's robustness. Every clock here is a fake
// or an injected one: no test depends on the speed of the host.

const last: UnspawnPolicy = { name: "last", select: (spawns) => spawns.latest()?.id };

const MAX_TIMER_MS = 2 ** 31 - 1;
const DAY = 86_400_000;

const setup = (options: RunnerOptions = {}) => {
  const clock = FakeTimers.createClock(0);
  const runner = createRunner({ clock, policies: [last], ...options });
  const effects: KernelEffect[] = [];
  runner.subscribe((effect) => effects.push(effect));
  return { clock, runner, effects };
};

const counter: Omit<ProgramSpec, "id" | "mainFn"> = {
  interval: 100,
  createFn: () => 0,
  mergeFn: (state: number, value: number) => state + value,
};

const sleep = (clock: { setTimeout(cb: () => void, ms: number): unknown }, ms: number) =>
  new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
};

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
};

/** A fake-timers clock behind the plain `Clock` interface, recording the delay of every timer armed. */
const recordingClock = (start = 0) => {
  const fake = FakeTimers.createClock(start);
  const delays: number[] = [];
  const clock: Clock = {
    now: () => fake.now,
    setTimeout: (callback, ms) => {
      delays.push(ms);
      return fake.setTimeout(callback, ms);
    },
    clearTimeout: (handle) => fake.clearTimeout(handle as FakeTimers.TimerId),
  };
  return { fake, clock, delays };
};

const RUNNER_KEYS = {
  id: 0,
  clock: 0,
  precision: 0,
  onError: 0,
  policies: 0,
  defaultPolicy: 0,
  seed: 0,
  historyLimit: 0,
  catchUpLimit: 0,
  wallCheckInterval: 0,
  unknownKey: 0,
};

const runsOf = (effects: readonly KernelEffect[]) => effects.filter((effect) => effect.type === "run");

describe("runner robustness: cancelled jobs never run (#14.8)", () => {
  it("start - a job killed before start() never runs", async () => {
    const { clock, runner, effects } = setup();
    const calls: unknown[] = [];
    runner.install({ id: "p", ...counter, mainFn: (args) => calls.push(args) });
    runner.install({ id: "q", interval: 1_000, mainFn: () => undefined });
    runner.spawn("p");
    clock.tick(100);
    // Any command at 100 brings the kernel's time there: p's first job starts and is held.
    runner.spawn("q");
    expect(runsOf(effects).map((effect) => effect.jobId)).toEqual(["job-1"]);
    runner.killSpawn("p", "p-1");
    runner.start();
    await clock.tickAsync(500);
    expect(calls).toEqual([]);
    expect(runner.getState("p")).toBe(0);
    expect(runner.getSpawn("p", "p-1")).toMatchObject({ status: "stopped", inFlight: 0 });
    expect(effects.filter((effect) => effect.type === "settled")).toEqual([]);
    runner.kill();
  });

  it("start - a job held before start() whose program was reinstalled never runs, with either mainFn", async () => {
    const { clock, runner } = setup();
    const calls: string[] = [];
    runner.install({ id: "p", ...counter, argsFn: () => "old args", mainFn: (args) => calls.push(`old ${args}`) });
    runner.spawn("p");
    clock.tick(100);
    const pending = rejection(runner.trigger("p"));
    runner.install({ id: "p", ...counter, argsFn: () => "new args", mainFn: (args) => calls.push(`new ${args}`) });
    runner.start();
    expect(await pending).toMatchObject({ code: "cancelled" });
    await clock.tickAsync(50);
    expect(calls).toEqual([]);
    runner.spawn("p");
    await clock.tickAsync(100);
    // Only the new program's own job runs, with its own args.
    expect(calls).toEqual(["new new args"]);
    runner.kill();
  });

  it("install - reinstalling a program as its job comes due never runs that job, with either mainFn", async () => {
    const { clock, runner, effects } = setup();
    const calls: string[] = [];
    runner.install({ id: "p", ...counter, mainFn: () => calls.push("old") });
    runner.spawn("p");
    // Made before the runner's timer for 100, so it fires first: the install's dispatch starts the
    // job due at 100, then replaces its program (which cancels it), all in one dispatch.
    clock.setTimeout(() => runner.install({ id: "p", ...counter, mainFn: () => calls.push("new") }), 100);
    runner.start();
    await clock.tickAsync(100);
    expect(runsOf(effects).map((effect) => effect.jobId)).toEqual(["job-1"]);
    expect(effects).toContainEqual(expect.objectContaining({ type: "cancel", jobId: "job-1", inFlight: true }));
    expect(calls).toEqual([]);
    runner.kill();
  });

  it("start - a held trigger cancelled by clear() never runs and its promise rejects", async () => {
    const { runner } = setup();
    let calls = 0;
    runner.install({ id: "p", ...counter, mainFn: () => ++calls });
    const pending = rejection(runner.trigger("p"));
    runner.clear("p");
    runner.start();
    expect(await pending).toMatchObject({ code: "cancelled" });
    expect(calls).toBe(0);
    runner.kill();
  });

  it("start - a job stopped gracefully before start() still runs at start and settles", async () => {
    const { clock, runner } = setup();
    runner.install({ id: "p", ...counter, mainFn: () => 1 });
    runner.install({ id: "q", interval: 1_000, mainFn: () => undefined });
    runner.spawn("p");
    clock.tick(100);
    runner.spawn("q");
    runner.stopSpawn("p", "p-1");
    expect(runner.getSpawn("p", "p-1").status).toBe("terminating");
    runner.start();
    expect(runner.getState("p")).toBe(1);
    expect(runner.getSpawn("p", "p-1").status).toBe("stopped");
    runner.kill();
  });

  it("stop - a job held by a runner that never started is not run; stop() resolves and the spawn stops", async () => {
    const { clock, runner } = setup();
    let calls = 0;
    runner.install({ id: "p", ...counter, mainFn: () => ++calls });
    runner.install({ id: "q", interval: 1_000, mainFn: () => undefined });
    runner.spawn("p");
    clock.tick(100);
    runner.spawn("q");
    await runner.stop();
    expect(calls).toBe(0);
    expect(runner.getState("p")).toBe(0);
    // Cancelled like a kill: nothing counted, nothing merged.
    expect(runner.getSpawn("p", "p-1")).toMatchObject({ status: "stopped", inFlight: 0, completed: 0, errored: 0 });
    // Started again (issue #15: like the original's fresh runtime), the refused job still never runs.
    runner.start();
    await clock.tickAsync(1_000);
    expect(calls).toBe(0);
  });
});

describe("runner robustness: stop() cancels what has not started (#14.9)", () => {
  it("stop - a trigger rejected by stop() never runs later and nothing of it is merged", async () => {
    const { clock, runner } = setup();
    let triggerCalls = 0;
    runner.install({ id: "p", ...counter, mainFn: () => ++triggerCalls });
    // A slow job keeps the runner stopping past the trigger's time.
    runner.install({
      id: "slow",
      interval: 100,
      mainFn: async () => {
        await sleep(clock, 1_000);
      },
    });
    runner.spawn("slow");
    runner.start();
    const pending = rejection(runner.trigger("p", 500));
    await clock.tickAsync(150);
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    expect(await pending).toMatchObject({ code: "cancelled" });
    // The slow job completes at 1,100: that command brings the kernel past the trigger's time.
    await clock.tickAsync(1_000);
    await stopping;
    expect(stopped).toBe(true);
    expect(triggerCalls).toBe(0);
    expect(runner.getState("p")).toBe(0);
  });

  it("stop - a trigger queued from inside a job before stop() is cancelled, not run", async () => {
    const { clock, runner } = setup();
    let triggerCalls = 0;
    let queued: Promise<unknown> | undefined;
    runner.install({ id: "p", ...counter, mainFn: () => ++triggerCalls });
    runner.install({
      id: "boss",
      interval: 100,
      mainFn: () => {
        queued = rejection(runner.trigger("p"));
        void runner.stop();
      },
    });
    runner.spawn("boss");
    runner.start();
    await clock.tickAsync(100);
    expect(await queued).toMatchObject({ code: "cancelled" });
    expect(triggerCalls).toBe(0);
    expect(runner.getState("p")).toBe(0);
    expect(runner.isStopped()).toBe(true);
  });
  it("stop - called from a job, the jobs that started with it still run and merge; kill - they do not", async () => {
    const run = async (how: "stop" | "kill") => {
      const { clock, runner } = setup();
      const ran: string[] = [];
      runner.install({
        id: "p",
        ...counter,
        mainFn: (_args, _t, ctx) => {
          ran.push(ctx.spawnId ?? "trigger");
          if (ctx.spawnId === "a") void (how === "stop" ? runner.stop() : runner.kill());
          return 1;
        },
      });
      runner.spawn("p", { spawnId: "a" });
      runner.spawn("p", { spawnId: "b" });
      runner.start();
      await clock.tickAsync(200);
      return { ran, state: runner.getState("p"), stopped: runner.isStopped() };
    };
    expect(await run("stop")).toEqual({ ran: ["a", "b"], state: 2, stopped: true });
    expect(await run("kill")).toEqual({ ran: ["a"], state: 0, stopped: true });
  });
});

describe("runner robustness: an Effect that interrupts itself (#14.10)", () => {
  it("mainFn - an Effect that interrupts itself is errored with a cancelled error, and stop() resolves", async () => {
    const { clock, runner, effects } = setup();
    runner.install({ id: "p", ...counter, errorFn: () => -1, mainFn: () => Effect.interrupt });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    await runner.stop();
    expect(runner.getState("p")).toBe(-1);
    const props = runner.getProps("p", "p-1");
    expect(props).toMatchObject({ completed: 1, errored: 1 });
    expect(isSchedkitError(props.lastError)).toBe(true);
    expect(props.lastError).toMatchObject({ code: "cancelled" });
    expect((props.lastError as Error).message).toContain("not by the runner");
    expect(effects).toContainEqual(expect.objectContaining({ type: "settled", jobId: "job-1", status: "errored" }));
  });

  it("trigger - an Effect that interrupts itself rejects the trigger instead of leaving it pending", async () => {
    const { runner } = setup();
    runner.install({ id: "p", ...counter, mainFn: () => Effect.interrupt });
    runner.start();
    expect(await rejection(runner.trigger("p"))).toMatchObject({ code: "cancelled" });
    expect(runner.getState("p")).toBe(0);
    await runner.stop();
  });
});

describe("runner robustness: a hostile thenable (#14.11)", () => {
  it("mainFn - a thenable whose then throws is errored, the rest of the step runs and the timer stays armed", async () => {
    const { clock, runner } = setup();
    runner.install({
      id: "bad",
      ...counter,
      errorFn: () => -1,
      mainFn: () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is what this test is about
        then() {
          throw new Error("then exploded");
        },
      }),
    });
    runner.install({
      id: "getter",
      ...counter,
      errorFn: () => -1,
      mainFn: () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is what this test is about
        get then(): unknown {
          throw new Error("then getter exploded");
        },
      }),
    });
    runner.install({ id: "good", ...counter, mainFn: () => 1 });
    for (const id of ["bad", "getter", "good"]) runner.spawn(id);
    runner.start();
    await clock.tickAsync(100);
    expect((runner.getProps("bad", "bad-1").lastError as Error).message).toBe("then exploded");
    expect((runner.getProps("getter", "getter-1").lastError as Error).message).toBe("then getter exploded");
    expect(runner.getState("good")).toBe(1);
    expect(clock.countTimers()).toBe(1);
    await clock.tickAsync(100);
    // The runner goes on: every spawn ran again.
    expect([runner.getState("bad"), runner.getState("getter"), runner.getState("good")]).toEqual([-2, -2, 2]);
    runner.kill();
  });

  it("mainFn - a thenable that calls back before then() returns settles at once, first call winning", async () => {
    const { clock, runner } = setup();
    runner.install({
      id: "p",
      ...counter,
      mainFn: () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is what this test is about
        then(resolve: (value: number) => void, reject: (error: unknown) => void) {
          resolve(3);
          resolve(100);
          reject(new Error("too late"));
          throw new Error("ignored after resolve");
        },
      }),
    });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    expect(runner.getState("p")).toBe(3);
    expect(runner.getProps("p", "p-1")).toMatchObject({ succeeded: 1, errored: 0 });
    runner.kill();
  });

  it("subscribe - an onError that throws does not stop the runner", async () => {
    const { clock, runner } = setup({
      onError: () => {
        throw new Error("onError exploded");
      },
    });
    runner.subscribe(() => {
      throw new Error("listener exploded");
    });
    runner.install({ id: "p", ...counter, mainFn: () => 1 });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(300);
    expect(runner.getState("p")).toBe(3);
    expect(clock.countTimers()).toBe(1);
    runner.kill();
  });
});

describe("runner robustness: waits longer than a host timer takes (#14.12)", () => {
  it("timer - an interval over 2^31-1 ms arms at most the maximum and re-arms, on an injected clock", async () => {
    const { fake, clock, delays } = recordingClock();
    const runner = createRunner({ clock });
    const starts: number[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") starts.push(effect.startedAt);
    });
    runner.install({ id: "p", type: "constant", interval: 30 * DAY, mainFn: () => undefined });
    runner.spawn("p");
    runner.start();
    await fake.tickAsync(30 * DAY - 1);
    expect(starts).toEqual([]);
    await fake.tickAsync(1);
    expect(starts).toEqual([30 * DAY]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_MS);
    // 30 days in steps of at most 24.8 days: two timers per period, not thousands.
    expect(delays.length).toBeLessThanOrEqual(4);
    runner.kill();
  });

  it("timer - an interval over 2^31-1 ms on a fake-timers clock passed as it is does not spin", async () => {
    const clock = FakeTimers.createClock(0);
    const setTimer = clock.setTimeout;
    const delays: number[] = [];
    clock.setTimeout = ((callback: () => void, ms: number) => {
      delays.push(ms);
      return setTimer(callback, ms);
    }) as typeof clock.setTimeout;
    const runner = createRunner({ clock });
    const starts: number[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") starts.push(effect.startedAt);
    });
    runner.install({ id: "p", type: "constant", interval: 50 * DAY, mainFn: () => undefined });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100 * DAY);
    expect(starts).toEqual([50 * DAY, 100 * DAY]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(delays.length).toBeLessThanOrEqual(8);
    runner.kill();
  });

  it("timer - a cron gap over 2^31-1 ms arms at most the maximum and re-arms", async () => {
    const { fake, clock, delays } = recordingClock(Date.parse("2026-01-01T00:00:00Z"));
    const runner = createRunner({ clock });
    const starts: string[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") starts.push(new Date(effect.startedAt).toISOString());
    });
    // Once a year: a gap of 365 days.
    runner.install({ id: "yearly", type: "cron", cron: "0 0 1 1 *", mainFn: () => undefined });
    runner.spawn("yearly");
    runner.start();
    await fake.tickAsync(365 * DAY);
    expect(starts).toEqual(["2027-01-01T00:00:00.000Z"]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(delays.length).toBeLessThanOrEqual(20);
    runner.kill();
  });

  it("stop - a timeout over 2^31-1 ms waits instead of killing at once", async () => {
    const { fake, clock, delays } = recordingClock();
    const runner = createRunner({ clock });
    let aborted = false;
    runner.install({
      id: "p",
      ...counter,
      // Never settles on its own (a fake timer of 40 days would be cut to 1 ms): only a kill ends it.
      mainFn: (_args, _t, ctx) =>
        new Promise<number>(() => {
          ctx.signal.addEventListener("abort", () => {
            aborted = true;
          });
        }),
    });
    runner.spawn("p");
    runner.start();
    await fake.tickAsync(100);
    let stopped = false;
    const stopping = runner.stop({ timeout: 30 * DAY }).then(() => {
      stopped = true;
    });
    await fake.tickAsync(DAY);
    expect([stopped, aborted]).toEqual([false, false]);
    await fake.tickAsync(29 * DAY);
    await stopping;
    expect([stopped, aborted]).toEqual([true, true]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  describe("on the system clock (global timers faked)", () => {
    let installed: ReturnType<typeof FakeTimers.install> | undefined;
    afterEach(() => {
      installed?.uninstall();
      installed = undefined;
    });

    for (const precision of ["ms", "sub-ms"] as const) {
      it(`precision ${precision} - an interval over 2^31-1 ms arms at most the maximum and re-arms`, async () => {
        const clock = FakeTimers.install({
          now: 0,
          toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance", "Date"],
        });
        installed = clock;
        const fakeSetTimeout = globalThis.setTimeout;
        const delays: number[] = [];
        globalThis.setTimeout = ((callback: () => void, ms?: number) => {
          delays.push(ms ?? 0);
          return fakeSetTimeout(callback, ms);
        }) as typeof globalThis.setTimeout;
        try {
          const runner = createRunner({ precision });
          let runs = 0;
          runner.install({ id: "p", type: "constant", interval: 30 * DAY, mainFn: () => void runs++ });
          runner.spawn("p");
          runner.start();
          await clock.tickAsync(29 * DAY);
          expect(runs).toBe(0);
          await clock.tickAsync(DAY + 1);
          expect(runs).toBe(1);
          expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_MS);
          expect(delays.length).toBeLessThanOrEqual(6);
          runner.kill();
        } finally {
          globalThis.setTimeout = fakeSetTimeout;
        }
      });
    }
  });
});

describe("runner robustness: no false regressions on a moving clock (#14.13)", () => {
  it("step - spawn, unspawn and trigger called from inside a synchronous job are not counted as regressions", async () => {
    const fake = FakeTimers.createClock(0);
    let reads = 0;
    // A real clock moves between any two reads: here by 0.01 ms per read.
    const moving: Clock = {
      now: () => fake.now + ++reads * 0.01,
      setTimeout: (callback, ms) => fake.setTimeout(callback, ms),
      clearTimeout: (handle) => fake.clearTimeout(handle as FakeTimers.TimerId),
    };
    const runner = createRunner({ clock: moving, policies: [last] });
    runner.install({ id: "helper", interval: 1_000, mainFn: () => undefined });
    runner.install({
      id: "scaler",
      interval: 100,
      mainFn: () => {
        runner.spawn("helper");
        runner.spawn("helper");
        runner.unspawn("helper");
        void runner.trigger("helper");
        runner.setInterval("helper", 900);
        return 1;
      },
    });
    runner.spawn("scaler");
    runner.start();
    await fake.tickAsync(1_000);
    expect(runner.getProps("scaler", "scaler-1").completed).toBeGreaterThanOrEqual(9);
    expect(runner.countSpawns("helper")).toBeGreaterThanOrEqual(9);
    expect(runner.info().clock.regressions).toBe(0);
    runner.kill();
  });
});

/**
 * A clock whose wall reading can step away from its monotonic one, as after a
 * host suspend (the monotonic clock stood still) or a wall-clock correction.
 */
const wallClock = (wallStart: string) => {
  const fake = FakeTimers.createClock(0);
  let offset = Date.parse(wallStart);
  const clock: Clock = {
    now: () => fake.now,
    wallNow: () => fake.now + offset,
    setTimeout: (callback, ms) => fake.setTimeout(callback, ms),
    clearTimeout: (handle) => fake.clearTimeout(handle as FakeTimers.TimerId),
  };
  const wall = () => new Date(fake.now + offset).toISOString();
  const stepWall = (ms: number) => {
    offset += ms;
  };
  return { fake, clock, wall, stepWall };
};

describe("runner robustness: cron follows the wall clock (#14.14)", () => {
  const watch = (runner: Runner, wall: () => string) => {
    const runs: { programId: string; mono: number; wall: string }[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") runs.push({ programId: effect.programId, mono: effect.startedAt, wall: wall() });
    });
    return runs;
  };

  it("cron - after a wall step forward (a host suspend) a missed match runs within a second, and the next keeps its wall time", async () => {
    const { fake, clock, wall, stepWall } = wallClock("2026-01-01T08:00:00Z");
    const runner = createRunner({ clock });
    const runs = watch(runner, wall);
    runner.install({ id: "daily", type: "cron", cron: "0 9 * * *", mainFn: () => undefined });
    runner.install({ id: "beat", type: "constant", interval: 600_000, mainFn: () => undefined });
    runner.spawn("daily");
    runner.spawn("beat");
    runner.start();
    await fake.tickAsync(60_000);
    // The host sleeps 90 minutes: its monotonic clock stands still, the wall clock does not.
    stepWall(90 * 60_000);
    await fake.tickAsync(1_000);
    expect(runs.filter((run) => run.programId === "daily")).toEqual([
      { programId: "daily", mono: 61_000, wall: "2026-01-01T09:31:01.000Z" },
    ]);
    await fake.tickAsync(DAY);
    expect(runs.filter((run) => run.programId === "daily").map((run) => run.wall)).toEqual([
      "2026-01-01T09:31:01.000Z",
      "2026-01-02T09:00:00.000Z",
    ]);
    // The interval program kept its monotonic grid through the wall step.
    const beats = runs.filter((run) => run.programId === "beat").map((run) => run.mono);
    expect(beats.slice(0, 3)).toEqual([600_000, 1_200_000, 1_800_000]);
    expect(beats.every((mono) => mono % 600_000 === 0)).toBe(true);
    runner.kill();
  });

  it("cron - after a wall step back the match runs at its wall time, later on the monotonic clock", async () => {
    const { fake, clock, wall, stepWall } = wallClock("2026-01-01T08:00:00Z");
    const runner = createRunner({ clock });
    const runs = watch(runner, wall);
    runner.install({ id: "daily", type: "cron", cron: "0 9 * * *", mainFn: () => undefined });
    runner.install({ id: "beat", type: "constant", interval: 600_000, mainFn: () => undefined });
    runner.spawn("daily");
    runner.spawn("beat");
    runner.start();
    await fake.tickAsync(60_000);
    // A correction sets the wall clock back an hour: 08:01 becomes 07:01.
    stepWall(-60 * 60_000);
    await fake.tickAsync(3_600_000);
    expect(runs.filter((run) => run.programId === "daily")).toEqual([]);
    await fake.tickAsync(2 * 3_600_000);
    expect(runs.filter((run) => run.programId === "daily")).toEqual([
      { programId: "daily", mono: 7_200_000, wall: "2026-01-01T09:00:00.000Z" },
    ]);
    const beats = runs.filter((run) => run.programId === "beat").map((run) => run.mono);
    // 60 000 + 3 600 000 + 7 200 000 ms of monotonic time: 18 beats, every 600 000 ms.
    expect(beats).toEqual(Array.from({ length: 18 }, (_, index) => (index + 1) * 600_000));
    runner.kill();
  });

  it("cron - the wall is checked once a second only while cron spawns run, and not at all when turned off", async () => {
    const timersArmed = async (options: RunnerOptions, withCron: boolean) => {
      const { fake, clock, delays } = recordingClock();
      const runner = createRunner({
        clock: { ...clock, wallNow: () => Date.parse("2026-01-01T08:00:00Z") + fake.now },
        ...options,
      });
      runner.install({ id: "beat", interval: 600_000, mainFn: () => undefined });
      runner.install({ id: "daily", type: "cron", cron: "0 9 * * *", mainFn: () => undefined });
      runner.spawn("beat");
      if (withCron) runner.spawn("daily");
      runner.start();
      await fake.tickAsync(600_000);
      runner.kill();
      return delays.length;
    };
    // Without cron: one timer for the job at 600 000, one for the next.
    expect(await timersArmed({}, false)).toBeLessThanOrEqual(2);
    // With cron: about one timer a second.
    const checked = await timersArmed({}, true);
    expect(checked).toBeGreaterThanOrEqual(600);
    expect(checked).toBeLessThanOrEqual(602);
    expect(await timersArmed({ wallCheckInterval: 60_000 }, true)).toBeLessThanOrEqual(12);
    // Off: the two programs' own wakes only.
    expect(await timersArmed({ wallCheckInterval: Number.POSITIVE_INFINITY }, true)).toBeLessThanOrEqual(3);
  });

  it("createRunner - a fake-timers clock: setSystemTime moves the wall clock, not the monotonic one", async () => {
    const clock = FakeTimers.createClock(Date.parse("2026-01-01T08:00:00Z"));
    const runner = createRunner({ clock });
    const runs: { programId: string; wall: string; mono: number }[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") {
        runs.push({ programId: effect.programId, wall: new Date(clock.now).toISOString(), mono: effect.startedAt });
      }
    });
    const start = Date.parse("2026-01-01T08:00:00Z");
    runner.install({ id: "daily", type: "cron", cron: "0 9 * * *", mainFn: () => undefined });
    runner.install({ id: "beat", type: "constant", interval: 600_000, mainFn: () => undefined });
    runner.spawn("daily");
    runner.spawn("beat");
    runner.start();
    await clock.tickAsync(60_000);
    clock.setSystemTime(Date.parse("2026-01-01T09:30:00Z"));
    await clock.tickAsync(1_000);
    expect(runs.filter((run) => run.programId === "daily").map((run) => run.wall)).toEqual([
      "2026-01-01T09:30:01.000Z",
    ]);
    await clock.tickAsync(600_000);
    expect(runs.filter((run) => run.programId === "beat").map((run) => run.mono - start)).toEqual([600_000]);
    runner.kill();
  });
});

describe("runner robustness: arguments are checked (#14.15)", () => {
  const fakeClock = () => FakeTimers.createClock(0);
  const badOptions: [unknown, string][] = [
    [null, "options"],
    [5, "options"],
    ["options", "options"],
    [[], "options"],
    [{ policies: 5 }, "options.policies"],
    [{ policies: "last" }, "options.policies"],
    [{ policies: { 0: last, length: 1 } }, "options.policies"],
    [{ policies: [null] }, "options.policies[0]"],
    [{ clock: null }, "options.clock"],
    [{ clock: 5 }, "options.clock"],
    [{ clock: "system" }, "options.clock"],
    [
      { clock: { now: () => 0, setTimeout: () => 0, clearTimeout: () => undefined, wallNow: 5 } },
      "options.clock.wallNow",
    ],
    [{ id: 5 }, "options.id"],
    [{ id: "" }, "options.id"],
    [{ onError: "log" }, "options.onError"],
    [{ precision: null }, "options.precision"],
    [{ defaultPolicy: Symbol("last") }, "options.defaultPolicy"],
    [{ seed: Object.create(null) }, "options.seed"],
    [{ seed: "1" }, "options.seed"],
    [{ historyLimit: Object.create(null) }, "options.historyLimit"],
    [{ clcok: fakeClock() }, "options.clcok"],
  ];

  for (const [options, field] of badOptions) {
    it(`createRunner - bad options are a coded SchedkitError naming ${field}`, () => {
      const error = thrown(() => createRunner(options as RunnerOptions));
      expect(error).toBeInstanceOf(SchedkitError);
      expect((error as SchedkitError).field).toBe(field);
      expect((error as Error).message).toContain(field);
    });
  }

  it("createRunner - no bad option value, anywhere, throws anything but a SchedkitError", () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error("get trap");
        },
        ownKeys: () => {
          throw new Error("ownKeys trap");
        },
        has: () => {
          throw new Error("has trap");
        },
      },
    );
    const values: unknown[] = [
      null,
      0,
      -1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      "",
      "x",
      true,
      [],
      [null],
      {},
      Object.create(null),
      () => undefined,
      Symbol("bad"),
      10n,
      revoked.proxy,
      hostile,
    ];
    const good = FakeTimers.createClock(0);
    const clockFields = ["now", "setTimeout", "clearTimeout", "wallNow", "performance"];
    const candidates: unknown[] = [...values];
    for (const key of Object.keys({ ...RUNNER_KEYS })) for (const value of values) candidates.push({ [key]: value });
    for (const key of clockFields) {
      for (const value of values) {
        candidates.push({
          clock: { now: () => 0, setTimeout: good.setTimeout, clearTimeout: good.clearTimeout, [key]: value },
        });
      }
    }
    for (const value of values) candidates.push({ policies: [last, value] });
    let refused = 0;
    for (const [index, options] of candidates.entries()) {
      let error: unknown;
      try {
        createRunner(options as RunnerOptions);
      } catch (caught) {
        error = caught;
      }
      if (error === undefined) continue;
      refused++;
      expect(isSchedkitError(error), `candidate ${index}`).toBe(true);
      expect((error as SchedkitError).message).toContain((error as SchedkitError).field ?? "options");
    }
    expect(refused).toBeGreaterThan(200);
  });

  it("createRunner - an options object whose getter throws is a coded error naming the field", () => {
    const options = {
      get seed(): number {
        throw new Error("no");
      },
    };
    expect(thrown(() => createRunner(options))).toMatchObject({ code: "invalid-options", field: "options.seed" });
  });

  it("stop - bad options reject with invalid-options naming the field, and the runner goes on", async () => {
    const { clock, runner } = setup();
    runner.install({ id: "p", ...counter, mainFn: () => 1 });
    runner.spawn("p");
    runner.start();
    const cases: [unknown, string][] = [
      [null, "stop.options"],
      [5, "stop.options"],
      [{ timeout: Number.NaN }, "stop.options.timeout"],
      [{ timeout: -1 }, "stop.options.timeout"],
      [{ timeout: "nope" }, "stop.options.timeout"],
      [{ timeout: null }, "stop.options.timeout"],
      [{ timout: 5 }, "stop.options.timout"],
    ];
    for (const [options, field] of cases) {
      const error = await rejection(runner.stop(options as { timeout?: number }));
      expect(error).toBeInstanceOf(SchedkitError);
      expect(error).toMatchObject({ code: "invalid-options", field });
      expect((error as Error).message).toContain(field);
    }
    expect(runner.isStarted()).toBe(true);
    await clock.tickAsync(100);
    expect(runner.getState("p")).toBe(1);
    await runner.stop({ timeout: 0 });
    expect(runner.isStopped()).toBe(true);
  });

  it("listSpawns - an order other than asc or desc is a coded error naming order", () => {
    const { runner } = setup();
    runner.install({ id: "p", interval: 100, mainFn: () => undefined });
    runner.spawn("p");
    const error = thrown(() => runner.listSpawns("p", "sideways" as "asc"));
    expect(error).toBeInstanceOf(SchedkitError);
    expect(error).toMatchObject({ code: "invalid-command", field: "order" });
    expect(runner.listSpawns("p", "desc").map((spawn) => spawn.id)).toEqual(["p-1"]);
    expect(thrown(() => runner.listSpawnIds("p", "sideways" as "asc"))).toMatchObject({
      code: "invalid-command",
      field: "order",
    });
    expect(runner.listSpawnIds("p", "desc")).toEqual(["p-1"]);
  });

  it("queries - a null-prototype object as id is a coded error naming the argument", () => {
    const { runner } = setup();
    runner.install({ id: "p", interval: 100, mainFn: () => undefined });
    runner.spawn("p");
    const bad = Object.create(null) as string;
    const queries: [string, () => unknown, string][] = [
      ["getProgram", () => runner.getProgram(bad), "programId"],
      ["getState", () => runner.getState(bad), "programId"],
      ["getSpawnState", () => runner.getSpawnState("p", bad), "spawnId"],
      ["getProps", () => runner.getProps(bad), "programId"],
      ["getProps", () => runner.getProps("p", bad), "spawnId"],
      ["getSpawn", () => runner.getSpawn(bad, "p-1"), "programId"],
      ["listSpawns", () => runner.listSpawns(bad), "programId"],
      ["listSpawnIds", () => runner.listSpawnIds(bad), "programId"],
      ["countSpawns", () => runner.countSpawns(bad), "programId"],
      ["latestSpawn", () => runner.latestSpawn(bad), "programId"],
      ["earliestSpawn", () => runner.earliestSpawn(bad), "programId"],
      ["listStopped", () => runner.listStopped(bad), "programId"],
      ["latestStopped", () => runner.latestStopped(bad), "programId"],
      ["latest", () => runner.latest(bad), "programId"],
    ];
    for (const [name, query, field] of queries) {
      const error = thrown(query);
      expect(isSchedkitError(error), name).toBe(true);
      expect(error, name).toMatchObject({ field });
    }
    expect(runner.isInstalled(bad)).toBe(false);
  });

  it("subscribe - a listener that is not a function is a coded error, and nothing is subscribed", async () => {
    const { clock, runner } = setup();
    expect(thrown(() => runner.subscribe(5 as unknown as () => void))).toMatchObject({
      code: "invalid-command",
      field: "listener",
    });
    runner.install({ id: "p", ...counter, mainFn: () => 1 });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    expect(runner.getState("p")).toBe(1);
    runner.kill();
  });
});

describe("runner robustness: stopping", () => {
  const hanging: Pick<ProgramSpec, "mainFn"> = {
    mainFn: (_args, _t, ctx) =>
      new Promise<number>((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => reject(new Error("aborted")));
      }),
  };

  it("stop - a second stop with a shorter timeout kills at that timeout", async () => {
    const { clock, runner } = setup();
    runner.install({ id: "p", ...counter, ...hanging });
    runner.spawn("p");
    runner.start();
    await clock.tickAsync(100);
    let stopped = false;
    const first = runner.stop({ timeout: 10_000 }).then(() => {
      stopped = true;
    });
    const second = runner.stop({ timeout: 50 });
    await clock.tickAsync(49);
    expect(stopped).toBe(false);
    await clock.tickAsync(1);
    await Promise.all([first, second]);
    expect(stopped).toBe(true);
    expect(runner.isStopped()).toBe(true);
  });

  it("start - while stopping is refused, whether or not the runner had started", async () => {
    for (const startedFirst of [true, false]) {
      const { clock, runner } = setup();
      runner.install({ id: "p", ...counter, ...hanging });
      runner.spawn("p");
      if (startedFirst) {
        runner.start();
        await clock.tickAsync(100);
      }
      const stopping = runner.stop({ timeout: 10 });
      expect(() => runner.start()).toThrow(expect.objectContaining({ code: "stopped" }));
      await clock.tickAsync(10);
      await stopping;
    }
  });
});
