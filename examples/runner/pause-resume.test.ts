import { createRunner, type KernelEffect } from "@schedkit/kernel";
import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { SYNC_ID, setupSync } from "./pause-resume.js";

const started = (effects: readonly KernelEffect[]) =>
  effects.flatMap((effect) => (effect.type === "run" ? [[effect.scheduledAt, effect.startedAt]] : []));

describe("pause-resume", () => {
  it("pause-resume - nothing starts while paused; the resume catches up inside the window and reports the rest missed", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock });
    const effects: KernelEffect[] = [];
    runner.subscribe((effect) => effects.push(effect));
    const { spawnId } = setupSync(runner, { catchUpWindow: 500 });
    runner.start();
    await clock.tickAsync(500);
    runner.pause(SYNC_ID, undefined, { note: "deploy 1.4.2" });
    expect(runner.info().programs[SYNC_ID]?.current[spawnId]).toMatchObject({
      paused: true,
      pauseNote: "deploy 1.4.2",
    });
    await clock.tickAsync(1_000);
    expect(started(effects)).toEqual([
      [200, 200],
      [400, 400],
    ]);
    runner.resume(SYNC_ID);
    await clock.tickAsync(0);
    // Paused from 500 to 1500: 600 and 800 are older than the 500 ms window (missed); 1000..1400 run now.
    expect(effects.find((effect) => effect.type === "missed")).toMatchObject({ count: 2, from: 600, to: 800 });
    expect(started(effects).slice(2)).toEqual([
      [1_000, 1_500],
      [1_200, 1_500],
      [1_400, 1_500],
    ]);
    await clock.tickAsync(100);
    expect(started(effects).at(-1)).toEqual([1_600, 1_600]);
    expect(runner.getProps(SYNC_ID, spawnId)).toMatchObject({ paused: false, missed: 2, runs: 6 });
    runner.kill();
  });

  it('pause-resume - with misfire "skip" the resume runs once and rejoins the grid', async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock });
    const effects: KernelEffect[] = [];
    runner.subscribe((effect) => effects.push(effect));
    setupSync(runner, { misfire: "skip" });
    runner.start();
    runner.pause(SYNC_ID);
    await clock.tickAsync(1_050);
    runner.resume(SYNC_ID);
    await clock.tickAsync(200);
    expect(started(effects)).toEqual([
      [200, 1_050],
      [1_200, 1_200],
    ]);
    runner.kill();
  });
});
