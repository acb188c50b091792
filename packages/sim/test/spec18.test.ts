import { type Command, createKernel, type Kernel, type KernelEffect, type UnspawnPolicy } from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import { describe, expect, it } from "vitest";
import { decodeTimeline, replay, spec18BadCommands, type Timeline, type TimelineEvent } from "../src/index.js";
import { kernelOptionsFor, runTimeline } from "../src/internal/engine.js";
import { spec18On } from "../src/internal/features.js";
import { generateTimeline } from "../src/internal/generate.js";
import { createReferenceModel } from "../src/internal/referenceModel.js";
import type { FaultFamily, JobBehaviour, ProgramDescriptor } from "../src/types.js";

// -----------------------------------------------------------------------------
// Spec 18 (overlap, pause and resume, maxRuns, startAt, endAt) in the simulator: each new
// check catches a kernel with a planted bug, and seeded mix runs with every feature hold.

const policies: UnspawnPolicy[] = [lifo(), fifo()];

/** Jobs that outlast a 50 ms interval: every due time of a constant spawn comes while it is busy. */
const slow: JobBehaviour = {
  minDuration: 120,
  maxDuration: 180,
  failRate: 0,
  slowRate: 0,
  slowFactor: 1,
  hangRate: 0,
  mergeThrowRate: 0,
};
const quick: JobBehaviour = { ...slow, minDuration: 1, maxDuration: 10 };

const constant = (id: string, extra: Partial<ProgramDescriptor> = {}): ProgramDescriptor => ({
  id,
  type: "constant",
  interval: 50,
  behaviour: slow,
  ...extra,
});

const timelineOf = (
  events: readonly TimelineEvent[],
  families: Partial<Record<FaultFamily, boolean>> = {},
  steps = 400,
): Timeline => ({
  version: 1,
  seed: 18,
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

/** A kernel that is given specs and spawn options without the named fields (it ignores them). */
const ignoring = (...fields: readonly string[]) =>
  planted((command, inner) => {
    const strip = (value: object): object =>
      Object.fromEntries(Object.entries(value).filter(([key]) => !fields.includes(key)));
    if (command.type === "install") return inner.dispatch({ ...command, program: strip(command.program) as never });
    if (command.type === "spawn" && command.opts !== undefined) {
      return inner.dispatch({ ...command, opts: strip(command.opts) as never });
    }
    return inner.dispatch(command);
  });

const run = (timeline: Timeline, wrapKernel?: (kernel: Kernel) => Kernel) =>
  runTimeline({
    timeline,
    policies,
    oracle: createReferenceModel(kernelOptionsFor(timeline, policies)),
    wrapKernel,
  });

const firstOf = (result: ReturnType<typeof run>, check: string) =>
  result.violations.find((violation) => violation.check === check)?.message;

describe("spec 18: each new check catches a planted bug", () => {
  it("overlap-skip-single-flight - a kernel that starts a skipped due time anyway", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: constant("p", { overlap: "skip" }) },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 0, kind: "install", program: constant("q") },
      { at: 0, kind: "spawn", programId: "q", opts: { overlap: "buffer-all", bufferLimit: 2 } },
    ]);
    const clean = run(timeline);
    expect(clean.violations).toEqual([]);
    expect(clean.checks["overlap-skip-single-flight"]).toBeGreaterThan(5);
    expect(clean.checks["skipped-once"]).toBeGreaterThan(5);

    // The bug: a skipped due time becomes a run (the job the kernel kept waiting, started twice over).
    const startsSkipped = planted((command, inner) =>
      inner.dispatch(command).map((effect): KernelEffect => {
        if (effect.type !== "skipped") return effect;
        return {
          type: "run",
          jobId: `job-${900_000 + effect.scheduledAt}`,
          fireId: effect.fireId,
          programId: effect.programId,
          spawnId: effect.spawnId,
          scheduledAt: effect.scheduledAt,
          startedAt: command.at,
          args: undefined,
        };
      }),
    );
    const broken = run(timeline, startsSkipped);
    expect(firstOf(broken, "overlap-skip-single-flight")).toMatch(
      /^spawn p\/p-1 \(overlap "skip"\) started job-\d+ \(due \d+\) while job-\d+ still in flight$/,
    );
  });

  it("paused-starts-nothing - a kernel that says paused but goes on starting jobs", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: constant("p", { behaviour: quick }) },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 120, kind: "pause", programId: "p", note: "deploy" },
      { at: 400, kind: "resume", programId: "p" },
      { at: 500, kind: "pause", programId: "p", pick: 1 },
      { at: 900, kind: "resume", programId: "p", pick: 0 },
    ]);
    const clean = run(timeline);
    expect(clean.violations).toEqual([]);
    expect(clean.checks["paused-starts-nothing"]).toBeGreaterThan(10);

    // The bug: the pause is answered, but the kernel is resumed behind the host's back.
    const leaky = planted((command, inner) => {
      const effects = inner.dispatch(command);
      if (command.type !== "pause") return effects;
      const resumed = inner.dispatch({ type: "resume", at: command.at, programId: command.programId });
      return [...effects.filter((effect) => effect.type !== "wake"), ...resumed.filter((e) => e.type === "wake")];
    });
    const broken = run(timeline, leaky);
    expect(firstOf(broken, "paused-starts-nothing")).toMatch(
      /^spawn p\/p-\d started job-\d+ \(due \d+\) while its program was paused$/,
    );
  });

  it("paused-starts-nothing - an accepted pause must say paused", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: constant("p", { behaviour: quick }) },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 100, kind: "pause", programId: "p", pick: 0 },
    ]);
    const silent = planted((command, inner) => inner.dispatch(command).filter((effect) => effect.type !== "paused"));
    expect(firstOf(run(timeline, silent), "paused-starts-nothing")).toBe(
      "an accepted pause of p/p-1 gave 0 paused effects",
    );
  });

  it("within-dates - a kernel that ignores startAt, or endAt", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: constant("p", { behaviour: quick, startAt: 300 }) },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 0, kind: "install", program: constant("q", { behaviour: quick, type: "basic" }) },
      { at: 0, kind: "spawn", programId: "q", opts: { endIn: 400 } },
    ]);
    const clean = run(timeline);
    expect(clean.violations).toEqual([]);
    expect(clean.checks["within-dates"]).toBeGreaterThan(5);

    expect(firstOf(run(timeline, ignoring("startAt")), "within-dates")).toMatch(
      /^spawn p\/p-1 started job-\d+ \(due 50\) at 50, before its startAt 300$/,
    );
    expect(firstOf(run(timeline, ignoring("endAt")), "within-dates")).toMatch(
      /^spawn q\/q-1 started job-\d+ \(due \d+\) at \d+, at or after its endAt 400$/,
    );
  });

  it("max-runs - a kernel that ignores maxRuns, or stops for another reason", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: constant("p", { behaviour: quick, maxRuns: 3 }) },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 0, kind: "install", program: constant("q", { overlap: "buffer-all", bufferLimit: 3 }) },
      { at: 0, kind: "spawn", programId: "q", opts: { maxRuns: 4 } },
    ]);
    const cancels: string[] = [];
    const clean = runTimeline({
      timeline,
      policies,
      oracle: createReferenceModel(kernelOptionsFor(timeline, policies)),
      record: (effect) => {
        if (effect.type === "cancel") cancels.push(`${effect.spawnId}:${effect.reason}:${effect.inFlight}`);
      },
    });
    expect(clean.violations).toEqual([]);
    expect(clean.checks["max-runs"]).toBeGreaterThan(6);
    // q-1's fourth run is a buffered one; the runs still in its buffer are cancelled with the stop's reason.
    expect(cancels).toContain("q-1:max-runs:false");

    expect(firstOf(run(timeline, ignoring("maxRuns")), "max-runs")).toMatch(
      /^spawn p\/p-1 started its run number 4 \(job-\d+\); its maxRuns is 3$/,
    );
    const misnamed = planted((command, inner) =>
      inner.dispatch(command).map((effect) => (effect.type === "stopped" ? { ...effect, reason: "stop" } : effect)),
    );
    expect(firstOf(run(timeline, misnamed), "max-runs")).toBe(
      "spawn p/p-1 had all its runs but stopped with reason stop",
    );
  });

  it("skipped-once - a kernel that reports a skipped due time twice, or also runs it", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: constant("p", { overlap: "buffer-one" }) },
      { at: 0, kind: "spawn", programId: "p" },
    ]);
    const clean = run(timeline);
    expect(clean.violations).toEqual([]);
    expect(clean.checks["skipped-once"]).toBeGreaterThan(5);

    const stutters = planted((command, inner) =>
      inner
        .dispatch(command)
        .flatMap((effect): KernelEffect[] => (effect.type === "skipped" ? [effect, effect] : [effect])),
    );
    expect(firstOf(run(timeline, stutters), "skipped-once")).toMatch(
      /^spawn p\/p-1: due time p\/p-1\/\d+ skipped twice$/,
    );

    // A run that names a due time skipped before (a kernel that re-runs the grid from an old point).
    let skippedFire: { fireId: string; scheduledAt: number } | undefined;
    const reruns = planted((command, inner) =>
      inner.dispatch(command).map((effect): KernelEffect => {
        if (effect.type === "skipped") skippedFire ??= { fireId: effect.fireId, scheduledAt: effect.scheduledAt };
        else if (effect.type === "run" && skippedFire !== undefined && effect.scheduledAt > skippedFire.scheduledAt) {
          const fire = skippedFire;
          skippedFire = { fireId: "", scheduledAt: Number.POSITIVE_INFINITY };
          return { ...effect, fireId: fire.fireId, scheduledAt: fire.scheduledAt };
        }
        return effect;
      }),
    );
    expect(firstOf(run(timeline, reruns), "skipped-once")).toMatch(
      /^spawn p\/p-1: due time p\/p-1\/\d+ ran \(job-\d+\) after it was skipped$/,
    );
  });
  it("jitter-bounds - a kernel that draws jitter beyond the bound it was given", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: constant("p", { behaviour: quick, jitter: 10 }) },
      { at: 0, kind: "spawn", programId: "p" },
    ]);
    const clean = run(timeline);
    expect(clean.violations).toEqual([]);
    expect(clean.checks["jitter-bounds"]).toBeGreaterThan(5);

    // The bug: the kernel's jitter is four times what the program says.
    const wider = planted((command, inner) =>
      command.type === "install"
        ? inner.dispatch({ ...command, program: { ...command.program, jitter: 40 } })
        : inner.dispatch(command),
    );
    expect(firstOf(run(timeline, wider), "jitter-bounds")).toMatch(
      /^p\/p-1 started job-\d+ \(due \d+\) \d+ ms late, on time otherwise: its jitter is 10/,
    );
  });
  it("within-window - a kernel that runs due times older than the catch-up window after a pause", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: constant("p", { behaviour: quick, catchUpWindow: 120 }) },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 110, kind: "pause", programId: "p" },
      { at: 700, kind: "resume", programId: "p" },
    ]);
    const clean = run(timeline);
    expect(clean.violations).toEqual([]);
    expect(clean.checks["within-window"]).toBeGreaterThan(5);

    // The bug: the kernel's window is far wider than the program says.
    const wider = planted((command, inner) =>
      command.type === "install"
        ? inner.dispatch({ ...command, program: { ...command.program, catchUpWindow: 1_000_000 } })
        : inner.dispatch(command),
    );
    expect(firstOf(run(timeline, wider), "within-window")).toMatch(
      /^p\/p-1 started job-\d+ \(due \d+\) at 700, \d+ ms late: older than its catch-up window 120$/,
    );
  });
  it("missed-once - a kernel that reports a missed range twice, or runs a due time it reported missed", () => {
    const timeline = timelineOf([
      { at: 0, kind: "install", program: constant("p", { behaviour: quick, catchUpWindow: 120 }) },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 110, kind: "pause", programId: "p" },
      { at: 700, kind: "resume", programId: "p" },
    ]);
    const clean = run(timeline);
    expect(clean.violations).toEqual([]);
    expect(clean.checks["missed-once"]).toBeGreaterThan(5);

    const twice = planted((command, inner) =>
      inner
        .dispatch(command)
        .flatMap((effect): KernelEffect[] => (effect.type === "missed" ? [effect, effect] : [effect])),
    );
    expect(firstOf(run(timeline, twice), "missed-once")).toMatch(/^spawn p\/p-1: missed \d+\.\.\d+ again/);

    // A run that names a due time reported missed (as a kernel that catches up past its window would).
    let missedAt: number | undefined;
    const runsMissed = planted((command, inner) =>
      inner.dispatch(command).map((effect): KernelEffect => {
        if (effect.type === "missed") missedAt ??= effect.from;
        else if (effect.type === "run" && missedAt !== undefined && effect.scheduledAt > missedAt) {
          const scheduledAt = missedAt;
          missedAt = Number.POSITIVE_INFINITY;
          return { ...effect, scheduledAt, fireId: `p/p-1/${scheduledAt}` };
        }
        return effect;
      }),
    );
    expect(firstOf(run(timeline, runsMissed), "missed-once")).toMatch(
      /^spawn p\/p-1: due time \d+ ran after it was missed/,
    );
  });
});

describe("spec 18: generated timelines", () => {
  const timelines = Array.from({ length: 40 }, (_, index) =>
    generateTimeline({
      seed: index + 1,
      scenario: "mix",
      steps: 2000,
      faults: "swarm",
      policies: ["last", "first"],
      features: spec18On,
    }),
  );
  const events = timelines.flatMap((timeline) => timeline.events);
  const programs = events.flatMap((event) => (event.kind === "install" ? [event.program] : []));
  const spawnOpts = events.flatMap((event) => (event.kind === "spawn" && event.opts !== undefined ? [event.opts] : []));

  it("generateTimeline - the mix draws every feature of spec 18", () => {
    for (const overlap of ["allow", "skip", "buffer-one", "buffer-all", "cancel-other"] as const) {
      expect({ overlap, program: programs.some((program) => program.overlap === overlap) }).toEqual({
        overlap,
        program: true,
      });
      expect({ overlap, opts: spawnOpts.some((opts) => opts.overlap === overlap) }).toEqual({ overlap, opts: true });
    }
    expect(programs.some((program) => program.type === "basic" && program.overlap !== undefined)).toBe(false);
    expect(
      new Set(programs.flatMap((program) => (program.bufferLimit === undefined ? [] : [program.bufferLimit]))),
    ).toEqual(new Set([1, 2, 3]));
    expect(programs.some((program) => program.maxRuns !== undefined)).toBe(true);
    expect(programs.some((program) => program.startAt !== undefined)).toBe(true);
    expect(programs.some((program) => program.endAt !== undefined)).toBe(true);
    expect(spawnOpts.some((opts) => opts.maxRuns !== undefined)).toBe(true);
    expect(programs.some((program) => program.jitter !== undefined && !Number.isInteger(program.jitter))).toBe(true);
    expect(programs.some((program) => program.jitter !== undefined && program.jitter >= program.interval)).toBe(true);
    expect(spawnOpts.some((opts) => opts.jitter !== undefined)).toBe(true);
    const backfills = events.flatMap((event) => (event.kind === "backfill" ? [event] : []));
    expect(new Set(backfills.map((event) => event.overlap)).size).toBe(6);
    expect(backfills.some((event) => event.ago < 0)).toBe(true);
    expect(spawnOpts.some((opts) => opts.startIn !== undefined && opts.startIn < 0)).toBe(true);
    expect(spawnOpts.some((opts) => opts.endIn !== undefined && opts.endIn <= 0)).toBe(true);
    const pauses = events.flatMap((event) => (event.kind === "pause" ? [event] : []));
    const resumes = events.flatMap((event) => (event.kind === "resume" ? [event] : []));
    expect(pauses.some((event) => event.pick === undefined && event.note !== undefined)).toBe(true);
    expect(pauses.some((event) => event.pick !== undefined && event.note === undefined)).toBe(true);
    expect(pauses.some((event) => event.note === "")).toBe(true);
    expect(resumes.some((event) => event.pick === undefined)).toBe(true);
    expect(resumes.some((event) => event.pick !== undefined)).toBe(true);
    // Some pauses outlast their program's catch-up window.
    const long = timelines.some((timeline) =>
      timeline.events.some((event, index) => {
        if (event.kind !== "pause") return false;
        const program = timeline.events.find(
          (other): other is Extract<TimelineEvent, { kind: "install" }> =>
            other.kind === "install" && other.program.id === event.programId,
        )?.program;
        const end = timeline.events
          .slice(index + 1)
          .find((other) => other.kind === "resume" && other.programId === event.programId);
        return program?.catchUpWindow !== undefined && end !== undefined && end.at - event.at > program.catchUpWindow;
      }),
    );
    expect(long).toBe(true);
    const bad = new Set(events.flatMap((event) => (event.kind === "bad" ? [event.bad] : [])));
    const drawn = spec18BadCommands.filter((name) => bad.has(name));
    expect(drawn.length).toBeGreaterThanOrEqual(spec18BadCommands.length - 3);
    for (const name of ["spec-basic-overlap", "pause-stopped-spawn", "pause-bad-note"]) {
      expect({ name, drawn: bad.has(name as never) }).toEqual({ name, drawn: true });
    }
  });

  it("decodeTimeline - timelines with the new commands and fields are accepted, and replay to the same trace", () => {
    for (const timeline of timelines.slice(0, 10)) {
      const decoded = decodeTimeline(JSON.parse(JSON.stringify(timeline)));
      expect(decoded).toEqual(timeline);
    }
    const timeline = timelines[2] as Timeline;
    const first = runTimeline({ timeline, policies });
    expect(replay(JSON.parse(JSON.stringify(timeline))).traceHash).toBe(first.traceHash);
  });

  it("decodeTimeline - a bad pause event names its field", () => {
    const timeline = timelineOf([{ at: 0, kind: "pause", programId: "p", note: 3 as never }]);
    expect(() => decodeTimeline(JSON.parse(JSON.stringify(timeline)))).toThrow(/events\[0\]/);
  });
});

describe("spec 18: seeded runs of the mix with every feature", () => {
  it("simulate - a sweep of mix seeds with every feature gives no violation, and exercises each new check", () => {
    const checks: Record<string, number> = {};
    const failures: string[] = [];
    const effects = new Map<string, number>();
    for (let seed = 1; seed <= 24; seed++) {
      const timeline = generateTimeline({
        seed,
        scenario: "mix",
        steps: 1500,
        faults: "swarm",
        policies: ["last", "first"],
        features: spec18On,
      });
      const result = runTimeline({
        timeline,
        policies,
        oracle: createReferenceModel(kernelOptionsFor(timeline, policies)),
        record: (effect) => {
          if (effect.type === "run" && effect.fireId.includes("/backfill/"))
            effects.set("backfill-run", (effects.get("backfill-run") ?? 0) + 1);
          const key =
            effect.type === "cancel" || effect.type === "stopped" ? `${effect.type}:${effect.reason}` : effect.type;
          effects.set(key, (effects.get(key) ?? 0) + 1);
        },
      });
      for (const [name, count] of Object.entries(result.checks)) checks[name] = (checks[name] ?? 0) + count;
      const violation = result.violations[0];
      if (violation !== undefined)
        failures.push(`seed ${seed}: ${violation.check}: ${violation.message.slice(0, 400)}`);
    }
    expect(failures).toEqual([]);
    for (const name of [
      "overlap-skip-single-flight",
      "paused-starts-nothing",
      "within-dates",
      "max-runs",
      "skipped-once",
      "missed-once",
      "jitter-bounds",
      "within-window",
      "model",
    ]) {
      expect({ name, held: (checks[name] ?? 0) > 50 }).toEqual({ name, held: true });
    }
    for (const key of [
      "skipped",
      "paused",
      "resumed",
      "missed",
      "cancel:overlap",
      "cancel:end-at",
      "stopped:max-runs",
      "stopped:end-at",
      "backfilled",
      "backfill-run",
    ]) {
      expect({ key, seen: (effects.get(key) ?? 0) > 0 }).toEqual({ key, seen: true });
    }
  });
});

describe("spec 18: the reference model and the kernel, command by command", () => {
  /** Both sides get the same commands (hooks here count nothing); rejections are compared by code and field. */
  const agree = (commands: readonly unknown[]) => {
    const kernel = createKernel({ policies: [lifo()] });
    const model = createReferenceModel({ policies: [lifo()] });
    const plain = (effects: readonly KernelEffect[]) =>
      JSON.stringify(effects.map((effect) => (effect.type === "rejected" ? [effect.code, effect.field] : effect)));
    for (const [index, command] of commands.entries()) {
      const where = `#${index} ${JSON.stringify(command)}`;
      expect(plain(model.dispatch(command as Command)), where).toBe(plain(kernel.dispatch(command as Command)));
    }
  };
  const mainFn = () => 1;
  const programs = (extra: object = {}) => [
    {
      type: "install",
      at: 0,
      program: {
        id: "p",
        type: "constant",
        interval: 10,
        mainFn,
        mergeFn: (s: number, v: number) => (s ?? 0) + v,
        ...extra,
      },
    },
    { type: "install", at: 0, program: { id: "c", type: "cron", cron: "*/5 * * * * *", mainFn } },
    { type: "install", at: 0, program: { id: "b", interval: 10, mainFn } },
  ];

  it("dispatch - backfill under each overlap policy: runs, skips, queue, settles and uninstall", () => {
    for (const overlap of [undefined, "allow", "skip", "buffer-one", "buffer-all", "cancel-other"]) {
      agree([
        ...programs(),
        { type: "backfill", at: 100, programId: "p", from: 3, to: 40, ...(overlap === undefined ? {} : { overlap }) },
        { type: "backfill", at: 101, programId: "p", from: 3, to: 40 },
        { type: "complete", at: 102, jobId: "job-1", outcome: { ok: true, value: 2 } },
        { type: "complete", at: 103, jobId: "job-2", outcome: { lost: true } },
        { type: "complete", at: 104, jobId: "job-3", outcome: { ok: false, error: new Error("x") } },
        { type: "uninstall", at: 105, programId: "p" },
      ]);
    }
  });

  it("dispatch - backfill refusals in order, and cron backfills from a match on the dot", () => {
    agree([
      ...programs({ bufferLimit: 2 }),
      { type: "backfill", at: 100, programId: "b", from: 0, to: 50 },
      { type: "backfill", at: 100, programId: "p", from: 50, to: 50 },
      { type: "backfill", at: 100, programId: "p", from: 50, to: 150 },
      { type: "backfill", at: 100, programId: "p", from: 0, to: 50 },
      { type: "backfill", at: 100, programId: "p", from: 0, to: 15 },
      { type: "backfill", at: 100, programId: "p", from: 0, to: 15, overlap: "no" },
      { type: "backfill", at: 100, programId: "zz", from: 0, to: 15 },
      { type: "set-interval", at: 110, programId: "p", interval: () => 5 },
      { type: "backfill", at: 120, programId: "p", from: 0, to: 15 },
    ]);
    agree([
      ...programs(),
      { type: "tick", at: 60_000 },
      { type: "backfill", at: 60_000, programId: "c", from: 5000, to: 30_001, overlap: "allow" },
      { type: "backfill", at: 60_000, programId: "c", from: 4999, to: 30_000, overlap: "skip" },
      { type: "complete", at: 60_001, jobId: "job-1", outcome: { ok: true, value: 1 } },
      { type: "clear", at: 60_002, programId: "c" },
    ]);
  });

  it("install and spawn - refusals across fields come in the kernel's order", () => {
    const spec = (extra: object) => ({ type: "install", at: 0, program: { id: "a", interval: 10, mainFn, ...extra } });
    agree([
      spec({ overlap: "skip", min: 3, max: 2 }),
      spec({ overlap: "skip", startAt: 5, endAt: 5 }),
      spec({ overlap: "skip", policy: "nope" }),
      spec({ type: "cron", cron: "* * * * *", endAt: 1, startAt: 2 }),
      spec({ maxRuns: 0, bufferLimit: 0 }),
      { type: "install", at: 0, program: { id: "b", interval: 10, mainFn, startAt: 50, endAt: 100 } },
      { type: "spawn", at: 0, programId: "b", opts: { spawnId: "x", overlap: "skip", endAt: 10 } },
      { type: "spawn", at: 0, programId: "b", opts: { endAt: 40 } },
      { type: "spawn", at: 0, programId: "b", opts: { startAt: 100 } },
      { type: "spawn", at: 0, programId: "b", opts: { startAt: 120, endAt: 110 } },
      { type: "spawn", at: 0, programId: "b", opts: { startAt: 200, endAt: 300, maxRuns: 2 } },
      { type: "spawn", at: 0, programId: "b", opts: { spawnId: "b-1", maxRuns: 0 } },
      { type: "tick", at: 1000 },
    ]);
  });

  it("pause and resume - notes replaced, a stopped spawn refused, bad notes and ids by shape first", () => {
    agree([
      ...programs({ overlap: "buffer-one" }),
      { type: "spawn", at: 0, programId: "p" },
      { type: "spawn", at: 0, programId: "p" },
      { type: "pause", at: 1, programId: "p", note: "a" },
      { type: "pause", at: 2, programId: "p", spawnId: "p-1", note: "s" },
      { type: "tick", at: 10 },
      { type: "complete", at: 11, jobId: "job-1", outcome: { ok: true, value: 1 } },
      { type: "pause", at: 12, programId: "p" },
      { type: "resume", at: 13, programId: "p", spawnId: "p-2" },
      { type: "resume", at: 14, programId: "p" },
      { type: "tick", at: 20 },
      { type: "stop-spawn", at: 21, programId: "p", spawnId: "p-2" },
      { type: "resume", at: 22, programId: "p", spawnId: "p-2" },
      { type: "pause", at: 22, programId: "p", spawnId: "p-2" },
      { type: "pause", at: 23, programId: "ghost", note: 5 },
      { type: "pause", at: 23, programId: "p", spawnId: "", note: 5 },
    ]);
  });
});
