import { createRunner, type KernelEffect } from "@schedkit/kernel";
import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { REPORT_ID, setupReport } from "./slow-cron-skip.js";

describe("slow-cron-skip", () => {
  it("slow-cron-skip - a match that comes while the slow report runs is skipped, reported once; never two at once", async () => {
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock });
    const effects: KernelEffect[] = [];
    runner.subscribe((effect) => effects.push(effect));
    const { spawnId } = setupReport(runner, clock);
    runner.start();
    await clock.tickAsync(8_000);
    const runs = effects.flatMap((effect) => (effect.type === "run" ? [effect.scheduledAt] : []));
    const skipped = effects.flatMap((effect) => (effect.type === "skipped" ? [effect.scheduledAt] : []));
    // Runs 0 and 1 take 0.3 s; run 2 (due 3 s) takes 2.5 s, so the matches at 4 s and 5 s are skipped.
    expect(runs).toEqual([1_000, 2_000, 3_000, 6_000, 7_000, 8_000]);
    expect(skipped).toEqual([4_000, 5_000]);
    let inFlight = 0;
    for (const effect of effects) {
      if (effect.type === "run") inFlight++;
      if (effect.type === "settled") inFlight--;
      expect(inFlight).toBeLessThanOrEqual(1);
    }
    expect(runner.getProps(REPORT_ID, spawnId)).toMatchObject({ skipped: 2, runs: 6 });
    runner.kill();
  });
});
