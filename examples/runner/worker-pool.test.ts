import { createRunner, type KernelEffect, type Runner } from "@schedkit/kernel";
import { lifo } from "@schedkit/policy-lifo";
import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { createQueue, setupWorkerPool, WORKER_ID } from "./worker-pool.js";

type Settled = Extract<KernelEffect, { type: "settled" }>;

/** Settled jobs' times, grouped by spawn. */
const collectSettled = (runner: Runner) => {
  const settled: Settled[] = [];
  runner.subscribe((effect) => {
    if (effect.type === "settled") settled.push(effect);
  });
  return (spawnId: string) =>
    settled
      .filter((effect) => effect.spawnId === spawnId)
      .map(({ scheduledAt, startedAt, endedAt }) => ({ scheduledAt, startedAt, endedAt }));
};

/** A worker's processing that takes `ms` on the given fake clock. */
const takes = (clock: FakeTimers.Clock, ms: number) => () =>
  new Promise<void>((resolve) => {
    clock.setTimeout(() => resolve(), ms);
  });

describe("worker-pool", () => {
  it("worker-pool - three workers drain the queue in parallel; a 10 ms job shifts that worker's next check", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ id: "system-runner", clock, policies: [lifo()] });
    const timesOf = collectSettled(runner);
    const queue = createQueue(["a", "b", "c", "d", "e"]);
    const { spawnIds, processed } = setupWorkerPool(runner, { queue, process: takes(clock, 10) });
    runner.start();
    expect(spawnIds).toEqual(["worker-1", "worker-2", "worker-3"]);
    expect(runner.countSpawns(WORKER_ID)).toBe(3);

    await clock.tickAsync(400);
    // Creation order decides who pops first when all are due together.
    expect(processed).toEqual([
      { item: "a", spawnId: "worker-1", t: 100 },
      { item: "b", spawnId: "worker-2", t: 100 },
      { item: "c", spawnId: "worker-3", t: 100 },
      { item: "d", spawnId: "worker-1", t: 210 },
      { item: "e", spawnId: "worker-2", t: 210 },
    ]);
    expect(queue.size).toBe(0);
    const busy = [
      { scheduledAt: 100, startedAt: 100, endedAt: 110 },
      { scheduledAt: 210, startedAt: 210, endedAt: 220 }, // due 100 ms after 110
      { scheduledAt: 320, startedAt: 320, endedAt: 320 }, // due 100 ms after 220; queue empty
    ];
    expect(timesOf("worker-1")).toEqual(busy);
    expect(timesOf("worker-2")).toEqual(busy);
    expect(timesOf("worker-3")).toEqual([
      { scheduledAt: 100, startedAt: 100, endedAt: 110 },
      { scheduledAt: 210, startedAt: 210, endedAt: 210 }, // found the queue empty: done at once
      { scheduledAt: 310, startedAt: 310, endedAt: 310 },
    ]);
    expect(runner.getProps(WORKER_ID, "worker-3")).toEqual({
      startedAt: 0,
      updatedAt: 310,
      submitted: 4,
      succeeded: 3,
      errored: 0,
      completed: 3,
      terminating: false,
      interval: 100,
      lastError: undefined,
      missed: 0,
      lost: 0,
      skipped: 0,
      buffered: 0,
      runs: 3,
      paused: false,
      pauseNote: null,
    });
    await runner.stop();
  });

  it("worker-pool - spawn is refused above max 5 and unspawn below min 1, stopping the newest first", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock, policies: [lifo()] });
    setupWorkerPool(runner);
    runner.start();

    expect([runner.spawn(WORKER_ID), runner.spawn(WORKER_ID), runner.spawn(WORKER_ID)]).toEqual([
      "worker-4",
      "worker-5",
      undefined,
    ]);
    expect(runner.countSpawns(WORKER_ID)).toBe(5);

    await clock.tickAsync(50);
    const removed = Array.from({ length: 5 }, () => runner.unspawn(WORKER_ID));
    expect(removed).toEqual(["worker-5", "worker-4", "worker-3", "worker-2", undefined]);
    expect(runner.countSpawns(WORKER_ID)).toBe(1);
    expect(runner.listSpawns(WORKER_ID).map((spawn) => spawn.id)).toEqual(["worker-1"]);
    expect(runner.listStopped(WORKER_ID).map(({ id, status }) => ({ id, status }))).toEqual([
      { id: "worker-2", status: "stopped" },
      { id: "worker-3", status: "stopped" },
      { id: "worker-4", status: "stopped" },
      { id: "worker-5", status: "stopped" },
    ]);
    await runner.stop();
  });

  it("worker-pool - unspawning a busy worker lets its item finish, then it stops", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock, policies: [lifo()] });
    const timesOf = collectSettled(runner);
    const queue = createQueue(["a", "b", "c", "d"]);
    const { processed } = setupWorkerPool(runner, { queue, process: takes(clock, 10) });
    runner.start();

    await clock.tickAsync(105); // all three are busy until 110
    expect(runner.unspawn(WORKER_ID)).toBe("worker-3");
    expect(runner.getSpawn(WORKER_ID, "worker-3").status).toBe("terminating");
    expect(runner.getProps(WORKER_ID, "worker-3").terminating).toBe(true);
    expect(runner.countSpawns(WORKER_ID)).toBe(2);

    await clock.tickAsync(5);
    expect(timesOf("worker-3")).toEqual([{ scheduledAt: 100, startedAt: 100, endedAt: 110 }]);
    expect(runner.getSpawn(WORKER_ID, "worker-3").status).toBe("stopped");

    await clock.tickAsync(200);
    expect(processed.map(({ item, spawnId }) => `${item}:${spawnId}`)).toEqual([
      "a:worker-1",
      "b:worker-2",
      "c:worker-3",
      "d:worker-1",
    ]);
    expect(timesOf("worker-3")).toHaveLength(1);
    runner.kill();
    expect(runner.isStopped()).toBe(true);
  });
});
