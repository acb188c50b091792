import {
  type Command,
  createKernel,
  type JobResult,
  type Kernel,
  type KernelEffect,
  type ProgramSpec,
  restoreKernel,
  type SpawnOptions,
} from "@schedkit/kernel";
import type { ProgramDescriptor, SpawnLife, SpawnOptsDescriptor, TimelineEvent, Violation } from "../types.js";
import { badCommand } from "./badCommands.js";
import { GridCheck } from "./checks/grid.js";
import { Liveness, type Owed } from "./checks/liveness.js";
import { OneStopped } from "./checks/oneStopped.js";
import { FULL_SCAN_EVERY, ProgramChecks } from "./checks/programChecks.js";
import {
  checkRejected,
  type SnapshotRead,
  type SnapshotText,
  snapshotRead,
  snapshotText,
} from "./checks/rejectedUnchanged.js";
import { RunReturned } from "./checks/runReturned.js";
import { Spec18Checks } from "./checks/spec18.js";
import { spawnKey } from "./checks/verify.js";
import { comparable, sameEffects } from "./compareEffects.js";
import { CompletionQueue } from "./completionQueue.js";
import { decideJob } from "./decideJob.js";
import { EffectHash } from "./effectHash.js";
import { type EngineOptions, type EngineRun, kernelOptionsFor } from "./engineOptions.js";
import { canonical, drawNumbered, TraceHash } from "./hash.js";
import { isSimPolicy, MAX_TIME } from "./hostile.js";
import { JobSet } from "./jobSet.js";
import { CRON_STEPS } from "./model/missed.js";
import { asSimEffects, type Overlap } from "./model/spec18.js";
import { simError } from "./simError.js";
import { SpawnMap } from "./spawnMap.js";
import { HookCounters, intervalFnOf, longestInterval, optsOf, specOf } from "./specs.js";

export { decideJob } from "./decideJob.js";
export { type EffectOracle, type EngineOptions, type EngineRun, kernelOptionsFor } from "./engineOptions.js";
export { specOf } from "./specs.js";

/** At most this many violations are kept per run: the first ones explain the rest. */
const VIOLATION_CAP = 25;

/** How often (in steps) the kernel's jobs in flight are compared with the runs it returned. */
const RUN_RETURNED_EVERY = 64;

type RunEffect = Extract<KernelEffect, { type: "run" }>;

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
  const killed = new JobSet();
  /** Jobs with a run effect that have not ended (settled or cancelled). */
  const ran = new JobSet();
  const stopped = new SpawnMap<true>();
  const lives = new SpawnMap<SpawnLife & { stoppedAt: number | null; jobs: number }>();
  const allLives: (SpawnLife & { stoppedAt: number | null; jobs: number })[] = [];
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

  /**
   * Passes by check, one mutable cell per check (a record with string keys is slow to bump, and a
   * Map.set per pass costs more than the get), copied to `checks` at the end.
   */
  const passes = new Map<string, { n: number }>();
  const pass = (check: string) => {
    const cell = passes.get(check);
    if (cell === undefined) passes.set(check, { n: 1 });
    else cell.n++;
  };
  /** A pass of one check made many times a run: its cell looked up once (at its first pass: the order stays). */
  const passOf = (check: string) => {
    let cell: { n: number } | undefined;
    return () => {
      if (cell !== undefined) {
        cell.n++;
        return;
      }
      pass(check);
      cell = passes.get(check);
    };
  };
  const passDispatch = passOf("dispatch-never-throws");
  const passWakeLast = passOf("wake-last");
  const passNeverEarly = passOf("never-early");
  const passStoppedSilent = passOf("stopped-silent");
  const passKillDiscards = passOf("kill-discards");
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
  const grid = new GridCheck(verify, checking);
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
    scanAlways: options.scanAlways === true,
  });

  const programChecks = new ProgramChecks({
    verify,
    kernel: () => kernel,
    descriptors,
    liveness,
    scanAlways: options.scanAlways === true,
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
    const jitter = opts?.jitter ?? descriptor.jitter ?? 0;
    interval += jitter;
    const overlap = overlapOf(descriptor, opts);
    const waitsForJobs = overlap === "skip" || overlap === "buffer-one" || overlap === "buffer-all";
    return {
      programId: descriptor.id,
      type: descriptor.type,
      interval,
      jitter,
      ...(waitsForJobs ? { waitsForJobs } : {}),
    };
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
    grid.forgetProgram(programId);
    liveness.forgetProgram(programId);
    programChecks.forgetProgram(programId);
    for (const life of lives.ofProgram(programId).values()) life.stoppedAt ??= now;
    lives.deleteProgram(programId);
    for (const key of [...spawnOpts.keys()]) if (key.startsWith(`${programId}\u0000`)) spawnOpts.delete(key);
    overrides.delete(programId);
  };

  /**
   * The programs a dispatch touched (checked after it; few, so lists reused from dispatch to
   * dispatch), with the spawn ids its effects named and whether one was spawned.
   */
  const touchedList: string[] = [];
  const touchedSpawns: string[][] = [];
  const touchedSpawned: boolean[] = [];
  let touchedCount = 0;
  const touched = {
    add: (programId: string, spawnId: string | null = null, spawned = false) => {
      if (!checking) return;
      let index = 0;
      while (index < touchedCount && touchedList[index] !== programId) index++;
      if (index === touchedCount) {
        touchedList[index] = programId;
        const named = touchedSpawns[index];
        if (named === undefined) touchedSpawns[index] = [];
        else named.length = 0;
        touchedSpawned[index] = false;
        touchedCount++;
      }
      if (spawned) touchedSpawned[index] = true;
      if (spawnId !== null) {
        const named = touchedSpawns[index] as string[];
        if (!named.includes(spawnId)) named.push(spawnId);
      }
    },
  };
  /** The last dispatch left a count of missed cron matches to go on with (its wake is due at once). */
  let countingLeftOff = false;
  const observe = (
    command: Command,
    effects: readonly KernelEffect[],
    runningBefore: readonly string[] | undefined,
    fullScan: boolean,
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
      // Hot checks pass or fail in place: no message closure made per job.
      if (last?.type === "wake" && (last.at === null || last.at > kernelNow || countingOn)) passWakeLast();
      else fail("wake-last", `the last effect was ${canonical(last)}; expected a wake after ${kernelNow}`);
      // Owed jobs are checked at the kernel's time (a regressed command is behind the host's clock),
      // before the command's effects (a late run does not excuse itself).
      liveness.check(kernelNow);
    }
    touchedCount = 0;
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
            grid.spawned(
              effect.programId,
              effect.spawnId,
              fixed
                ? {
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
          touched.add(effect.programId, effect.spawnId, true);
          break;
        }
        case "run": {
          if (checking) {
            if (effect.startedAt >= effect.scheduledAt) passNeverEarly();
            else {
              fail(
                "never-early",
                `job ${effect.jobId} started at ${effect.startedAt}, before its due time ${effect.scheduledAt}`,
              );
            }
          }
          ran.add(effect.jobId);
          const duration = startJob(effect);
          if (effect.spawnId !== null) {
            if (checking) {
              if (!stopped.has(effect.programId, effect.spawnId)) passStoppedSilent();
              else {
                fail(
                  "stopped-silent",
                  `spawn ${effect.programId}/${effect.spawnId} ran job ${effect.jobId} after it stopped`,
                );
              }
            }
            const life = lives.get(effect.programId, effect.spawnId);
            if (life !== undefined) life.jobs++;
            grid.due(effect.programId, effect.spawnId, effect);
            if (checking) liveness.ran(spawnKey(effect.programId, effect.spawnId), effect.startedAt, duration);
          }
          touched.add(effect.programId, effect.spawnId);
          break;
        }
        case "skipped":
          // Spec 18: a skipped due time is a grid point too; the grid goes on after it.
          if (effect.spawnId !== null) {
            grid.due(effect.programId, effect.spawnId, {
              jobId: effect.fireId,
              scheduledAt: effect.scheduledAt,
            });
          }
          touched.add(effect.programId, effect.spawnId);
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
          touched.add(effect.programId, effect.spawnId);
          break;
        }
        case "missed": {
          grid.missed(effect.programId, effect.spawnId, effect.to);
          if (checking) liveness.missed(spawnKey(effect.programId, effect.spawnId), kernelNow);
          break;
        }
        case "cancel":
          touched.add(effect.programId, effect.spawnId);
          ran.delete(effect.jobId);
          if (effect.inFlight) {
            if (checking) killed.add(effect.jobId);
            inFlight.delete(effect.jobId);
            completions.remove(effect.jobId);
          }
          break;
        case "settled":
          if (checking) {
            if (!killed.has(effect.jobId)) passKillDiscards();
            else fail("kill-discards", `job ${effect.jobId} settled after it was cancelled`);
          }
          // A job whose argsFn threw settles at once, without a run: it still took its grid point.
          if (!ran.delete(effect.jobId) && effect.spawnId !== null) {
            grid.due(effect.programId, effect.spawnId, effect);
          }
          inFlight.delete(effect.jobId);
          if (checking && effect.spawnId !== null) {
            liveness.settled(spawnKey(effect.programId, effect.spawnId), effect.endedAt);
          }
          touched.add(effect.programId, effect.spawnId);
          break;
        case "stopped": {
          touched.add(effect.programId, effect.spawnId);
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
              : faults.families.lag && drawNumbered(seed, "wake:", step) < faults.lagRate
                ? effect.at + 1 + Math.floor(drawNumbered(seed, "lag:", step) * faults.lagMax)
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
    for (let index = 0; index < touchedCount; index++) {
      programChecks.check(
        touchedList[index] as string,
        command,
        runningBefore,
        unspawned,
        touchedSpawns[index] as string[],
        touchedSpawned[index] === true,
        fullScan,
      );
    }
    liveness.check(kernelNow);
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
  const snapshotOk = <T extends SnapshotRead>(text: T): text is Extract<T, { ok: true }> => {
    verify("snapshot", text.ok, () => `kernel.snapshot() threw: ${text.ok ? "" : text.error}`);
    return text.ok;
  };

  /** The time of the next command: now, or earlier when a regression is pending. */
  const commandTime = () => {
    const at = regressBy > 0 ? Math.max(0, now - regressBy) : now;
    regressBy = 0;
    return at;
  };

  /** The reference model's effects for a command; if it throws, that is reported and model checks stop. */
  const modelEffects = (forModel: Command, command: Command): readonly KernelEffect[] | undefined => {
    if (oracle === undefined) return undefined;
    try {
      return oracle.dispatch(forModel);
    } catch (error) {
      fail("model", `the reference model threw on ${canonical(command)}: ${errorText(error)}; model checks stop`);
      oracle = undefined;
      return undefined;
    }
  };
  const refuses = (effects: readonly KernelEffect[]): boolean => effects.some((effect) => effect.type === "rejected");

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
        ? kernel.listSpawnIds(command.programId)
        : undefined;
    const deepHere = deep && (bad || !isHot(command));
    // For a command that may be refused the model answers first: the kernel's state is read before
    // the command (for rejected-unchanged) only where the model refuses it. A refusal the model does
    // not make is a `model` difference already; reading every command's state before it made a
    // run's cost grow with the square of its length (the snapshot grows with the spawns' history).
    const modelFirst = deepHere && oracle !== undefined;
    const expectedFirst = modelFirst ? modelEffects(forModel, command) : undefined;
    const before =
      deepHere && (!modelFirst || expectedFirst === undefined || refuses(expectedFirst))
        ? snapshotText(kernel)
        : undefined;
    const counters = before !== undefined && isUnspawn ? kernelCounters.save() : undefined;
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
    passDispatch();
    const expected = modelFirst ? expectedFirst : oracle === undefined ? undefined : modelEffects(forModel, command);
    if (expected !== undefined) {
      verify(
        "model",
        sameEffects(effects, expected),
        () =>
          `kernel and reference model differ on ${canonical(command)}:\n  kernel: ${comparable(effects)}\n  model:  ${comparable(expected)}`,
      );
    }
    // Read after every command that may be refused, and every RUN_RETURNED_EVERY steps (the snapshot
    // and run-returned checks). Its JSON text is written where a refusal is compared with the state
    // before, and at the periodic read (a snapshot that is not JSON data shows there, at most that
    // many steps later, or at a crash's restore).
    const periodic = deep && step % RUN_RETURNED_EVERY === 0;
    const compared = before !== undefined && refuses(effects);
    const afterText = compared || periodic ? snapshotText(kernel) : undefined;
    const after: SnapshotRead | undefined = afterText ?? (deepHere ? snapshotRead(kernel) : undefined);
    if (compared && before !== undefined && afterText !== undefined) {
      checkRejected(verify, effects, before, afterText, afterTick(before, command.at, command.wall, counters));
    }
    observe(command, effects, runningBefore, bad || !isHot(command) || step % FULL_SCAN_EVERY === 0);
    if (rearmAfterSend && regressBy === 0) {
      rearmAfterSend = false;
      liveness.rearm(now, maxDurationOf, true, wallBack);
    }
    // After the effects are seen: every job in flight in the kernel now must have had its run.
    if (after !== undefined && snapshotOk(after)) runReturned.snapshot(after.data);
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
      programChecks.forgetAll();
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
        outcome: { ok: false, error: simError("lost in a host crash") },
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
        grid.intervalChanged(event.programId);
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
        const running = kernel.isInstalled(event.programId) ? kernel.listSpawnIds(event.programId) : [];
        const target = running[event.pick % Math.max(1, running.length)];
        if (target === undefined) return;
        send({ type: event.kind, at: commandTime(), programId: event.programId, spawnId: target });
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
        const running = kernel.isInstalled(event.programId) ? kernel.listSpawnIds(event.programId) : [];
        const command = badCommand(event.bad, {
          at,
          programId: event.programId,
          runningSpawnId: running[0],
          inFlightJobId: inFlight.keys().next().value,
          draw: drawNumbered(seed, "bad:", step),
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
          const running = kernel.isInstalled(programId) ? kernel.listSpawnIds(programId) : [];
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
        const also = completions.peek();
        // Results due together go, half the time (seeded), as one batch `complete`: both forms are exercised.
        if (also !== undefined && also.at === next && drawNumbered(seed, "batch:", step) < 0.5) {
          const results: JobResult[] = [{ jobId: completion.jobId, outcome: completion.outcome }];
          for (let more = completions.peek(); more !== undefined && more.at === next; more = completions.peek()) {
            completions.pop();
            inFlight.delete(more.jobId);
            results.push({ jobId: more.jobId, outcome: more.outcome });
          }
          send({ type: "complete", at: commandTime(), results });
        } else {
          send({ type: "complete", at: commandTime(), jobId: completion.jobId, outcome: completion.outcome });
        }
      } else if (event !== undefined && event.at === next) {
        cursor++;
        apply(event);
        // The last jump, regression or crash is behind: from here on every running spawn is owed its jobs.
        // (A regression is behind once the command that carries it has been sent, also when a later
        // jump or crash came before that command.)
        if (cursor - 1 === lastFault) {
          if (event.kind === "regress" || regressBy > 0) rearmAfterSend = true;
          else liveness.rearm(now, maxDurationOf, true, wallBack);
        }
      } else {
        deliveredAt = null;
        if (wakeAt !== null) send({ type: "tick", at: commandTime() });
      }
    }
    // The periodic full read-back may not have come since a program's last dispatch: one more, for every program.
    if (checking && !broken) {
      const end: Command = { type: "tick", at: now };
      for (const programId of descriptors.keys())
        programChecks.check(programId, end, undefined, false, [], false, true);
    }
    if (deep && !broken) {
      const last = snapshotText(kernel);
      if (snapshotOk(last)) runReturned.snapshot(last.data);
    }
  } catch (error) {
    // A query of the kernel (or the simulator itself) failed: report it, never crash the caller.
    fail("engine", `the simulation failed: ${errorText(error)}`);
  }

  for (const [check, cell] of passes) checks[check] = cell.n;
  return {
    traceHash: trace.digest(),
    violations,
    lateness,
    drift: grid.drift,
    spawns: allLives,
    checks,
    steps: step,
    jobs,
    simulatedMs: now,
  };
};
