import { createRunner, type KernelEffect, type Runner } from "@schedkit/kernel";
import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { createRandInt, STATS_ID, setupStats } from "./stats.js";

type Settled = Extract<KernelEffect, { type: "settled" }>;

/** What seed 1 draws, in order. */
const SEED_1 = [6, 0, 5, 9, 9, 2, 6, 7, 4, 9];

const collectSettled = (runner: Runner) => {
  const settled: Settled[] = [];
  runner.subscribe((effect) => {
    if (effect.type === "settled") settled.push(effect);
  });
  return () =>
    settled.map(({ value, scheduledAt, startedAt, endedAt }) => ({ value, scheduledAt, startedAt, endedAt }));
};

const onTime = (value: number, at: number) => ({ value, scheduledAt: at, startedAt: at, endedAt: at });

describe("stats", () => {
  it("stats - createRandInt draws the same numbers for the same seed", () => {
    const draw = createRandInt(1);
    expect(Array.from({ length: 10 }, () => draw(10))).toEqual(SEED_1);
    const other = createRandInt(2);
    expect(Array.from({ length: 10 }, () => other(10))).not.toEqual(SEED_1);
  });

  it("stats - adds one sample a second to a state that starts at 0", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ id: "system-runner", clock });
    const times = collectSettled(runner);
    const { spawnId, getTotal } = setupStats(runner);
    runner.start();
    expect(getTotal()).toBe(0);

    await clock.tickAsync(5_000);
    expect(times()).toEqual([onTime(6, 1_000), onTime(0, 2_000), onTime(5, 3_000), onTime(9, 4_000), onTime(9, 5_000)]);
    expect(runner.getState(STATS_ID)).toBe(29);
    expect(runner.getProps(STATS_ID, spawnId)).toEqual({
      startedAt: 0,
      updatedAt: 5_000,
      submitted: 6,
      succeeded: 5,
      errored: 0,
      completed: 5,
      terminating: false,
      interval: 1_000,
      lastError: undefined,
      missed: 0,
      lost: 0,
      skipped: 0,
      buffered: 0,
      runs: 5,
      paused: false,
      pauseNote: null,
    });
    expect(runner.getSpawn(STATS_ID, spawnId).result).toEqual({
      jobId: "job-5",
      status: "succeeded",
      value: 9,
      scheduledAt: 5_000,
      startedAt: 5_000,
      endedAt: 5_000,
    });
    await runner.stop();
  });

  it("stats - a 10 ms sample shifts a basic program's next job but not a constant program's grid", async () => {
    const run = async (type: "basic" | "constant") => {
      const clock = FakeTimers.createClock(0);
      const runner = createRunner({ clock });
      const times = collectSettled(runner);
      const draw = createRandInt(1);
      setupStats(runner, {
        type,
        sample: () => new Promise<number>((resolve) => clock.setTimeout(() => resolve(draw(10)), 10)),
      });
      runner.start();
      await clock.tickAsync(3_100);
      const state = runner.getState(STATS_ID);
      await runner.stop();
      return { times: times(), state };
    };

    expect(await run("basic")).toEqual({
      times: [
        { value: 6, scheduledAt: 1_000, startedAt: 1_000, endedAt: 1_010 },
        { value: 0, scheduledAt: 2_010, startedAt: 2_010, endedAt: 2_020 },
        { value: 5, scheduledAt: 3_020, startedAt: 3_020, endedAt: 3_030 },
      ],
      state: 11,
    });
    expect(await run("constant")).toEqual({
      times: [
        { value: 6, scheduledAt: 1_000, startedAt: 1_000, endedAt: 1_010 },
        { value: 0, scheduledAt: 2_000, startedAt: 2_000, endedAt: 2_010 },
        { value: 5, scheduledAt: 3_000, startedAt: 3_000, endedAt: 3_010 },
      ],
      state: 11,
    });
  });

  it("stats - after a 4.5 s host sleep, a constant program with misfire catch-up takes every missed sample", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock });
    const times = collectSettled(runner);
    setupStats(runner, { type: "constant", misfire: "catch-up" });
    runner.start();
    await clock.tickAsync(1_000);

    clock.jump(4_500); // asleep from 1 000 to 5 500
    await clock.tickAsync(0);
    expect(times()).toEqual([
      onTime(6, 1_000),
      { value: 0, scheduledAt: 2_000, startedAt: 5_500, endedAt: 5_500 },
      { value: 5, scheduledAt: 3_000, startedAt: 5_500, endedAt: 5_500 },
      { value: 9, scheduledAt: 4_000, startedAt: 5_500, endedAt: 5_500 },
      { value: 9, scheduledAt: 5_000, startedAt: 5_500, endedAt: 5_500 },
    ]);
    expect(runner.getState(STATS_ID)).toBe(29);

    await clock.tickAsync(500);
    expect(times()[5]).toEqual(onTime(2, 6_000)); // back on the grid
    expect(runner.getState(STATS_ID)).toBe(31);
    await runner.stop();
  });

  it("stats - after a 4.5 s host sleep, a constant program with misfire skip takes one sample and rejoins the grid", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock });
    const times = collectSettled(runner);
    setupStats(runner, { type: "constant", misfire: "skip" });
    runner.start();
    await clock.tickAsync(1_000);

    clock.jump(4_500); // asleep from 1 000 to 5 500
    await clock.tickAsync(0);
    expect(times()).toEqual([onTime(6, 1_000), { value: 0, scheduledAt: 2_000, startedAt: 5_500, endedAt: 5_500 }]);
    expect(runner.getState(STATS_ID)).toBe(6);

    await clock.tickAsync(500);
    expect(times()[2]).toEqual(onTime(5, 6_000)); // the next grid point after 5 500
    expect(runner.getState(STATS_ID)).toBe(11);
    runner.kill();
  });
});
