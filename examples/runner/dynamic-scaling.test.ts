import { createRunner, type KernelEffect } from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { CHECK_ID, checkLoad, SCALED_ID, setupDynamicScaling } from "./dynamic-scaling.js";

type Settled = Extract<KernelEffect, { type: "settled" }>;

const SECOND = 1000;

const setup = () => {
  const clock = FakeTimers.createClock(0);
  // "first" is registered (and the default) too: the program's own policy "last" must win.
  const runner = createRunner({ id: "system-runner", clock, policies: [fifo(), lifo()] });
  const checks: Settled[] = [];
  runner.subscribe((effect) => {
    if (effect.type === "settled" && effect.programId === CHECK_ID) checks.push(effect);
  });
  const checkTimes = () => checks.map(({ scheduledAt, startedAt, endedAt }) => ({ scheduledAt, startedAt, endedAt }));
  const startTimes = () => runner.listSpawns(SCALED_ID).map(({ id, startedAt }) => ({ id, startedAt }));
  return { clock, runner, checkTimes, startTimes };
};

describe("dynamic-scaling", () => {
  it("dynamic-scaling - spawns a worker at each check while the queue is above 100, up to max 5", async () => {
    const { clock, runner, checkTimes, startTimes } = setup();
    const { queue, workerId, checkerId } = setupDynamicScaling(runner, { queue: { size: 1000 } });
    runner.start();
    expect([workerId, checkerId]).toEqual(["worker-1", "check-load-1"]);

    await clock.tickAsync(5 * SECOND);
    expect(checkTimes()).toEqual(
      [1, 2, 3, 4, 5].map((s) => ({ scheduledAt: s * SECOND, startedAt: s * SECOND, endedAt: s * SECOND })),
    );
    // Each check spawns one worker right after it runs; the fifth is refused by max.
    expect(startTimes()).toEqual([
      { id: "worker-1", startedAt: 0 },
      { id: "worker-2", startedAt: 1000 },
      { id: "worker-3", startedAt: 2000 },
      { id: "worker-4", startedAt: 3000 },
      { id: "worker-5", startedAt: 4000 },
    ]);
    expect(runner.getState(CHECK_ID)).toEqual({ spawn: 5, unspawn: 0, hold: 0 });
    // Worker k (started at (k-1) s) takes one item every 100 ms: 50 + 40 + 30 + 20 + 10.
    expect(runner.getState(SCALED_ID)).toBe(150);
    expect(queue.size).toBe(850);
    expect(runner.getProps(SCALED_ID, "worker-5")).toMatchObject({ startedAt: 4000, updatedAt: 5000, completed: 10 });
    await runner.stop();
  });

  it("dynamic-scaling - below 10 each check unspawns the last-created worker, down to min 1", async () => {
    const { clock, runner, checkTimes } = setup();
    const { queue } = setupDynamicScaling(runner, { queue: { size: 1000 } });
    runner.start();
    await clock.tickAsync(5 * SECOND);
    expect(runner.countSpawns(SCALED_ID)).toBe(5);

    queue.size = 5; // the load drops
    await clock.tickAsync(1 * SECOND);
    expect(runner.listSpawns(SCALED_ID).map((spawn) => spawn.id)).toEqual([
      "worker-1",
      "worker-2",
      "worker-3",
      "worker-4",
    ]);
    expect(runner.latestStopped(SCALED_ID)).toMatchObject({ id: "worker-5", status: "stopped" });

    await clock.tickAsync(4 * SECOND);
    expect(checkTimes().slice(5)).toEqual(
      [6, 7, 8, 9, 10].map((s) => ({ scheduledAt: s * SECOND, startedAt: s * SECOND, endedAt: s * SECOND })),
    );
    expect(runner.listSpawns(SCALED_ID).map((spawn) => spawn.id)).toEqual(["worker-1"]);
    // Newest first; the check at 10 s was refused by min.
    expect(runner.listStopped(SCALED_ID).map((spawn) => spawn.id)).toEqual([
      "worker-2",
      "worker-3",
      "worker-4",
      "worker-5",
    ]);
    expect(runner.getState(CHECK_ID)).toEqual({ spawn: 5, unspawn: 5, hold: 0 });
    expect(queue.size).toBe(0);
    expect(runner.getState(SCALED_ID)).toBe(155);
    await runner.stop();
  });

  it("dynamic-scaling - between 10 and 100 the pool holds steady, and min keeps the last worker", async () => {
    const { clock, runner, checkTimes } = setup();
    const queue = { size: 50 };
    const sizes: number[] = []; // what each check saw
    runner.subscribe((effect) => {
      if (effect.type === "run" && effect.programId === CHECK_ID) sizes.push(queue.size);
    });
    setupDynamicScaling(runner, { queue });
    runner.start();

    await clock.tickAsync(5 * SECOND);
    // A check runs before the worker job due at the same time (its job was created first).
    expect(sizes).toEqual([41, 31, 21, 11, 1]);
    expect(checkTimes().map((check) => check.startedAt)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(runner.getState(CHECK_ID)).toEqual({ spawn: 0, unspawn: 1, hold: 4 });
    expect(runner.listSpawns(SCALED_ID).map((spawn) => spawn.id)).toEqual(["worker-1"]);
    expect(runner.listStopped(SCALED_ID)).toEqual([]);
    runner.kill();
  });

  it("dynamic-scaling - checkLoad called directly returns the worker it spawned or unspawned", async () => {
    const { clock, runner } = setup();
    const { queue } = setupDynamicScaling(runner, { max: 2 });
    runner.start();
    await clock.tickAsync(500);

    queue.size = 150;
    expect(checkLoad(runner, queue)).toEqual({ action: "spawn", spawnId: "worker-2" });
    expect(checkLoad(runner, queue)).toEqual({ action: "spawn", spawnId: undefined }); // max 2
    queue.size = 50;
    expect(checkLoad(runner, queue)).toEqual({ action: "hold", spawnId: undefined });
    queue.size = 100; // not above 100
    expect(checkLoad(runner, queue)).toEqual({ action: "hold", spawnId: undefined });
    queue.size = 9;
    expect(checkLoad(runner, queue)).toEqual({ action: "unspawn", spawnId: "worker-2" });
    expect(checkLoad(runner, queue)).toEqual({ action: "unspawn", spawnId: undefined }); // min 1
    expect(runner.listStopped(SCALED_ID)).toMatchObject([{ id: "worker-2", startedAt: 500, status: "stopped" }]);
    await runner.stop();
  });
});
