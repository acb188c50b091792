import { createRunner, type KernelEffect, type Runner } from "@schedkit/kernel";
import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { CLEANUP_ID, setupCleanup } from "./cron-cleanup.js";

type Settled = Extract<KernelEffect, { type: "settled" }>;

/** The times of every settled job, in order. */
const collectSettled = (runner: Runner) => {
  const settled: Settled[] = [];
  runner.subscribe((effect) => {
    if (effect.type === "settled") settled.push(effect);
  });
  const times = () =>
    settled.map(({ spawnId, scheduledAt, startedAt, endedAt }) => ({ spawnId, scheduledAt, startedAt, endedAt }));
  return { settled, times };
};

const MINUTE = 60_000;

describe("cron-cleanup", () => {
  it("cron-cleanup - runs once a minute and folds each count into state", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ id: "system-runner", clock });
    const { times } = collectSettled(runner);
    const { spawnId } = setupCleanup(runner);
    runner.start();
    expect(spawnId).toBe("cleanup-1");

    await clock.tickAsync(MINUTE - 1);
    expect(times()).toEqual([]);
    expect(runner.getState(CLEANUP_ID)).toEqual({ deleted: 0 });

    await clock.tickAsync(1 + 2 * MINUTE);
    expect(times()).toEqual([
      { spawnId, scheduledAt: 60_000, startedAt: 60_000, endedAt: 60_000 },
      { spawnId, scheduledAt: 120_000, startedAt: 120_000, endedAt: 120_000 },
      { spawnId, scheduledAt: 180_000, startedAt: 180_000, endedAt: 180_000 },
    ]);
    expect(runner.getState(CLEANUP_ID)).toEqual({ deleted: 3 });
    expect(runner.getProps(CLEANUP_ID, spawnId)).toEqual({
      startedAt: 0,
      updatedAt: 180_000,
      submitted: 4, // three done, the fourth waiting for 240 000
      succeeded: 3,
      errored: 0,
      completed: 3,
      terminating: false,
      interval: 60_000,
      lastError: undefined,
      missed: 0,
      lost: 0,
      skipped: 0,
      buffered: 0,
      runs: 3,
      paused: false,
      pauseNote: null,
    });
    expect(runner.getSpawn(CLEANUP_ID, spawnId).status).toBe("running");

    await runner.stop();
    expect(runner.countSpawns(CLEANUP_ID)).toBe(0);
    expect(runner.listStopped(CLEANUP_ID).map(({ id, status }) => ({ id, status }))).toEqual([
      { id: spawnId, status: "stopped" },
    ]);
  });

  it("cron-cleanup - the count the cleanup returns is what gets added", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock });
    const deletedPerRun = [4, 0, 7];
    const seen: number[] = [];
    setupCleanup(runner, {
      cleanup: (t) => {
        seen.push(t);
        return deletedPerRun[seen.length - 1] ?? 0;
      },
    });
    runner.start();
    await clock.tickAsync(3 * MINUTE);
    expect(seen).toEqual([60_000, 120_000, 180_000]);
    expect(runner.getState(CLEANUP_ID)).toEqual({ deleted: 11 });
    await runner.stop();
  });

  it("cron-cleanup - after a host sleep a basic spawn runs once, late, and counts the next minute from then", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock });
    const { times } = collectSettled(runner);
    const { spawnId } = setupCleanup(runner);
    runner.start();
    await clock.tickAsync(MINUTE); // first cleanup at 60 000

    clock.jump(150_000); // the host sleeps from 60 000 to 210 000, past the cleanup due at 120 000
    await clock.tickAsync(0);
    expect(times()).toEqual([
      { spawnId, scheduledAt: 60_000, startedAt: 60_000, endedAt: 60_000 },
      { spawnId, scheduledAt: 120_000, startedAt: 210_000, endedAt: 210_000 }, // 90 s late, run once
    ]);

    await clock.tickAsync(MINUTE);
    expect(times()[2]).toEqual({ spawnId, scheduledAt: 270_000, startedAt: 270_000, endedAt: 270_000 });
    expect(runner.getState(CLEANUP_ID)).toEqual({ deleted: 3 });
    runner.kill();
    expect(runner.isStopped()).toBe(true);
  });
});
