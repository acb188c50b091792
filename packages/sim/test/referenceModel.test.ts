import {
  type Command,
  createKernel,
  type Interval,
  type Kernel,
  type KernelEffect,
  type KernelOptions,
  type ProgramSpec,
  type SpawnOptions,
  type SpawnView,
  type UnspawnPolicy,
} from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createReferenceModel, type ReferenceModel } from "../src/internal/referenceModel.js";

// -----------------------------------------------------------------------------
// Comparison.

/**
 * Effects as plain data: Errors by their message, functions as "[fn]",
 * `undefined` kept visible (so a missing key differs from an undefined one),
 * and no `message` on `rejected` / `refused` (the model's wording differs).
 */
const normalise = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (key, item: unknown) => {
      if (item instanceof Error) return { error: item.message };
      if (typeof item === "function") return "[fn]";
      if (item === undefined) return key === "" ? null : "[undefined]";
      if (typeof item === "object" && item !== null && "type" in item) {
        const { type } = item as { type: unknown };
        if (type === "rejected" || type === "refused") {
          const { message: _message, ...rest } = item as Record<string, unknown>;
          return rest;
        }
      }
      return item;
    }),
  );

/**
 * A policy for the tests that uses the whole view: it refuses some sizes,
 * answers with a stranger for others, throws for one, and otherwise stops the
 * spawn with the fewest jobs in flight (ties to the newest).
 */
const picky = (): UnspawnPolicy => ({
  name: "picky",
  select: (spawns) => {
    if (spawns.size % 3 === 0) return undefined;
    if (spawns.size === 4) return "ghost";
    if (spawns.size === 5) throw new Error("picky cannot choose among five");
    let chosen: SpawnView | undefined;
    for (const spawn of spawns) if (chosen === undefined || spawn.inFlight <= chosen.inFlight) chosen = spawn;
    return chosen?.id;
  },
});

// -----------------------------------------------------------------------------
// A world of programs: one per side, because hooks keep counters.

type Log = unknown[][];

interface World {
  readonly log: Log;
  readonly programs: readonly ProgramSpec[];
  /** Specs that `install` rejects. */
  readonly invalid: readonly ProgramSpec[];
  readonly spawnOptions: readonly (SpawnOptions | undefined)[];
  readonly intervals: readonly Interval[];
}

const makeWorld = (): World => {
  const log: Log = [];
  const note =
    <A extends unknown[], R>(name: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      log.push([name, ...args]);
      return fn(...args);
    };
  let cleanupArgs = 0;
  let gridArgs = 0;
  let backoffCalls = 0;
  let flakyArgs = 0;
  let flakyInterval = 0;
  let flakyCreates = 0;
  let wobbleCalls = 0;
  let wobbleArgs = 0;
  let wobbleTimes = 0;
  let optionInterval = 0;
  const programs: ProgramSpec[] = [
    {
      id: "cleanup",
      interval: 100,
      argsFn: note("cleanup.argsFn", () => ({ call: ++cleanupArgs })),
      createFn: note("cleanup.createFn", () => ({ deleted: 0 })),
      mergeFn: note("cleanup.mergeFn", (state: { deleted: number }, output: number) => ({
        deleted: state.deleted + output,
      })),
      successFn: note("cleanup.successFn", (value: number) => value),
      errorFn: note("cleanup.errorFn", () => 0),
      mainFn: () => 1,
    },
    {
      id: "grid",
      type: "constant",
      interval: 50,
      timeFn: note("grid.timeFn", (t: number) => Math.floor(t / 10) * 10),
      argsFn: note("grid.argsFn", () => ++gridArgs),
      createFn: () => 0,
      mergeFn: note(
        "grid.mergeFn",
        (state: number, output: unknown) => state + (typeof output === "number" ? output : 0),
      ),
      output: "all",
      mainFn: () => 1,
    },
    {
      id: "skipper",
      type: "constant",
      interval: 70,
      delay: "random",
      misfire: "skip",
      timeFn: (t: number) => Math.floor(t / 25) * 25,
      mainFn: () => ({ seen: 1 }),
    },
    {
      id: "pool",
      interval: 30,
      min: 1,
      max: 3,
      scope: "spawn",
      policy: "first",
      createFn: note("pool.createFn", () => ({ jobs: 0 })),
      output: "all",
      mainFn: () => ({ jobs: 1 }),
    },
    {
      id: "backoff",
      interval: note("backoff.interval", () => 20 + ((backoffCalls++ * 7) % 40)),
      delay: 0,
      policy: "last",
      continueFn: note("backoff.continueFn", (props) => props.completed < 5),
      mainFn: () => 2,
    },
    {
      id: "flaky",
      interval: note("flaky.interval", () => {
        flakyInterval += 1;
        if (flakyInterval % 11 === 0) throw new Error(`interval ${flakyInterval} threw`);
        if (flakyInterval % 7 === 0) return 0;
        return 15 + (flakyInterval % 4) * 10;
      }),
      scope: "spawn",
      policy: "picky",
      max: 6,
      createFn: note("flaky.createFn", () => {
        flakyCreates += 1;
        if (flakyCreates % 5 === 0) throw new Error(`create ${flakyCreates} threw`);
        return { n: flakyCreates };
      }),
      argsFn: note("flaky.argsFn", () => {
        flakyArgs += 1;
        if (flakyArgs % 4 === 0) throw new Error(`args ${flakyArgs} threw`);
        return [flakyArgs];
      }),
      successFn: note("flaky.successFn", (value: number) => {
        if (value === 7) throw new Error("seven");
        return { last: value };
      }),
      errorFn: note("flaky.errorFn", (error: Error) => {
        if (error.message === "boom 3") throw new Error("errorFn gave up");
        return { failed: error.message };
      }),
      mergeFn: note("flaky.mergeFn", (state: object, output: { last?: number }) => {
        if (output.last === -3) throw new Error("negative three");
        return { ...state, ...output };
      }),
      continueFn: note("flaky.continueFn", (props) => {
        if (props.completed === 3) throw new Error("three completed");
        return props.completed !== 5;
      }),
      mainFn: () => 0,
    },
    {
      id: "wobble",
      type: "constant",
      interval: note("wobble.interval", () => {
        wobbleCalls += 1;
        if (wobbleCalls % 13 === 0) return Number.NaN;
        return 20 + (wobbleCalls % 3) * 15;
      }),
      timeFn: note("wobble.timeFn", (t: number) => {
        wobbleTimes += 1;
        if (wobbleTimes % 6 === 0) throw new Error("no time");
        if (wobbleTimes % 9 === 0) return Number.POSITIVE_INFINITY;
        return t - (t % 20);
      }),
      argsFn: note("wobble.argsFn", () => {
        wobbleArgs += 1;
        if (wobbleArgs % 5 === 0) throw new Error(`wobble args ${wobbleArgs}`);
        return { wobble: wobbleArgs };
      }),
      delay: 5,
      mainFn: () => null,
    },
    { id: "plain", interval: 40, delay: 15, output: "all", mainFn: () => ({ a: 1 }) },
  ];
  const throwingCreate = () => {
    throw new Error("createFn refuses");
  };
  const invalid: ProgramSpec[] = [
    { id: "bad", interval: 0, mainFn: () => 1 },
    { id: "bad", interval: 5, intervall: 5, mainFn: () => 1 } as ProgramSpec,
    { id: "bad", interval: 5, min: 3, max: 2, mainFn: () => 1 },
    { id: "bad", interval: 5, policy: "nope", mainFn: () => 1 },
    { id: "bad", type: "cron", cron: "* * *", mainFn: () => 1 },
    { id: "bad", mainFn: () => 1 },
    { id: "cleanup", interval: 5, createFn: throwingCreate, mainFn: () => 1 },
    { id: "", interval: 5, mainFn: () => 1 },
    { id: "bad", interval: 5, delay: -1, max: 0, mainFn: () => 1 },
  ];
  const spawnOptions: (SpawnOptions | undefined)[] = [
    undefined,
    { spawnId: "named" },
    { spawnId: "cleanup-2" },
    { spawnId: "pool-1" },
    { interval: 25 },
    { delay: 5 },
    { delay: "random", interval: 33 },
    { interval: note("opts.interval", () => 10 + (optionInterval++ % 5) * 9) },
    { interval: 0 },
    { argsFn: note("opts.argsFn", () => "override") },
    // Only `false` stops a spawn: 0 and undefined do not.
    {
      continueFn: note("opts.continueFn", (props) =>
        props.completed < 2 ? true : props.completed < 4 ? (0 as unknown as boolean) : false,
      ),
    },
    { misfire: "skip", interval: 15 },
    { output: "all", successFn: note("opts.successFn", (value: unknown) => ({ wrapped: value })) },
    { bogus: 1 } as SpawnOptions,
    { createFn: throwingCreate },
    { timeFn: note("opts.timeFn", (t: number) => t + 3) },
  ];
  const intervals: Interval[] = [10, 45, 120, 0, note("set.interval", () => 35), note("set.badInterval", () => -1)];
  return { log, programs, invalid, spawnOptions, intervals };
};

// -----------------------------------------------------------------------------
// Steps and a driver for both sides.

type Step =
  | { readonly kind: "advance"; readonly by: number }
  | { readonly kind: "jump"; readonly by: number }
  | { readonly kind: "regress"; readonly by: number }
  | { readonly kind: "install"; readonly program: number; readonly lag: number }
  | { readonly kind: "install-invalid"; readonly spec: number }
  | { readonly kind: "spawn"; readonly program: number; readonly opts: number; readonly lag: number }
  | { readonly kind: "burst"; readonly program: number; readonly count: number; readonly unspawn: boolean }
  | { readonly kind: "unspawn" | "uninstall" | "clear"; readonly program: number; readonly lag: number }
  | { readonly kind: "trigger"; readonly program: number; readonly offset: number | null }
  | { readonly kind: "complete"; readonly pick: number; readonly ok: boolean; readonly value: number }
  | { readonly kind: "complete-stale"; readonly pick: number; readonly unknown: boolean }
  | { readonly kind: "stop" | "kill"; readonly program: number; readonly pick: number; readonly among: Among }
  | { readonly kind: "stop-all" | "kill-all"; readonly program: number | null; readonly lag: number }
  | { readonly kind: "set-interval"; readonly program: number; readonly interval: number; readonly target: Among }
  | { readonly kind: "malformed"; readonly which: number };

type Among = "running" | "stopped" | "unknown" | "program";

const PROGRAM_COUNT = 8;
const program = fc.nat({ max: PROGRAM_COUNT - 1 });
const lag = fc.oneof(
  { weight: 5, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60 }) },
);
const among = fc.constantFrom<Among>("running", "running", "stopped", "unknown", "program");

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("advance" as const), by: fc.nat({ max: 120 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("jump" as const), by: fc.integer({ min: 200, max: 1500 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("regress" as const), by: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("install" as const), program, lag }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("install-invalid" as const), spec: fc.nat({ max: 8 }) }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("spawn" as const), program, opts: fc.nat({ max: 15 }), lag }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unspawn" as const), program, lag }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("burst" as const),
      program: fc.constantFrom(3, 5, 5, 0, 4, 6),
      count: fc.integer({ min: 2, max: 6 }),
      unspawn: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("uninstall" as const, "clear" as const), program, lag }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("trigger" as const),
      program,
      offset: fc.option(fc.integer({ min: -50, max: 150 })),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("complete" as const),
      pick: fc.nat(),
      ok: fc.boolean(),
      value: fc.integer({ min: -3, max: 9 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("complete-stale" as const), pick: fc.nat(), unknown: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom("stop" as const, "kill" as const), program, pick: fc.nat(), among }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom("stop-all" as const, "kill-all" as const),
      program: fc.option(program),
      lag,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("set-interval" as const),
      program,
      interval: fc.nat({ max: 5 }),
      target: among,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("malformed" as const), which: fc.nat({ max: 5 }) }) },
);

const optionsArb = fc.record({
  seed: fc.integer({ min: -1000, max: 100_000 }),
  historyLimit: fc.option(fc.nat({ max: 3 })),
  policies: fc.nat({ max: 3 }),
});

const policySets = (): { policies: UnspawnPolicy[]; defaultPolicy?: string }[] => [
  { policies: [lifo(), fifo(), picky()] },
  { policies: [fifo(), lifo(), picky()], defaultPolicy: "last" },
  { policies: [picky(), fifo(), lifo()] },
  { policies: [] },
];

const kernelOptions = (drawn: { seed: number; historyLimit: number | null; policies: number }): KernelOptions => {
  const set = policySets()[drawn.policies % 4] as { policies: UnspawnPolicy[]; defaultPolicy?: string };
  const options: KernelOptions = {
    seed: drawn.seed,
    ...set,
    ...(drawn.historyLimit === null ? {} : { historyLimit: drawn.historyLimit }),
  };
  return options;
};

/**
 * Sends each step to the kernel and to the model as the same command (built
 * from each side's own world), and checks that the effects and the hook calls
 * agree. The host's view (time, jobs in flight, spawn ids) comes from the
 * kernel's effects and queries.
 */
class Twin {
  now = 0;
  readonly inFlight: string[] = [];
  readonly stale: string[] = [];
  readonly kernel: Kernel;
  readonly model: ReferenceModel;
  readonly kernelWorld = makeWorld();
  readonly modelWorld = makeWorld();
  count = 0;
  seenCalls = 0;

  constructor(options: KernelOptions) {
    this.kernel = createKernel(options);
    this.model = createReferenceModel(options);
  }

  send(build: (world: World) => Command): KernelEffect[] {
    this.count += 1;
    const kernelCommand = build(this.kernelWorld);
    const kernelEffects = [...this.kernel.dispatch(kernelCommand)];
    const modelEffects = this.model.dispatch(build(this.modelWorld));
    const where = `command #${this.count}: ${JSON.stringify(normalise(kernelCommand))}`;
    expect(normalise(modelEffects), where).toEqual(normalise(kernelEffects));
    const kernelCalls = this.kernelWorld.log.slice(this.seenCalls);
    const modelCalls = this.modelWorld.log.slice(this.seenCalls);
    expect(normalise(modelCalls), `hook calls during ${where}`).toEqual(normalise(kernelCalls));
    this.seenCalls = this.kernelWorld.log.length;
    for (const effect of kernelEffects) {
      if (effect.type === "run") this.inFlight.push(effect.jobId);
      else if (effect.type === "triggered") this.stale.push(effect.jobId);
      else if (effect.type === "settled" || effect.type === "cancel") {
        const index = this.inFlight.indexOf(effect.jobId);
        if (index >= 0) this.inFlight.splice(index, 1);
        this.stale.push(effect.jobId);
      }
    }
    if (this.stale.length > 50) this.stale.splice(0, this.stale.length - 50);
    return kernelEffects;
  }

  programId(index: number): string {
    return (this.kernelWorld.programs[index] as ProgramSpec).id;
  }

  spawnIds(programId: string, which: "running" | "stopped"): string[] {
    if (!this.kernel.isInstalled(programId)) return [];
    const spawns = which === "running" ? this.kernel.listSpawns(programId) : this.kernel.listStopped(programId);
    return spawns.map((spawn) => spawn.id);
  }

  pickSpawn(programId: string, target: Among, pick: number): string | undefined {
    if (target === "unknown") return "ghost-spawn";
    if (target === "program") return undefined;
    const ids = this.spawnIds(programId, target);
    return ids[pick % Math.max(1, ids.length)] ?? "ghost-spawn";
  }

  setup(): void {
    for (let index = 0; index < PROGRAM_COUNT; index += 1) {
      this.send((world) => ({ type: "install", at: this.now, program: world.programs[index] as ProgramSpec }));
      this.send(() => ({ type: "spawn", at: this.now, programId: this.programId(index) }));
    }
  }

  step(step: Step): void {
    const at = (lagBy = 0) => this.now - lagBy;
    switch (step.kind) {
      case "advance":
      case "jump":
        this.now += step.by;
        this.send(() => ({ type: "tick", at: this.now }));
        return;
      case "regress":
        this.send(() => ({ type: "tick", at: this.now - step.by }));
        return;
      case "install":
        this.send((world) => ({
          type: "install",
          at: at(step.lag),
          program: world.programs[step.program] as ProgramSpec,
        }));
        return;
      case "install-invalid":
        this.send((world) => ({ type: "install", at: at(), program: world.invalid[step.spec] as ProgramSpec }));
        return;
      case "spawn": {
        const programId = this.programId(step.program);
        this.send((world) => {
          const opts = world.spawnOptions[step.opts];
          return { type: "spawn", at: at(step.lag), programId, ...(opts === undefined ? {} : { opts }) };
        });
        return;
      }
      case "burst": {
        const programId = this.programId(step.program);
        const type = step.unspawn ? "unspawn" : "spawn";
        for (let index = 0; index < step.count; index += 1) this.send(() => ({ type, at: at(), programId }));
        return;
      }
      case "unspawn":
      case "uninstall":
      case "clear":
        this.send(() => ({ type: step.kind, at: at(step.lag), programId: this.programId(step.program) }));
        return;
      case "trigger": {
        const programId = this.programId(step.program);
        const offset = step.offset;
        this.send(() => ({
          type: "trigger",
          at: at(),
          programId,
          ...(offset === null ? {} : { scheduledAt: this.now + offset }),
        }));
        return;
      }
      case "complete": {
        const jobId = this.inFlight[step.pick % Math.max(1, this.inFlight.length)];
        if (jobId === undefined) {
          this.send(() => ({ type: "tick", at: at() }));
          return;
        }
        this.send(() => ({
          type: "complete",
          at: at(),
          jobId,
          outcome: step.ok ? { ok: true, value: step.value } : { ok: false, error: new Error(`boom ${step.value}`) },
        }));
        return;
      }
      case "complete-stale": {
        const stale = this.stale[step.pick % Math.max(1, this.stale.length)];
        const jobId = step.unknown || stale === undefined ? (step.pick % 2 === 0 ? "job-999999" : "nope") : stale;
        this.send(() => ({ type: "complete", at: at(), jobId, outcome: { ok: true } }));
        return;
      }
      case "stop":
      case "kill": {
        const programId = this.programId(step.program);
        const spawnId = this.pickSpawn(programId, step.among, step.pick) ?? "ghost-spawn";
        const type = step.kind === "stop" ? "stop-spawn" : "kill-spawn";
        this.send(() => ({ type, at: at(), programId, spawnId }));
        return;
      }
      case "stop-all":
      case "kill-all": {
        const programId = step.program === null ? undefined : this.programId(step.program);
        this.send(() => ({ type: step.kind, at: at(step.lag), ...(programId === undefined ? {} : { programId }) }));
        return;
      }
      case "set-interval": {
        const programId = this.programId(step.program);
        const spawnId = this.pickSpawn(programId, step.target, step.interval);
        this.send((world) => ({
          type: "set-interval",
          at: at(),
          programId,
          interval: world.intervals[step.interval] as Interval,
          ...(spawnId === undefined ? {} : { spawnId }),
        }));
        return;
      }
      case "malformed": {
        const malformed: unknown[] = [
          { type: "tick", at: Number.NaN },
          { type: "warp", at: this.now },
          { type: "spawn", at: this.now, programId: "" },
          { type: "tick", at: this.now, extra: true },
          { type: "complete", at: this.now, jobId: "job-1", outcome: { ok: "maybe" } },
          { type: "unknown-program-trigger", at: this.now },
        ];
        this.send(() => malformed[step.which] as Command);
        return;
      }
    }
  }
}

// -----------------------------------------------------------------------------
// Tests.

describe("reference model", () => {
  it("dispatch - the model gives the kernel's effects and hook calls for random command sequences", () => {
    fc.assert(
      fc.property(optionsArb, fc.array(stepArb, { minLength: 1, maxLength: 200, size: "max" }), (drawn, steps) => {
        const twin = new Twin(kernelOptions(drawn));
        twin.setup();
        for (const step of steps) twin.step(step);
      }),
      { numRuns: 250 },
    );
  }, 120_000);

  it("dispatch - long sequences with many completions agree too", () => {
    const busy = fc.oneof(
      { weight: 3, arbitrary: stepArb },
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant("complete" as const),
          pick: fc.nat(),
          ok: fc.boolean(),
          value: fc.integer({ min: -3, max: 9 }),
        }),
      },
    );
    fc.assert(
      fc.property(optionsArb, fc.array(busy, { minLength: 150, maxLength: 400, size: "max" }), (drawn, steps) => {
        const twin = new Twin(kernelOptions(drawn));
        twin.setup();
        for (const step of steps) twin.step(step);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

/** Runs the same commands on a kernel and on the model; checks they agree and returns the model's effects. */
const agree = (options: KernelOptions, commands: readonly Command[]): KernelEffect[][] => {
  const kernel = createKernel(options);
  const model = createReferenceModel(options);
  return commands.map((command) => {
    const expected = normalise(kernel.dispatch(command));
    const actual = model.dispatch(command);
    expect(normalise(actual)).toEqual(expected);
    return actual;
  });
};

const job = (id: string, interval = 100): ProgramSpec => ({ id, interval, mainFn: () => 1 });

describe("reference model examples", () => {
  it("spawn - the first job runs one interval after the spawn", () => {
    const [, spawned, early, due] = agree({}, [
      { type: "install", at: 0, program: job("a") },
      { type: "spawn", at: 5, programId: "a" },
      { type: "tick", at: 104 },
      { type: "tick", at: 105 },
    ]);
    expect(spawned).toEqual([
      { type: "spawned", programId: "a", spawnId: "a-1", startedAt: 5 },
      { type: "wake", at: 105 },
    ]);
    expect(early).toEqual([{ type: "wake", at: 105 }]);
    expect(due?.[0]).toMatchObject({ type: "run", jobId: "job-1", scheduledAt: 105, startedAt: 105 });
  });

  it("delay random - the model draws the kernel's delays for many seeds", () => {
    for (let seed = -20; seed < 200; seed += 7) {
      const program: ProgramSpec = { id: "r", interval: 1000, delay: "random", mainFn: () => 1 };
      agree({ seed }, [
        { type: "install", at: 0, program },
        { type: "spawn", at: 0, programId: "r" },
        { type: "spawn", at: 3, programId: "r", opts: { interval: 37 } },
        { type: "spawn", at: 9, programId: "r" },
      ]);
    }
  });

  it("unspawn - refusals and policy failures carry the kernel's codes", () => {
    const effects = agree({ policies: [picky()] }, [
      { type: "install", at: 0, program: { ...job("p"), min: 2 } },
      { type: "unspawn", at: 0, programId: "p" },
      { type: "spawn", at: 0, programId: "p" },
      { type: "spawn", at: 0, programId: "p" },
      { type: "unspawn", at: 0, programId: "p" },
      { type: "spawn", at: 0, programId: "p" },
      { type: "unspawn", at: 0, programId: "p" },
      { type: "spawn", at: 0, programId: "p" },
      { type: "unspawn", at: 0, programId: "p" },
      { type: "spawn", at: 0, programId: "p" },
      { type: "unspawn", at: 0, programId: "p" },
    ]);
    const codes = effects.map((list) => list[0]).map((effect) => (effect as { code?: string }).code);
    expect(codes).toEqual([
      undefined,
      "none-running",
      undefined,
      undefined,
      "min-reached",
      undefined,
      "policy-refused",
      undefined,
      "policy-failed",
      undefined,
      "policy-failed",
    ]);
    const none = agree({}, [
      { type: "install", at: 0, program: job("q") },
      { type: "spawn", at: 0, programId: "q" },
      { type: "unspawn", at: 7, programId: "q" },
    ]);
    expect(none[2]?.[0]).toMatchObject({ type: "rejected", code: "no-policy", field: "program.policy" });
  });

  it("complete - a result for a killed job is discarded, an unknown job is rejected", () => {
    const effects = agree({}, [
      { type: "install", at: 0, program: job("k", 10) },
      { type: "spawn", at: 0, programId: "k" },
      { type: "tick", at: 10 },
      { type: "kill-spawn", at: 11, programId: "k", spawnId: "k-1" },
      { type: "complete", at: 12, jobId: "job-1", outcome: { ok: true, value: 1 } },
      { type: "complete", at: 13, jobId: "job-2", outcome: { ok: true, value: 1 } },
    ]);
    expect(effects[3]?.map((effect) => effect.type)).toEqual(["cancel", "stopped", "wake"]);
    expect(effects[4]?.[0]).toEqual({ type: "discarded", jobId: "job-1" });
    expect(effects[5]?.[0]).toMatchObject({ type: "rejected", code: "unknown-job", field: "command.jobId" });
  });

  it("install - invalid specs are rejected with the kernel's code and field", () => {
    const world = makeWorld();
    const effects = agree(
      { policies: [lifo()] },
      world.invalid.map((program) => ({ type: "install", at: 0, program })),
    );
    expect(effects.map((list) => list[0]).map((effect) => (effect as { field?: string }).field)).toEqual([
      "program.interval",
      "program.intervall",
      "program.min",
      "program.policy",
      "program.cron",
      "program.interval",
      "program.createFn",
      "program.id",
      "program.max",
    ]);
  });

  it("dispatch - malformed commands are rejected with the kernel's field, and time stays put", () => {
    const malformed: unknown[] = [
      null,
      { at: 0 },
      { type: "tick" },
      { type: "tick", at: "soon", x: 1 },
      { type: "complete", at: 1, jobId: 3, outcome: 3 },
      { type: "complete", at: 1, jobId: "job-1", outcome: { ok: false } },
      { type: "complete", at: 1, jobId: "job-1", outcome: { ok: true, error: 1 } },
      { type: "trigger", at: 1, programId: "a", scheduledAt: Number.POSITIVE_INFINITY },
      { type: "set-interval", at: 1, programId: "a", spawnId: "" },
      { type: "install", at: 1 },
    ];
    const effects = agree({}, [
      { type: "install", at: 0, program: job("a") },
      ...(malformed as Command[]),
      { type: "spawn", at: 0, programId: "a" },
    ]);
    expect(effects.slice(1, -1).every((list) => list[0]?.type === "rejected")).toBe(true);
    expect(effects.at(-1)?.[0]).toMatchObject({ type: "spawned", startedAt: 0 });
  });

  it("dispatch - a well-formed command with a bad program or options is rejected, and its time does not arrive", () => {
    const invalid: unknown[] = [
      { type: "spawn", at: 1, programId: "a", opts: { spawnId: "" } },
      { type: "spawn", at: 1, programId: "a", opts: null },
      { type: "install", at: 1, program: [] },
    ];
    const effects = agree({}, [
      { type: "install", at: 0, program: job("a") },
      ...(invalid as Command[]),
      { type: "spawn", at: 0, programId: "a" },
    ]);
    expect(effects.slice(1, -1).every((list) => list[0]?.type === "rejected")).toBe(true);
    // Rejected commands change nothing, not even the time (issue #14): the later spawn at 0 happens at 0.
    expect(effects.at(-1)?.[0]).toMatchObject({ type: "spawned", startedAt: 0 });
  });

  it("tick - a time below the kernel's is treated as now", () => {
    const effects = agree({}, [
      { type: "install", at: 0, program: job("t", 50) },
      { type: "tick", at: 40 },
      { type: "spawn", at: 10, programId: "t" },
      { type: "tick", at: 89 },
      { type: "tick", at: 90 },
    ]);
    expect(effects[2]?.[0]).toMatchObject({ type: "spawned", startedAt: 40 });
    expect(effects[4]?.[0]).toMatchObject({ type: "run", scheduledAt: 90 });
  });

  it("constant - missed periods catch up one job per grid point, or skip to the next point", () => {
    const grid = (misfire: "catch-up" | "skip"): ProgramSpec => ({
      id: misfire,
      type: "constant",
      interval: 10,
      misfire,
      mainFn: () => 1,
    });
    const effects = agree({}, [
      { type: "install", at: 0, program: grid("catch-up") },
      { type: "install", at: 0, program: grid("skip") },
      { type: "spawn", at: 0, programId: "catch-up" },
      { type: "spawn", at: 0, programId: "skip" },
      { type: "tick", at: 45 },
    ]);
    const runs = (effects[4] ?? []).filter((effect) => effect.type === "run");
    expect(runs.map((run) => [run.programId, run.scheduledAt])).toEqual([
      ["catch-up", 10],
      ["skip", 10],
      ["catch-up", 20],
      ["catch-up", 30],
      ["catch-up", 40],
    ]);
    expect(effects[4]?.at(-1)).toEqual({ type: "wake", at: 50 });
  });

  it("trigger - a future scheduledAt waits for its time and merges into the program state", () => {
    const effects = agree({}, [
      { type: "install", at: 0, program: job("g") },
      { type: "trigger", at: 5, programId: "g", scheduledAt: 30 },
      { type: "tick", at: 30 },
      { type: "complete", at: 31, jobId: "job-1", outcome: { ok: true, value: { n: 1 } } },
    ]);
    expect(effects[1]).toEqual([
      { type: "triggered", jobId: "job-1", programId: "g", scheduledAt: 30 },
      { type: "wake", at: 30 },
    ]);
    expect(effects[2]?.[0]).toMatchObject({ type: "run", spawnId: null, scheduledAt: 30 });
    expect(effects[3]?.[0]).toMatchObject({ type: "settled", status: "succeeded", value: { n: 1 } });
  });

  it("kill-all - in-flight jobs of terminating spawns are cancelled in the kernel's order", () => {
    const effects = agree({}, [
      { type: "install", at: 0, program: { id: "c", type: "constant", interval: 10, mainFn: () => 1 } },
      { type: "spawn", at: 0, programId: "c" },
      { type: "tick", at: 40 },
      { type: "complete", at: 40, jobId: "job-1", outcome: { ok: true } },
      { type: "stop-all", at: 41, programId: "c" },
      { type: "kill-all", at: 42 },
    ]);
    expect(effects[5]?.filter((effect) => effect.type === "cancel").map((effect) => effect.jobId)).toEqual([
      "job-4",
      "job-2",
      "job-3",
    ]);
  });
});
