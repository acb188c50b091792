import { createRunner, type KernelEffect, type Runner } from "@schedkit/kernel";
import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { CLEANUP_ID } from "./cron-cleanup.js";
import { setupManualTrigger } from "./manual-trigger.js";

type Settled = Extract<KernelEffect, { type: "settled" }>;

const collectSettled = (runner: Runner) => {
  const settled: Settled[] = [];
  runner.subscribe((effect) => {
    if (effect.type === "settled") settled.push(effect);
  });
  return () =>
    settled.map(({ spawnId, status, scheduledAt, startedAt, endedAt }) => ({
      spawnId,
      status,
      scheduledAt,
      startedAt,
      endedAt,
    }));
};

describe("manual-trigger", () => {
  it("manual-trigger - runs the cleanup now, resolves with its output and leaves the minute grid alone", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ id: "system-runner", clock });
    const times = collectSettled(runner);
    const seen: number[] = [];
    const { trigger, spawnId } = setupManualTrigger(runner, {
      cleanup: (t) => {
        seen.push(t);
        return 1;
      },
    });
    runner.start();

    await clock.tickAsync(30_000);
    await expect(trigger()).resolves.toEqual({ count: 1 });
    expect(seen).toEqual([30_000]);
    expect(runner.getState(CLEANUP_ID)).toEqual({ deleted: 1 });
    expect(times()).toEqual([
      { spawnId: null, status: "succeeded", scheduledAt: 30_000, startedAt: 30_000, endedAt: 30_000 },
    ]);

    await clock.tickAsync(30_000);
    expect(times()[1]).toEqual({
      spawnId,
      status: "succeeded",
      scheduledAt: 60_000, // still a minute after the spawn started
      startedAt: 60_000,
      endedAt: 60_000,
    });
    expect(runner.getState(CLEANUP_ID)).toEqual({ deleted: 2 });
    // Trigger jobs belong to no spawn: the spawn's counters only see its own job.
    expect(runner.getProps(CLEANUP_ID, spawnId)).toMatchObject({ submitted: 2, completed: 1, updatedAt: 60_000 });
    expect(runner.info().programs[CLEANUP_ID]?.counts).toEqual({ submitted: 2, succeeded: 1, errored: 0 });
    await runner.stop();
  });

  it("manual-trigger - a trigger for a later time waits for it", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock });
    const times = collectSettled(runner);
    const { trigger } = setupManualTrigger(runner);
    runner.start();

    await clock.tickAsync(10_000);
    let resolved: unknown;
    const pending = trigger(45_000).then((value) => {
      resolved = value;
    });
    await clock.tickAsync(34_999);
    expect(resolved).toBeUndefined();
    expect(runner.getState(CLEANUP_ID)).toEqual({ deleted: 0 });

    await clock.tickAsync(1);
    await pending;
    expect(resolved).toEqual({ count: 1 });
    expect(times()).toEqual([
      { spawnId: null, status: "succeeded", scheduledAt: 45_000, startedAt: 45_000, endedAt: 45_000 },
    ]);
    expect(runner.getState(CLEANUP_ID)).toEqual({ deleted: 1 });
    await runner.stop();
  });

  it("manual-trigger - a failing cleanup rejects to the caller and leaves the state unchanged", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock });
    const times = collectSettled(runner);
    const { trigger, spawnId } = setupManualTrigger(runner, {
      cleanup: (t) => {
        if (t === 5_000) throw new Error("disk busy");
        return 1;
      },
    });
    runner.start();

    await clock.tickAsync(5_000);
    await expect(trigger()).rejects.toThrow("disk busy");
    expect(runner.getState(CLEANUP_ID)).toEqual({ deleted: 0 });
    expect(times()).toEqual([
      { spawnId: null, status: "errored", scheduledAt: 5_000, startedAt: 5_000, endedAt: 5_000 },
    ]);
    // The spawn is untouched: no error recorded, next run still at 60 000.
    expect(runner.getProps(CLEANUP_ID, spawnId)).toMatchObject({ errored: 0, completed: 0, lastError: undefined });
    await clock.tickAsync(55_000);
    expect(runner.getState(CLEANUP_ID)).toEqual({ deleted: 1 });

    await runner.stop();
    await expect(trigger()).rejects.toMatchObject({ code: "stopped" });
  });
});
