import FakeTimers from "@sinonjs/fake-timers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createRunner, type SettledJob } from "../src/index.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("runner: failed jobs", () => {
  it("onJobError - by default one stderr line per failed job: runner, program, spawn, fire id, message", async () => {
    const lines: unknown[][] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      lines.push(args);
    });
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ id: "billing", clock });
    runner.install({
      id: "invoice",
      interval: 10,
      mainFn: (_args, t) => {
        if (t === 20) throw new TypeError("no customer\n  at line 2");
        return 1;
      },
    });
    const spawnId = runner.spawn("invoice") as string;
    runner.start();
    clock.tick(30);
    expect(lines).toEqual([
      [
        `[schedkit:billing] job failed: program invoice, spawn ${spawnId}, fire invoice/${spawnId}/20: TypeError: no customer at line 2`,
      ],
    ]);
    await runner.stop();
  });

  it("onJobError - a trigger's failure is told too (its promise rejects as well); a Promise's rejection and a thrown non-Error", async () => {
    const told: [unknown, SettledJob][] = [];
    const runner = createRunner({
      clock: FakeTimers.createClock(0),
      onJobError: (error, job) => told.push([error, job]),
    });
    runner.install({ id: "p", interval: 10, mainFn: () => Promise.reject(new Error("boom")) });
    runner.install({
      id: "q",
      interval: 10,
      mainFn: () => {
        throw "plain";
      },
    });
    runner.start();
    await expect(runner.trigger("p")).rejects.toThrow("boom");
    await expect(runner.trigger("q")).rejects.toBe("plain");
    expect(told.map(([error, job]) => [error, job.programId, job.spawnId, job.status])).toEqual([
      [new Error("boom"), "p", null, "errored"],
      ["plain", "q", null, "errored"],
    ]);
    await runner.stop();
  });

  it("onJobError - false writes nothing; succeeded and lost jobs are not failures", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({ clock, onJobError: false });
    runner.install({
      id: "p",
      interval: 10,
      mainFn: () => {
        throw new Error("quiet");
      },
    });
    runner.spawn("p");
    runner.start();
    clock.tick(30);
    expect(error).not.toHaveBeenCalled();
    await runner.stop();
  });

  it("onJobError - a handler that throws goes to onError and the runner goes on", async () => {
    const errors: unknown[] = [];
    const clock = FakeTimers.createClock(0);
    const runner = createRunner({
      clock,
      onError: (error) => errors.push(error),
      onJobError: () => {
        throw new Error("handler broke");
      },
    });
    let runs = 0;
    runner.install({
      id: "p",
      interval: 10,
      mainFn: () => {
        runs++;
        throw new Error("job broke");
      },
    });
    runner.spawn("p");
    runner.start();
    clock.tick(30);
    expect(runs).toBe(3);
    expect(errors).toEqual([new Error("handler broke"), new Error("handler broke"), new Error("handler broke")]);
    await runner.stop();
  });

  it("createRunner - onJobError that is neither a function nor false is refused naming the field", () => {
    expect(() => createRunner({ onJobError: true as never })).toThrow(
      expect.objectContaining({ code: "invalid-options", field: "options.onJobError" }),
    );
  });
});
