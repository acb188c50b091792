import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { createRunner, type KernelEffect } from "../src/index.js";

const setup = () => {
  const clock = FakeTimers.createClock(0);
  const runner = createRunner({ clock });
  const effects: KernelEffect[] = [];
  runner.subscribe((effect) => effects.push(effect));
  return { clock, runner, effects };
};

/** The effect types from the first `settled` on, one string per dispatch (a dispatch ends with its `wake`). */
const dispatchesFrom = (effects: readonly KernelEffect[], first: number) => {
  const lines: string[] = [];
  let line: string[] = [];
  for (const effect of effects.slice(first)) {
    line.push(effect.type);
    if (effect.type === "wake") {
      lines.push(line.join(" "));
      line = [];
    }
  }
  return lines;
};

describe("runner: results of one step as one batch", () => {
  it("runJob - synchronous results of one tick reach the kernel as one complete", () => {
    const { clock, runner, effects } = setup();
    let n = 0;
    runner.install({ id: "p", type: "constant", interval: 10, mainFn: () => ++n });
    for (let index = 0; index < 3; index++) runner.spawn("p");
    runner.start();
    clock.tick(10);
    const firstRun = effects.findIndex((effect) => effect.type === "run");
    expect(dispatchesFrom(effects, firstRun)).toEqual(["run run run wake", "settled settled settled wake"]);
    expect(
      effects.filter((effect) => effect.type === "settled").map((effect) => effect.type === "settled" && effect.value),
    ).toEqual([1, 2, 3]);
    runner.kill();
  });

  it("runJob - a command sent between two results keeps its place", () => {
    const { clock, runner, effects } = setup();
    let started = 0;
    runner.install({ id: "q", type: "basic", interval: 1000, mainFn: () => undefined });
    runner.install({
      id: "p",
      type: "constant",
      interval: 10,
      // The second job asks for a trigger: it is queued after the first result, before the second.
      mainFn: () => {
        started++;
        if (started === 2) runner.trigger("q").catch(() => undefined);
        return started;
      },
    });
    for (let index = 0; index < 3; index++) runner.spawn("p");
    runner.start();
    clock.tick(10);
    const firstRun = effects.findIndex((effect) => effect.type === "run");
    const lines = dispatchesFrom(effects, firstRun);
    expect(lines[0]).toBe("run run run wake");
    // The first result, the trigger (its job runs; its result joins the batch still queued), the other results.
    expect(lines.slice(1)).toEqual(["settled wake", "triggered run wake", "settled settled settled wake"]);
    expect(effects.filter((effect) => effect.type === "settled" && effect.programId === "p")).toHaveLength(3);
    runner.kill();
  });
});
