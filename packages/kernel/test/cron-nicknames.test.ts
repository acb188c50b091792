import FakeTimers from "@sinonjs/fake-timers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createKernel,
  createRunner,
  type Kernel,
  type KernelEffect,
  type ProgramSpec,
  restoreKernel,
} from "../src/index.js";

const mainFn = () => undefined;
const utc = (text: string) => Date.parse(text);
const iso = (t: number) => new Date(t).toISOString().replace(".000", "");

const NICKNAMES: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const lastWake = (effects: readonly KernelEffect[]): number | null => {
  const last = effects[effects.length - 1];
  return last?.type === "wake" ? last.at : null;
};

/** Ticks the kernel from wake to wake, completing each job at once; the first `limit` due times. */
const dueTimes = (kernel: Kernel, limit: number): number[] => {
  const due: number[] = [];
  let wake = lastWake(kernel.dispatch({ type: "tick", at: kernel.info().clock.now }));
  while (wake !== null && due.length < limit) {
    const at = wake;
    const effects = kernel.dispatch({ type: "tick", at });
    wake = lastWake(effects);
    for (const effect of effects) {
      if (effect.type !== "run") continue;
      due.push(effect.scheduledAt);
      wake = lastWake(kernel.dispatch({ type: "complete", at, jobId: effect.jobId, outcome: { ok: true } }));
    }
  }
  return due.slice(0, limit);
};

/** A kernel with one cron program `c` and one spawn of it, made at `start`. */
const cronKernel = (cron: string, start: number, timezone?: string): Kernel => {
  const kernel = createKernel();
  const program: ProgramSpec =
    timezone === undefined
      ? { id: "c", type: "cron", cron, mainFn }
      : { id: "c", type: "cron", cron, timezone, mainFn };
  expect(kernel.dispatch({ type: "install", at: start, program })[0]).toEqual({ type: "installed", programId: "c" });
  kernel.dispatch({ type: "spawn", at: start, programId: "c" });
  return kernel;
};

const rejectionOf = (cron: string) => {
  const kernel = createKernel();
  const [first] = kernel.dispatch({ type: "install", at: 0, program: { id: "c", type: "cron", cron, mainFn } });
  return first;
};

describe("cron nicknames", () => {
  const start = utc("2026-03-14T15:09:26Z"); // a Saturday

  for (const [nickname, fields] of Object.entries(NICKNAMES)) {
    it(`install - ${nickname} runs at the times of ${JSON.stringify(fields)}`, () => {
      const count = nickname === "@yearly" || nickname === "@annually" ? 3 : 6;
      expect(dueTimes(cronKernel(nickname, start), count)).toEqual(dueTimes(cronKernel(fields, start), count));
    });
  }

  it("install - the nicknames name the expected wall-clock times", () => {
    expect(dueTimes(cronKernel("@hourly", start), 2).map(iso)).toEqual([
      "2026-03-14T16:00:00Z",
      "2026-03-14T17:00:00Z",
    ]);
    expect(dueTimes(cronKernel("@daily", start), 2).map(iso)).toEqual(["2026-03-15T00:00:00Z", "2026-03-16T00:00:00Z"]);
    expect(dueTimes(cronKernel("@weekly", start), 2).map(iso)).toEqual([
      "2026-03-15T00:00:00Z",
      "2026-03-22T00:00:00Z",
    ]);
    expect(dueTimes(cronKernel("@monthly", start), 2).map(iso)).toEqual([
      "2026-04-01T00:00:00Z",
      "2026-05-01T00:00:00Z",
    ]);
    expect(dueTimes(cronKernel("@yearly", start), 2).map(iso)).toEqual([
      "2027-01-01T00:00:00Z",
      "2028-01-01T00:00:00Z",
    ]);
  });

  it("install - a nickname is case-insensitive and may have whitespace around it", () => {
    const expected = dueTimes(cronKernel("0 0 * * *", start), 4);
    for (const cron of ["@DAILY", "@Daily", " @daily", "@daily ", "\t@MidNight\n"]) {
      expect(dueTimes(cronKernel(cron, start), 4)).toEqual(expected);
    }
  });

  it("install - any spelling of a nickname's case and surrounding whitespace gives its schedule", () => {
    const arbitrary = fc.record({
      nickname: fc.constantFrom(...Object.keys(NICKNAMES)),
      upper: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
      before: fc.stringMatching(/^[ \t\n]{0,3}$/),
      after: fc.stringMatching(/^[ \t\n]{0,3}$/),
    });
    fc.assert(
      fc.property(arbitrary, ({ nickname, upper, before, after }) => {
        const spelled = [...nickname]
          .map((char, index) => (upper[index] === true ? char.toUpperCase() : char))
          .join("");
        const fields = NICKNAMES[nickname] as string;
        expect(dueTimes(cronKernel(`${before}${spelled}${after}`, start), 2)).toEqual(
          dueTimes(cronKernel(fields, start), 2),
        );
      }),
      { numRuns: 60 },
    );
  });

  it("install - a nickname follows the program's timezone", () => {
    const kernel = cronKernel("@daily", start, "Europe/Berlin");
    expect(dueTimes(kernel, 2).map(iso)).toEqual(["2026-03-14T23:00:00Z", "2026-03-15T23:00:00Z"]);
  });

  it("install - an unknown @word is rejected naming program.cron", () => {
    for (const cron of ["@reboot", "@every 5m", "@", "@dayly", "@ daily", "@hourly@"]) {
      const rejected = rejectionOf(cron);
      expect(rejected).toMatchObject({ type: "rejected", code: "invalid-program", field: "program.cron" });
      const message = (rejected as { message: string }).message;
      expect(message).toMatch(
        /^program\.cron: unknown nickname "@[^"]*" \(expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly/,
      );
      expect(message).toContain(`in ${JSON.stringify(cron)}`);
    }
  });

  it("install - a nickname followed by fields is rejected naming program.cron", () => {
    const rejected = rejectionOf("@daily 5");
    expect(rejected).toEqual({
      type: "rejected",
      command: expect.anything(),
      code: "invalid-program",
      field: "program.cron",
      message: 'program.cron: the nickname "@daily" stands alone, with nothing after it in "@daily 5"',
    });
  });

  it("install - a bad timezone is still reported as the timezone with a nickname", () => {
    const kernel = createKernel();
    const [rejected] = kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "c", type: "cron", cron: "@daily", timezone: "Mars/Olympus", mainFn },
    });
    expect(rejected).toMatchObject({ type: "rejected", code: "invalid-program", field: "program.timezone" });
  });

  it("getProgram - keeps the nickname as it was given", () => {
    const kernel = cronKernel(" @Hourly ", start);
    expect(kernel.getProgram("c").cron).toBe(" @Hourly ");
  });

  it("restoreKernel - a nickname program restores and goes on with the same due times", () => {
    const kernel = cronKernel("@hourly", start);
    const restored = restoreKernel(kernel.snapshot(), [{ id: "c", type: "cron", cron: "@hourly", mainFn }]);
    expect(dueTimes(restored, 3)).toEqual(dueTimes(kernel, 3));
  });

  it("validateProgram - agrees with install on nicknames", () => {
    const kernel = createKernel();
    expect(kernel.validateProgram({ id: "c", type: "cron", cron: "@WEEKLY", mainFn })).toEqual([]);
    const [problem] = kernel.validateProgram({ id: "c", type: "cron", cron: "@fortnightly", mainFn });
    const rejected = rejectionOf("@fortnightly");
    expect(problem).toEqual({
      code: "invalid-program",
      field: "program.cron",
      message: (rejected as { message: string }).message,
    });
  });

  it("runner.install - a nickname program runs at its times under fake timers", async () => {
    const clock = FakeTimers.createClock(utc("2026-03-14T22:30:00Z"));
    const runner = createRunner({ clock });
    const runs: number[] = [];
    runner.subscribe((effect) => {
      if (effect.type === "run") runs.push(effect.scheduledAt);
    });
    runner.install({ id: "h", type: "cron", cron: "@Hourly", mainFn });
    runner.spawn("h");
    runner.start();
    await clock.tickAsync(2 * 3_600_000);
    expect(runs.map(iso)).toEqual(["2026-03-14T23:00:00Z", "2026-03-15T00:00:00Z"]);
    expect(() => runner.install({ id: "x", type: "cron", cron: "@reboot", mainFn })).toThrow(
      expect.objectContaining({ code: "invalid-program", field: "program.cron" }),
    );
    runner.kill();
  });
});
