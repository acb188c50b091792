import {
  type Command,
  createKernel,
  type Kernel,
  type KernelEffect,
  type KernelOptions,
  type ProgramSpec,
  restoreKernel,
  type SpawnOptions,
  type UnspawnPolicy,
} from "@schedkit/kernel";
import type {
  ProgramDescriptor,
  SpawnLife,
  SpawnOptsDescriptor,
  Timeline,
  TimelineEvent,
  Violation,
} from "../types.js";
import { badCommand } from "./badCommands.js";
import { Liveness, type Owed } from "./checks/liveness.js";
import { OneStopped } from "./checks/oneStopped.js";
import { checkRejected, type SnapshotText, snapshotText } from "./checks/rejectedUnchanged.js";
import { RunReturned } from "./checks/runReturned.js";
import { Spec18Checks } from "./checks/spec18.js";
import { spawnKey } from "./checks/verify.js";
import { comparable, sameEffects } from "./compareEffects.js";
import { CompletionQueue } from "./completionQueue.js";
import { decideJob } from "./decideJob.js";
import { EffectHash } from "./effectHash.js";
import { canonical, draw, TraceHash } from "./hash.js";
import { HOSTILE_POLICY, isSimPolicy, MAX_TIME, simPolicies } from "./hostile.js";
import { CRON_STEPS } from "./model/missed.js";
import { asSimEffects, type Overlap } from "./model/spec18.js";
import { SpawnMap } from "./spawnMap.js";
import { HookCounters, intervalFnOf, longestInterval, optsOf, specOf } from "./specs.js";

export { decideJob } from "./decideJob.js";
export { specOf } from "./specs.js";

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
  /**
   * Snapshot checks around the commands that can be rejected (`rejected-unchanged`,
   * `run-returned` on the kernel's jobs in flight). Default true; the determinism
   * rerun leaves them out.
   */
  readonly deep?: boolean | undefined;
  /** Wraps every kernel the engine makes, also one restored after a crash (tests plant bugs this way). */
  readonly wrapKernel?: ((kernel: Kernel) => Kernel) | undefined;
  /**
   * The invariant checks (every `verify`: grid, liveness, one-stopped, spec 18's, counters...).
   * Default true. Off for a run whose only use is its trace hash (the determinism run, and
   * `checks: "determinism-only"`): the run then drives the kernel and hashes its effects alone.
   */
  readonly checks?: boolean | undefined;
  /**
   * The trace hash's scheme: 2 (a numeric hash over every field, the default) or 1 (SHA-256 of
   * each effect's JSON), to compare with a hash recorded in a file by an older simulator.
   */
  readonly traceHashVersion?: 1 | 2 | undefined;
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

/** How often (in steps) the kernel's jobs in flight are compared with the runs it returned. */
const RUN_RETURNED_EVERY = 64;

type RunEffect = Extract<KernelEffect, { type: "run" }>;

/** A constant spawn's grid; `loose` (spec 18's buffers): due times come on it, but buffered ones late and out of turn. */
interface Grid {
  last: number;
  readonly interval: number;
  readonly misfire: "catch-up" | "skip";
  readonly loose: boolean;
}

/** The policies of a run's kernel: the run's own, then the simulator's hostile ones if a program names them. */
const policiesOfRun = (timeline: Timeline, policies: readonly UnspawnPolicy[]): UnspawnPolicy[] => {
  const hostile = timeline.events.some((event) => event.kind === "install" && event.program.policy === HOSTILE_POLICY);
  return hostile ? [...policies, ...simPolicies()] : [...policies];
};

/** The kernel options of a run (the reference model gets the same). */
export const kernelOptionsFor = (timeline: Timeline, policies: readonly UnspawnPolicy[]): KernelOptions => ({
  policies: policiesOfRun(timeline, policies),
  ...(policies[0] === undefined ? {} : { defaultPolicy: policies[0].name }),
  seed: timeline.seed,
  // Hostile runs jump hours ahead often: a small limit reaches it in most jumps and keeps them quick.
  ...(timeline.scenario === "hostile" ? { catchUpLimit: HOSTILE_CATCH_UP_LIMIT } : {}),
});

/** The kernel's `catchUpLimit` in hostile runs. */
const HOSTILE_CATCH_UP_LIMIT = 200;

/** Commands that come once per job and cannot be rejected when well formed: no snapshots around them. */
const isHot = (command: Command): boolean => command.type === "tick" || command.type === "complete";

const errorText = (error: unknown): string => {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : canonical(error);
  } catch {
    return "(an error that cannot be shown)";
  }
};

/** Runs one timeline against a fresh kernel in virtual time and checks every step. */
export const runTimeline = (options: EngineOptions): EngineRun => {
  const { timeline, policies, record } = options;
  let oracle = options.oracle;
  const checking = options.checks ?? true;
  const deep = checking && (options.deep ?? true);
  const wrap = options.wrapKernel ?? ((kernel: Kernel) => kernel);
  const { seed, faults } = timeline;
  const kernelOptions = kernelOptionsFor(timeline, policies);
  const kernelPolicies = kernelOptions.policies ?? [];
  let kernel: Kernel = wrap(createKernel(kernelOptions));
  const trace = options.traceHashVersion === 1 ? new TraceHash() : new EffectHash();
  const violations: Violation[] = [];
  const checks: Record<string, number> = {};
  const lateness = { basic: [] as number[], constant: [] as number[] };
  const descriptors = new Map<string, ProgramDescriptor>();
  /** The kernel's specs by program id (a crash restores from them), and each spawn's options. */
  const specs = new Map<string, ProgramSpec>();
  const overrides = new Map<string, Map<string, SpawnOptions>>();
  /** Hook call counts, one set per side: the kernel's and the model's hooks count their own calls. */
  const kernelCounters = new HookCounters();
  const modelCounters = new HookCounters();
  const completions = new CompletionQueue();
  const inFlight = new Map<string, RunEffect>();
  const killed = new Set<string>();
  /** Jobs with a run effect that have not ended (settled or cancelled). */
  const ran = new Set<string>();
  const stopped = new SpawnMap<true>();
  const lives = new SpawnMap<SpawnLife & { stoppedAt: number | null; jobs: number }>();
  const allLives: (SpawnLife & { stoppedAt: number | null; jobs: number })[] = [];
  /** Each constant spawn's grid; `loose` (spec 18's buffers): due times come on it, but buffered ones late and out of turn. */
  const grids = new SpawnMap<Grid | null>();
  const programIntervals = new Map<string, number>();
  /** Programs whose interval is (or was set to) a function: no fixed grid to check. */
  const dynamicIntervals = new Set<string>();
  /** Programs whose interval a set-interval command made a function (a snapshot cannot carry it). */
  const setByFunction = new Set<string>();
  /** Spawn options by spawn key, for the spawns that had them. */
  const spawnOpts = new Map<string, SpawnOptsDescriptor>();
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
  let broken = false;
  /** The host's wall clock minus its monotonic one; sent as `wall` when the timeline has wall steps. */
  let wallOffset = 0;
  /** How far the wall clock was set back in all (cron jobs wait that much longer). */
  let wallBack = 0;
  /** The last fault was a regression: checking starts once the command carrying it is sent. */
  let rearmAfterSend = false;
  const wallOn = timeline.events.some((event) => event.kind === "wall");
  /** The spawn options of the spawn command being dispatched (its `spawned` effect takes them). */
  let sendingOpts: { readonly descriptor: SpawnOptsDescriptor; readonly opts: SpawnOptions } | undefined;

  /** Passes by check, counted in a Map (a record with string keys is slow to bump), copied to `checks` at the end. */
  const passes = new Map<string, number>();
  const pass = (check: string) => {
    passes.set(check, (passes.get(check) ?? 0) + 1);
  };
  const fail = (check: string, message: string) => {
    if (violations.length < VIOLATION_CAP) violations.push({ check, message, seed, at: now, step });
  };
  const verify = (check: string, holds: boolean, message: () => string) => {
    if (holds) pass(check);
    else fail(check, message());
  };

  const behaviourOf = (programId: string) => descriptors.get(programId)?.behaviour;
  const maxDurationOf = (programId: string) => {
    const behaviour = behaviourOf(programId);
    if (behaviour === undefined) return 0;
    return behaviour.maxDuration * (behaviour.slowRate > 0 ? behaviour.slowFactor : 1);
  };

  const oneStopped = new OneStopped(verify);
  const spec18 = new Spec18Checks(verify);
  /** Spawns paused on their own (spec 18), by key: a spawn-level resume picks among them. */
  const pausedOwn = new Set<string>();
  const runReturned = new RunReturned(verify, (programId, spawnId) => {
    if (descriptors.get(programId)?.throws?.argsFn !== undefined) return true;
    return spawnId !== null && spawnOpts.get(spawnKey(programId, spawnId))?.throws?.argsFn !== undefined;
  });
  // Liveness from the start without discrete faults; else once the last jump, regression or crash is behind.
  const lastFault = timeline.events.reduce(
    (last, event, index) =>
      event.kind === "jump" || event.kind === "regress" || event.kind === "crash" || event.kind === "wall"
        ? index
        : last,
    -1,
  );
  const liveness = new Liveness(verify, {
    quietFromStart: lastFault === -1,
    tolerance: faults.families.lag ? faults.lagMax : 0,
  });

  /** The longest wait a spawn is owed between jobs. */
  const owedOf = (descriptor: ProgramDescriptor, opts: SpawnOptsDescriptor | undefined): Owed => {
    let interval = Math.max(descriptor.interval, programIntervals.get(descriptor.id) ?? 0);
    if (descriptor.intervalFn !== undefined) {
      interval = Math.max(interval, longestInterval(descriptor.intervalFn) ?? 0);
    }
    if (opts?.intervalFn !== undefined) interval = longestInterval(opts.intervalFn) ?? interval;
    else if (typeof opts?.interval === "number") interval = opts.interval;
    // Spec 18: a jittered job may start up to `jitter` ms after its due time.
    interval += opts?.jitter ?? descriptor.jitter ?? 0;
    const overlap = overlapOf(descriptor, opts);
    const waitsForJobs = overlap === "skip" || overlap === "buffer-one" || overlap === "buffer-all";
    return { programId: descriptor.id, type: descriptor.type, interval, ...(waitsForJobs ? { waitsForJobs } : {}) };
  };

  const overlapOf = (descriptor: ProgramDescriptor, opts: SpawnOptsDescriptor | undefined): Overlap =>
    opts?.overlap ?? descriptor.overlap ?? "allow";

  const startJob = (effect: RunEffect) => {
    jobs++;
    inFlight.set(effect.jobId, effect);
    const descriptor = descriptors.get(effect.programId);
    const late = effect.startedAt - effect.scheduledAt;
    (descriptor?.type === "constant" ? lateness.constant : lateness.basic).push(late);
    const behaviour = behaviourOf(effect.programId);
    if (behaviour === undefined) return "hang" as const;
    const decided = decideJob(seed, behaviour, effect.jobId, effect.startedAt);
    if (decided === "hang") return "hang" as const;
    completions.push({
      at: now + decided.duration,
      seq: completionSeq++,
      jobId: effect.jobId,
      outcome: decided.outcome,
    });
    return decided.duration;
  };

  const forgetProgram = (programId: string) => {
    stopped.deleteProgram(programId);
    grids.deleteProgram(programId);
    liveness.forgetProgram(programId);
    for (const life of lives.ofProgram(programId).values()) life.stoppedAt ??= now;
    lives.deleteProgram(programId);
    for (const key of [...spawnOpts.keys()]) if (key.startsWith(`${programId}\u0000`)) spawnOpts.delete(key);
    overrides.delete(programId);
  };

  /** The programs a dispatch touched (checked after it; few, so a list), reused from dispatch to dispatch. */
  const touchedList: string[] = [];
  const touched = {
    add: (programId: string) => {
      if (checking && !touchedList.includes(programId)) touchedList.push(programId);
    },
  };
  /** The last dispatch left a count of missed cron matches to go on with (its wake is due at once). */
  let countingLeftOff = false;
  const observe = (
    command: Command,
    effects: readonly KernelEffect[],
    runningBefore: readonly string[] | undefined,
  ) => {
    const last = effects[effects.length - 1];
    let rejected: KernelEffect | undefined;
    let countingMissed = false;
    for (const effect of effects) {
      if (effect.type === "rejected") rejected ??= effect;
      else if (effect.type === "missed" && effect.count === CRON_STEPS) countingMissed = true;
    }
    // A rejected command moves no time, except an unspawn whose policy failed (time arrived first).
    if (rejected === undefined || (rejected.type === "rejected" && rejected.code === "policy-failed")) {
      kernelNow = Math.max(kernelNow, command.at);
    }
    // A cron spawn whose missed matches were too many to count at once is due again at once; a
    // command rejected meanwhile moves no time, so it answers that same wake.
    const movedNoTime = rejected !== undefined && rejected.type === "rejected" && rejected.code !== "policy-failed";
    const countingOn = countingMissed || (movedNoTime && countingLeftOff);
    countingLeftOff = countingOn;
    if (checking) {
      verify(
        "wake-last",
        last?.type === "wake" && (last.at === null || last.at > kernelNow || countingOn),
        () => `the last effect was ${canonical(last)}; expected a wake after ${kernelNow}`,
      );
      // Owed jobs are checked at the kernel's time (a regressed command is behind the host's clock),
      // before the command's effects (a late run does not excuse itself).
      liveness.check(kernelNow);
    }
    touchedList.length = 0;
    for (const effect of effects) {
      trace.add(effect);
      record?.(effect);
      if (checking) {
        oneStopped.effect(effect);
        runReturned.effect(effect);
      }
      switch (effect.type) {
        case "installed":
        case "uninstalled":
        case "cleared":
          forgetProgram(effect.programId);
          if (effect.type === "installed")
            programIntervals.set(effect.programId, descriptors.get(effect.programId)?.interval ?? 0);
          break;
        case "spawned": {
          const life = {
            programId: effect.programId,
            spawnId: effect.spawnId,
            startedAt: effect.startedAt,
            stoppedAt: null,
            jobs: 0,
          };
          lives.set(effect.programId, effect.spawnId, life);
          allLives.push(life);
          const opts = sendingOpts;
          if (opts !== undefined && command.type === "spawn") {
            spawnOpts.set(spawnKey(effect.programId, effect.spawnId), opts.descriptor);
            const forProgram = overrides.get(effect.programId) ?? new Map<string, SpawnOptions>();
            overrides.set(effect.programId, forProgram);
            forProgram.set(effect.spawnId, opts.opts);
          }
          const descriptor = descriptors.get(effect.programId);
          const optsDescriptor = opts?.descriptor;
          if (descriptor?.type === "constant") {
            const fixed =
              !dynamicIntervals.has(effect.programId) &&
              descriptor.intervalFn === undefined &&
              optsDescriptor?.intervalFn === undefined;
            grids.set(
              effect.programId,
              effect.spawnId,
              fixed
                ? {
                    last: Number.NaN,
                    interval:
                      typeof optsDescriptor?.interval === "number"
                        ? optsDescriptor.interval
                        : (programIntervals.get(effect.programId) ?? descriptor.interval),
                    misfire: optsDescriptor?.misfire ?? descriptor.misfire ?? "catch-up",
                    loose: ["buffer-one", "buffer-all"].includes(overlapOf(descriptor, optsDescriptor)),
                  }
                : null,
            );
          }
          if (checking && descriptor !== undefined) {
            const owed = owedOf(descriptor, optsDescriptor);
            const delay = optsDescriptor?.delay ?? descriptor.delay;
            const first = typeof delay === "number" ? delay : 0;
            // Spec 18: a startAt ahead puts the first job that much later.
            const startAt =
              optsDescriptor?.startIn !== undefined ? command.at + optsDescriptor.startIn : descriptor.startAt;
            const later = startAt === undefined ? 0 : Math.max(0, startAt - effect.startedAt);
            liveness.spawned(
              spawnKey(effect.programId, effect.spawnId),
              owed,
              effect.startedAt,
              later +
                Math.max(first + (optsDescriptor?.jitter ?? descriptor.jitter ?? 0), owed.interval) +
                (descriptor.align ?? 0),
            );
          }
          pausedOwn.delete(spawnKey(effect.programId, effect.spawnId));
          touched.add(effect.programId);
          break;
        }
        case "run": {
          if (checking) {
            verify(
              "never-early",
              effect.startedAt >= effect.scheduledAt,
              () => `job ${effect.jobId} started at ${effect.startedAt}, before its due time ${effect.scheduledAt}`,
            );
          }
          ran.add(effect.jobId);
          const duration = startJob(effect);
          if (effect.spawnId !== null) {
            if (checking) {
              verify(
                "stopped-silent",
                !stopped.has(effect.programId, effect.spawnId),
                () => `spawn ${effect.programId}/${effect.spawnId} ran job ${effect.jobId} after it stopped`,
              );
            }
            const life = lives.get(effect.programId, effect.spawnId);
            if (life !== undefined) life.jobs++;
            checkGrid(effect.programId, effect.spawnId, effect);
            if (checking) liveness.ran(spawnKey(effect.programId, effect.spawnId), effect.startedAt, duration);
          }
          touched.add(effect.programId);
          break;
        }
        case "skipped":
          // Spec 18: a skipped due time is a grid point too; the grid goes on after it.
          if (effect.spawnId !== null) {
            checkGrid(effect.programId, effect.spawnId, {
              jobId: effect.fireId,
              scheduledAt: effect.scheduledAt,
            });
          }
          touched.add(effect.programId);
          break;
        case "paused":
        case "resumed": {
          const key = effect.spawnId === null ? undefined : spawnKey(effect.programId, effect.spawnId);
          if (effect.type === "paused") {
            if (key !== undefined) pausedOwn.add(key);
            if (checking) liveness.paused(effect.programId, key);
          } else {
            if (key !== undefined) pausedOwn.delete(key);
            if (checking) liveness.resumed(effect.programId, key, kernelNow, maxDurationOf);
          }
          touched.add(effect.programId);
          break;
        }
        case "missed": {
          // The grid goes on after the last missed due time.
          const grid = grids.get(effect.programId, effect.spawnId);
          if (grid !== undefined && grid !== null) grid.last = effect.to;
          if (checking) liveness.missed(spawnKey(effect.programId, effect.spawnId), kernelNow);
          break;
        }
        case "cancel":
          touched.add(effect.programId);
          ran.delete(effect.jobId);
          if (effect.inFlight) {
            if (checking) killed.add(effect.jobId);
            inFlight.delete(effect.jobId);
            completions.remove(effect.jobId);
          }
          break;
        case "settled":
          if (checking) {
            verify(
              "kill-discards",
              !killed.has(effect.jobId),
              () => `job ${effect.jobId} settled after it was cancelled`,
            );
          }
          // A job whose argsFn threw settles at once, without a run: it still took its grid point.
          if (!ran.delete(effect.jobId) && effect.spawnId !== null) {
            checkGrid(effect.programId, effect.spawnId, effect);
          }
          inFlight.delete(effect.jobId);
          if (checking && effect.spawnId !== null) {
            liveness.settled(spawnKey(effect.programId, effect.spawnId), effect.endedAt);
          }
          touched.add(effect.programId);
          break;
        case "stopped": {
          touched.add(effect.programId);
          if (checking) stopped.set(effect.programId, effect.spawnId, true);
          const life = lives.get(effect.programId, effect.spawnId);
          if (life !== undefined) life.stoppedAt = now;
          break;
        }
        case "unspawned":
          if (!checking) break;
          verify(
            "policy-member",
            runningBefore?.includes(effect.spawnId) === true,
            () => `unspawn chose ${effect.spawnId}, not one of the running spawns [${runningBefore?.join(", ")}]`,
          );
          break;
        case "rejected":
          if (!checking) break;
          verify(
            "dispatch-never-throws",
            effect.code !== ("internal-error" as string),
            () => `the kernel failed inside dispatch (internal-error): ${effect.message}`,
          );
          // Commands for programs that are gone are expected; a policy that throws or
          // answers with a spawn outside the set is a broken policy (unless it is the sim's hostile one).
          if (!isSimPolicy(effect.field.replace(/^policy "(.*)"$/, "$1"))) {
            verify("policy-member", effect.code !== "policy-failed", () => `unspawn failed: ${effect.message}`);
          }
          break;
        case "wake":
          wakeAt = effect.at;
          deliveredAt =
            effect.at === null || effect.at > MAX_TIME
              ? null
              : faults.families.lag && draw(seed, `wake:${step}`) < faults.lagRate
                ? effect.at + 1 + Math.floor(draw(seed, `lag:${step}`) * faults.lagMax)
                : effect.at;
          break;
        default:
          break;
      }
    }
    if (!checking) return;
    oneStopped.dispatched(command, effects);
    spec18.dispatched(command, asSimEffects(effects));
    if (typeof command === "object" && command !== null && "programId" in command) {
      const programId = (command as { programId?: unknown }).programId;
      if (typeof programId === "string") touched.add(programId);
    }
    const unspawned = effects.some((effect) => effect.type === "unspawned");
    for (const programId of touchedList) checkProgram(programId, command, runningBefore, unspawned);
    liveness.check(kernelNow);
  };

  const checkGrid = (
    programId: string,
    spawnId: string,
    effect: { readonly jobId: string; readonly scheduledAt: number },
  ) => {
    const grid = grids.get(programId, spawnId);
    if (grid === undefined || grid === null) return;
    if (!Number.isNaN(grid.last)) {
      const gap = effect.scheduledAt - grid.last;
      const offGrid = Math.abs(gap - Math.round(gap / grid.interval) * grid.interval);
      drift = Math.max(drift, offGrid);
      if (checking) {
        verify(
          "grid",
          grid.loose ? offGrid === 0 : grid.misfire === "catch-up" ? gap === grid.interval : offGrid === 0 && gap > 0,
          () =>
            `constant spawn ${programId}/${spawnId}: job due at ${effect.scheduledAt}, ${gap} ms after the previous one; the grid step is ${grid.interval} ms (${grid.misfire})`,
        );
      }
    }
    grid.last = effect.scheduledAt;
  };

  const checkProgram = (
    programId: string,
    command: Command,
    runningBefore: readonly string[] | undefined,
    unspawned: boolean,
  ) => {
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
      // Spawns the command's arrival stopped (a fault, continueFn) are not the unspawn's doing.
      verify(
        "bounds",
        count === runningBefore.length || !unspawned,
        () => `unspawn went below min ${descriptor.min}: ${runningBefore.length} → ${count}`,
      );
    }
    const running = new Set<string>();
    for (const [spawnId, props] of Object.entries(kernel.getProps(programId))) {
      running.add(spawnKey(programId, spawnId));
      verify(
        "counters",
        props.completed === props.succeeded + props.errored && props.submitted >= props.completed,
        () =>
          `spawn ${programId}/${spawnId}: submitted ${props.submitted}, succeeded ${props.succeeded}, errored ${props.errored}, completed ${props.completed}`,
      );
    }
    // Spawns that left the running set (stopped, unspawned, done) are no longer owed a job.
    liveness.retain(programId, running);
  };

  /** The kernel's specs for the programs in a snapshot, and the spawn overrides it needs back. */
  const restoreInputs = (snapshot: { programs: readonly { id: string }[] }) => ({
    specs: [...specs.values()].filter((spec) => snapshot.programs.some((program) => program.id === spec.id)),
    spawnOverrides: Object.fromEntries(
      [...overrides].map(([programId, bySpawn]) => [programId, Object.fromEntries(bySpawn)]),
    ),
  });

  /** The kernel as it was before a command (`before`), after a tick at `at`: what a failed policy may leave. */
  const afterTick =
    (
      before: SnapshotText,
      at: number,
      wall: number | undefined,
      counters: ReturnType<HookCounters["save"]> | undefined,
    ) =>
    (): SnapshotText => {
      if (!before.ok || counters === undefined) return before;
      const current = kernelCounters.save();
      kernelCounters.restore(counters);
      try {
        const data = JSON.parse(before.text);
        const inputs = restoreInputs(data);
        const copy = restoreKernel(data, inputs.specs, {
          policies: kernelPolicies,
          spawnOverrides: inputs.spawnOverrides,
        });
        copy.dispatch(wall === undefined ? { type: "tick", at } : { type: "tick", at, wall });
        return snapshotText(copy);
      } catch (error) {
        return { ok: false, error: errorText(error), refused: false };
      } finally {
        kernelCounters.restore(current);
      }
    };

  /**
   * `snapshot`: `kernel.snapshot()` never throws here. The kernel refuses only state that is not
   * JSON data (a cycle, a BigInt), and timelines hold none: every value a hook throws (a
   * null-prototype object, an Error whose message getter throws, a Symbol) must still snapshot.
   */
  const snapshotOk = (text: SnapshotText): text is Extract<SnapshotText, { ok: true }> => {
    verify("snapshot", text.ok, () => `kernel.snapshot() threw: ${text.ok ? "" : text.error}`);
    return text.ok;
  };

  /** The time of the next command: now, or earlier when a regression is pending. */
  const commandTime = () => {
    const at = regressBy > 0 ? Math.max(0, now - regressBy) : now;
    regressBy = 0;
    return at;
  };

  /**
   * Sends one command to the kernel (and `forModel`, built the same way with the model's
   * own hooks, to the reference model), then checks what came back.
   */
  const send = (plain: Command, plainForModel: Command = plain, bad = false) => {
    // With a wall clock in the timeline, every well-formed command says what it reads.
    const command = wallOn && !bad ? ({ ...plain, wall: plain.at + wallOffset } as Command) : plain;
    const forModel =
      wallOn && !bad ? ({ ...plainForModel, wall: plainForModel.at + wallOffset } as Command) : plainForModel;
    const isUnspawn = command.type === "unspawn";
    const runningBefore =
      checking && isUnspawn && kernel.isInstalled(command.programId)
        ? kernel.listSpawns(command.programId).map((spawn) => spawn.id)
        : undefined;
    const deepHere = deep && (bad || !isHot(command));
    const before = deepHere ? snapshotText(kernel) : undefined;
    const counters = deepHere && isUnspawn ? kernelCounters.save() : undefined;
    let effects: readonly KernelEffect[];
    try {
      effects = kernel.dispatch(command);
    } catch (error) {
      step++;
      fail(
        "dispatch-never-throws",
        `dispatch threw on ${canonical(command)}: ${errorText(error)}; the run stops here (the kernel's state is unknown)`,
      );
      broken = true;
      return;
    }
    step++;
    pass("dispatch-never-throws");
    if (oracle !== undefined) {
      let expected: readonly KernelEffect[] | undefined;
      try {
        expected = oracle.dispatch(forModel);
      } catch (error) {
        fail("model", `the reference model threw on ${canonical(command)}: ${errorText(error)}; model checks stop`);
        oracle = undefined;
      }
      if (expected !== undefined) {
        const wanted = expected;
        verify(
          "model",
          sameEffects(effects, wanted),
          () =>
            `kernel and reference model differ on ${canonical(command)}:\n  kernel: ${comparable(effects)}\n  model:  ${comparable(wanted)}`,
        );
      }
    }
    const after = before !== undefined || (deep && step % RUN_RETURNED_EVERY === 0) ? snapshotText(kernel) : undefined;
    if (before !== undefined && after !== undefined) {
      checkRejected(verify, effects, before, after, afterTick(before, command.at, command.wall, counters));
    }
    observe(command, effects, runningBefore);
    if (rearmAfterSend && regressBy === 0) {
      rearmAfterSend = false;
      liveness.rearm(now, maxDurationOf, true, wallBack);
    }
    // After the effects are seen: every job in flight in the kernel now must have had its run.
    if (after !== undefined && snapshotOk(after)) runReturned.snapshot(after.text);
  };

  const crash = () => {
    // A function given by set-interval cannot be restored from the specs (documented): no crash then.
    if (setByFunction.size > 0) return;
    // The host dies: the kernel's state survives only as its JSON snapshot.
    const saved = snapshotText(kernel);
    if (!snapshotOk(saved)) return;
    try {
      const snapshot = JSON.parse(saved.text);
      const inputs = restoreInputs(snapshot);
      kernel = wrap(
        restoreKernel(snapshot, inputs.specs, { policies: kernelPolicies, spawnOverrides: inputs.spawnOverrides }),
      );
      pass("restore");
    } catch (error) {
      fail("restore", `restoreKernel(snapshot()) failed: ${errorText(error)}`);
      return;
    }
    // Jobs that were running died with the host: the new host reports them lost.
    const lost = [...inFlight.keys()].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    for (const jobId of lost) {
      completions.remove(jobId);
      inFlight.delete(jobId);
      send({
        type: "complete",
        at: commandTime(),
        jobId,
        outcome: { ok: false, error: new Error("lost in a host crash") },
      });
      if (broken) return;
    }
    liveness.rearm(now, maxDurationOf, false);
  };

  /** A spawn command, with options built for each side when the event has them. */
  const sendSpawn = (programId: string, optsDescriptor: SpawnOptsDescriptor | undefined) => {
    const at = commandTime();
    if (optsDescriptor === undefined) {
      send({ type: "spawn", at, programId });
      return;
    }
    const label = `${programId}@${step}`;
    const opts = optsOf(optsDescriptor, kernelCounters, label, at);
    const modelOpts = optsOf(optsDescriptor, modelCounters, label, at);
    sendingOpts = { descriptor: optsDescriptor, opts };
    try {
      send({ type: "spawn", at, programId, opts }, { type: "spawn", at, programId, opts: modelOpts });
    } finally {
      sendingOpts = undefined;
    }
  };

  const apply = (event: TimelineEvent) => {
    switch (event.kind) {
      case "install": {
        descriptors.set(event.program.id, event.program);
        const spec = specOf(event.program, kernelCounters) as ProgramSpec;
        const modelSpec = specOf(event.program, modelCounters) as ProgramSpec;
        specs.set(event.program.id, spec);
        programIntervals.set(event.program.id, event.program.interval);
        dynamicIntervals.delete(event.program.id);
        setByFunction.delete(event.program.id);
        const at = commandTime();
        send({ type: "install", at, program: spec }, { type: "install", at, program: modelSpec });
        return;
      }
      case "set-interval": {
        // A function interval is owed its longest value (new spawns take the program's interval too).
        programIntervals.set(
          event.programId,
          Math.max(event.interval, event.intervalFn === undefined ? 0 : (longestInterval(event.intervalFn) ?? 0)),
        );
        // A new interval starts a new grid for every running spawn of the program.
        for (const spawnId of grids.ofProgram(event.programId).keys()) grids.set(event.programId, spawnId, null);
        if (event.intervalFn !== undefined) dynamicIntervals.add(event.programId);
        if (event.intervalFn !== undefined) setByFunction.add(event.programId);
        // A spawn may now wait the new interval after its current job: extend what it is owed.
        const longest =
          event.intervalFn === undefined ? event.interval : (longestInterval(event.intervalFn) ?? event.interval);
        liveness.intervalChanged(event.programId, longest, now, maxDurationOf(event.programId));
        const at = commandTime();
        if (event.intervalFn === undefined) {
          send({ type: "set-interval", at, programId: event.programId, interval: event.interval });
          return;
        }
        const label = `set-interval:${event.programId}@${step}`;
        send(
          {
            type: "set-interval",
            at,
            programId: event.programId,
            interval: intervalFnOf(event.intervalFn, kernelCounters, kernelCounters.scope(label)),
          },
          {
            type: "set-interval",
            at,
            programId: event.programId,
            interval: intervalFnOf(event.intervalFn, modelCounters, modelCounters.scope(label)),
          },
        );
        return;
      }
      case "stop-spawn":
      case "kill-spawn": {
        const running = kernel.isInstalled(event.programId) ? kernel.listSpawns(event.programId) : [];
        const target = running[event.pick % Math.max(1, running.length)];
        if (target === undefined) return;
        send({ type: event.kind, at: commandTime(), programId: event.programId, spawnId: target.id });
        return;
      }
      case "spawn":
        sendSpawn(event.programId, event.opts);
        return;
      case "trigger": {
        const at = commandTime();
        send({
          type: "trigger",
          at,
          programId: event.programId,
          ...(event.scheduledIn === undefined ? {} : { scheduledAt: now + event.scheduledIn }),
        });
        return;
      }
      case "bad": {
        const at = commandTime();
        const running = kernel.isInstalled(event.programId) ? kernel.listSpawns(event.programId) : [];
        const command = badCommand(event.bad, {
          at,
          programId: event.programId,
          runningSpawnId: running[0]?.id,
          inFlightJobId: inFlight.keys().next().value,
          draw: draw(seed, `bad:${step}`),
          programType: descriptors.get(event.programId)?.type,
          stoppedSpawnId: kernel.isInstalled(event.programId) ? kernel.listStopped(event.programId)[0]?.id : undefined,
        }) as Command;
        send(command, command, true);
        return;
      }
      case "jump":
        now = Math.min(MAX_TIME, now + event.by);
        return;
      case "wall":
        wallOffset += event.by;
        wallBack += Math.max(0, -event.by);
        return;
      case "regress":
        regressBy = event.by;
        return;
      case "crash":
        crash();
        return;
      case "backfill": {
        const at = commandTime();
        const to = at - event.ago;
        const overlap = event.overlap === undefined ? {} : { overlap: event.overlap };
        send({ type: "backfill", at, programId: event.programId, from: to - event.span, to, ...overlap });
        return;
      }
      case "pause":
      case "resume": {
        const at = commandTime();
        const programId = event.programId;
        let spawnId: string | undefined;
        if (event.pick !== undefined) {
          const running = kernel.isInstalled(programId) ? kernel.listSpawns(programId).map((spawn) => spawn.id) : [];
          // A spawn-level resume goes to a spawn paused on its own, when there is one.
          const own = running.filter((id) => pausedOwn.has(spawnKey(programId, id)));
          const pool = event.kind === "resume" && own.length > 0 ? own : running;
          spawnId = pool[event.pick % Math.max(1, pool.length)];
          if (spawnId === undefined) return;
        }
        const target = spawnId === undefined ? {} : { spawnId };
        if (event.kind === "pause") {
          send({ type: "pause", at, programId, ...target, ...(event.note === undefined ? {} : { note: event.note }) });
        } else {
          send({ type: "resume", at, programId, ...target });
        }
        return;
      }
      default:
        send({ type: event.kind, at: commandTime(), programId: event.programId });
    }
  };

  const events = timeline.events;
  try {
    while (step < timeline.steps && !broken) {
      const completion = completions.peek();
      const event = events[cursor];
      const next = Math.min(
        completion?.at ?? Number.POSITIVE_INFINITY,
        event?.at ?? Number.POSITIVE_INFINITY,
        deliveredAt ?? Number.POSITIVE_INFINITY,
      );
      if (next === Number.POSITIVE_INFINITY) break;
      // Ties: completions first, then the operator's commands, then the timer.
      now = Math.max(now, next);
      if (completion !== undefined && completion.at === next) {
        completions.pop();
        inFlight.delete(completion.jobId);
        send({ type: "complete", at: commandTime(), jobId: completion.jobId, outcome: completion.outcome });
      } else if (event !== undefined && event.at === next) {
        cursor++;
        apply(event);
        // The last jump, regression or crash is behind: from here on every running spawn is owed its jobs.
        // (A regression is behind once the command that carries it has been sent.)
        if (cursor - 1 === lastFault) {
          if (event.kind === "regress") rearmAfterSend = true;
          else liveness.rearm(now, maxDurationOf, true, wallBack);
        }
      } else {
        deliveredAt = null;
        if (wakeAt !== null) send({ type: "tick", at: commandTime() });
      }
    }
    if (deep && !broken) {
      const last = snapshotText(kernel);
      if (snapshotOk(last)) runReturned.snapshot(last.text);
    }
  } catch (error) {
    // A query of the kernel (or the simulator itself) failed: report it, never crash the caller.
    fail("engine", `the simulation failed: ${errorText(error)}`);
  }

  for (const [check, count] of passes) checks[check] = count;
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
