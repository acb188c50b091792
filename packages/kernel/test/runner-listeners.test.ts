import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { createRunner, type KernelEffect } from "../src/index.js";

describe("runner: listeners", () => {
  it("subscribe - the same function twice is one listener", () => {
    const runner = createRunner({ clock: FakeTimers.createClock(0) });
    const seen: string[] = [];
    const listener = (effect: KernelEffect) => seen.push(effect.type);
    const off = runner.subscribe(listener);
    runner.subscribe(listener);
    runner.install({ id: "p", interval: 10, mainFn: () => undefined });
    expect(seen).toEqual(["installed", "wake"]);
    off();
    runner.spawn("p");
    expect(seen).toEqual(["installed", "wake"]);
  });

  it("subscribe - a listener removed by an earlier one is not called again, one added sees the next effect", () => {
    const runner = createRunner({ clock: FakeTimers.createClock(0) });
    const seen: string[] = [];
    let offSecond = () => {};
    let added = false;
    runner.subscribe((effect) => {
      seen.push(`first ${effect.type}`);
      offSecond();
      if (!added) {
        added = true;
        runner.subscribe((later) => seen.push(`third ${later.type}`));
      }
    });
    offSecond = runner.subscribe((effect) => seen.push(`second ${effect.type}`));
    runner.install({ id: "p", interval: 10, mainFn: () => undefined });
    expect(seen).toEqual(["first installed", "first wake", "third wake"]);
  });
});
