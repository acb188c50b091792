import fc from "fast-check";
import type { Command, Kernel, KernelEffect, Outcome, ProgramSpec, SpawnOptions } from "../../src/index.js";

/** 2026-01-01T00:00:00.000Z: cron programs' times are epoch ms. */
export const T0 = Date.UTC(2026, 0, 1);

const mainFn = () => undefined;

/**
 * Programs of every type, with pure hooks only (a hook that counts its calls would answer
 * differently in a second kernel): basic and constant with `delay: "random"`, spawn scope
 * with output "all", a skip grid with an interval function and timeFn, cron, a continueFn.
 */
export const makeSpecs = (): ProgramSpec[] => [
  {
    id: "b",
    interval: 40,
    delay: "random",
    max: 4,
    createFn: () => ({ n: 0 }),
    successFn: (value: unknown) => value,
    errorFn: () => ({ n: -1 }),
    mergeFn: (state: { n: number }, output: { n?: number } | undefined) => ({ n: state.n + (output?.n ?? 0) }),
    mainFn,
  },
  {
    id: "c",
    type: "constant",
    interval: 30,
    delay: "random",
    scope: "spawn",
    output: "all",
    catchUpWindow: 400,
    createFn: () => ({ k: 0 }),
    mainFn,
  },
  {
    id: "s",
    type: "constant",
    interval: () => 55,
    misfire: "skip",
    timeFn: (t: number) => Math.floor(t / 10) * 10,
    argsFn: () => ({ a: 1 }),
    mainFn,
  },
  { id: "cr", type: "cron", cron: "*/1 * * * * *", mainFn },
  {
    id: "d",
    interval: 25,
    delay: "random",
    min: 1,
    policy: "first",
    continueFn: (props) => props.completed < 4,
    mainFn,
  },
];

export const programIds = ["b", "c", "s", "cr", "d"] as const;

/** A spawn override that is a function: an export names it, `adopt` needs it passed back. */
export const argsOverride = () => ({ override: true });

export type Step =
  | { readonly kind: "advance"; readonly dt: number }
  | { readonly kind: "regress" }
  | {
      readonly kind: "spawn";
      readonly program: number;
      readonly named: boolean;
      readonly interval: number | null;
      readonly args: boolean;
    }
  | { readonly kind: "unspawn"; readonly program: number }
  | { readonly kind: "trigger"; readonly program: number; readonly later: number | null; readonly named: boolean }
  | { readonly kind: "complete"; readonly pick: number; readonly outcome: "ok" | "error" | "lost" }
  | {
      readonly kind: "set-interval";
      readonly program: number;
      readonly spawn: number | null;
      readonly interval: number;
    }
  | { readonly kind: "stop"; readonly program: number; readonly spawn: number; readonly kill: boolean }
  | { readonly kind: "stop-all"; readonly program: number | null; readonly kill: boolean };

const program = fc.nat({ max: programIds.length - 1 });

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("advance" as const), dt: fc.nat({ max: 120 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("advance" as const), dt: fc.integer({ min: 500, max: 3_000 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "regress" as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("spawn" as const),
      program,
      named: fc.boolean(),
      interval: fc.option(fc.integer({ min: 10, max: 90 })),
      args: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unspawn" as const), program }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("trigger" as const),
      program,
      later: fc.option(fc.nat({ max: 200 })),
      named: fc.boolean(),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("complete" as const),
      pick: fc.nat(),
      outcome: fc.constantFrom("ok" as const, "error" as const, "lost" as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("set-interval" as const),
      program,
      spawn: fc.option(fc.nat({ max: 3 })),
      interval: fc.integer({ min: 10, max: 90 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("stop" as const),
      program,
      spawn: fc.nat({ max: 3 }),
      kill: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("stop-all" as const), program: fc.option(program), kill: fc.boolean() }),
  },
);

const outcomeOf = (kind: "ok" | "error" | "lost"): Outcome =>
  kind === "ok"
    ? { ok: true, value: { n: 1 } }
    : kind === "error"
      ? { ok: false, error: { code: "E" } }
      : { lost: true };

/** What one kernel's host knows: its jobs in flight by fire id, and each job id's fire and program. */
export class Host {
  readonly inFlight = new Map<string, { jobId: string; programId: string }>();
  readonly fireOf = new Map<string, string>();
  readonly programOf = new Map<string, string>();
  constructor(readonly kernel: Kernel) {}

  send(command: Command): readonly KernelEffect[] {
    const effects = this.kernel.dispatch(command);
    for (const effect of effects) {
      if (effect.type === "triggered") this.programOf.set(effect.jobId, effect.programId);
      if (effect.type === "run") {
        this.inFlight.set(effect.fireId, { jobId: effect.jobId, programId: effect.programId });
        this.fireOf.set(effect.jobId, effect.fireId);
        this.programOf.set(effect.jobId, effect.programId);
      }
      if (effect.type === "settled" || (effect.type === "cancel" && effect.inFlight))
        this.inFlight.delete(effect.fireId);
      if (effect.type === "adopted") {
        for (const job of effect.jobs) {
          this.inFlight.set(job.fireId, { jobId: job.jobId, programId: effect.programId });
          this.fireOf.set(job.jobId, job.fireId);
          this.programOf.set(job.jobId, effect.programId);
        }
      }
    }
    return effects;
  }

  /** The effects that concern `programId`, named by fire id instead of job id (wake and adopted left out). */
  normalise(effects: readonly KernelEffect[], programId: string, sentToBoth: boolean): unknown[] {
    const out: unknown[] = [];
    for (const effect of effects) {
      if (effect.type === "wake" || effect.type === "adopted") continue;
      if (effect.type === "rejected" || effect.type === "refused") {
        // They name no program: they concern it when its command went to both kernels.
        if (sentToBoth) out.push(JSON.parse(JSON.stringify({ ...effect, command: undefined })));
        continue;
      }
      const owner =
        "programId" in effect ? effect.programId : "jobId" in effect ? this.programOf.get(effect.jobId) : undefined;
      if (owner !== programId) continue;
      const copy: Record<string, unknown> = { ...effect };
      if ("jobId" in effect) copy.jobId = "fireId" in effect ? undefined : (this.fireOf.get(effect.jobId) ?? "?");
      out.push(JSON.parse(JSON.stringify(copy)));
    }
    return out;
  }
}

/** One step as commands: what kernel A gets, at the time `now` the step comes at. */
export interface Planned {
  readonly command: Command | undefined;
  /** For a `complete`: the fire it completes (job ids differ between kernels). */
  readonly fire?: { readonly fireId: string; readonly programId: string; readonly outcome: Outcome };
  readonly programId: string | null;
}

/** Drives kernel A through steps; `overrides` collects the function overrides each spawn got. */
export class Plan {
  now = T0;
  readonly overrides: Record<string, SpawnOptions> = {};
  constructor(readonly host: Host) {}

  plan(step: Step, index: number, phase: "before" | "after"): Planned {
    const at = this.now;
    const id = (n: number) => programIds[n] as string;
    const spawnIdOf = (programId: string, n: number): string => {
      const running = this.host.kernel.listSpawns(programId);
      return running.length === 0 ? "nobody" : (running[n % running.length]?.id as string);
    };
    switch (step.kind) {
      case "advance":
        this.now += step.dt;
        return { command: { type: "tick", at: this.now }, programId: null };
      case "regress":
        return { command: { type: "tick", at: at - 7 }, programId: null };
      case "spawn": {
        const programId = id(step.program);
        const cron = programId === "cr";
        const opts: { -readonly [K in keyof SpawnOptions]: SpawnOptions[K] } = {};
        if (step.named) opts.spawnId = `${programId}-n${index}`;
        if (step.interval !== null && !cron) opts.interval = step.interval;
        if (step.args) opts.argsFn = argsOverride;
        return { command: { type: "spawn", at, programId, opts }, programId };
      }
      case "unspawn":
        return { command: { type: "unspawn", at, programId: id(step.program) }, programId: id(step.program) };
      case "trigger": {
        const programId = id(step.program);
        // After the cut every trigger names its fire (a default one carries the job id, which differs).
        const fireId = step.named || phase === "after" ? `${programId}/cmd/${index}` : undefined;
        const scheduledAt = step.later === null ? undefined : at + step.later;
        return {
          command: {
            type: "trigger",
            at,
            programId,
            ...(scheduledAt === undefined ? {} : { scheduledAt }),
            ...(fireId === undefined ? {} : { fireId }),
          },
          programId,
        };
      }
      case "complete": {
        const fires = [...this.host.inFlight.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        const chosen = fires[step.pick % Math.max(1, fires.length)];
        if (chosen === undefined) return { command: undefined, programId: null };
        const [fireId, { jobId, programId }] = chosen;
        const outcome = outcomeOf(step.outcome);
        return { command: { type: "complete", at, jobId, outcome }, fire: { fireId, programId, outcome }, programId };
      }
      case "set-interval": {
        const programId = id(step.program);
        const spawnId = step.spawn === null ? undefined : spawnIdOf(programId, step.spawn);
        return {
          command: {
            type: "set-interval",
            at,
            programId,
            interval: step.interval,
            ...(spawnId === undefined ? {} : { spawnId }),
          },
          programId,
        };
      }
      case "stop": {
        const programId = id(step.program);
        const type = step.kill ? "kill-spawn" : "stop-spawn";
        return { command: { type, at, programId, spawnId: spawnIdOf(programId, step.spawn) }, programId };
      }
      case "stop-all": {
        const type = step.kill ? "kill-all" : "stop-all";
        if (step.program === null) return { command: { type, at }, programId: "*" };
        return { command: { type, at, programId: id(step.program) }, programId: id(step.program) };
      }
    }
  }

  /** Records the function overrides a spawn command gave, by the spawn id it got. */
  note(command: Command, effects: readonly KernelEffect[]): void {
    if (command.type !== "spawn" || command.opts?.argsFn === undefined) return;
    for (const effect of effects) {
      if (effect.type === "spawned") this.overrides[effect.spawnId] = { argsFn: command.opts.argsFn };
    }
  }
}

/** An export without what names its jobs on one kernel only (numbers, result job ids). */
export const withoutIds = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (key, inner) => (key === "seq" || key === "jobId" ? undefined : inner)));
