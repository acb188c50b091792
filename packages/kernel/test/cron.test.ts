import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createKernel, type Kernel, type KernelEffect, type ProgramSpec, restoreKernel } from "../src/index.js";

const mainFn = () => undefined;
const iso = (t: number) => new Date(t).toISOString().replace(".000", "");
const utc = (text: string) => Date.parse(text);

/** Runs the kernel from wake to wake until `until`, completing each job at once; returns the due times. */
const dueTimes = (kernel: Kernel, from: number, until: number, limit = Number.POSITIVE_INFINITY): number[] => {
  const due: number[] = [];
  let wake: number | null = from;
  const lastWake = (effects: readonly KernelEffect[]) => {
    const last = effects[effects.length - 1];
    return last?.type === "wake" ? last.at : null;
  };
  while (wake !== null && wake <= until && due.length < limit) {
    const at: number = wake;
    const effects = kernel.dispatch({ type: "tick", at });
    wake = lastWake(effects);
    for (const effect of effects) {
      if (effect.type !== "run") continue;
      due.push(effect.scheduledAt);
      wake = lastWake(kernel.dispatch({ type: "complete", at, jobId: effect.jobId, outcome: { ok: true } }));
    }
  }
  return due;
};

const cronKernel = (program: Omit<ProgramSpec, "id" | "mainFn" | "type">, start: number) => {
  const kernel = createKernel();
  const installed = kernel.dispatch({
    type: "install",
    at: start,
    program: { id: "c", type: "cron", mainFn, ...program },
  });
  expect(installed[0]).toEqual({ type: "installed", programId: "c" });
  kernel.dispatch({ type: "spawn", at: start, programId: "c" });
  return kernel;
};

describe("cron: schedules", () => {
  it("cron - every 5 minutes runs at each multiple of five minutes after the spawn", () => {
    const start = utc("2026-01-01T00:02:30Z");
    const kernel = cronKernel({ cron: "*/5 * * * *" }, start);
    expect(dueTimes(kernel, start, utc("2026-01-01T00:30:00Z")).map(iso)).toEqual([
      "2026-01-01T00:05:00Z",
      "2026-01-01T00:10:00Z",
      "2026-01-01T00:15:00Z",
      "2026-01-01T00:20:00Z",
      "2026-01-01T00:25:00Z",
      "2026-01-01T00:30:00Z",
    ]);
    expect(kernel.info().programs.c?.type).toBe("cron");
  });

  it("cron - weekdays at 09:00 Berlin follows the zone across the switch to summer time", () => {
    const start = utc("2026-03-26T12:00:00Z"); // a Thursday
    const kernel = cronKernel({ cron: "0 9 * * 1-5", timezone: "Europe/Berlin" }, start);
    expect(dueTimes(kernel, start, utc("2026-04-01T12:00:00Z")).map(iso)).toEqual([
      "2026-03-27T08:00:00Z", // Friday 09:00 CET (UTC+1)
      "2026-03-30T07:00:00Z", // Monday 09:00 CEST (UTC+2): the weekend and the switch passed
      "2026-03-31T07:00:00Z",
      "2026-04-01T07:00:00Z",
    ]);
  });

  it("cron - six fields: seconds come first", () => {
    const start = utc("2026-01-01T00:00:00Z");
    const kernel = cronKernel({ cron: "15,45 * * * * *" }, start);
    expect(dueTimes(kernel, start, utc("2026-01-01T00:01:30Z")).map(iso)).toEqual([
      "2026-01-01T00:00:15Z",
      "2026-01-01T00:00:45Z",
      "2026-01-01T00:01:15Z",
    ]);
  });

  it("cron - a local time that does not exist (clocks go forward) runs once, shifted by the gap", () => {
    const start = utc("2026-03-27T12:00:00Z");
    const kernel = cronKernel({ cron: "30 2 * * *", timezone: "Europe/Berlin" }, start);
    expect(dueTimes(kernel, start, utc("2026-03-31T12:00:00Z")).map(iso)).toEqual([
      "2026-03-28T01:30:00Z", // 02:30 CET
      "2026-03-29T01:30:00Z", // 02:30 does not exist on the 29th: once, at 03:30 CEST
      "2026-03-30T00:30:00Z", // 02:30 CEST
      "2026-03-31T00:30:00Z",
    ]);
  });

  it("cron - a local time that occurs twice (clocks go back) runs once, at its first occurrence", () => {
    const start = utc("2026-10-23T12:00:00Z");
    const kernel = cronKernel({ cron: "30 2 * * *", timezone: "Europe/Berlin" }, start);
    expect(dueTimes(kernel, start, utc("2026-10-27T12:00:00Z")).map(iso)).toEqual([
      "2026-10-24T00:30:00Z", // 02:30 CEST
      "2026-10-25T00:30:00Z", // 02:30 CEST; the second 02:30 (CET, 01:30Z) does not run
      "2026-10-26T01:30:00Z", // 02:30 CET
      "2026-10-27T01:30:00Z",
    ]);
  });
});

describe("cron: timing like constant", () => {
  const start = utc("2026-01-01T00:00:00Z");
  const minute = 60_000;

  it("cron - the next match is scheduled when a job starts: jobs may overlap", () => {
    const kernel = cronKernel({ cron: "* * * * *" }, start);
    const first = kernel.dispatch({ type: "tick", at: start + minute });
    const second = kernel.dispatch({ type: "tick", at: start + 2 * minute });
    expect(first.filter((effect) => effect.type === "run")).toHaveLength(1);
    expect(second.filter((effect) => effect.type === "run")).toHaveLength(1);
    expect(kernel.getSpawn("c", "c-1").inFlight).toBe(2);
  });

  it("cron - catch-up runs one job per missed match, late and in order", () => {
    const kernel = cronKernel({ cron: "* * * * *", misfire: "catch-up" }, start);
    const effects = kernel.dispatch({ type: "tick", at: start + 3.5 * minute });
    expect(
      effects.flatMap((effect) => (effect.type === "run" ? [[iso(effect.scheduledAt), iso(effect.startedAt)]] : [])),
    ).toEqual([
      ["2026-01-01T00:01:00Z", "2026-01-01T00:03:30Z"],
      ["2026-01-01T00:02:00Z", "2026-01-01T00:03:30Z"],
      ["2026-01-01T00:03:00Z", "2026-01-01T00:03:30Z"],
    ]);
    expect(effects.at(-1)).toEqual({ type: "wake", at: start + 4 * minute });
  });

  it("cron - skip runs one job now and continues at the next match after now", () => {
    const kernel = cronKernel({ cron: "* * * * *", misfire: "skip" }, start);
    const effects = kernel.dispatch({ type: "tick", at: start + 3.5 * minute });
    expect(
      effects
        .filter((effect) => effect.type === "run")
        .map((effect) => effect.type === "run" && iso(effect.scheduledAt)),
    ).toEqual(["2026-01-01T00:01:00Z"]);
    expect(effects.at(-1)).toEqual({ type: "wake", at: start + 4 * minute });
  });

  it("cron - snapshot and restore continue on the same schedule", () => {
    const spec: ProgramSpec = { id: "c", type: "cron", cron: "*/10 * * * *", timezone: "Europe/Berlin", mainFn };
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: start, program: spec });
    kernel.dispatch({ type: "spawn", at: start, programId: "c" });
    const restored = restoreKernel(JSON.parse(JSON.stringify(kernel.snapshot())), [spec]);
    expect(dueTimes(restored, start, start + 35 * minute)).toEqual(dueTimes(kernel, start, start + 35 * minute));
  });
});

describe("cron: bad input", () => {
  const install = (program: Record<string, unknown>) =>
    createKernel().dispatch({
      type: "install",
      at: 0,
      program: { id: "c", type: "cron", mainFn, ...program } as ProgramSpec,
    })[0];

  it.each([
    ["an expression with a value out of range", { cron: "61 * * * *" }, "program.cron"],
    ["an expression with too few fields", { cron: "* * *" }, "program.cron"],
    ["a missing expression", {}, "program.cron"],
    ["an unknown time zone", { cron: "* * * * *", timezone: "Mars/Olympus" }, "program.timezone"],
    ["an interval", { cron: "* * * * *", interval: 1000 }, "program.interval"],
    ["a delay", { cron: "* * * * *", delay: 5 }, "program.delay"],
    ["a timeFn", { cron: "* * * * *", timeFn: (t: number) => t }, "program.timeFn"],
  ])("install - a cron program with %s is refused, naming the field", (_name, program, field) => {
    expect(install(program)).toMatchObject({
      type: "rejected",
      code: "invalid-program",
      field,
      message: expect.stringContaining(field),
    });
  });

  it("set-interval - refused for a cron program, program-wide and per spawn", () => {
    const kernel = cronKernel({ cron: "* * * * *" }, 0);
    for (const spawnId of [undefined, "c-1"]) {
      const [effect] = kernel.dispatch({
        type: "set-interval",
        at: 0,
        programId: "c",
        interval: 5,
        ...(spawnId === undefined ? {} : { spawnId }),
      });
      expect(effect).toMatchObject({
        type: "rejected",
        code: "invalid-interval",
        field: "command.interval",
        message: expect.stringContaining("cron"),
      });
    }
  });

  it("spawn - interval, delay or timeFn overrides are refused for a cron program", () => {
    const kernel = cronKernel({ cron: "* * * * *" }, 0);
    const [effect] = kernel.dispatch({ type: "spawn", at: 0, programId: "c", opts: { interval: 5 } });
    expect(effect).toMatchObject({ type: "rejected", code: "invalid-options", field: "opts.interval" });
    expect(kernel.countSpawns("c")).toBe(1);
  });
});

describe("cron: property", () => {
  // Expressions over minute, hour and weekday lists (day and month "*"), so a plain UTC scan can check them.
  const listOf = (max: number) =>
    fc.option(
      fc
        .uniqueArray(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 6 })
        .map((values) => values.sort((a, b) => a - b)),
      {
        nil: undefined,
      },
    );
  const expression = fc.record({ minutes: listOf(59), hours: listOf(23), weekdays: listOf(6) });
  const field = (values: number[] | undefined) => (values === undefined ? "*" : values.join(","));
  // UTC by arithmetic: 1970-01-01 was a Thursday (weekday 4).
  const matches = (
    spec: { minutes?: number[] | undefined; hours?: number[] | undefined; weekdays?: number[] | undefined },
    t: number,
  ) =>
    t % 60_000 === 0 &&
    (spec.minutes?.includes(Math.floor(t / 60_000) % 60) ?? true) &&
    (spec.hours?.includes(Math.floor(t / 3_600_000) % 24) ?? true) &&
    (spec.weekdays?.includes((Math.floor(t / 86_400_000) + 4) % 7) ?? true);

  it("cron - every due time matches the expression and no match between two due times is skipped", () => {
    fc.assert(
      fc.property(
        expression,
        fc.integer({ min: utc("2026-01-01T00:00:00Z"), max: utc("2027-01-01T00:00:00Z") }),
        (spec, start) => {
          const cron = `${field(spec.minutes)} ${field(spec.hours)} * * ${field(spec.weekdays)}`;
          const kernel = cronKernel({ cron }, start);
          // About two weeks, capped at 40 jobs.
          const due = dueTimes(kernel, start, start + 14 * 24 * 3_600_000, 40);
          expect(due.length).toBeGreaterThan(0);
          const wrong: string[] = [];
          let previous = start;
          for (const time of due) {
            if (!matches(spec, time)) wrong.push(`due ${iso(time)} does not match`);
            // Brute force: every minute strictly between the previous due time (or the start) and this one misses.
            for (let t = Math.floor(previous / 60_000) * 60_000 + 60_000; t < time; t += 60_000) {
              if (t > previous && matches(spec, t)) wrong.push(`${iso(t)} matches but was skipped`);
            }
            previous = time;
          }
          expect({ cron, wrong }).toEqual({ cron, wrong: [] });
        },
      ),
      { numRuns: 40 },
    );
  }, 30_000);
});
