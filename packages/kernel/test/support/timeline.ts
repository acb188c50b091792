import fc from "fast-check";
import type { Command, Kernel, KernelEffect, ProgramSpec, UnspawnPolicy } from "../../src/index.js";

/** Test-double policies; the real ones live in their own packages. */
export const lastPolicy: UnspawnPolicy = { name: "last", select: (spawns) => spawns.latest()?.id };
export const firstPolicy: UnspawnPolicy = { name: "first", select: (spawns) => spawns.earliest()?.id };
export const policies = [lastPolicy, firstPolicy];

/**
 * A fresh set of program specs. Made anew per run because a dynamic interval
 * keeps its own counter: two runs must not share it.
 */
export const makePrograms = (): ProgramSpec[] => {
  let calls = 0;
  return [
    {
      id: "cleanup",
      interval: 100,
      createFn: () => ({ deleted: 0 }),
      mergeFn: (state: { deleted: number }, output: number) => ({ deleted: state.deleted + output }),
      successFn: (value: number) => value,
      errorFn: () => 0,
      mainFn: () => 1,
    },
    {
      id: "grid",
      type: "constant",
      interval: 50,
      createFn: () => 0,
      mergeFn: (s: number, o: number) => s + (o ?? 0),
      mainFn: () => 1,
    },
    {
      id: "skipper",
      type: "constant",
      interval: 70,
      delay: "random",
      misfire: "skip",
      timeFn: (t: number) => Math.floor(t / 10) * 10,
      mainFn: () => ({ seen: 1 }),
    },
    {
      id: "pool",
      interval: 30,
      min: 1,
      max: 3,
      scope: "spawn",
      createFn: () => ({ jobs: 0 }),
      output: "all",
      mainFn: () => ({ jobs: 1 }),
    },
    {
      id: "backoff",
      interval: () => 20 + ((calls++ * 7) % 40),
      continueFn: (props) => props.completed < 5,
      policy: "first",
      mainFn: () => 2,
    },
  ];
};

export const PROGRAM_COUNT = 5;

export type Step =
  | { readonly kind: "advance"; readonly by: number }
  | { readonly kind: "regress"; readonly by: number }
  | { readonly kind: "install" | "spawn" | "unspawn" | "trigger" | "uninstall" | "clear"; readonly program: number }
  | { readonly kind: "complete"; readonly pick: number; readonly ok: boolean; readonly value: number }
  | { readonly kind: "stop" | "kill"; readonly program: number; readonly pick: number }
  | { readonly kind: "stop-all" | "kill-all" }
  | { readonly kind: "set-interval"; readonly program: number; readonly interval: number; readonly oneSpawn: boolean };

const program = fc.nat({ max: PROGRAM_COUNT - 1 });

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("advance" as const), by: fc.nat({ max: 250 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("regress" as const), by: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("install" as const), program }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("spawn" as const), program }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unspawn" as const), program }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("trigger" as const), program }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("uninstall" as const, "clear" as const), program }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("complete" as const),
      pick: fc.nat(),
      ok: fc.boolean(),
      value: fc.integer({ min: -3, max: 9 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constantFrom("stop" as const, "kill" as const), program, pick: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("stop-all" as const, "kill-all" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("set-interval" as const),
      program,
      interval: fc.integer({ min: 1, max: 200 }),
      oneSpawn: fc.boolean(),
    }),
  },
);

/** A timeline: every program installed with one spawn, then random steps. */
export const timelineArb = fc.array(stepArb, { minLength: 1, maxLength: 200, size: "max" });

/** Drives a kernel through steps the way a host would: tracks time and in-flight jobs from effects. */
export class Driver {
  now = 0;
  readonly inFlight: string[] = [];
  readonly log: { command: Command; effects: readonly KernelEffect[] }[] = [];

  constructor(
    public kernel: Kernel,
    readonly programs: readonly ProgramSpec[],
  ) {}

  send(command: Command): readonly KernelEffect[] {
    const effects = this.kernel.dispatch(command);
    this.log.push({ command, effects });
    for (const effect of effects) {
      if (effect.type === "run") this.inFlight.push(effect.jobId);
      else if (effect.type === "settled" || (effect.type === "cancel" && effect.inFlight)) {
        const index = this.inFlight.indexOf(effect.jobId);
        if (index >= 0) this.inFlight.splice(index, 1);
      }
    }
    return effects;
  }

  setup(): void {
    for (const spec of this.programs) {
      this.send({ type: "install", at: this.now, program: spec });
      this.send({ type: "spawn", at: this.now, programId: spec.id });
    }
  }

  step(step: Step): readonly KernelEffect[] {
    const id = (index: number) => (this.programs[index] as ProgramSpec).id;
    const running = (programId: string) =>
      this.kernel.isInstalled(programId) ? this.kernel.listSpawns(programId).map((spawn) => spawn.id) : [];
    switch (step.kind) {
      case "advance":
        this.now += step.by;
        return this.send({ type: "tick", at: this.now });
      case "regress":
        return this.send({ type: "tick", at: this.now - step.by });
      case "install":
        return this.send({ type: "install", at: this.now, program: this.programs[step.program] as ProgramSpec });
      case "spawn":
      case "unspawn":
      case "trigger":
      case "uninstall":
      case "clear":
        return this.send({ type: step.kind, at: this.now, programId: id(step.program) });
      case "complete": {
        const jobId = this.inFlight[step.pick % Math.max(1, this.inFlight.length)];
        if (jobId === undefined) return this.send({ type: "tick", at: this.now });
        return this.send({
          type: "complete",
          at: this.now,
          jobId,
          outcome: step.ok ? { ok: true, value: step.value } : { ok: false, error: new Error(`boom ${step.value}`) },
        });
      }
      case "stop":
      case "kill": {
        const spawns = running(id(step.program));
        const spawnId = spawns[step.pick % Math.max(1, spawns.length)];
        if (spawnId === undefined) return this.send({ type: "tick", at: this.now });
        return this.send({
          type: step.kind === "stop" ? "stop-spawn" : "kill-spawn",
          at: this.now,
          programId: id(step.program),
          spawnId,
        });
      }
      case "stop-all":
      case "kill-all":
        return this.send({ type: step.kind, at: this.now });
      case "set-interval": {
        const spawnId = step.oneSpawn ? running(id(step.program))[0] : undefined;
        return this.send({
          type: "set-interval",
          at: this.now,
          programId: id(step.program),
          interval: step.interval,
          ...(spawnId === undefined ? {} : { spawnId }),
        });
      }
    }
  }
}

/** Effects as plain data for deep comparison (errors as the `{ name, message }` a snapshot keeps of them). */
export const plain = (effects: readonly KernelEffect[]): unknown =>
  JSON.parse(
    JSON.stringify(effects, (_key, value: unknown) => {
      if (value instanceof Error) return { name: value.name, message: value.message };
      if (typeof value === "function") return "[fn]";
      if (value === undefined) return "[undefined]";
      return value;
    }),
  );
