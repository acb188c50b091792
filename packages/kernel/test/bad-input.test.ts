import { describe, expect, it } from "vitest";
import { type Command, createKernel, isSchedkitError, type Kernel, SchedkitError } from "../src/index.js";

const mainFn = () => undefined;

/**
 * A kernel with program "p" (interval 100, state {n: 1}) that has one spawn p-1
 * with job-1 in flight, a pending job for spawn p-2, and a stopped spawn p-3.
 */
const busyKernel = () => {
  const kernel = createKernel({ policies: [{ name: "last", select: (s) => s.latest()?.id }] });
  kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 100, mainFn, createFn: () => ({ n: 1 }) } });
  kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
  kernel.dispatch({ type: "spawn", at: 50, programId: "p" });
  kernel.dispatch({ type: "spawn", at: 60, programId: "p" });
  kernel.dispatch({ type: "stop-spawn", at: 70, programId: "p", spawnId: "p-3" });
  kernel.dispatch({ type: "tick", at: 100 });
  // Bad commands below arrive at 120: bring the kernel there first, so that what
  // is compared is the command's own effect (a dispatch always lets time arrive).
  kernel.dispatch({ type: "tick", at: 120 });
  return kernel;
};

const snapshot = (kernel: Kernel) => ({
  info: kernel.info(),
  installed: kernel.isInstalled("p"),
  state: structuredClone(kernel.getState("p")),
  props: kernel.getProps("p"),
  spawns: kernel.listSpawns("p"),
  stopped: kernel.listStopped("p"),
});

/** Dispatches a bad command and checks: one `rejected` naming the field, then `wake`; nothing changed. */
const expectRejected = (kernel: Kernel, command: unknown, code: string, field: string) => {
  const before = snapshot(kernel);
  const effects = kernel.dispatch(command as Command);
  expect(effects).toEqual([
    { type: "rejected", command, code, field, message: expect.stringContaining(field) },
    { type: "wake", at: 150 },
  ]);
  expect(snapshot(kernel)).toEqual(before);
  return effects[0] as { message: string };
};

describe("bad input: invalid program", () => {
  const install = (program: unknown) => ({ type: "install", at: 120, program });
  const valid = { id: "q", interval: 100, mainFn };

  it.each([
    ["id is not a string", { ...valid, id: 5 }, "program.id"],
    ["id is empty", { ...valid, id: "" }, "program.id"],
    ["interval is a string", { ...valid, interval: "100" }, "program.interval"],
    ["interval is 0", { ...valid, interval: 0 }, "program.interval"],
    ["interval is negative", { ...valid, interval: -5 }, "program.interval"],
    ["interval is not finite", { ...valid, interval: Number.POSITIVE_INFINITY }, "program.interval"],
    ["interval is NaN", { ...valid, interval: Number.NaN }, "program.interval"],
    ["interval is missing", { id: "q", mainFn }, "program.interval"],
    ["mainFn is missing", { id: "q", interval: 100 }, "program.mainFn"],
    ["mainFn is not a function", { ...valid, mainFn: "run" }, "program.mainFn"],
    ["type is unknown", { ...valid, type: "daily" }, "program.type"],
    ["delay is negative", { ...valid, delay: -1 }, "program.delay"],
    ["delay is an unknown word", { ...valid, delay: "later" }, "program.delay"],
    ["min is not an integer", { ...valid, min: 1.5 }, "program.min"],
    ["min is 0", { ...valid, min: 0 }, "program.min"],
    ["max is negative", { ...valid, max: -1 }, "program.max"],
    ["min > max", { ...valid, min: 3, max: 2 }, "program.min"],
    ["scope is unknown", { ...valid, scope: "global" }, "program.scope"],
    ["output is unknown", { ...valid, output: "some" }, "program.output"],
    ["misfire is unknown", { ...valid, misfire: "never" }, "program.misfire"],
    ["argsFn is not a function", { ...valid, argsFn: 1 }, "program.argsFn"],
    ["createFn is not a function", { ...valid, createFn: {} }, "program.createFn"],
    ["mergeFn is not a function", { ...valid, mergeFn: "merge" }, "program.mergeFn"],
    ["continueFn is not a function", { ...valid, continueFn: true }, "program.continueFn"],
    ["timeFn is not a function", { ...valid, timeFn: 3 }, "program.timeFn"],
    ["an unknown key (intervall)", { ...valid, intervall: 100 }, "program.intervall"],
    ["cron fields on a basic program", { ...valid, cron: "* * * * *" }, "program.cron"],
  ])("install - rejected with invalid-program when %s", (_name, program, field) => {
    const kernel = busyKernel();
    expectRejected(kernel, install(program), "invalid-program", field);
    expect(kernel.isInstalled("q")).toBe(false);
  });

  it("install - the unknown key message says it is an unknown key", () => {
    const kernel = busyKernel();
    const rejected = expectRejected(
      kernel,
      install({ ...valid, intervall: 100 }),
      "invalid-program",
      "program.intervall",
    );
    expect(rejected.message).toMatch(/unknown key/);
  });

  it("install - min > max names both bounds in the message", () => {
    const kernel = busyKernel();
    const rejected = expectRejected(kernel, install({ ...valid, min: 3, max: 2 }), "invalid-program", "program.min");
    expect(rejected.message).toContain("max");
  });

  it("install - rejected with unknown-policy for a policy not registered", () => {
    const kernel = busyKernel();
    expectRejected(kernel, install({ ...valid, policy: "nope" }), "unknown-policy", "program.policy");
  });

  it('install - type "cron" with an expression that does not parse is rejected, naming program.cron', () => {
    const kernel = busyKernel();
    const rejected = expectRejected(
      kernel,
      install({ id: "q", mainFn, type: "cron", cron: "0 * *", timezone: "UTC" }),
      "invalid-program",
      "program.cron",
    );
    expect(rejected.message).toMatch(/segments/);
  });

  it("install - a program that is not an object is rejected", () => {
    const kernel = busyKernel();
    const before = snapshot(kernel);
    const effects = kernel.dispatch({ type: "install", at: 120, program: "p" } as unknown as Command);
    expect(effects).toEqual([
      {
        type: "rejected",
        command: expect.anything(),
        code: "invalid-program",
        field: "program",
        message: expect.stringContaining("program"),
      },
      { type: "wake", at: 150 },
    ]);
    expect(snapshot(kernel)).toEqual(before);
  });

  it("install - a throwing createFn is rejected with hook-failed", () => {
    const kernel = busyKernel();
    const createFn = () => {
      throw new Error("boom");
    };
    const rejected = expectRejected(kernel, install({ ...valid, createFn }), "hook-failed", "program.createFn");
    expect(rejected.message).toContain("boom");
    expect(kernel.isInstalled("q")).toBe(false);
  });

  it("install - an invalid spec for an existing id leaves the old program in place", () => {
    const kernel = busyKernel();
    expectRejected(kernel, install({ id: "p", interval: -1, mainFn }), "invalid-program", "program.interval");
    expect(kernel.countSpawns("p")).toBe(2);
  });
});

describe("bad input: invalid commands", () => {
  it("dispatch - an unknown command type is rejected with invalid-command", () => {
    const kernel = busyKernel();
    const rejected = expectRejected(kernel, { type: "frobnicate", at: 120 }, "invalid-command", "command.type");
    expect(rejected.message).toContain("frobnicate");
  });

  it("dispatch - a command that is not an object is rejected", () => {
    const kernel = busyKernel();
    const before = snapshot(kernel);
    const effects = kernel.dispatch(null as unknown as Command);
    expect(effects).toEqual([
      {
        type: "rejected",
        command: null,
        code: "invalid-command",
        field: "command",
        message: expect.stringContaining("command"),
      },
      { type: "wake", at: 150 },
    ]);
    expect(snapshot(kernel)).toEqual(before);
  });

  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["a string", "120"],
    ["missing", undefined],
  ])("dispatch - an at that is %s is rejected with invalid-command", (_name, at) => {
    const kernel = busyKernel();
    const command = at === undefined ? { type: "tick" } : { type: "tick", at };
    expectRejected(kernel, command, "invalid-command", "command.at");
  });

  it("dispatch - a non-finite at on a state-changing command changes nothing", () => {
    const kernel = busyKernel();
    expectRejected(kernel, { type: "spawn", at: Number.NaN, programId: "p" }, "invalid-command", "command.at");
  });

  it("dispatch - an unknown key on a command is rejected", () => {
    const kernel = busyKernel();
    expectRejected(kernel, { type: "tick", at: 120, extra: 1 }, "invalid-command", "command.extra");
  });

  it("dispatch - a missing programId is rejected", () => {
    const kernel = busyKernel();
    expectRejected(kernel, { type: "spawn", at: 120 }, "invalid-command", "command.programId");
  });

  it("complete - a malformed outcome is rejected", () => {
    const kernel = busyKernel();
    expectRejected(
      kernel,
      { type: "complete", at: 120, jobId: "job-1", outcome: { ok: "yes" } },
      "invalid-command",
      "command.outcome",
    );
    expect(kernel.getSpawn("p", "p-1").inFlight).toBe(1);
  });
});

describe("bad input: unknown ids", () => {
  it.each([
    { type: "spawn", at: 120, programId: "nope" },
    { type: "unspawn", at: 120, programId: "nope" },
    { type: "trigger", at: 120, programId: "nope" },
    { type: "set-interval", at: 120, programId: "nope", interval: 10 },
    { type: "stop-spawn", at: 120, programId: "nope", spawnId: "p-1" },
    { type: "kill-spawn", at: 120, programId: "nope", spawnId: "p-1" },
    { type: "stop-all", at: 120, programId: "nope" },
    { type: "kill-all", at: 120, programId: "nope" },
    { type: "clear", at: 120, programId: "nope" },
    { type: "uninstall", at: 120, programId: "nope" },
  ])("$type - an unknown program id is rejected with unknown-program", (command) => {
    const kernel = busyKernel();
    const rejected = expectRejected(kernel, command, "unknown-program", "command.programId");
    expect(rejected.message).toContain('"nope"');
  });

  it.each([
    { type: "stop-spawn", at: 120, programId: "p", spawnId: "p-9" },
    { type: "kill-spawn", at: 120, programId: "p", spawnId: "p-9" },
    { type: "set-interval", at: 120, programId: "p", spawnId: "p-9", interval: 10 },
  ])("$type - an unknown spawn id is rejected with unknown-spawn", (command) => {
    const kernel = busyKernel();
    const rejected = expectRejected(kernel, command, "unknown-spawn", "command.spawnId");
    expect(rejected.message).toContain('"p-9"');
  });

  it.each([
    ["never issued", "job-99"],
    ["not a kernel job id", "banana"],
  ])("complete - a job id %s is rejected with unknown-job", (_name, jobId) => {
    const kernel = busyKernel();
    const rejected = expectRejected(
      kernel,
      { type: "complete", at: 120, jobId, outcome: { ok: true, value: { n: 2 } } },
      "unknown-job",
      "command.jobId",
    );
    expect(rejected.message).toContain(jobId);
  });
});

describe("bad input: intervals and spawn hooks", () => {
  it.each([
    ["0", 0],
    ["negative", -10],
    ["a string", "10"],
    ["NaN", Number.NaN],
    ["null", null],
  ])("set-interval - an interval that is %s is rejected with invalid-interval", (_name, interval) => {
    const kernel = busyKernel();
    expectRejected(
      kernel,
      { type: "set-interval", at: 120, programId: "p", interval },
      "invalid-interval",
      "command.interval",
    );
    expect(kernel.getProps("p", "p-2").interval).toBe(100);
  });

  it("set-interval - an invalid per-spawn interval is rejected", () => {
    const kernel = busyKernel();
    expectRejected(
      kernel,
      { type: "set-interval", at: 120, programId: "p", spawnId: "p-2", interval: -1 },
      "invalid-interval",
      "command.interval",
    );
  });

  it("spawn - a program interval function returning a non-positive number is rejected", () => {
    const kernel = busyKernel();
    kernel.dispatch({ type: "install", at: 100, program: { id: "z", interval: () => 0, mainFn } });
    const before = { ...snapshot(kernel), z: kernel.info().programs.z };
    const command = { type: "spawn", at: 120, programId: "z" } as const;
    expect(kernel.dispatch(command)).toEqual([
      {
        type: "rejected",
        command,
        code: "invalid-interval",
        field: "program.interval",
        message: expect.stringContaining("program.interval"),
      },
      { type: "wake", at: 150 },
    ]);
    expect({ ...snapshot(kernel), z: kernel.info().programs.z }).toEqual(before);
    expect(kernel.countSpawns("z")).toBe(0);
  });

  it("spawn - an opts.interval function returning a negative number is rejected", () => {
    const kernel = busyKernel();
    expectRejected(
      kernel,
      { type: "spawn", at: 120, programId: "p", opts: { interval: () => -1 } },
      "invalid-interval",
      "opts.interval",
    );
  });

  it("spawn - an opts.interval of 0 is rejected", () => {
    const kernel = busyKernel();
    expectRejected(
      kernel,
      { type: "spawn", at: 120, programId: "p", opts: { interval: 0 } },
      "invalid-options",
      "opts.interval",
    );
  });

  it("spawn - an unknown opts key is rejected", () => {
    const kernel = busyKernel();
    expectRejected(
      kernel,
      { type: "spawn", at: 120, programId: "p", opts: { intervall: 5 } },
      "invalid-options",
      "opts.intervall",
    );
  });

  it("spawn - an empty opts.spawnId is rejected", () => {
    const kernel = busyKernel();
    expectRejected(
      kernel,
      { type: "spawn", at: 120, programId: "p", opts: { spawnId: "" } },
      "invalid-options",
      "opts.spawnId",
    );
  });

  it("spawn - a duplicate spawn id (also of a stopped spawn in history) is rejected", () => {
    const kernel = busyKernel();
    expectRejected(
      kernel,
      { type: "spawn", at: 120, programId: "p", opts: { spawnId: "p-3" } },
      "duplicate-spawn",
      "opts.spawnId",
    );
  });

  it("spawn - a throwing createFn for a scope spawn program is rejected with hook-failed", () => {
    const kernel = busyKernel();
    let calls = 0;
    kernel.dispatch({
      type: "install",
      at: 100,
      program: {
        id: "s",
        interval: 100,
        mainFn,
        scope: "spawn",
        createFn: () => {
          calls++;
          if (calls > 1) throw new Error("no state for you");
          return {};
        },
      },
    });
    const command = { type: "spawn", at: 120, programId: "s" } as const;
    const before = snapshot(kernel);
    expect(kernel.dispatch(command)).toEqual([
      {
        type: "rejected",
        command,
        code: "hook-failed",
        field: "program.createFn",
        message: expect.stringContaining("program.createFn"),
      },
      { type: "wake", at: 150 },
    ]);
    expect(snapshot(kernel)).toEqual(before);
    expect(kernel.countSpawns("s")).toBe(0);
  });

  it("spawn - a throwing timeFn is rejected with hook-failed", () => {
    const kernel = busyKernel();
    kernel.dispatch({
      type: "install",
      at: 100,
      program: {
        id: "t",
        type: "constant",
        interval: 100,
        mainFn,
        timeFn: () => {
          throw new Error("bad time");
        },
      },
    });
    const command = { type: "spawn", at: 120, programId: "t" } as const;
    expect(kernel.dispatch(command)).toEqual([
      {
        type: "rejected",
        command,
        code: "hook-failed",
        field: "program.timeFn",
        message: expect.stringContaining("program.timeFn"),
      },
      { type: "wake", at: 150 },
    ]);
    expect(kernel.countSpawns("t")).toBe(0);
  });
});

describe("bad input: the kernel stays usable", () => {
  it("dispatch - after many rejections the kernel behaves as if they never happened", () => {
    const kernel = busyKernel();
    const bad: unknown[] = [
      { type: "install", at: 120, program: { id: "q", intervall: 1, interval: 1, mainFn } },
      { type: "frobnicate", at: 130 },
      { type: "tick", at: Number.NaN },
      { type: "spawn", at: 120, programId: "nope" },
      { type: "stop-spawn", at: 120, programId: "p", spawnId: "p-9" },
      { type: "complete", at: 120, jobId: "job-99", outcome: { ok: true } },
      { type: "set-interval", at: 120, programId: "p", interval: 0 },
    ];
    for (const command of bad) expect(kernel.dispatch(command as Command)[0]?.type).toBe("rejected");
    // A malformed command (unknown type, no valid time) does not even move the clock.
    expect(kernel.info().clock).toEqual({ now: 120, regressions: 0 });
    expect(
      kernel.dispatch({ type: "complete", at: 120, jobId: "job-1", outcome: { ok: true, value: { n: 2 } } }),
    ).toEqual([
      {
        type: "settled",
        jobId: "job-1",
        fireId: "p/p-1/100",
        programId: "p",
        spawnId: "p-1",
        status: "succeeded",
        scheduledAt: 100,
        startedAt: 100,
        endedAt: 120,
        value: { n: 2 },
      },
      { type: "wake", at: 150 },
    ]);
    expect(kernel.getState("p")).toEqual({ n: 2 });
    expect(kernel.dispatch({ type: "spawn", at: 130, programId: "p" })).toEqual([
      { type: "spawned", programId: "p", spawnId: "p-4", startedAt: 130 },
      { type: "wake", at: 150 },
    ]);
    expect(kernel.dispatch({ type: "tick", at: 150 })).toEqual([
      {
        type: "run",
        jobId: "job-2",
        fireId: "p/p-2/150",
        programId: "p",
        spawnId: "p-2",
        scheduledAt: 150,
        startedAt: 150,
        args: undefined,
      },
      { type: "wake", at: 220 },
    ]);
  });
});

describe("bad input: queries", () => {
  const queries: [string, (kernel: Kernel) => unknown][] = [
    ["getProgram", (k) => k.getProgram("nope")],
    ["getState", (k) => k.getState("nope")],
    ["getSpawnState", (k) => k.getSpawnState("nope", "p-1")],
    ["getProps", (k) => k.getProps("nope")],
    ["getProps with spawn", (k) => k.getProps("nope", "p-1")],
    ["getSpawn", (k) => k.getSpawn("nope", "p-1")],
    ["listSpawns", (k) => k.listSpawns("nope")],
    ["countSpawns", (k) => k.countSpawns("nope")],
    ["latestSpawn", (k) => k.latestSpawn("nope")],
    ["earliestSpawn", (k) => k.earliestSpawn("nope")],
    ["listStopped", (k) => k.listStopped("nope")],
    ["latestStopped", (k) => k.latestStopped("nope")],
    ["latest", (k) => k.latest("nope")],
  ];

  it.each(queries)("%s - an unknown program id throws a SchedkitError with code unknown-program", (_name, query) => {
    const kernel = busyKernel();
    let thrown: unknown;
    try {
      query(kernel);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SchedkitError);
    expect(isSchedkitError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ name: "SchedkitError", code: "unknown-program", field: "programId" });
    expect((thrown as Error).message).toContain('"nope"');
  });

  it("isInstalled - answers false for an unknown program id instead of throwing", () => {
    expect(busyKernel().isInstalled("nope")).toBe(false);
  });

  it("getSpawn - an unknown spawn id throws a SchedkitError with code unknown-spawn", () => {
    const kernel = busyKernel();
    expect(() => kernel.getSpawn("p", "p-9")).toThrow(SchedkitError);
    expect(() => kernel.getProps("p", "p-9")).toThrow(
      expect.objectContaining({ code: "unknown-spawn", field: "spawnId" }),
    );
  });
});

describe("bad input: kernel options", () => {
  it("createKernel - duplicate policy names throw duplicate-policy", () => {
    const policy = { name: "x", select: () => undefined };
    expect(() => createKernel({ policies: [policy, policy] })).toThrow(
      expect.objectContaining({ code: "duplicate-policy" }),
    );
  });

  it("createKernel - an unknown defaultPolicy throws unknown-policy", () => {
    expect(() => createKernel({ defaultPolicy: "nope" })).toThrow(expect.objectContaining({ code: "unknown-policy" }));
  });

  it("createKernel - a non-integer seed throws invalid-options", () => {
    expect(() => createKernel({ seed: 1.5 })).toThrow(
      expect.objectContaining({ code: "invalid-options", field: "options.seed" }),
    );
  });
});

describe("bad input: re-entrant dispatch", () => {
  it("dispatch - a hook dispatching into its own kernel is rejected; the outer command completes", () => {
    const kernel = createKernel();
    let inner: readonly unknown[] = [];
    const mergeFn = (state: unknown) => {
      inner = kernel.dispatch({ type: "spawn", at: 10, programId: "p" });
      return state;
    };
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 10, mainFn, mergeFn } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 10 });
    const effects = kernel.dispatch({ type: "complete", at: 10, jobId: "job-1", outcome: { ok: true, value: 1 } });
    expect(inner).toEqual([
      expect.objectContaining({ type: "rejected", code: "invalid-command", field: "command" }),
      { type: "wake", at: null }, // basic: the next job is set once this result is in
    ]);
    expect(effects.map((effect) => effect.type)).toEqual(["settled", "wake"]);
    expect(kernel.countSpawns("p")).toBe(1);
    expect(kernel.getProps("p", "p-1")?.succeeded).toBe(1);
  });
});
