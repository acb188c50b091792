import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { createRunner, type KernelEffect } from "../src/index.js";
import { Machine } from "../src/internal/machine.js";

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

  it("runJob - a batch the kernel failed on part way is reported, and its results are not sent again", () => {
    // A kernel bug hit by the batch's second result (any internal throw would do).
    let armed = false;
    let arrivals = 0;
    const arrive = Machine.prototype.arrive;
    Machine.prototype.arrive = function (this: Machine, at: number, wall: number | undefined) {
      if (armed && ++arrivals === 2) throw new Error("kernel bug");
      return arrive.call(this, at, wall);
    };
    try {
      const clock = FakeTimers.createClock(0);
      const errors: unknown[] = [];
      const runner = createRunner({ clock, onError: (error) => errors.push(error) });
      const seen: string[] = [];
      runner.subscribe((effect) => seen.push(effect.type === "rejected" ? `rejected:${effect.code}` : effect.type));
      let n = 0;
      runner.install({
        id: "p",
        type: "constant",
        interval: 10,
        mainFn: () => {
          n++;
          if (n === 3) armed = true;
          return n;
        },
      });
      for (let index = 0; index < 3; index++) runner.spawn("p");
      runner.start();
      seen.length = 0;
      clock.tick(10);
      expect(seen).toEqual(["run", "run", "run", "wake", "settled", "rejected:internal-error", "wake"]);
      expect(errors).toHaveLength(1);
      expect(String(errors[0])).toMatch(/kernel bug/);
      runner.kill();
    } finally {
      Machine.prototype.arrive = arrive;
    }
  });
});
