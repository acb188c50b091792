import type { Command, Kernel, KernelEffect, UnspawnPolicy } from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import { describe, expect, it } from "vitest";
import { replay, simulate, type Timeline, type TimelineEvent } from "../src/index.js";
import { kernelOptionsFor, runTimeline } from "../src/internal/engine.js";
import { generateTimeline } from "../src/internal/generate.js";
import { createReferenceModel } from "../src/internal/referenceModel.js";
import type { FaultFamily, JobBehaviour, ProgramDescriptor } from "../src/types.js";

// -----------------------------------------------------------------------------
// Small hand-made timelines, and kernels with a planted bug.

const policies: UnspawnPolicy[] = [lifo(), fifo()];

const slow: JobBehaviour = {
  minDuration: 100,
  maxDuration: 200,
  failRate: 0,
  slowRate: 0,
  slowFactor: 1,
  hangRate: 0,
  mergeThrowRate: 0,
};

const basic = (id: string, interval = 50): ProgramDescriptor => ({ id, type: "basic", interval, behaviour: slow });

const timelineOf = (
  events: readonly TimelineEvent[],
  families: Partial<Record<FaultFamily, boolean>> = {},
  steps = 400,
): Timeline => ({
  version: 1,
  seed: 7,
  scenario: "mix",
  steps,
  faults: {
    families: {
      lag: false,
      jumps: false,
      regressions: false,
      slowJobs: false,
      failures: false,
      bursts: false,
      crashes: false,
      ...families,
    },
    lagMax: 0,
    lagRate: 0,
  },
  policies: policies.map((policy) => policy.name),
  events,
});

/** A kernel whose dispatch goes through `transform` (the planted bug). */
const planted =
  (transform: (command: Command, inner: Kernel) => readonly KernelEffect[]) =>
  (kernel: Kernel): Kernel => ({ ...kernel, dispatch: (command) => transform(command, kernel) });

const run = (timeline: Timeline, wrapKernel?: (kernel: Kernel) => Kernel) =>
  runTimeline({
    timeline,
    policies,
    oracle: createReferenceModel(kernelOptionsFor(timeline, policies)),
    wrapKernel,
  });

/** Two spawns with jobs in flight when their program is uninstalled, then the program and a spawn come back. */
const reinstallWithJobsInFlight = timelineOf([
  { at: 0, kind: "install", program: basic("p") },
  { at: 0, kind: "spawn", programId: "p" },
  { at: 0, kind: "spawn", programId: "p" },
  { at: 120, kind: "uninstall", programId: "p" },
  { at: 300, kind: "install", program: basic("p") },
  { at: 300, kind: "spawn", programId: "p" },
  { at: 400, kind: "clear", programId: "p" },
]);

describe("planted bugs: each new check catches its fault", () => {
  it("one-stopped - a kernel that drops the stopped of a spawn uninstalled with a job in flight", () => {
    const clean = run(reinstallWithJobsInFlight);
    expect(clean.violations).toEqual([]);
    expect(clean.checks["one-stopped"]).toBeGreaterThan(3);

    const dropsStopped = planted((command, inner) => {
      const effects = inner.dispatch(command);
      if (command.type !== "uninstall") return effects;
      return effects.filter((effect) => !(effect.type === "stopped" && effect.spawnId === "p-1"));
    });
    const broken = run(reinstallWithJobsInFlight, dropsStopped);
    expect(broken.violations[0]).toMatchObject({ check: "model", at: 120 });
    const oneStopped = broken.violations.filter((violation) => violation.check === "one-stopped");
    expect(oneStopped[0]?.message).toBe("program p was uninstalled but its spawn p/p-1 never got a stopped");
    // The reference model derives the stopped itself: the kernel's missing one is a model difference too.
    expect(broken.violations[0]?.message).toContain('"type":"stopped","programId":"p","spawnId":"p-1"');
  });

  it("one-stopped - a kernel that says stopped twice, or keeps a spawn's job after its stopped", () => {
    const stutters = planted((command, inner) => {
      const effects = inner.dispatch(command);
      const stopped = effects.find((effect) => effect.type === "stopped");
      return stopped === undefined ? effects : [stopped, ...effects];
    });
    const broken = runTimeline({ timeline: reinstallWithJobsInFlight, policies, wrapKernel: stutters });
    expect(broken.violations.some((violation) => /got a second stopped/.test(violation.message))).toBe(true);
  });

  it("rejected-unchanged - a kernel that lets time arrive before it rejects a command", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: basic("p") },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 1_000, kind: "bad", bad: "unknown-program", programId: "p" },
      { at: 1_000, kind: "spawn", programId: "p" },
    ]);
    expect(run(timeline).violations).toEqual([]);
    expect(run(timeline).checks["rejected-unchanged"]).toBeGreaterThan(0);

    // The old behaviour: the command's time arrives (due jobs start), then it is rejected.
    const timeFirst = planted((command, inner) => {
      const effects = inner.dispatch(command);
      if (effects[0]?.type !== "rejected" || effects[0].code === "invalid-command") return effects;
      const tick = inner.dispatch({ type: "tick", at: command.at });
      return [...tick.slice(0, -1), ...effects];
    });
    const broken = runTimeline({ timeline, policies, wrapKernel: timeFirst });
    const found = broken.violations.filter((violation) => violation.check === "rejected-unchanged");
    expect(found.map((violation) => violation.message)).toEqual([
      expect.stringMatching(
        /^a rejected command \(unknown-program command.programId\) changed the kernel: .*"now":1000/,
      ),
    ]);
  });

  it("snapshot - a kernel whose snapshot stops being JSON data (a BigInt in it) is found within 64 steps", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: basic("p") },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 500, kind: "spawn", programId: "p" },
    ]);
    expect(run(timeline).violations).toEqual([]);
    // From the spawn at 500 on, snapshot() returns data JSON cannot write (the kernel should have refused it).
    let dispatches = 0;
    let poisonedAt: number | undefined;
    const bigIntSnapshot = (kernel: Kernel): Kernel => ({
      ...kernel,
      dispatch: (command) => {
        dispatches++;
        if (command.type === "spawn" && command.at >= 500) poisonedAt ??= dispatches;
        return kernel.dispatch(command);
      },
      snapshot: () =>
        poisonedAt === undefined
          ? kernel.snapshot()
          : ({ ...kernel.snapshot(), extra: 1n } as unknown as ReturnType<Kernel["snapshot"]>),
    });
    const broken = run(timeline, bigIntSnapshot);
    const found = broken.violations.find((violation) => violation.check === "snapshot");
    expect(found?.message).toMatch(/BigInt/);
    expect(poisonedAt).toBeDefined();
    expect((found?.step ?? Number.POSITIVE_INFINITY) - (poisonedAt ?? 0)).toBeLessThanOrEqual(64);
  });

  it("rejected-unchanged - a failed policy may only start what a tick at that time starts", () => {
    const throwing: UnspawnPolicy = {
      name: "throws",
      select: () => {
        throw new Error("no choice");
      },
    };
    const timeline: Timeline = {
      ...timelineOf([
        { at: 0, kind: "install", program: basic("p") },
        { at: 0, kind: "spawn", programId: "p" },
        { at: 0, kind: "spawn", programId: "p" },
        { at: 50, kind: "unspawn", programId: "p" },
      ]),
      policies: ["throws"],
    };
    const clean = runTimeline({
      timeline,
      policies: [throwing],
      oracle: createReferenceModel(kernelOptionsFor(timeline, [throwing])),
    });
    // The unspawn at 50 meets two due jobs: they start (as a tick would start them), then the policy fails.
    expect(clean.violations.map((violation) => violation.check)).toEqual(["policy-member"]);
    expect(clean.checks["rejected-unchanged"]).toBe(1);

    // A kernel that also counts the unspawn's time as a regression changes more than a tick would.
    const alsoRegresses = planted((command, inner) => {
      const effects = inner.dispatch(command);
      if (effects.some((effect) => effect.type === "rejected" && effect.code === "policy-failed")) {
        inner.dispatch({ type: "tick", at: command.at - 1 });
      }
      return effects;
    });
    const broken = runTimeline({ timeline, policies: [throwing], wrapKernel: alsoRegresses });
    expect(broken.violations.find((violation) => violation.check === "rejected-unchanged")?.message).toMatch(
      /changed the kernel beyond a tick at its time/,
    );
  });

  it("dispatch-never-throws - a kernel whose dispatch throws is a violation, not a crash of the simulator", () => {
    let calls = 0;
    const throwsOnce = planted((command, inner) => {
      calls += 1;
      if (calls === 6) throw new Error("planted: dispatch blew up");
      return inner.dispatch(command);
    });
    const broken = run(reinstallWithJobsInFlight, throwsOnce);
    expect(broken.violations).toEqual([
      expect.objectContaining({
        check: "dispatch-never-throws",
        step: 6,
        message: expect.stringContaining("Error: planted: dispatch blew up"),
      }),
    ]);
    expect(broken.steps).toBe(6);
    expect(run(reinstallWithJobsInFlight).checks["dispatch-never-throws"]).toBeGreaterThan(5);
  });

  it("run-returned - a kernel that starts a job but loses its run effect", () => {
    const losesRun = planted((command, inner) =>
      inner.dispatch(command).filter((effect) => !(effect.type === "run" && effect.jobId === "job-3")),
    );
    const broken = runTimeline({ timeline: reinstallWithJobsInFlight, policies, wrapKernel: losesRun });
    const found = broken.violations.filter((violation) => violation.check === "run-returned");
    expect(found[0]?.message).toMatch(/job-3/);
    expect(run(reinstallWithJobsInFlight).checks["run-returned"]).toBeGreaterThan(3);
  });

  it("liveness - checked after the last fault: a kernel that stops waking after downtime", () => {
    const timeline = timelineOf(
      [
        { at: 0, kind: "install", program: basic("p", 100) },
        { at: 0, kind: "install", program: basic("q", 60_000) },
        { at: 0, kind: "spawn", programId: "p" },
        { at: 1_000, kind: "jump", by: 50_000 },
        ...[55_000, 60_000, 65_000, 70_000].map((at): TimelineEvent => ({ at, kind: "trigger", programId: "q" })),
      ],
      { jumps: true },
    );
    const clean = run(timeline);
    expect(clean.violations).toEqual([]);
    expect(clean.checks.liveness).toBeGreaterThan(0);

    let lastAt = 0;
    let asleep = false;
    const oversleeps = planted((command, inner) => {
      if (command.at - lastAt > 10_000) asleep = true;
      lastAt = command.at;
      const effects = inner.dispatch(command);
      return asleep ? effects.map((effect) => (effect.type === "wake" ? { type: "wake", at: null } : effect)) : effects;
    });
    const broken = runTimeline({ timeline, policies, wrapKernel: oversleeps });
    expect(broken.violations.find((violation) => violation.check === "liveness")?.message).toMatch(
      /^spawn p\/p-1 has not run since it was owed a job at /,
    );
  });
});

describe("liveness under spec 18 and faults", () => {
  /** A kernel that stops waking once it has seen a command of `type`. */
  const sleepsAfter = (type: Command["type"]) => {
    let asleep = false;
    return planted((command, inner) => {
      const effects = inner.dispatch(command);
      if (command.type === type) asleep = true;
      return asleep ? effects.map((effect) => (effect.type === "wake" ? { type: "wake", at: null } : effect)) : effects;
    });
  };

  it("liveness - a jittered spawn is owed its jitter on a longer interval too; one that stops waking is caught", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: { ...basic("p", 5), jitter: 2 } },
      { at: 0, kind: "install", program: basic("q", 60_000) },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 1_000, kind: "set-interval", programId: "p", interval: 451 },
      // Commands after the kernel stops waking, for liveness to be checked at.
      ...[5_000, 6_000, 7_000].map((at): TimelineEvent => ({ at, kind: "trigger", programId: "q" })),
    ]);
    const clean = run(timeline);
    expect(clean.violations).toEqual([]);
    expect(clean.checks.liveness).toBeGreaterThan(0);
    const broken = runTimeline({ timeline, policies, wrapKernel: sleepsAfter("set-interval") });
    expect(broken.violations.find((violation) => violation.check === "liveness")?.message).toMatch(
      /^spawn p\/p-1 has not run since it was owed a job at /,
    );
  });

  it("liveness - a regression carried by a command after the last jump is behind only once that command is sent", () => {
    // The spawn command carries the regression (72 ms behind the host): its first job is owed from
    // the host's time, not from the command's.
    const timeline = timelineOf(
      [
        { at: 0, kind: "install", program: { ...basic("p", 26), delay: "random" } },
        { at: 100, kind: "regress", by: 72 },
        { at: 200, kind: "jump", by: 6_670 },
        { at: 300, kind: "spawn", programId: "p", opts: { endIn: 9 } },
      ],
      { jumps: true, regressions: true },
    );
    expect(run(timeline).violations).toEqual([]);
  });
});

describe("the hostile scenario", () => {
  const timelines = Array.from({ length: 60 }, (_, index) =>
    generateTimeline({
      seed: index + 1,
      scenario: "hostile",
      steps: 1500,
      faults: "swarm",
      policies: ["last", "first"],
    }),
  );
  const events = timelines.flatMap((timeline) => timeline.events);
  const programs = events.flatMap((event) => (event.kind === "install" ? [event.program] : []));

  it("generateTimeline - draws what the other scenarios never do", () => {
    const spawnOpts = events.flatMap((event) =>
      event.kind === "spawn" && event.opts !== undefined ? [event.opts] : [],
    );
    expect(spawnOpts.some((opts) => opts.spawnId !== undefined)).toBe(true);
    expect(spawnOpts.some((opts) => opts.intervalFn !== undefined)).toBe(true);
    expect(spawnOpts.some((opts) => typeof opts.interval === "string")).toBe(true);
    expect(spawnOpts.some((opts) => opts.catchUpWindow !== undefined)).toBe(true);
    expect(spawnOpts.some((opts) => opts.throws !== undefined)).toBe(true);
    expect(spawnOpts.some((opts) => opts.unknownKey === true)).toBe(true);
    expect(programs.some((program) => program.intervalFn?.throwEvery !== undefined)).toBe(true);
    expect(programs.some((program) => program.intervalFn?.values.some((value) => typeof value === "string"))).toBe(
      true,
    );
    const thrown = new Set(
      programs.flatMap((program) => Object.values(program.throws ?? {}).map((rule) => rule.value)),
    );
    for (const value of ["null-proto", "throwing-to-string", "throwing-message"])
      expect(thrown.has(value as never)).toBe(true);
    const hooks = new Set(programs.flatMap((program) => Object.keys(program.throws ?? {})));
    expect([...hooks].sort()).toEqual([
      "argsFn",
      "continueFn",
      "createFn",
      "errorFn",
      "mergeFn",
      "successFn",
      "timeFn",
    ]);
    expect(new Set(programs.map((program) => program.nullState))).toEqual(new Set([undefined, "create", "merge"]));
    expect(programs.some((program) => program.cron?.split(" ").length === 5)).toBe(true);
    expect(programs.some((program) => program.cron === "30 59 23 31 12 *" || program.cron === "0 0 0 29 2 *")).toBe(
      true,
    );
    expect(programs.some((program) => program.catchUpWindow !== undefined)).toBe(true);
    expect(programs.some((program) => program.policy === "sim:hostile")).toBe(true);
    expect(programs.some((program) => program.id === "__proto__")).toBe(true);
    expect(events.some((event) => event.kind === "trigger" && event.scheduledIn !== undefined)).toBe(true);
    expect(events.some((event) => event.kind === "set-interval" && event.intervalFn !== undefined)).toBe(true);
    expect(events.some((event) => event.kind === "jump" && event.by >= 86_400_000)).toBe(true);
    expect(events.some((event) => event.kind === "wall" && event.by < 0)).toBe(true);
    const starts = new Set(timelines.map((timeline) => timeline.events[0]?.at));
    expect(starts).toEqual(new Set([0, 1_700_000_000_000, 8_640_000_000_000_000 - 200_000_000]));
    const bad = new Set(events.flatMap((event) => (event.kind === "bad" ? [event.bad] : [])));
    for (const name of ["bigint-type", "circular-type", "nan-at", "huge-at", "job-0", "job-01", "spec-cron-never"]) {
      expect({ name, drawn: bad.has(name as never) }).toEqual({ name, drawn: true });
    }
  });

  it("generateTimeline - timelines stay plain JSON data, and replay to the same trace", () => {
    for (const timeline of timelines.slice(0, 3)) {
      expect(JSON.parse(JSON.stringify(timeline))).toEqual(timeline);
    }
    const result = simulate({ seed: 3, scenario: "hostile", steps: 600, shrink: false });
    expect(replay(JSON.parse(JSON.stringify(result.timeline))).traceHash).toBe(result.traceHash);
  });

  it("simulate - the new checks hold many times over hostile seeds, liveness also under faults", () => {
    const checks: Record<string, number> = {};
    let faultyLiveness = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const result = simulate({ seed, scenario: "hostile", steps: 800, shrink: false });
      for (const [name, count] of Object.entries(result.checks)) checks[name] = (checks[name] ?? 0) + count;
      const faulty = Object.values(result.timeline.faults.families).some((on) => on);
      if (faulty) faultyLiveness += result.checks.liveness ?? 0;
    }
    for (const name of ["rejected-unchanged", "one-stopped", "run-returned", "dispatch-never-throws", "snapshot"]) {
      expect({ name, held: (checks[name] ?? 0) > 20 }).toEqual({ name, held: true });
    }
    expect(faultyLiveness).toBeGreaterThan(20);
  });
});
