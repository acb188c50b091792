import FakeTimers from "@sinonjs/fake-timers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createKernel,
  createRunner,
  type Kernel,
  type KernelEffect,
  type ProgramSpec,
  SchedkitError,
  type UnspawnPolicy,
} from "../src/index.js";

const last: UnspawnPolicy = { name: "last", select: (spawns) => spawns.latest()?.id };
const mainFn = () => undefined;
const utc = (text: string) => Date.parse(text);

const lastWake = (effects: readonly KernelEffect[]): number | null => {
  const final = effects[effects.length - 1];
  return final?.type === "wake" ? final.at : null;
};

/**
 * Ticks the kernel from wake to wake (on time), completing each job at once: the due times of the
 * next `limit` runs of one spawn, as the kernel really runs them.
 */
const actualRuns = (kernel: Kernel, spawnId: string, limit: number): number[] => {
  const due: number[] = [];
  let wake = lastWake(kernel.dispatch({ type: "tick", at: kernel.info().clock.now }));
  for (let steps = 0; wake !== null && due.length < limit && steps < 10 * limit + 10; steps++) {
    const at = wake;
    const effects = kernel.dispatch({ type: "tick", at });
    wake = lastWake(effects);
    for (const effect of effects) {
      if (effect.type !== "run") continue;
      if (effect.spawnId === spawnId) due.push(effect.scheduledAt);
      wake = lastWake(kernel.dispatch({ type: "complete", at, jobId: effect.jobId, outcome: { ok: true } }));
    }
  }
  return due.slice(0, limit);
};

/** A kernel at `at` with program `p` installed. */
const kernelWith = (program: Partial<ProgramSpec>, at = 1000, kernel = createKernel({ policies: [last] })): Kernel => {
  const [installed] = kernel.dispatch({ type: "install", at, program: { id: "p", mainFn, ...program } });
  expect(installed).toMatchObject({ type: "installed", programId: "p" });
  return kernel;
};

const spawn = (kernel: Kernel, at = kernel.info().clock.now, opts?: Record<string, unknown>): string => {
  const effects = kernel.dispatch(
    opts === undefined ? { type: "spawn", at, programId: "p" } : { type: "spawn", at, programId: "p", opts },
  );
  const spawned = effects.find((effect) => effect.type === "spawned");
  if (spawned?.type !== "spawned") throw new Error(`not spawned: ${JSON.stringify(effects)}`);
  return spawned.spawnId;
};

const thrown = (fn: () => unknown): SchedkitError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof SchedkitError) return error;
    throw error;
  }
  throw new Error("expected a throw");
};

const rejectionOfInstall = (kernel: Kernel, spec: unknown) => {
  const [first] = kernel.dispatch({ type: "install", at: kernel.info().clock.now, program: spec as ProgramSpec });
  return first?.type === "rejected" ? { code: first.code, field: first.field, message: first.message } : undefined;
};

describe("validateProgram", () => {
  it("validateProgram - a spec install accepts has no problems, and nothing is installed", () => {
    const kernel = createKernel({ policies: [last] });
    const before = kernel.snapshot();
    expect(kernel.validateProgram({ id: "p", interval: 100, mainFn, createFn: () => ({ n: 0 }) })).toEqual([]);
    expect(kernel.isInstalled("p")).toBe(false);
    expect(kernel.snapshot()).toEqual(before);
  });

  it("validateProgram - a spec install rejects has that rejection as its one problem", () => {
    const kernel = createKernel({ policies: [last] });
    const specs: unknown[] = [
      { id: "p", mainFn },
      { id: "p", interval: 0, mainFn },
      { id: "p", type: "cron", cron: "nope", mainFn },
      { id: "p", type: "cron", cron: "0 0 31 2 *", mainFn },
      { id: "p", type: "cron", cron: "@daily", timezone: "Nowhere/Land", mainFn },
      { id: "p", interval: 10, min: 3, max: 2, mainFn },
      { id: "p", interval: 10, policy: "first", mainFn },
      { id: "p", interval: 10, misfire: "later", mainFn },
      { id: "p", interval: 10, bogus: true, mainFn },
      {
        id: "p",
        interval: 10,
        createFn: () => {
          throw new Error("boom");
        },
        mainFn,
      },
      42,
    ];
    for (const spec of specs) {
      const problems = kernel.validateProgram(spec);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toEqual(rejectionOfInstall(kernel, spec));
    }
    expect(kernel.validateProgram({ id: "p", interval: 10, createFn: () => 1, mainFn: 3 })[0]).toMatchObject({
      code: "invalid-program",
      field: "program.mainFn",
    });
    expect(
      kernel.validateProgram({
        id: "p",
        interval: 10,
        createFn: () => {
          throw new Error("boom");
        },
        mainFn,
      }),
    ).toEqual([{ code: "hook-failed", field: "program.createFn", message: "program.createFn: threw: boom" }]);
  });

  it("validateProgram - changes nothing: no effects, no time, the next commands give what they would have", () => {
    const make = () => {
      const kernel = kernelWith({ interval: 100, type: "constant", delay: "random" }, 500);
      spawn(kernel);
      return kernel;
    };
    const checked = make();
    const twin = make();
    expect(checked.validateProgram({ id: "p", interval: 7, delay: "random", mainFn })).toEqual([]);
    expect(checked.validateProgram({ id: "q", interval: -1, mainFn })).toHaveLength(1);
    expect(checked.info()).toEqual(twin.info());
    expect(checked.snapshot()).toEqual(twin.snapshot());
    for (const command of [
      { type: "spawn", at: 600, programId: "p" },
      { type: "tick", at: 2000 },
    ] as const) {
      expect(checked.dispatch(command)).toEqual(twin.dispatch(command));
    }
  });

  it("validateProgram - a reinstall is judged as install judges it, and the installed program stays", () => {
    const kernel = kernelWith({ interval: 100 });
    spawn(kernel);
    expect(kernel.validateProgram({ id: "p", interval: 50, mainFn })).toEqual([]);
    expect(kernel.getProgram("p").interval).toBe(100);
    expect(kernel.countSpawns("p")).toBe(1);
  });

  it("validateProgram - throws invalid-command when called from inside a hook", () => {
    const kernel = createKernel();
    const effects = kernel.dispatch({
      type: "install",
      at: 0,
      program: {
        id: "p",
        interval: 10,
        mainFn,
        createFn: () => kernel.validateProgram({ id: "q", interval: 10, mainFn }),
      },
    });
    expect(effects[0]).toMatchObject({ type: "rejected", code: "hook-failed", field: "program.createFn" });
    expect((effects[0] as { message: string }).message).toContain(
      "validateProgram: called from inside a hook while this kernel is applying a command",
    );
    let inner: unknown;
    // From a job's argsFn, mid-dispatch.
    const spawned = createKernel();
    spawned.dispatch({ type: "install", at: 0, program: { id: "s", interval: 10, mainFn } });
    spawned.dispatch({
      type: "spawn",
      at: 0,
      programId: "s",
      opts: {
        argsFn: () => {
          try {
            spawned.validateProgram({ id: "t", interval: 10, mainFn });
          } catch (caught) {
            inner = caught;
          }
        },
      },
    });
    spawned.dispatch({ type: "tick", at: 10 });
    const error = inner;
    expect(error).toMatchObject({ code: "invalid-command", field: "validateProgram" });
  });

  it("validateProgram - a createFn that dispatches into the kernel is refused, as during install", () => {
    const kernel = createKernel();
    let inner: readonly KernelEffect[] = [];
    const spec = {
      id: "p",
      interval: 10,
      mainFn,
      createFn: () => {
        inner = kernel.dispatch({ type: "install", at: 0, program: { id: "sneaky", interval: 10, mainFn } });
        return 0;
      },
    };
    expect(kernel.validateProgram(spec)).toEqual([]);
    expect(inner[0]).toMatchObject({ type: "rejected", code: "invalid-command", field: "command" });
    expect(kernel.isInstalled("sneaky")).toBe(false);
    expect(kernel.isInstalled("p")).toBe(false);
  });

  it("validateProgram - install rejects exactly when validateProgram has a problem, with the same code, field and message", () => {
    const fn = fc.constant(() => 1);
    const throwing = fc.constant(() => {
      throw new Error("createFn broke");
    });
    const field = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
    const spec = fc.record(
      {
        id: fc.constantFrom("p", "q", "", "__proto__"),
        mainFn: fc.oneof({ weight: 9, arbitrary: fn }, { weight: 1, arbitrary: fc.constant("main") }),
        type: field(fc.constantFrom("basic", "constant", "cron", "weekly")),
        interval: field(
          fc.oneof(
            fc.constantFrom(100, 1, 0.001, 0.0001, 0, -5, 8.64e15, 8.7e15, Number.NaN, "100"),
            fc.constant(() => 50),
            fc.integer({ min: 1, max: 1_000_000 }),
          ),
        ),
        cron: field(
          fc.constantFrom(
            "*/5 * * * *",
            "0 9 * * 1-5",
            "@daily",
            " @HOURLY ",
            "@reboot",
            "@daily 5",
            "",
            "0 0 31 2 *",
            "x",
          ),
        ),
        timezone: field(fc.constantFrom("UTC", "Europe/Berlin", "America/New_York", "Mars/Olympus", "")),
        min: field(fc.constantFrom(1, 2, 3, 0, 2.5, -1)),
        max: field(fc.constantFrom(1, 2, 3, 0, 2.5)),
        policy: field(fc.constantFrom("last", "first", "")),
        misfire: field(fc.constantFrom("catch-up", "skip", "later")),
        catchUpWindow: field(fc.constantFrom(1, 1000, 86_400_000, 0, -1, 9e15)),
        delay: field(fc.constantFrom(0, 10, "random", -1, "soon")),
        timeFn: field(fn),
        createFn: field(fc.oneof(fn, throwing, fc.constant(42))),
        scope: field(fc.constantFrom("program", "spawn", "global")),
        output: field(fc.constantFrom("latest", "all", "some")),
        version: field(fc.constantFrom(1, "v2", "", Number.POSITIVE_INFINITY)),
        // The lifespan and overlap fields (spec 18): whatever install says of them, validateProgram says.
        maxRuns: field(fc.constantFrom(1, 3, 0, 1.5)),
        startAt: field(fc.constantFrom(0, 5000, 9e15)),
        endAt: field(fc.constantFrom(100, 1000, 9e15)),
        overlap: field(fc.constantFrom("allow", "skip", "buffer-all", "queue")),
        bogus: fc.option(fc.constant(true), { nil: undefined, freq: 8 }),
      },
      { requiredKeys: ["id"] },
    );
    fc.assert(
      fc.property(spec, fc.boolean(), (input, reinstall) => {
        // Undefined fields are left out, as a user's object literal would.
        const clean = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
        const kernel = createKernel({ policies: [last] });
        if (reinstall) kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 10, mainFn } });
        const before = kernel.snapshot();
        const problems = kernel.validateProgram(clean);
        expect(kernel.snapshot()).toEqual(before);
        const rejection = rejectionOfInstall(kernel, clean);
        if (rejection === undefined) expect(problems).toEqual([]);
        else expect(problems).toEqual([rejection]);
      }),
      { numRuns: 400 },
    );
  });
});

describe("nextRuns: constant", () => {
  it("nextRuns - a constant spawn's due times are its grid, as the kernel runs them", () => {
    const kernel = kernelWith({ type: "constant", interval: 100 });
    const spawnId = spawn(kernel);
    const preview = kernel.nextRuns("p", spawnId, 5);
    expect(preview).toEqual([1100, 1200, 1300, 1400, 1500]);
    expect(actualRuns(kernel, spawnId, 5)).toEqual(preview);
  });

  it("nextRuns - without a spawn id, the due times of a spawn made now, or at from", () => {
    const kernel = kernelWith({ type: "constant", interval: 100 });
    expect(kernel.nextRuns("p", undefined, 3)).toEqual([1100, 1200, 1300]);
    expect(kernel.nextRuns("p", undefined, 2, 5000)).toEqual([5100, 5200]);
    expect(kernel.nextRuns("p", undefined, 2, -1e6)).toEqual([-999_900, -999_800]);
  });

  it("nextRuns - a numeric delay sets the first due time, the grid goes on from it", () => {
    const kernel = kernelWith({ type: "constant", interval: 100, delay: 30 });
    expect(kernel.nextRuns("p", undefined, 3)).toEqual([1030, 1130, 1230]);
    const spawnId = spawn(kernel);
    expect(actualRuns(kernel, spawnId, 3)).toEqual([1030, 1130, 1230]);
  });

  it("nextRuns - timeFn sets the grid's base, as for a spawn", () => {
    const kernel = kernelWith({ type: "constant", interval: 1000, timeFn: (t) => Math.floor(t / 1000) * 1000 }, 1234);
    expect(kernel.nextRuns("p", undefined, 3)).toEqual([2000, 3000, 4000]);
    const spawnId = spawn(kernel);
    expect(kernel.nextRuns("p", spawnId, 3)).toEqual([2000, 3000, 4000]);
    expect(actualRuns(kernel, spawnId, 3)).toEqual([2000, 3000, 4000]);
  });

  it("nextRuns - a timeFn that throws is a hook-failed error naming program.timeFn", () => {
    const kernel = kernelWith({
      type: "constant",
      interval: 10,
      timeFn: () => {
        throw new Error("no base");
      },
    });
    expect(thrown(() => kernel.nextRuns("p", undefined, 2))).toMatchObject({
      code: "hook-failed",
      field: "program.timeFn",
      message: "program.timeFn: threw: no base",
    });
  });

  it("nextRuns - a spawn's set-interval number moves the grid after its waiting job", () => {
    const kernel = kernelWith({ type: "constant", interval: 100 });
    const spawnId = spawn(kernel);
    kernel.dispatch({ type: "set-interval", at: 1000, programId: "p", spawnId, interval: 40 });
    expect(kernel.nextRuns("p", spawnId, 3)).toEqual([1100, 1140, 1180]);
    expect(actualRuns(kernel, spawnId, 3)).toEqual([1100, 1140, 1180]);
    // The program's own interval is unchanged: a new spawn would run every 100 ms.
    expect(kernel.nextRuns("p", undefined, 2)).toEqual([kernel.info().clock.now + 100, kernel.info().clock.now + 200]);
  });

  it("nextRuns - a job in flight does not stop the grid: the next due time is its waiting job's", () => {
    const kernel = kernelWith({ type: "constant", interval: 100 });
    const spawnId = spawn(kernel);
    kernel.dispatch({ type: "tick", at: 1100 }); // job-1 starts and stays in flight
    expect(kernel.getSpawn("p", spawnId).inFlight).toBe(1);
    expect(kernel.nextRuns("p", spawnId, 3)).toEqual([1200, 1300, 1400]);
  });
});

describe("nextRuns: basic", () => {
  it("nextRuns - a basic spawn's due times are one interval apart, as if jobs took no time", () => {
    const kernel = kernelWith({ interval: 100, delay: 5 });
    expect(kernel.nextRuns("p", undefined, 3)).toEqual([1005, 1105, 1205]);
    const spawnId = spawn(kernel);
    const preview = kernel.nextRuns("p", spawnId, 4);
    expect(preview).toEqual([1005, 1105, 1205, 1305]);
    expect(actualRuns(kernel, spawnId, 4)).toEqual(preview);
  });

  it("nextRuns - a basic spawn with its job in flight: one interval after it completes, taken as now", () => {
    const kernel = kernelWith({ interval: 100 });
    const spawnId = spawn(kernel);
    kernel.dispatch({ type: "tick", at: 1100 });
    expect(kernel.nextRuns("p", spawnId, 2)).toEqual([1200, 1300]);
    kernel.dispatch({ type: "tick", at: 1150 });
    expect(kernel.nextRuns("p", spawnId, 2)).toEqual([1250, 1350]);
    kernel.dispatch({ type: "complete", at: 1170, jobId: "job-1", outcome: { ok: true } });
    expect(kernel.nextRuns("p", spawnId, 2)).toEqual([1270, 1370]);
  });
});

describe("nextRuns: cron", () => {
  it("nextRuns - a cron spawn's due times are its successive matches", () => {
    const start = utc("2026-01-01T00:02:30Z");
    const kernel = kernelWith({ type: "cron", cron: "*/5 * * * *" }, start);
    const expected = ["00:05", "00:10", "00:15", "00:20"].map((time) => utc(`2026-01-01T${time}:00Z`));
    expect(kernel.nextRuns("p", undefined, 4)).toEqual(expected);
    const spawnId = spawn(kernel);
    expect(kernel.nextRuns("p", spawnId, 4)).toEqual(expected);
    expect(actualRuns(kernel, spawnId, 4)).toEqual(expected);
  });

  it("nextRuns - cron matches are aimed with the kernel's wall offset", () => {
    const wall = utc("2026-01-01T00:02:30Z");
    const kernel = kernelWith({ type: "cron", cron: "@hourly" }, 0);
    kernel.dispatch({ type: "tick", at: 1000, wall });
    // Kernel time 1000 is wall time 00:02:30: the next matches are 57.5 and 117.5 minutes later.
    expect(kernel.nextRuns("p", undefined, 2)).toEqual([1000 + 3_450_000, 1000 + 3_450_000 + 3_600_000]);
    const spawnId = spawn(kernel, 1000);
    expect(kernel.getSpawn("p", spawnId).waiting).toBe(1);
    expect(kernel.nextRuns("p", spawnId, 2)).toEqual([1000 + 3_450_000, 1000 + 3_450_000 + 3_600_000]);
  });

  it("nextRuns - a cron schedule past its last date has undefined entries", () => {
    const kernel = kernelWith({ type: "cron", cron: "0 0 1 1 *" }, 0);
    const from = utc("+275759-06-01T00:00:00Z");
    expect(kernel.nextRuns("p", undefined, 3, from)).toEqual([utc("+275760-01-01T00:00:00Z"), undefined, undefined]);
  });
});

describe("nextRuns: what is not known", () => {
  it("nextRuns - an interval function is not called: the first known due time, then undefined", () => {
    let calls = 0;
    const interval = () => {
      calls++;
      return 100;
    };
    const kernel = kernelWith({ interval });
    const spawnId = spawn(kernel);
    const before = calls;
    expect(kernel.nextRuns("p", spawnId, 3)).toEqual([1100, undefined, undefined]);
    expect(kernel.nextRuns("p", undefined, 3)).toEqual([undefined, undefined, undefined]);
    expect(calls).toBe(before);
  });

  it("nextRuns - an interval function with a numeric delay: the first due time is known", () => {
    const kernel = kernelWith({ type: "constant", interval: () => 100, delay: 50 });
    expect(kernel.nextRuns("p", undefined, 3)).toEqual([1050, undefined, undefined]);
  });

  it("nextRuns - a number set over an interval function makes the grid known again", () => {
    const kernel = kernelWith({ type: "constant", interval: () => 100 });
    const spawnId = spawn(kernel);
    kernel.dispatch({ type: "set-interval", at: 1000, programId: "p", spawnId, interval: 25 });
    expect(kernel.nextRuns("p", spawnId, 3)).toEqual([1100, 1125, 1150]);
  });

  it("nextRuns - a random delay is not drawn: without a spawn nothing is known; a spawn's is", () => {
    const make = () =>
      kernelWith({ type: "constant", interval: 100, delay: "random" }, 1000, createKernel({ seed: 9 }));
    const kernel = make();
    const twin = make();
    expect(kernel.nextRuns("p", undefined, 2)).toEqual([undefined, undefined]);
    // The program's generator did not move: the spawns draw the same delay.
    const spawnId = spawn(kernel);
    spawn(twin);
    expect(kernel.snapshot()).toEqual(twin.snapshot());
    const [first] = kernel.nextRuns("p", spawnId, 1);
    expect(first).toBeGreaterThanOrEqual(1000);
    expect(first).toBeLessThan(1100);
    expect(kernel.nextRuns("p", spawnId, 3)).toEqual([first, (first as number) + 100, (first as number) + 200]);
  });

  it("nextRuns - a stopping or stopped spawn has no due times", () => {
    const kernel = kernelWith({ type: "constant", interval: 100 });
    const a = spawn(kernel);
    const b = spawn(kernel);
    kernel.dispatch({ type: "tick", at: 1100 });
    kernel.dispatch({ type: "stop-spawn", at: 1100, programId: "p", spawnId: a });
    expect(kernel.getSpawn("p", a).status).toBe("terminating");
    expect(kernel.nextRuns("p", a, 2)).toEqual([undefined, undefined]);
    kernel.dispatch({ type: "kill-spawn", at: 1100, programId: "p", spawnId: b });
    expect(kernel.nextRuns("p", b, 2)).toEqual([undefined, undefined]);
  });
});

describe("nextRuns: limits and dates", () => {
  it("nextRuns - maxRuns leaves out the runs beyond it, the list keeps its length", () => {
    const kernel = kernelWith({ type: "constant", interval: 100, maxRuns: 3 });
    expect(kernel.nextRuns("p", undefined, 5)).toEqual([1100, 1200, 1300, undefined, undefined]);
    const spawnId = spawn(kernel);
    kernel.dispatch({ type: "tick", at: 1100 });
    expect(kernel.nextRuns("p", spawnId, 4)).toEqual([1200, 1300, undefined, undefined]);
    expect(actualRuns(kernel, spawnId, 4)).toEqual([1200, 1300]);
  });

  it("nextRuns - endAt leaves out due times at or after it", () => {
    const kernel = kernelWith({ type: "constant", interval: 100, endAt: 1300 });
    expect(kernel.nextRuns("p", undefined, 4)).toEqual([1100, 1200, undefined, undefined]);
    const spawnId = spawn(kernel, 1000, { endAt: 1250 });
    expect(kernel.nextRuns("p", spawnId, 4)).toEqual([1100, 1200, undefined, undefined]);
    expect(actualRuns(kernel, spawnId, 4)).toEqual([1100, 1200]);
  });

  it("nextRuns - startAt: the schedule counts from it", () => {
    const kernel = kernelWith({ interval: 100, startAt: 5000 });
    expect(kernel.nextRuns("p", undefined, 2)).toEqual([5100, 5200]);
    expect(kernel.nextRuns("p", undefined, 2, 7000)).toEqual([7100, 7200]);
    const spawnId = spawn(kernel);
    expect(kernel.nextRuns("p", spawnId, 2)).toEqual([5100, 5200]);
  });
});

describe("nextRuns: a waiting job that is late", () => {
  it("nextRuns - a paused spawn's preview is what it runs when resumed now, after the catch-up window", () => {
    for (const misfire of ["catch-up", "skip"] as const) {
      for (const type of ["constant", "basic"] as const) {
        const kernel = kernelWith({ type, interval: 100, misfire, catchUpWindow: 1000 }, 0);
        const spawnId = spawn(kernel);
        kernel.dispatch({ type: "pause", at: 0, programId: "p" });
        kernel.dispatch({ type: "tick", at: 5050 });
        const preview = kernel.nextRuns("p", spawnId, 4);
        const resumed = kernel.dispatch({ type: "resume", at: 5050, programId: "p" });
        const started = resumed.flatMap((effect) => (effect.type === "run" ? [effect] : []));
        for (const run of started) {
          kernel.dispatch({ type: "complete", at: 5050, jobId: run.jobId, outcome: { ok: true } });
        }
        const runs = [...started.map((run) => run.scheduledAt), ...actualRuns(kernel, spawnId, 4)].slice(0, 4);
        expect(runs).toEqual(preview);
        expect(preview[0]).toBe(type === "basic" ? 5150 : misfire === "skip" ? 5100 : 4100);
      }
    }
  });

  it("nextRuns - a paused cron spawn older than the window goes on from the first match inside it", () => {
    const start = utc("2026-01-01T00:00:30Z");
    const kernel = kernelWith({ type: "cron", cron: "* * * * *", catchUpWindow: 120_000 }, start);
    const spawnId = spawn(kernel);
    kernel.dispatch({ type: "pause", at: start, programId: "p" });
    const now = utc("2026-01-01T01:00:10Z");
    kernel.dispatch({ type: "tick", at: now });
    const preview = kernel.nextRuns("p", spawnId, 3);
    expect(preview).toEqual(["00:59", "01:00", "01:01"].map((time) => utc(`2026-01-01T${time}:00Z`)));
    const resumed = kernel.dispatch({ type: "resume", at: now, programId: "p" });
    expect(resumed.flatMap((effect) => (effect.type === "run" ? [effect.scheduledAt] : []))).toEqual(
      preview.slice(0, 2),
    );
  });
});

describe("nextRuns: arguments", () => {
  it("nextRuns - count is a whole number from 0 to 10,000, else invalid-command naming count", () => {
    const kernel = kernelWith({ interval: 100 });
    expect(kernel.nextRuns("p", undefined, 0)).toEqual([]);
    expect(kernel.nextRuns("p", undefined, 10_000)).toHaveLength(10_000);
    for (const count of [-1, 1.5, 10_001, Number.NaN, Number.POSITIVE_INFINITY, "3", undefined]) {
      expect(thrown(() => kernel.nextRuns("p", undefined, count as number))).toMatchObject({
        code: "invalid-command",
        field: "count",
      });
    }
  });

  it("nextRuns - an unknown program or spawn is unknown-program or unknown-spawn", () => {
    const kernel = kernelWith({ interval: 100 });
    expect(thrown(() => kernel.nextRuns("nope", undefined, 1))).toMatchObject({
      code: "unknown-program",
      field: "programId",
      message: 'programId: no program "nope" is installed',
    });
    expect(thrown(() => kernel.nextRuns("p", "p-9", 1))).toMatchObject({
      code: "unknown-spawn",
      field: "spawnId",
      message: 'spawnId: program "p" has no spawn "p-9"',
    });
  });

  it("nextRuns - from is a time, and only without a spawn id", () => {
    const kernel = kernelWith({ interval: 100 });
    const spawnId = spawn(kernel);
    expect(thrown(() => kernel.nextRuns("p", spawnId, 1, 2000))).toMatchObject({
      code: "invalid-command",
      field: "from",
    });
    for (const from of [Number.NaN, 9e15, "0"]) {
      expect(thrown(() => kernel.nextRuns("p", undefined, 1, from as number))).toMatchObject({
        code: "invalid-command",
        field: "from",
      });
    }
    expect(thrown(() => kernel.nextRuns(7 as unknown as string, undefined, 1))).toMatchObject({ field: "programId" });
    expect(thrown(() => kernel.nextRuns("p", true as unknown as string, 1))).toMatchObject({ field: "spawnId" });
    // A number second is the short form's count: nextRuns(programId, count, from?).
    expect(kernel.nextRuns("p", 2, 1_000)).toEqual(kernel.nextRuns("p", undefined, 2, 1_000));
  });

  it("nextRuns - changes nothing: the snapshot and the next commands' effects are the same", () => {
    const make = () => {
      const kernel = kernelWith(
        { type: "constant", interval: 100, delay: "random", misfire: "skip" },
        1000,
        createKernel({ seed: 3 }),
      );
      spawn(kernel);
      return kernel;
    };
    const kernel = make();
    const twin = make();
    kernel.nextRuns("p", "p-1", 50);
    kernel.nextRuns("p", undefined, 50, 123);
    expect(kernel.snapshot()).toEqual(twin.snapshot());
    for (const command of [
      { type: "tick", at: 5000 },
      { type: "spawn", at: 5000, programId: "p" },
    ] as const) {
      expect(kernel.dispatch(command)).toEqual(twin.dispatch(command));
    }
  });
});

describe("nextRuns: properties", () => {
  const program = fc.oneof(
    fc.record({
      type: fc.constantFrom("basic" as const, "constant" as const),
      interval: fc.integer({ min: 1, max: 5000 }),
      delay: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
      misfire: fc.constantFrom("catch-up" as const, "skip" as const),
    }),
    fc.record({
      type: fc.constant("cron" as const),
      cron: fc.constantFrom("* * * * *", "*/7 * * * *", "0 */2 * * *", "@hourly", "@daily", "30 * * * * *"),
      timezone: fc.constantFrom("UTC", "Europe/Berlin", "Asia/Kolkata"),
    }),
  );

  it("nextRuns - a spawn's preview is what the kernel then runs, jobs completing at once", () => {
    fc.assert(
      fc.property(program, fc.integer({ min: 0, max: 2e12 }), fc.integer({ min: 1, max: 12 }), (spec, at, count) => {
        const clean = Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined));
        const kernel = kernelWith(clean, at);
        const planned = kernel.nextRuns("p", undefined, count);
        expect(planned.every((t) => t !== undefined)).toBe(true);
        // A due time of now (delay 0) starts in the spawn's own dispatch: completed there at once.
        const effects = kernel.dispatch({ type: "spawn", at, programId: "p" });
        const spawnId = "p-1";
        const started: number[] = [];
        for (const effect of effects) {
          if (effect.type !== "run") continue;
          started.push(effect.scheduledAt);
          kernel.dispatch({ type: "complete", at, jobId: effect.jobId, outcome: { ok: true } });
        }
        const preview = kernel.nextRuns("p", spawnId, count - started.length);
        expect([...started, ...preview]).toEqual(planned);
        expect(actualRuns(kernel, spawnId, count - started.length)).toEqual(preview);
      }),
      { numRuns: 150 },
    );
  });
});

describe("nextRuns: runner", () => {
  const setup = (now = 0) => {
    const clock = FakeTimers.createClock(now);
    const runner = createRunner({ clock, policies: [last] });
    const runs: number[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") runs.push(effect.scheduledAt);
    });
    return { clock, runner, runs };
  };

  it("runner.nextRuns - times are in the runner's clock, and a spawn made now is made at the clock's time", async () => {
    const { clock, runner, runs } = setup(10_000);
    runner.install({ id: "p", type: "constant", interval: 100, mainFn });
    clock.tick(1234); // no command: the kernel's time is still 10,000
    expect(runner.nextRuns("p", undefined, 2)).toEqual([11_334, 11_434]);
    const spawnId = runner.spawn("p") as string;
    expect(runner.nextRuns("p", spawnId, 3)).toEqual([11_334, 11_434, 11_534]);
    runner.start();
    await clock.tickAsync(350);
    expect(runs).toEqual([11_334, 11_434, 11_534]);
    expect(runner.nextRuns("p", spawnId, 2)).toEqual([11_634, 11_734]);
    runner.kill();
  });

  it("runner.nextRuns - a waiting job that is late goes first; skip then jumps past the clock's now", async () => {
    for (const [misfire, expected] of [
      ["skip", [100, 400, 500]],
      ["catch-up", [100, 200, 300, 400]],
    ] as const) {
      const { clock, runner, runs } = setup(0);
      runner.install({ id: "p", type: "constant", interval: 100, misfire, mainFn });
      const spawnId = runner.spawn("p") as string;
      clock.tick(350); // not started: nothing ran
      expect(runner.nextRuns("p", spawnId, expected.length)).toEqual(expected);
      runner.start();
      await clock.tickAsync(expected[expected.length - 1] as number);
      expect(runs.slice(0, expected.length)).toEqual(expected);
      runner.kill();
    }
  });

  it("runner.nextRuns - a cron program under fake timers: the matches it then runs", async () => {
    const { clock, runner, runs } = setup(utc("2026-05-01T10:17:00Z"));
    runner.install({ id: "c", type: "cron", cron: "*/15 * * * *", mainFn });
    const spawnId = runner.spawn("c") as string;
    const preview = runner.nextRuns("c", spawnId, 3);
    expect(preview).toEqual(["10:30", "10:45", "11:00"].map((time) => utc(`2026-05-01T${time}:00Z`)));
    runner.start();
    await clock.tickAsync(45 * 60_000);
    expect(runs).toEqual(preview);
    runner.kill();
  });

  it("runner.validateProgram - the problems install would throw, and nothing installed", () => {
    const { runner } = setup();
    expect(runner.validateProgram({ id: "p", interval: 10, mainFn })).toEqual([]);
    expect(runner.isInstalled("p")).toBe(false);
    const spec = { id: "p", type: "cron", cron: "@sometimes", mainFn } as ProgramSpec;
    const [problem] = runner.validateProgram(spec);
    const error = thrown(() => runner.install(spec));
    expect(problem).toEqual({ code: error.code, field: error.field, message: error.message });
    expect(runner.isInstalled("p")).toBe(false);
    expect(() => runner.nextRuns("p", undefined, 1)).toThrow(expect.objectContaining({ code: "unknown-program" }));
  });
});
