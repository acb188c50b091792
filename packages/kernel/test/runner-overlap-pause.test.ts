import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { createRunner, type KernelEffect, SchedkitError } from "../src/index.js";

const sleep = (clock: { setTimeout(cb: () => void, ms: number): unknown }, ms: number) =>
  new Promise<void>((resolve) => clock.setTimeout(resolve, ms));

const setup = () => {
  const clock = FakeTimers.createClock(0);
  const runner = createRunner({ clock });
  const effects: KernelEffect[] = [];
  runner.subscribe((effect) => effects.push(effect));
  return { clock, runner, effects };
};

describe("runner: overlap, pause and limits", () => {
  it('overlap "skip" - a slow job makes the due times that come while it runs skipped, each reported once', async () => {
    const { clock, runner, effects } = setup();
    const started: number[] = [];
    runner.install({
      id: "slow",
      type: "constant",
      interval: 100,
      overlap: "skip",
      mainFn: async (_args: unknown, t: number) => {
        started.push(t);
        await sleep(clock, 250);
      },
    });
    runner.start();
    runner.spawn("slow");
    await clock.tickAsync(1_000);
    runner.stop();
    // Each job takes 250 ms: the 2 due times while it runs are skipped, the 3rd one runs.
    expect(started).toEqual([100, 400, 700, 1000]);
    const skipped = effects.flatMap((effect) => (effect.type === "skipped" ? [effect.scheduledAt] : []));
    expect(skipped).toEqual([200, 300, 500, 600, 800, 900]);
  });

  it("pause / resume - a paused spawn starts nothing; the resume runs what it missed", async () => {
    const { clock, runner } = setup();
    const started: number[] = [];
    runner.install({
      id: "p",
      type: "constant",
      interval: 100,
      mainFn: (_args: unknown, t: number) => started.push(t),
    });
    runner.start();
    const spawnId = runner.spawn("p") ?? "";
    await clock.tickAsync(150);
    runner.pause("p", spawnId, { note: "deploy" });
    expect(runner.getProps("p", spawnId)).toMatchObject({ paused: true, pauseNote: "deploy" });
    await clock.tickAsync(200);
    expect(started).toEqual([100]);
    runner.resume("p", spawnId);
    await clock.tickAsync(0);
    expect(started).toEqual([100, 200, 300]);
    await clock.tickAsync(100);
    expect(started).toEqual([100, 200, 300, 400]);
    runner.stop();
  });

  it("pause - bad input throws a coded SchedkitError naming the field; nothing changes", () => {
    const { runner } = setup();
    runner.install({ id: "p", type: "constant", interval: 100, mainFn: () => undefined });
    runner.start();
    expect(() => runner.pause("p", "nope")).toThrow(SchedkitError);
    try {
      runner.pause("p", "nope");
    } catch (error) {
      expect(error).toMatchObject({ code: "unknown-spawn", field: "command.spawnId" });
    }
    expect(() => runner.resume("q")).toThrow(/command.programId/);
    runner.stop();
  });

  it("maxRuns - the spawn stops by itself after its last run", async () => {
    const { clock, runner, effects } = setup();
    runner.install({ id: "p", type: "constant", interval: 100, maxRuns: 3, mainFn: () => undefined });
    runner.start();
    runner.spawn("p");
    await clock.tickAsync(1_000);
    expect(effects.filter((effect) => effect.type === "run")).toHaveLength(3);
    expect(effects.find((effect) => effect.type === "stopped")).toMatchObject({ reason: "max-runs" });
    runner.stop();
  });

  it("pause / nextRuns - the short forms: pause(programId, { note }) and nextRuns(programId, count, from?)", () => {
    const { runner } = setup();
    runner.install({ id: "p", type: "constant", interval: 100, mainFn: () => undefined });
    runner.start();
    const spawnId = runner.spawn("p") ?? "";
    runner.pause("p", { note: "maintenance" });
    expect(runner.info().programs.p).toMatchObject({ paused: true, pauseNote: "maintenance" });
    expect(runner.getProps("p", spawnId)).toMatchObject({ paused: true, pauseNote: "maintenance" });
    runner.resume("p");
    expect(runner.nextRuns("p", 3)).toEqual(runner.nextRuns("p", undefined, 3));
    expect(runner.nextRuns("p", 2, 1_000)).toEqual([1_100, 1_200]);
    runner.stop();
  });
});
