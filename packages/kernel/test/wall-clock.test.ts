import { describe, expect, it } from "vitest";
import { createKernel, effectsOf, type Kernel, restoreKernel } from "../src/index.js";

// Cron follows the wall clock; interval programs follow the kernel's (monotonic) time (issue #14 item 14).

const mainFn = () => undefined;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const hourly = { id: "hourly", type: "cron" as const, cron: "0 * * * *", mainFn };
const every = { id: "every", type: "constant" as const, interval: 10 * MINUTE, mainFn };

const fleet = (): Kernel => {
  const kernel = createKernel();
  kernel.dispatch({ type: "install", at: 0, wall: 0, program: hourly });
  kernel.dispatch({ type: "install", at: 0, wall: 0, program: every });
  kernel.dispatch({ type: "spawn", at: 0, wall: 0, programId: "hourly" });
  kernel.dispatch({ type: "spawn", at: 0, wall: 0, programId: "every" });
  return kernel;
};

describe("wall clock", () => {
  it("tick - after a suspend the wall clock is ahead: the cron job due on the wall runs now, intervals keep their grid", () => {
    const kernel = fleet();
    kernel.dispatch({ type: "tick", at: 30 * MINUTE, wall: 30 * MINUTE });
    // Suspended 20 minutes: the monotonic clock did not move, the wall did.
    const effects = kernel.dispatch({ type: "tick", at: 40 * MINUTE, wall: 60 * MINUTE });
    const runs = effectsOf(effects, "run");
    expect(runs.map((run) => [run.programId, run.scheduledAt])).toEqual([
      ["hourly", 40 * MINUTE], // 01:00 on the wall is 40 minutes on the kernel's clock now
      ["every", 40 * MINUTE],
    ]);
    // The next match, 02:00 on the wall, is 100 minutes on the kernel's clock.
    expect(kernel.getProps("hourly", "hourly-1").interval).toBe(HOUR);
    expect(effects.at(-1)).toEqual({ type: "wake", at: 50 * MINUTE });
    const next = kernel.dispatch({ type: "tick", at: 100 * MINUTE, wall: 120 * MINUTE });
    expect(effectsOf(next, "run").map((run) => [run.programId, run.scheduledAt])).toEqual([
      ["every", 50 * MINUTE],
      ["every", 60 * MINUTE],
      ["every", 70 * MINUTE],
      ["every", 80 * MINUTE],
      ["every", 90 * MINUTE],
      ["hourly", 100 * MINUTE],
      ["every", 100 * MINUTE],
    ]);
  });

  it("tick - a wall clock set back an hour moves the cron job an hour later on the kernel's clock; no job runs twice", () => {
    const kernel = fleet();
    kernel.dispatch({ type: "tick", at: 30 * MINUTE, wall: 30 * MINUTE });
    const effects = kernel.dispatch({ type: "tick", at: 31 * MINUTE, wall: 31 * MINUTE - HOUR });
    expect(effectsOf(effects, "run")).toEqual([]);
    // 60 minutes on the kernel's clock is 00:00 on the wall again: the hourly job (01:00) is not due.
    const again = kernel.dispatch({ type: "tick", at: 60 * MINUTE, wall: 0 });
    expect(effectsOf(again, "run").map((run) => [run.programId, run.scheduledAt])).toEqual([
      ["every", 40 * MINUTE],
      ["every", 50 * MINUTE],
      ["every", 60 * MINUTE],
    ]);
    const later = kernel.dispatch({ type: "tick", at: 120 * MINUTE, wall: HOUR });
    expect(effectsOf(later, "run").map((run) => [run.programId, run.scheduledAt])).toEqual([
      ["every", 70 * MINUTE],
      ["every", 80 * MINUTE],
      ["every", 90 * MINUTE],
      ["every", 100 * MINUTE],
      ["every", 110 * MINUTE],
      ["hourly", 120 * MINUTE],
      ["every", 120 * MINUTE],
    ]);
  });

  it("dispatch - differences of up to 100 ms between the two readings are noise and move nothing", () => {
    const kernel = fleet();
    kernel.dispatch({ type: "tick", at: 10, wall: 90 });
    kernel.dispatch({ type: "tick", at: 20, wall: -60 });
    expect(kernel.snapshot().wallOffset).toBe(0);
    expect(kernel.dispatch({ type: "tick", at: 30, wall: 30 }).at(-1)).toEqual({ type: "wake", at: 10 * MINUTE });
  });

  it("spawn - a cron spawn made after a wall step aims at the wall clock's next match", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: hourly });
    kernel.dispatch({ type: "tick", at: 1000, wall: 1000 + 45 * MINUTE });
    const effects = kernel.dispatch({ type: "spawn", at: 2000, programId: "hourly" });
    expect(effects.at(-1)).toEqual({ type: "wake", at: 15 * MINUTE });
  });

  it("spawn - a cron spawn whose own command brings a wall step aims at the new wall clock", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "c", type: "cron", cron: "0 0 * * * *", mainFn } });
    // The wall clock is 30 minutes ahead, and the spawn is the first command to say so.
    const effects = kernel.dispatch({ type: "spawn", at: 0, wall: 30 * MINUTE, programId: "c" });
    expect(effects.at(-1)).toEqual({ type: "wake", at: 30 * MINUTE });
  });

  it("dispatch - a wall reading out of range is rejected naming command.wall, and changes nothing", () => {
    const kernel = fleet();
    const before = kernel.snapshot();
    for (const wall of [Number.NaN, 1e300, "now"]) {
      const effects = kernel.dispatch({ type: "tick", at: 5, wall } as never);
      expect(effectsOf(effects, "rejected")[0]).toMatchObject({ code: "invalid-command", field: "command.wall" });
    }
    expect(kernel.snapshot()).toEqual(before);
  });

  it("restoreKernel - the wall offset survives a snapshot", () => {
    const kernel = fleet();
    kernel.dispatch({ type: "tick", at: 40 * MINUTE, wall: 60 * MINUTE });
    const copy = restoreKernel(kernel.snapshot(), [hourly, every]);
    const tick = { type: "tick", at: 100 * MINUTE, wall: 120 * MINUTE } as const;
    expect(copy.dispatch(tick)).toEqual(kernel.dispatch(tick));
  });
});
