import type { JobStart, SettledJob } from "@schedkit/kernel";
import { createModelStore } from "@schedkit/kernel/fleet";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFleetRunner, type FleetRunnerOptions } from "../src/fleetRunner.js";
import { VirtualClock } from "./support/virtualClock.js";

const OPTIONS = { shards: 2, leaseTtl: 3_000, renewInterval: 1_000, safetyMargin: 300 } as const;

const oneReplica = (more: Partial<FleetRunnerOptions> = {}) => {
  const clock = new VirtualClock();
  const store = createModelStore({ clock: () => clock.time });
  const runner = createFleetRunner({
    store,
    clock,
    nodeId: "n0",
    programs: [
      {
        id: "flaky",
        interval: 100,
        mainFn: (_args: unknown, t: number) => {
          if (Math.round(t / 100) % 2 === 0) throw new Error(`even\nslot ${t}`);
          return t;
        },
      },
    ],
    ...OPTIONS,
    ...more,
  });
  return { clock, runner };
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createFleetRunner: failed jobs and wrappers", () => {
  it("onJobError - by default one stderr line per failed job, naming the node, program, spawn and fire", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const { clock, runner } = oneReplica();
    runner.start();
    await clock.advance(50);
    await clock.until(runner.spawn("flaky"));
    await clock.advance(450);
    runner.kill();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(line).toMatch(
        /^\[schedkit:fleet:n0\] job failed: program flaky, spawn flaky-1, fire flaky\/flaky-1\/\d+: Error: even slot \d+$/,
      );
    }
  });

  it("onJobError - a handler gets the error and the settled job; false writes nothing", async () => {
    const told: [unknown, SettledJob][] = [];
    const quiet = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { clock, runner } = oneReplica({ onJobError: (error, job) => told.push([error, job]) });
    runner.start();
    await clock.advance(50);
    await clock.until(runner.spawn("flaky"));
    await clock.advance(450);
    runner.kill();
    expect(told.length).toBeGreaterThanOrEqual(2);
    for (const [error, job] of told) {
      // A fleet logs outcomes as JSON: the error arrives as data, with its name and message.
      expect(error).toMatchObject({ name: "Error", message: expect.stringMatching(/^even\nslot \d+$/) });
      expect(job).toMatchObject({ type: "settled", programId: "flaky", spawnId: "flaky-1", status: "errored" });
    }
    const silent = oneReplica({ onJobError: false });
    silent.runner.start();
    await silent.clock.advance(50);
    await silent.clock.until(silent.runner.spawn("flaky"));
    await silent.clock.advance(450);
    silent.runner.kill();
    expect(quiet).not.toHaveBeenCalled();
    expect(() => oneReplica({ onJobError: 1 as never })).toThrow(
      expect.objectContaining({ code: "invalid-options", field: "onJobError" }),
    );
  });

  it("wrapJobs - runs around each mainFn with the shard, epoch and rerun of its run; the remover stops it", async () => {
    const { clock, runner } = oneReplica({ onJobError: false });
    const seen: JobStart[] = [];
    const off = runner.wrapJobs((job, run) => {
      seen.push(job);
      run();
    });
    runner.start();
    await clock.advance(50);
    await clock.until(runner.spawn("flaky"));
    await clock.advance(250);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const job of seen) {
      expect(job).toMatchObject({ programId: "flaky", spawnId: "flaky-1", rerun: false });
      expect(typeof job.shard).toBe("number");
      expect(typeof job.epoch).toBe("number");
      expect(job.startedAt).toBeGreaterThanOrEqual(job.scheduledAt);
    }
    off();
    const before = seen.length;
    await clock.advance(300);
    expect(seen.length).toBe(before);
    expect(runner.now()).toBe(clock.wallNow());
    runner.kill();
  });
});
