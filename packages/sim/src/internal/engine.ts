import {
  type Command,
  createKernel,
  type Kernel,
  type KernelEffect,
  type Outcome,
  type ProgramSpec,
  restoreKernel,
  type UnspawnPolicy,
} from "@schedkit/kernel";
import type { JobBehaviour, ProgramDescriptor, SpawnLife, Timeline, TimelineEvent, Violation } from "../types.js";
import { canonical, draw, effectJson, hash32, TraceHash } from "./hash.js";

/** Something that takes kernel commands and answers with effects: the reference model. */
export interface EffectOracle {
  dispatch(command: Command): readonly KernelEffect[];
}

export interface EngineOptions {
  readonly timeline: Timeline;
  readonly policies: readonly UnspawnPolicy[];
  /** A second implementation to compare effect by effect (the reference model). */
  readonly oracle?: EffectOracle | undefined;
  /** Sees every effect, in order (for conformance tests and tools). */
  readonly record?: ((effect: KernelEffect) => void) | undefined;
}

export interface EngineRun {
  readonly traceHash: string;
  readonly violations: Violation[];
  readonly lateness: { readonly basic: number[]; readonly constant: number[] };
  readonly drift: number;
  readonly spawns: SpawnLife[];
  readonly checks: Record<string, number>;
  readonly steps: number;
  readonly jobs: number;
  readonly simulatedMs: number;
}

/** At most this many violations are kept per run: the first ones explain the rest. */
const VIOLATION_CAP = 25;

type RunEffect = Extract<KernelEffect, { type: "run" }>;

interface Completion {
  readonly at: number;
  readonly seq: number;
  readonly jobId: string;
  readonly outcome: Outcome;
}

/** A small binary heap of completions ordered by (time, seq). */
class CompletionQueue {
  private readonly items: Completion[] = [];
  private readonly removed = new Set<string>();

  get size(): number {
    return this.items.length;
  }

  push(item: Completion): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(items[index] as Completion, items[parent] as Completion)) break;
      [items[index], items[parent]] = [items[parent] as Completion, items[index] as Completion];
      index = parent;
    }
  }

  /** The next live completion, dropping those removed (cancelled or lost). */
  peek(): Completion | undefined {
    for (let top = this.items[0]; top !== undefined; top = this.items[0]) {
      if (!this.removed.has(top.jobId)) return top;
      this.removed.delete(top.jobId);
      this.pop();
    }
    return undefined;
  }

  pop(): Completion | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && this.before(items[left] as Completion, items[smallest] as Completion))
          smallest = left;
        if (right < items.length && this.before(items[right] as Completion, items[smallest] as Completion))
          smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest] as Completion, items[index] as Completion];
        index = smallest;
      }
    }
    return top;
  }

  remove(jobId: string): void {
    this.removed.add(jobId);
  }

  private before(a: Completion, b: Completion): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

/**
 * What the simulated host does with one job: hang, or finish after `duration`
 * ms with an outcome. A pure function of the seed, the behaviour and the job,
 * so replays (and the runner in conformance tests) decide the same.
 */
export const decideJob = (
  seed: number,
  behaviour: JobBehaviour,
  jobId: string,
  startedAt: number,
): "hang" | { readonly duration: number; readonly outcome: Outcome } => {
  const key = `${jobId}@${startedAt}`;
  if (draw(seed, `${key}:hang`) < behaviour.hangRate) return "hang";
  let duration =
    behaviour.minDuration + draw(seed, `${key}:duration`) * (behaviour.maxDuration - behaviour.minDuration);
  if (draw(seed, `${key}:slow`) < behaviour.slowRate) duration *= behaviour.slowFactor;
  const outcome: Outcome =
    draw(seed, `${key}:fail`) < behaviour.failRate
      ? { ok: false, error: new Error(`job ${jobId} failed`) }
      : {
          ok: true,
          value: { n: hash32(seed, `${key}:n`) % 10, poison: draw(seed, `${key}:merge`) < behaviour.mergeThrowRate },
        };
  return { duration: Math.round(duration), outcome };
};

interface JobValue {
  readonly n: number;
  readonly poison: boolean;
}

interface SimState {
  count: number;
  sum: number;
}

/**
 * A program spec from its descriptor. Every hook is a pure function of its
 * input, so the kernel and the reference model can both call it.
 */
export const specOf = (
  descriptor: ProgramDescriptor,
): ProgramSpec<SimState, undefined, JobValue, JobValue | undefined> => ({
  id: descriptor.id,
  type: descriptor.type,
  // A cron program's times come from its expression; `interval` only bounds the liveness check.
  ...(descriptor.type === "cron"
    ? {
        cron: descriptor.cron ?? "* * * * * *",
        ...(descriptor.timezone === undefined ? {} : { timezone: descriptor.timezone }),
      }
    : { interval: descriptor.interval }),
  ...(descriptor.delay === undefined ? {} : { delay: descriptor.delay }),
  ...(descriptor.misfire === undefined ? {} : { misfire: descriptor.misfire }),
  ...(descriptor.min === undefined ? {} : { min: descriptor.min }),
  ...(descriptor.max === undefined ? {} : { max: descriptor.max }),
  ...(descriptor.scope === undefined ? {} : { scope: descriptor.scope }),
  ...(descriptor.output === undefined ? {} : { output: descriptor.output }),
  ...(descriptor.policy === undefined ? {} : { policy: descriptor.policy }),
  ...(descriptor.align === undefined ? {} : { timeFn: alignTo(descriptor.align) }),
  ...(descriptor.stopAfter === undefined ? {} : { continueFn: continueUntil(descriptor.stopAfter) }),
  createFn: () => ({ count: 0, sum: 0 }),
  mergeFn: mergeSimState,
  errorFn: () => undefined,
  mainFn: () => {
    throw new Error("the simulator runs jobs itself; mainFn is never called");
  },
});

const alignTo = (align: number) => (t: number) => Math.floor(t / align) * align;
const continueUntil = (stopAfter: number) => (props: { completed: number }) => props.completed < stopAfter;
const mergeSimState = (state: SimState, output: JobValue | undefined): SimState => {
  if (output === undefined) return state;
  if (output.poison) throw new Error("mergeFn failed on a poisoned output");
  return { count: state.count + 1, sum: state.sum + output.n };
};

/** Effects with what may differ between two correct implementations left out (messages of refusals). */
const comparable = (effects: readonly KernelEffect[]): string =>
  effects
    .map((effect) =>
      effectJson(
        effect.type === "rejected" || effect.type === "refused"
          ? { ...effect, message: undefined, command: undefined }
          : effect,
      ),
    )
    .join(",");

/** Runs one timeline against a fresh kernel in virtual time and checks every step. */
export const runTimeline = (options: EngineOptions): EngineRun => {
  const { timeline, policies, oracle, record } = options;
  const { seed, faults } = timeline;
  const kernelOptions = { policies, ...(policies[0] === undefined ? {} : { defaultPolicy: policies[0].name }), seed };
  let kernel: Kernel = createKernel(kernelOptions);
  const trace = new TraceHash();
  const violations: Violation[] = [];
  const checks: Record<string, number> = {};
  const lateness = { basic: [] as number[], constant: [] as number[] };
  const descriptors = new Map<string, ProgramDescriptor>();
  const specs = new Map<string, ProgramSpec>();
  const completions = new CompletionQueue();
  const inFlight = new Map<string, RunEffect>();
  const killed = new Set<string>();
  const stopped = new Set<string>();
  const lives = new Map<string, { life: SpawnLife & { stoppedAt: number | null; jobs: number } }>();
  const allLives: (SpawnLife & { stoppedAt: number | null; jobs: number })[] = [];
  const grids = new Map<string, { last: number; interval: number; misfire: "catch-up" | "skip" } | null>();
  const programIntervals = new Map<string, number>();
  const liveness = new Map<string, number>();
  const noFaults = Object.values(faults.families).every((on) => !on);
  let now = 0;
  let kernelNow = 0;
  let regressBy = 0;
  let wakeAt: number | null = null;
  let deliveredAt: number | null = null;
  let step = 0;
  let jobs = 0;
  let completionSeq = 0;
  let drift = 0;
  let cursor = 0;

  const pass = (check: string) => {
    checks[check] = (checks[check] ?? 0) + 1;
  };
  const fail = (check: string, message: string) => {
    if (violations.length < VIOLATION_CAP) violations.push({ check, message, seed, at: now, step });
  };
  const verify = (check: string, holds: boolean, message: () => string) => {
    if (holds) pass(check);
    else fail(check, message());
  };
  const lifeKey = (programId: string, spawnId: string) => `${programId}/${spawnId}`;

  const behaviourOf = (programId: string) => descriptors.get(programId)?.behaviour;

  const startJob = (effect: RunEffect) => {
    jobs++;
    inFlight.set(effect.jobId, effect);
    const descriptor = descriptors.get(effect.programId);
    const late = effect.startedAt - effect.scheduledAt;
    (descriptor?.type === "constant" ? lateness.constant : lateness.basic).push(late);
    const behaviour = behaviourOf(effect.programId);
    if (behaviour === undefined) return;
    const decided = decideJob(seed, behaviour, effect.jobId, effect.startedAt);
    if (decided === "hang") return;
    completions.push({
      at: now + decided.duration,
      seq: completionSeq++,
      jobId: effect.jobId,
      outcome: decided.outcome,
    });
  };

  const observe = (
    command: Command,
    effects: readonly KernelEffect[],
    runningBefore: readonly string[] | undefined,
  ) => {
    const last = effects[effects.length - 1];
    const rejected = effects[0]?.type === "rejected";
    if (!rejected) kernelNow = Math.max(kernelNow, command.at);
    verify(
      "wake-last",
      last?.type === "wake" && (last.at === null || last.at > kernelNow),
      () => `the last effect was ${canonical(last)}; expected a wake after ${kernelNow}`,
    );
    const touched = new Set<string>();
    for (const effect of effects) {
      trace.add(effect);
      record?.(effect);
      switch (effect.type) {
        case "installed":
        case "uninstalled":
        case "cleared":
          for (const key of [...stopped]) if (key.startsWith(`${effect.programId}/`)) stopped.delete(key);
          for (const key of [...grids.keys()]) if (key.startsWith(`${effect.programId}/`)) grids.delete(key);
          for (const key of [...liveness.keys()]) if (key.startsWith(`${effect.programId}/`)) liveness.delete(key);
          if (effect.type === "installed")
            programIntervals.set(effect.programId, descriptors.get(effect.programId)?.interval ?? 0);
          for (const entry of lives.values())
            if (entry.life.programId === effect.programId) entry.life.stoppedAt ??= now;
          for (const key of [...lives.keys()]) if (key.startsWith(`${effect.programId}/`)) lives.delete(key);
          break;
        case "spawned": {
          const life = {
            programId: effect.programId,
            spawnId: effect.spawnId,
            startedAt: effect.startedAt,
            stoppedAt: null,
            jobs: 0,
          };
          lives.set(lifeKey(effect.programId, effect.spawnId), { life });
          allLives.push(life);
          const descriptor = descriptors.get(effect.programId);
          if (descriptor?.type === "constant") {
            grids.set(lifeKey(effect.programId, effect.spawnId), {
              last: Number.NaN,
              interval: programIntervals.get(effect.programId) ?? descriptor.interval,
              misfire: descriptor.misfire ?? "catch-up",
            });
          }
          if (descriptor !== undefined) {
            const first = typeof descriptor.delay === "number" ? descriptor.delay : 0;
            const interval = Math.max(descriptor.interval, programIntervals.get(effect.programId) ?? 0);
            liveness.set(
              lifeKey(effect.programId, effect.spawnId),
              effect.startedAt + Math.max(first, interval) + (descriptor.align ?? 0),
            );
          }
          touched.add(effect.programId);
          break;
        }
        case "run": {
          verify(
            "never-early",
            effect.startedAt >= effect.scheduledAt,
            () => `job ${effect.jobId} started at ${effect.startedAt}, before its due time ${effect.scheduledAt}`,
          );
          if (effect.spawnId !== null) {
            const key = lifeKey(effect.programId, effect.spawnId);
            verify("stopped-silent", !stopped.has(key), () => `spawn ${key} ran job ${effect.jobId} after it stopped`);
            const life = lives.get(key)?.life;
            if (life !== undefined) life.jobs++;
            checkGrid(key, effect);
            const descriptor = descriptors.get(effect.programId);
            if (descriptor !== undefined && liveness.has(key)) {
              // The next job is owed one interval (a cron program: its longest gap) after this
              // one started (a late start may begin behind its grid), or after it completes,
              // at most maxDuration from now (basic).
              const interval = Math.max(descriptor.interval, programIntervals.get(effect.programId) ?? 0);
              const deadline =
                descriptor.type === "basic"
                  ? effect.startedAt + descriptor.behaviour.maxDuration + interval
                  : effect.startedAt + interval;
              liveness.set(key, deadline);
            }
          }
          startJob(effect);
          touched.add(effect.programId);
          break;
        }
        case "cancel":
          if (effect.inFlight) {
            killed.add(effect.jobId);
            inFlight.delete(effect.jobId);
            completions.remove(effect.jobId);
          }
          break;
        case "settled":
          verify(
            "kill-discards",
            !killed.has(effect.jobId),
            () => `job ${effect.jobId} settled after it was cancelled`,
          );
          inFlight.delete(effect.jobId);
          touched.add(effect.programId);
          break;
        case "stopped": {
          const key = lifeKey(effect.programId, effect.spawnId);
          stopped.add(key);
          const life = lives.get(key)?.life;
          if (life !== undefined) life.stoppedAt = now;
          break;
        }
        case "unspawned":
          verify(
            "policy-member",
            runningBefore?.includes(effect.spawnId) === true,
            () => `unspawn chose ${effect.spawnId}, not one of the running spawns [${runningBefore?.join(", ")}]`,
          );
          break;
        case "rejected":
          // Commands for programs that are gone are expected; a policy that throws or
          // answers with a spawn outside the set is a broken policy.
          verify("policy-member", effect.code !== "policy-failed", () => `unspawn failed: ${effect.message}`);
          break;
        case "wake":
          wakeAt = effect.at;
          deliveredAt =
            effect.at !== null && faults.families.lag && draw(seed, `wake:${step}`) < faults.lagRate
              ? effect.at + 1 + Math.floor(draw(seed, `lag:${step}`) * faults.lagMax)
              : effect.at;
          break;
        default:
          break;
      }
    }
    if ("programId" in command && typeof command.programId === "string") touched.add(command.programId);
    for (const programId of touched) checkProgram(programId, command, runningBefore);
    if (noFaults) checkLiveness();
  };

  const checkGrid = (key: string, effect: RunEffect) => {
    const grid = grids.get(key);
    if (grid === undefined || grid === null) return;
    if (!Number.isNaN(grid.last)) {
      const gap = effect.scheduledAt - grid.last;
      const offGrid = Math.abs(gap - Math.round(gap / grid.interval) * grid.interval);
      drift = Math.max(drift, offGrid);
      verify(
        "grid",
        grid.misfire === "catch-up" ? gap === grid.interval : offGrid === 0 && gap > 0,
        () =>
          `constant spawn ${key}: job due at ${effect.scheduledAt}, ${gap} ms after the previous one; the grid step is ${grid.interval} ms (${grid.misfire})`,
      );
    }
    grid.last = effect.scheduledAt;
  };

  const checkProgram = (programId: string, command: Command, runningBefore: readonly string[] | undefined) => {
    if (!kernel.isInstalled(programId)) return;
    const descriptor = descriptors.get(programId);
    const count = kernel.countSpawns(programId);
    if (descriptor?.max !== undefined) {
      verify(
        "bounds",
        count <= descriptor.max,
        () => `program ${programId} has ${count} running spawns; max is ${descriptor.max}`,
      );
    }
    if (
      command.type === "unspawn" &&
      command.programId === programId &&
      descriptor?.min !== undefined &&
      runningBefore !== undefined &&
      runningBefore.length <= descriptor.min
    ) {
      verify(
        "bounds",
        count === runningBefore.length,
        () => `unspawn went below min ${descriptor.min}: ${runningBefore.length} → ${count}`,
      );
    }
    const running = new Set<string>();
    for (const [spawnId, props] of Object.entries(kernel.getProps(programId))) {
      running.add(lifeKey(programId, spawnId));
      verify(
        "counters",
        props.completed === props.succeeded + props.errored && props.submitted >= props.completed,
        () =>
          `spawn ${programId}/${spawnId}: submitted ${props.submitted}, succeeded ${props.succeeded}, errored ${props.errored}, completed ${props.completed}`,
      );
    }
    // Spawns that left the running set (stopped, unspawned, done) are no longer owed a job.
    for (const key of [...liveness.keys()])
      if (key.startsWith(`${programId}/`) && !running.has(key)) liveness.delete(key);
  };

  const checkLiveness = () => {
    for (const [key, deadline] of liveness) {
      verify("liveness", now <= deadline, () => `spawn ${key} has not run since it was owed a job at ${deadline}`);
      if (now > deadline) liveness.delete(key);
    }
  };

  const send = (command: Command) => {
    const at = regressBy > 0 ? Math.max(0, now - regressBy) : now;
    regressBy = 0;
    const timed = { ...command, at } as Command;
    const runningBefore =
      timed.type === "unspawn" && kernel.isInstalled(timed.programId)
        ? kernel.listSpawns(timed.programId).map((spawn) => spawn.id)
        : undefined;
    const effects = kernel.dispatch(timed);
    step++;
    if (oracle !== undefined) {
      const expected = oracle.dispatch(timed);
      const actual = comparable(effects);
      const wanted = comparable(expected);
      verify(
        "model",
        actual === wanted,
        () => `kernel and reference model differ on ${canonical(timed)}:\n  kernel: ${actual}\n  model:  ${wanted}`,
      );
    }
    observe(timed, effects, runningBefore);
  };

  const crash = () => {
    // The host dies: the kernel's state survives only as its JSON snapshot.
    const snapshot = JSON.parse(JSON.stringify(kernel.snapshot()));
    kernel = restoreKernel(
      snapshot,
      [...specs.values()].filter((spec) => snapshot.programs.some((p: { id: string }) => p.id === spec.id)),
      {
        policies,
      },
    );
    pass("restore");
    // Jobs that were running died with the host: the new host reports them lost.
    const lost = [...inFlight.keys()].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    for (const jobId of lost) {
      completions.remove(jobId);
      inFlight.delete(jobId);
      send({ type: "complete", at: now, jobId, outcome: { ok: false, error: new Error("lost in a host crash") } });
    }
  };

  const apply = (event: TimelineEvent) => {
    switch (event.kind) {
      case "install": {
        descriptors.set(event.program.id, event.program);
        const spec = specOf(event.program) as ProgramSpec;
        specs.set(event.program.id, spec);
        programIntervals.set(event.program.id, event.program.interval);
        send({ type: "install", at: now, program: spec });
        return;
      }
      case "set-interval":
        programIntervals.set(event.programId, event.interval);
        // A new interval starts a new grid for every running spawn of the program.
        for (const key of grids.keys()) if (key.startsWith(`${event.programId}/`)) grids.set(key, null);
        // A spawn may now wait the new interval after its current job: extend what it is owed.
        for (const [key, deadline] of liveness) {
          if (!key.startsWith(`${event.programId}/`)) continue;
          const maxDuration = descriptors.get(event.programId)?.behaviour.maxDuration ?? 0;
          liveness.set(key, Math.max(deadline, now + maxDuration + event.interval));
        }
        send({ type: "set-interval", at: now, programId: event.programId, interval: event.interval });
        return;
      case "stop-spawn":
      case "kill-spawn": {
        const running = kernel.isInstalled(event.programId) ? kernel.listSpawns(event.programId) : [];
        const target = running[event.pick % Math.max(1, running.length)];
        if (target === undefined) return;
        send({ type: event.kind, at: now, programId: event.programId, spawnId: target.id });
        return;
      }
      case "jump":
        now += event.by;
        return;
      case "regress":
        regressBy = event.by;
        return;
      case "crash":
        crash();
        return;
      default:
        send({ type: event.kind, at: now, programId: event.programId });
    }
  };

  const events = timeline.events;
  while (step < timeline.steps) {
    const completion = completions.peek();
    const event = events[cursor];
    const candidates = [
      completion?.at ?? Number.POSITIVE_INFINITY,
      event?.at ?? Number.POSITIVE_INFINITY,
      deliveredAt ?? Number.POSITIVE_INFINITY,
    ];
    const next = Math.min(...candidates);
    if (next === Number.POSITIVE_INFINITY) break;
    // Ties: completions first, then the operator's commands, then the timer.
    now = Math.max(now, next);
    if (completion !== undefined && completion.at === next) {
      completions.pop();
      inFlight.delete(completion.jobId);
      send({ type: "complete", at: now, jobId: completion.jobId, outcome: completion.outcome });
    } else if (event !== undefined && event.at === next) {
      cursor++;
      apply(event);
    } else {
      deliveredAt = null;
      if (wakeAt !== null) send({ type: "tick", at: now });
    }
  }

  return {
    traceHash: trace.digest(),
    violations,
    lateness,
    drift,
    spawns: allLives,
    checks,
    steps: step,
    jobs,
    simulatedMs: now,
  };
};
