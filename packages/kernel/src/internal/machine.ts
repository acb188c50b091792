import { type Command, decodeCommandBySchema, isWellFormedHotCommand, type Outcome } from "../Command.js";
import type { CancelReason, KernelEffect } from "../KernelEffect.js";
import type { UnspawnPolicy } from "../Policy.js";
import {
  decodeInterval,
  decodeProgramSpec,
  decodeSpawnOptions,
  type Interval,
  type ProgramSpec,
  type ResultRecord,
  type SpawnOptions,
} from "../Program.js";
import { SchedkitError, type SchedkitErrorCode } from "../SchedkitError.js";
import { type CronSchedule, parseCron } from "./cron.js";
import { TimerHeap } from "./heap.js";
import { JobTable, seqOfJobId } from "./jobTable.js";
import { LatestResult } from "./latestResult.js";
import { defaultMerge } from "./merge.js";
import {
  isRunning,
  type JobRecord,
  jobIdOf,
  type ProgramRecord,
  type SpawnConfig,
  type SpawnRecord,
  type StopReason,
  stateOf,
} from "./model.js";
import { nextInt, type RandomState, seedRandom } from "./random.js";
import { SpawnList, spawnSetOf } from "./spawnList.js";

/** Options for `createKernel`. @since 0.1.0 */
export interface KernelOptions {
  /** Unspawn policies for this kernel alone; names must be unique. */
  readonly policies?: readonly UnspawnPolicy[];
  /** The policy of programs that name none. Default: the first registered policy. */
  readonly defaultPolicy?: string;
  /** Seed of the kernel's generator (used by `delay: "random"`). Default 0. */
  readonly seed?: number;
  /** Stopped spawns kept per program, and results kept per spawn with `output: "all"`. Default 100. */
  readonly historyLimit?: number;
}

/** A validated command, ready to apply; or a refusal; or a rejection. */
type Plan =
  | { readonly kind: "apply"; readonly apply: () => void }
  | { readonly kind: "reject"; readonly code: SchedkitErrorCode; readonly field: string; readonly message: string };

const reject = (code: SchedkitErrorCode, field: string, message: string): Plan => ({
  kind: "reject",
  code,
  field,
  message,
});

const JOB_ID = /^job-(\d+)$/;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Resolves an interval (calling a dynamic one) and checks that it is a positive finite number. */
export const resolveInterval = (interval: Interval): number => {
  const value = typeof interval === "function" ? interval() : interval;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new SchedkitError("invalid-interval", `interval: expected a positive number of ms, got ${String(value)}`, {
      field: "interval",
    });
  }
  return value;
};

export const configOf = (spec: ProgramSpec, base?: SpawnConfig): SpawnConfig => ({
  type: base?.type ?? spec.type ?? "basic",
  delay: spec.delay ?? base?.delay,
  timeFn: spec.timeFn ?? base?.timeFn,
  argsFn: spec.argsFn ?? base?.argsFn,
  createFn: spec.createFn ?? base?.createFn,
  mergeFn: spec.mergeFn ?? base?.mergeFn,
  successFn: spec.successFn ?? base?.successFn,
  errorFn: spec.errorFn ?? base?.errorFn,
  continueFn: (spec.continueFn as SpawnConfig["continueFn"]) ?? base?.continueFn,
  misfire: spec.misfire ?? base?.misfire ?? "catch-up",
  output: spec.output ?? base?.output ?? "latest",
});

/** A cron program's own fields: an expression and a zone that parse; no interval, delay or timeFn. */
const checkCronSpec = (
  spec: ProgramSpec,
): { ok: true; schedule: CronSchedule } | { ok: false; field: string; message: string } => {
  for (const field of ["interval", "delay", "timeFn"] as const) {
    if (spec[field] !== undefined) {
      return {
        ok: false,
        field: `program.${field}`,
        message: `program.${field}: not allowed with type "cron" (its times come from program.cron)`,
      };
    }
  }
  if (typeof spec.cron !== "string" || spec.cron.trim() === "") {
    return {
      ok: false,
      field: "program.cron",
      message: 'program.cron: required with type "cron" (an expression of 5 fields, or 6 with seconds first)',
    };
  }
  const parsed = parseCron(spec.cron, spec.timezone);
  if (!parsed.ok)
    return { ok: false, field: `program.${parsed.field}`, message: `program.${parsed.field}: ${parsed.reason}` };
  return { ok: true, schedule: parsed.schedule };
};

/** The cron schedule of a spec already checked at install (restores parse it again). */
export const cronOf = (spec: ProgramSpec): CronSchedule | undefined => {
  if (spec.type !== "cron") return undefined;
  const checked = checkCronSpec(spec);
  if (!checked.ok) throw new SchedkitError("invalid-program", checked.message, { field: checked.field });
  return checked.schedule;
};

const OVERRIDE_KEYS = [
  "interval",
  "delay",
  "timeFn",
  "argsFn",
  "createFn",
  "mergeFn",
  "successFn",
  "errorFn",
  "continueFn",
  "misfire",
  "output",
  "meta",
] as const;

const hasOverrides = (opts: SpawnOptions | undefined): opts is SpawnOptions =>
  opts !== undefined && OVERRIDE_KEYS.some((key) => opts[key] !== undefined);

/** Enough spares for a burst of results; beyond it, settled records are left to the GC. */
const MAX_SPARE_JOBS = 4096;

type ReusableJob = { -readonly [K in keyof JobRecord]: JobRecord[K] };

/**
 * The kernel's state and its one transition: `dispatch(command) -> effects`.
 * Deterministic: no clock, no ambient randomness, no timers, no I/O. All
 * mutation happens inside `dispatch`.
 */
export class Machine {
  now = 0;
  regressions = 0;
  jobSeq = 0;
  spawnSeq = 0;
  readonly random: RandomState;
  readonly programs = new Map<string, ProgramRecord>();
  readonly heap = new TimerHeap<JobRecord>();
  readonly inFlight = new JobTable<JobRecord>();
  readonly policies: ReadonlyMap<string, UnspawnPolicy>;
  readonly defaultPolicy: string | undefined;
  readonly historyLimit: number;
  /**
   * The effects of the command in progress. Reused: `dispatch` returns an
   * exact-size copy, where a fresh array per command would grow (and
   * reallocate) as effects are pushed, once per job at the hot path.
   */
  private readonly out: (KernelEffect | undefined)[] = [];
  private outLength = 0;
  private dispatching = false;
  /**
   * Records of settled jobs, reused by the next jobs. A record lives a whole
   * period (from one start to the next), so at high rates thousands of fresh
   * ones would be alive at every young-generation GC and copied; reused ones
   * stay in the old generation.
   */
  private readonly spareJobs: ReusableJob[] = [];
  /** The job `runDue` is starting, still on top of the heap until its spawn's next job replaces it. */
  private starting: JobRecord | null = null;
  /** Effects are immutable: an unchanged `wake` is the same object, one allocation fewer per command. */
  private lastWake: Extract<KernelEffect, { type: "wake" }> = { type: "wake", at: null };

  constructor(options: KernelOptions = {}) {
    const policies = new Map<string, UnspawnPolicy>();
    for (const [index, policy] of (options.policies ?? []).entries()) {
      if (typeof policy?.name !== "string" || policy.name === "" || typeof policy.select !== "function") {
        throw new SchedkitError(
          "invalid-options",
          `options.policies[${index}]: expected { name: string, select(spawns) }`,
          { field: `options.policies[${index}]` },
        );
      }
      if (policies.has(policy.name)) {
        throw new SchedkitError(
          "duplicate-policy",
          `options.policies[${index}]: a policy named "${policy.name}" is already registered`,
          {
            field: `options.policies[${index}].name`,
          },
        );
      }
      policies.set(policy.name, policy);
    }
    const defaultPolicy = options.defaultPolicy ?? policies.keys().next().value;
    if (defaultPolicy !== undefined && !policies.has(defaultPolicy)) {
      throw new SchedkitError(
        "unknown-policy",
        `options.defaultPolicy: no policy named "${defaultPolicy}" is registered (registered: ${[...policies.keys()].join(", ") || "none"})`,
        { field: "options.defaultPolicy" },
      );
    }
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed)) {
      throw new SchedkitError("invalid-options", `options.seed: expected an integer, got ${String(seed)}`, {
        field: "options.seed",
      });
    }
    const historyLimit = options.historyLimit ?? 100;
    if (!Number.isInteger(historyLimit) || historyLimit < 0) {
      throw new SchedkitError(
        "invalid-options",
        `options.historyLimit: expected a whole number >= 0, got ${String(historyLimit)}`,
        {
          field: "options.historyLimit",
        },
      );
    }
    this.policies = policies;
    this.defaultPolicy = defaultPolicy;
    this.historyLimit = historyLimit;
    this.random = seedRandom(seed);
  }

  dispatch(input: Command): KernelEffect[] {
    if (this.dispatching) {
      // A hook (argsFn, mergeFn, a policy, ...) dispatching into its own kernel: the
      // command in progress is half applied, so this one cannot be judged against it.
      return [
        {
          type: "rejected",
          command: input,
          code: "invalid-command",
          field: "command",
          message: "command: dispatched from inside a hook while this kernel is applying a command; dispatch it after",
        },
        { type: "wake", at: this.heap.peek()?.dueAt ?? null },
      ];
    }
    this.dispatching = true;
    try {
      return this.applyInput(input);
    } finally {
      this.dispatching = false;
    }
  }

  private applyInput(input: Command): KernelEffect[] {
    this.outLength = 0;
    // The hot commands (tick, complete) pass a structural check without building a result object.
    const check =
      typeof input === "object" && input !== null && isWellFormedHotCommand(input)
        ? undefined
        : decodeCommandBySchema(input);
    if (check === undefined || check.ok) {
      // Time arrives first: whatever was due by `at` starts, so the command is
      // judged against the state it really meets (bounds, the policy's set).
      this.advance(input.at);
      this.runDue();
      this.applyCommand(input, input);
    } else {
      this.emit({
        type: "rejected",
        command: input,
        code: "invalid-command",
        field: check.field,
        message: check.message,
      });
    }
    const wakeAt = this.heap.peek()?.dueAt ?? null;
    if (this.lastWake.at !== wakeAt) this.lastWake = { type: "wake", at: wakeAt };
    this.emit(this.lastWake);
    const length = this.outLength;
    const effects = this.out.slice(0, length) as KernelEffect[];
    // Drop the references, so the effects can be collected young.
    this.out.fill(undefined, 0, length);
    this.outLength = 0;
    return effects;
  }

  private applyCommand(command: Command, input: Command): void {
    // The commands that come once per job take a direct path: no plan to build.
    if (command.type === "tick") return;
    if (command.type === "complete") {
      const job = this.inFlight.get(seqOfJobId(command.jobId));
      if (job !== undefined && jobIdOf(job) === command.jobId) {
        this.finishJob(job, command.outcome);
        this.runDue();
        return;
      }
    }
    const plan = this.prepare(command);
    if (plan.kind === "reject") {
      this.emit({ type: "rejected", command: input, code: plan.code, field: plan.field, message: plan.message });
      return;
    }
    plan.apply();
    this.runDue();
  }

  // ---------------------------------------------------------------------------
  // Validation: at the command's time, decide everything that can fail before the command changes anything.

  private prepare(command: Command): Plan {
    const at = this.now;
    const apply = (fn: () => void): Plan => ({ kind: "apply", apply: fn });
    switch (command.type) {
      case "tick":
        return apply(() => {});
      case "install":
        return this.prepareInstall(command.program, apply);
      case "complete":
        return this.prepareLateResult(command.jobId, apply);
      case "trigger": {
        const program = this.programs.get(command.programId);
        if (program === undefined) return this.unknownProgram(command.programId);
        const scheduledAt = command.scheduledAt ?? at;
        return apply(() => this.trigger(program, scheduledAt));
      }
      case "spawn":
        return this.prepareSpawn(command.programId, command.opts, at, command, apply);
      case "unspawn":
        return this.prepareUnspawn(command.programId, command, apply);
      case "set-interval":
        return this.prepareSetInterval(command.programId, command.spawnId, command.interval, apply);
      case "stop-spawn":
      case "kill-spawn": {
        const program = this.programs.get(command.programId);
        if (program === undefined) return this.unknownProgram(command.programId);
        const spawn = program.spawns.get(command.spawnId);
        if (spawn === undefined) return this.unknownSpawn(program, command.spawnId, "command.spawnId");
        const kill = command.type === "kill-spawn";
        return apply(() => this.stopSpawn(spawn, kill ? "kill" : "stop", kill));
      }
      case "stop-all":
      case "kill-all": {
        const kill = command.type === "kill-all";
        if (command.programId === undefined) {
          return apply(() => {
            for (const program of [...this.programs.values()]) this.stopProgram(program, kill);
          });
        }
        const program = this.programs.get(command.programId);
        if (program === undefined) return this.unknownProgram(command.programId);
        return apply(() => this.stopProgram(program, kill));
      }
      case "clear":
      case "uninstall": {
        const program = this.programs.get(command.programId);
        if (program === undefined) return this.unknownProgram(command.programId);
        return apply(() => this.removeProgram(program, command.type));
      }
    }
  }

  private unknownProgram(programId: string): Plan {
    return reject("unknown-program", "command.programId", `command.programId: no program "${programId}" is installed`);
  }

  private unknownSpawn(program: ProgramRecord, spawnId: string, field: string): Plan {
    return reject("unknown-spawn", field, `${field}: program "${program.id}" has no spawn "${spawnId}"`);
  }

  private prepareInstall(input: unknown, apply: (fn: () => void) => Plan): Plan {
    const decoded = decodeProgramSpec(input);
    if (!decoded.ok) return reject("invalid-program", decoded.field, decoded.message);
    const spec = input as ProgramSpec;
    let cron: CronSchedule | undefined;
    if (spec.type === "cron") {
      const checked = checkCronSpec(spec);
      if (!checked.ok) return reject("invalid-program", checked.field, checked.message);
      cron = checked.schedule;
    } else {
      for (const field of ["cron", "timezone"] as const) {
        if (spec[field] !== undefined) {
          return reject("invalid-program", `program.${field}`, `program.${field}: only allowed with type "cron"`);
        }
      }
      if (spec.interval === undefined) {
        return reject(
          "invalid-program",
          "program.interval",
          "program.interval: required (a positive number of ms or a function)",
        );
      }
    }
    if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
      return reject(
        "invalid-program",
        "program.min",
        `program.min: must not exceed program.max (min ${spec.min}, max ${spec.max})`,
      );
    }
    if (spec.policy !== undefined && !this.policies.has(spec.policy)) {
      return reject(
        "unknown-policy",
        "program.policy",
        `program.policy: no policy named "${spec.policy}" is registered (registered: ${[...this.policies.keys()].join(", ") || "none"})`,
      );
    }
    let state: unknown;
    try {
      state = spec.createFn?.();
    } catch (error) {
      return reject("hook-failed", "program.createFn", `program.createFn: threw: ${describe(error)}`);
    }
    return apply(() => {
      const existing = this.programs.get(spec.id);
      if (existing !== undefined) this.removeProgram(existing, "uninstall");
      this.programs.set(spec.id, {
        id: spec.id,
        spec,
        config: configOf(spec),
        scope: spec.scope ?? "program",
        min: spec.min,
        max: spec.max,
        policy: spec.policy,
        cron,
        // A cron program's times come from its schedule; 0 stands for "no interval".
        interval: spec.interval ?? 0,
        state,
        running: new SpawnList(),
        spawns: new Map(),
        history: [],
        counts: { submitted: 0, succeeded: 0, errored: 0 },
        triggers: new Set(),
        spawnCounter: 0,
      });
      this.emit({ type: "installed", programId: spec.id });
    });
  }

  private prepareSpawn(
    programId: string,
    opts: SpawnOptions | undefined,
    at: number,
    command: Command,
    apply: (fn: () => void) => Plan,
  ): Plan {
    const program = this.programs.get(programId);
    if (program === undefined) return this.unknownProgram(programId);
    if (opts !== undefined) {
      const decoded = decodeSpawnOptions(opts);
      if (!decoded.ok) return reject("invalid-options", decoded.field, decoded.message);
    }
    if (opts?.spawnId !== undefined && program.spawns.has(opts.spawnId)) {
      return reject(
        "duplicate-spawn",
        "opts.spawnId",
        `opts.spawnId: program "${programId}" already has a spawn "${opts.spawnId}"`,
      );
    }
    if (program.max !== undefined && program.running.size >= program.max) {
      return apply(() =>
        this.emit({
          type: "refused",
          command,
          code: "max-reached",
          message: `program "${programId}" already has max (${program.max}) running spawns`,
        }),
      );
    }
    const config = hasOverrides(opts) ? configOf(opts as ProgramSpec, program.config) : program.config;
    const interval = opts?.interval ?? program.interval;
    const intervalField = opts?.interval !== undefined ? "opts.interval" : "program.interval";
    let firstInterval: number;
    let firstDue: number | undefined;
    if (program.cron !== undefined) {
      for (const key of ["interval", "delay", "timeFn"] as const) {
        if (opts?.[key] !== undefined) {
          return reject(
            "invalid-options",
            `opts.${key}`,
            `opts.${key}: not allowed for a cron program (its times come from program.cron)`,
          );
        }
      }
      firstDue = program.cron.next(at);
      firstInterval = firstDue - at;
    } else {
      try {
        firstInterval = resolveInterval(interval);
      } catch (error) {
        return reject(
          "invalid-interval",
          intervalField,
          `${intervalField}: ${describe(error).replace(/^interval: /, "")}`,
        );
      }
    }
    let base = at;
    if (config.type === "constant" && config.timeFn !== undefined) {
      try {
        base = config.timeFn(at);
      } catch (error) {
        return reject("hook-failed", "program.timeFn", `program.timeFn: threw: ${describe(error)}`);
      }
      if (typeof base !== "number" || !Number.isFinite(base)) {
        return reject("hook-failed", "program.timeFn", `program.timeFn: expected a finite time, got ${String(base)}`);
      }
    }
    let state: unknown;
    if (program.scope === "spawn") {
      try {
        state = config.createFn?.();
      } catch (error) {
        return reject("hook-failed", "program.createFn", `program.createFn: threw: ${describe(error)}`);
      }
    }
    return apply(() => {
      const spawnId = opts?.spawnId ?? this.nextSpawnId(program);
      const delay = config.delay === "random" ? nextInt(this.random, firstInterval) : config.delay;
      const spawn: SpawnRecord = {
        id: spawnId,
        programId: program.id,
        program,
        seq: ++this.spawnSeq,
        startedAt: this.now,
        config,
        overrides: hasOverrides(opts) ? opts : undefined,
        status: "created",
        stopReason: undefined,
        inHistory: false,
        updatedAt: this.now,
        interval,
        lastInterval: firstInterval,
        state,
        submitted: 0,
        succeeded: 0,
        errored: 0,
        lastError: undefined,
        pending: null,
        inFlight: [],
        latestResult: new LatestResult(),
        results: config.output === "all" ? [] : undefined,
        prev: null,
        next: null,
      };
      program.running.append(spawn);
      program.spawns.set(spawnId, spawn);
      this.emit({ type: "spawned", programId: program.id, spawnId, startedAt: this.now });
      this.schedule(spawn, firstDue ?? base + (delay ?? firstInterval));
    });
  }

  private nextSpawnId(program: ProgramRecord): string {
    let id: string;
    do id = `${program.id}-${++program.spawnCounter}`;
    while (program.spawns.has(id));
    return id;
  }

  private prepareUnspawn(programId: string, command: Command, apply: (fn: () => void) => Plan): Plan {
    const program = this.programs.get(programId);
    if (program === undefined) return this.unknownProgram(programId);
    const refuse = (code: "min-reached" | "none-running", message: string) =>
      apply(() => this.emit({ type: "refused", command, code, message }));
    const count = program.running.size;
    if (count === 0) return refuse("none-running", `program "${programId}" has no running spawn`);
    if (program.min !== undefined && count <= program.min) {
      return refuse("min-reached", `program "${programId}" has ${count} running spawns; min is ${program.min}`);
    }
    const policyName = program.policy ?? this.defaultPolicy;
    const policy = policyName === undefined ? undefined : this.policies.get(policyName);
    if (policy === undefined) {
      return reject(
        "no-policy",
        "program.policy",
        `program.policy: program "${programId}" names no policy and the kernel has no default; register one (policies: [lifo()]) or set defaultPolicy`,
      );
    }
    let chosen: unknown;
    try {
      chosen = policy.select(spawnSetOf(program.running));
    } catch (error) {
      return reject("policy-failed", `policy "${policy.name}"`, `policy "${policy.name}" threw: ${describe(error)}`);
    }
    if (chosen === undefined) {
      return apply(() =>
        this.emit({
          type: "refused",
          command,
          code: "policy-refused",
          message: `policy "${policy.name}" chose no spawn`,
        }),
      );
    }
    const spawn = typeof chosen === "string" ? program.spawns.get(chosen) : undefined;
    if (spawn === undefined || !isRunning(spawn)) {
      return reject(
        "policy-failed",
        `policy "${policy.name}"`,
        `policy "${policy.name}" returned ${JSON.stringify(chosen)}, which is not a running spawn of "${programId}"`,
      );
    }
    return apply(() => {
      this.emit({ type: "unspawned", programId, spawnId: spawn.id });
      this.stopSpawn(spawn, "unspawn", false);
    });
  }

  private prepareSetInterval(
    programId: string,
    spawnId: string | undefined,
    interval: Interval,
    apply: (fn: () => void) => Plan,
  ): Plan {
    const program = this.programs.get(programId);
    if (program === undefined) return this.unknownProgram(programId);
    const decoded = decodeInterval(interval);
    if (!decoded.ok) return reject("invalid-interval", "command.interval", `command.${decoded.message}`);
    if (program.cron !== undefined) {
      return reject(
        "invalid-interval",
        "command.interval",
        `command.interval: program "${programId}" is a cron program; its times come from program.cron, not an interval`,
      );
    }
    if (spawnId === undefined) {
      return apply(() => {
        program.interval = interval;
        for (const spawn of program.running) spawn.interval = interval;
        this.emit({ type: "interval-set", programId, spawnId: null });
      });
    }
    const spawn = program.spawns.get(spawnId);
    if (spawn === undefined) return this.unknownSpawn(program, spawnId, "command.spawnId");
    return apply(() => {
      spawn.interval = interval;
      this.emit({ type: "interval-set", programId, spawnId });
    });
  }

  /** A result for a job not in flight (jobs in flight take the direct path in `applyCommand`). */
  private prepareLateResult(jobId: string, apply: (fn: () => void) => Plan): Plan {
    const issued = JOB_ID.exec(jobId);
    if (issued !== null && Number(issued[1]) <= this.jobSeq) {
      // Killed, cleared or already settled: a late result is expected, not an error.
      return apply(() => this.emit({ type: "discarded", jobId }));
    }
    return reject("unknown-job", "command.jobId", `command.jobId: no job "${jobId}" was issued by this kernel`);
  }

  // ---------------------------------------------------------------------------
  // Time and jobs.

  private emit(effect: KernelEffect): void {
    this.out[this.outLength++] = effect;
  }

  private advance(at: number): void {
    if (at < this.now) this.regressions++;
    else this.now = at;
  }

  /** Starts every job due by now, in (due time, creation order). */
  private runDue(): void {
    const heap = this.heap;
    for (let job = heap.peek(); job !== undefined && job.dueAt <= this.now; job = heap.peek()) {
      // The job stays on top while it starts: a spawn's next job then takes its
      // place in one sift (see `schedule`); otherwise it is popped here.
      this.starting = job;
      this.startJob(job);
      if (this.starting === job) {
        this.starting = null;
        heap.remove(job);
      }
    }
  }

  private newJob(program: ProgramRecord, spawn: SpawnRecord | null, dueAt: number): JobRecord {
    const seq = ++this.jobSeq;
    const id = "";
    const job = this.spareJobs.pop();
    if (job === undefined) return { id, seq, dueAt, heapIndex: -1, program, spawn, startedAt: Number.NaN };
    job.id = id;
    job.seq = seq;
    job.dueAt = dueAt;
    job.heapIndex = -1;
    job.program = program;
    job.spawn = spawn;
    job.startedAt = Number.NaN;
    return job;
  }

  private schedule(spawn: SpawnRecord, dueAt: number): void {
    const job = this.newJob(spawn.program, spawn, dueAt);
    spawn.pending = job;
    spawn.submitted++;
    spawn.program.counts.submitted++;
    const starting = this.starting;
    if (starting !== null && this.heap.peek() === starting) {
      this.starting = null;
      this.heap.replaceTop(job);
    } else {
      this.heap.push(job);
    }
  }

  private trigger(program: ProgramRecord, scheduledAt: number): void {
    const job = this.newJob(program, null, scheduledAt);
    program.triggers.add(job);
    this.heap.push(job);
    this.emit({ type: "triggered", jobId: jobIdOf(job), programId: program.id, scheduledAt });
  }

  private startJob(job: JobRecord): void {
    const spawn = job.spawn;
    job.startedAt = this.now;
    this.inFlight.add(job);
    if (spawn !== null) {
      spawn.pending = null;
      spawn.inFlight.push(job);
      if (spawn.status === "created") spawn.status = "running";
      // Fixed rate: the next point of the grid is set as soon as this job starts.
      if (spawn.config.type !== "basic" && isRunning(spawn)) this.scheduleNextOnGrid(spawn, job);
    }
    const argsFn = (spawn?.config ?? job.program.config).argsFn;
    let args: unknown;
    try {
      args = argsFn?.();
    } catch (error) {
      this.finishJob(job, { ok: false, error });
      return;
    }
    this.emit({
      type: "run",
      jobId: jobIdOf(job),
      programId: job.program.id,
      spawnId: spawn?.id ?? null,
      scheduledAt: job.dueAt,
      startedAt: this.now,
      args,
    });
  }

  private scheduleNextOnGrid(spawn: SpawnRecord, job: JobRecord): void {
    const cron = spawn.program.cron;
    if (cron !== undefined) {
      // The next match after this job's due time; skip jumps to the next match after now.
      let next = cron.next(job.dueAt);
      if (spawn.config.misfire === "skip" && next <= this.now) next = cron.next(this.now);
      spawn.lastInterval = next - job.dueAt;
      this.schedule(spawn, next);
      return;
    }
    const interval = this.nextInterval(spawn);
    if (interval === undefined) return;
    let next = job.dueAt + interval;
    if (spawn.config.misfire === "skip" && next <= this.now) {
      next = job.dueAt + interval * (Math.floor((this.now - job.dueAt) / interval) + 1);
    }
    this.schedule(spawn, next);
  }

  /** The spawn's interval for its next scheduling; a failing interval function stops the spawn. */
  private nextInterval(spawn: SpawnRecord): number | undefined {
    try {
      spawn.lastInterval = resolveInterval(spawn.interval);
      return spawn.lastInterval;
    } catch (error) {
      this.fault(
        spawn,
        error instanceof SchedkitError ? error.code : "hook-failed",
        `interval: ${describe(error).replace(/^interval: /, "")}`,
        error,
      );
      return undefined;
    }
  }

  private fault(spawn: SpawnRecord, code: SchedkitErrorCode, message: string, error: unknown): void {
    spawn.lastError = error;
    this.emit({ type: "fault", programId: spawn.programId, spawnId: spawn.id, code, message, error });
    this.stopSpawn(spawn, "fault", false);
  }

  private finishJob(job: JobRecord, outcome: Outcome): void {
    this.inFlight.delete(job.seq);
    const spawn = job.spawn;
    if (spawn === null) {
      this.finishTrigger(job, outcome);
      return;
    }
    this.settle(spawn, job, outcome);
    // Nothing refers to a settled job any more, unless it never left the heap
    // (its argsFn threw while it was starting): then the heap still holds it.
    if (job.heapIndex === -1 && job !== this.starting && this.spareJobs.length < MAX_SPARE_JOBS) {
      this.spareJobs.push(job as ReusableJob);
    }
  }

  /** A spawn's job has its outcome: fold it into state, record it, and decide what comes next. */
  private settle(spawn: SpawnRecord, job: JobRecord, outcome: Outcome): void {
    const index = spawn.inFlight.indexOf(job);
    if (index >= 0) {
      spawn.inFlight[index] = spawn.inFlight[spawn.inFlight.length - 1] as JobRecord;
      spawn.inFlight.pop();
    }
    const { config, program } = spawn;
    let failed = !outcome.ok;
    let error: unknown = outcome.ok ? undefined : outcome.error;
    try {
      const output = outcome.ok
        ? config.successFn === undefined
          ? outcome.value
          : config.successFn(outcome.value)
        : config.errorFn?.(outcome.error);
      const merge = config.mergeFn ?? defaultMerge;
      const next = merge(stateOf(spawn), output);
      if (program.scope === "spawn") spawn.state = next;
      else program.state = next;
    } catch (hookError) {
      // A failing successFn/errorFn/mergeFn: the job counts as errored, state unchanged.
      failed = true;
      error = hookError;
    }
    if (failed) {
      spawn.errored++;
      program.counts.errored++;
      spawn.lastError = error;
    } else {
      spawn.succeeded++;
      program.counts.succeeded++;
    }
    spawn.updatedAt = this.now;
    const value = outcome.ok ? outcome.value : undefined;
    spawn.latestResult.set(jobIdOf(job), failed, failed ? error : value, job.dueAt, job.startedAt, this.now);
    if (spawn.results !== undefined) {
      const result = spawn.latestResult.get() as ResultRecord;
      spawn.results.push(result);
      if (spawn.results.length > this.historyLimit) spawn.results.shift();
    }
    this.emit(
      failed
        ? {
            type: "settled",
            jobId: jobIdOf(job),
            programId: program.id,
            spawnId: spawn.id,
            status: "errored",
            scheduledAt: job.dueAt,
            startedAt: job.startedAt,
            endedAt: this.now,
            error,
          }
        : {
            type: "settled",
            jobId: jobIdOf(job),
            programId: program.id,
            spawnId: spawn.id,
            status: "succeeded",
            scheduledAt: job.dueAt,
            startedAt: job.startedAt,
            endedAt: this.now,
            value,
          },
    );
    if (spawn.status === "terminating") {
      if (spawn.inFlight.length === 0) this.finalizeStop(spawn);
      return;
    }
    if (!isRunning(spawn)) return;
    if (config.continueFn !== undefined) {
      let goOn: unknown;
      try {
        goOn = (config.continueFn as (props: unknown) => unknown)({
          ...propsOf(spawn),
          programId: program.id,
          spawnId: spawn.id,
          result: spawn.latestResult.get(),
          state: stateOf(spawn),
        });
      } catch (hookError) {
        this.fault(spawn, "hook-failed", `continueFn: threw: ${describe(hookError)}`, hookError);
        return;
      }
      if (goOn === false) {
        this.stopSpawn(spawn, "continue", false);
        return;
      }
    }
    // Fixed delay: the next job is due one interval after this one completed.
    if (config.type === "basic") {
      const interval = this.nextInterval(spawn);
      if (interval !== undefined) this.schedule(spawn, this.now + interval);
    }
  }

  private finishTrigger(job: JobRecord, outcome: Outcome): void {
    const program = job.program;
    program.triggers.delete(job);
    let error: unknown;
    let ok = outcome.ok;
    if (outcome.ok) {
      try {
        program.state = (program.config.mergeFn ?? defaultMerge)(program.state, outcome.value);
      } catch (mergeError) {
        ok = false;
        error = mergeError;
      }
    } else {
      error = outcome.error;
    }
    this.emit({
      type: "settled",
      jobId: jobIdOf(job),
      programId: program.id,
      spawnId: null,
      status: ok ? "succeeded" : "errored",
      scheduledAt: job.dueAt,
      startedAt: job.startedAt,
      endedAt: this.now,
      ...(ok ? { value: outcome.ok ? outcome.value : undefined } : { error }),
    });
  }

  // ---------------------------------------------------------------------------
  // Stopping.

  stopSpawn(spawn: SpawnRecord, reason: StopReason, kill: boolean): void {
    if (spawn.status === "stopped") return;
    const program = spawn.program;
    if (isRunning(spawn)) {
      program.running.remove(spawn);
      this.addToHistory(spawn);
    }
    spawn.stopReason = reason;
    this.cancelPending(spawn, reason);
    if (kill) this.cancelInFlight(spawn, reason);
    if (spawn.inFlight.length > 0) spawn.status = "terminating";
    else this.finalizeStop(spawn);
  }

  private cancelPending(spawn: SpawnRecord, reason: CancelReason): void {
    const job = spawn.pending;
    if (job === null) return;
    this.heap.remove(job);
    spawn.pending = null;
    this.emit({
      type: "cancel",
      jobId: jobIdOf(job),
      programId: spawn.programId,
      spawnId: spawn.id,
      reason,
      inFlight: false,
    });
  }

  private cancelInFlight(spawn: SpawnRecord, reason: CancelReason): void {
    for (const job of spawn.inFlight) {
      this.inFlight.delete(job.seq);
      this.emit({
        type: "cancel",
        jobId: jobIdOf(job),
        programId: spawn.programId,
        spawnId: spawn.id,
        reason,
        inFlight: true,
      });
    }
    spawn.inFlight.length = 0;
  }

  private finalizeStop(spawn: SpawnRecord): void {
    spawn.status = "stopped";
    if (!spawn.inHistory) spawn.program.spawns.delete(spawn.id);
    this.emit({ type: "stopped", programId: spawn.programId, spawnId: spawn.id, reason: spawn.stopReason ?? "stop" });
  }

  private addToHistory(spawn: SpawnRecord): void {
    const program = spawn.program;
    program.history.push(spawn);
    spawn.inHistory = true;
    while (program.history.length > this.historyLimit) {
      const dropped = program.history.shift() as SpawnRecord;
      dropped.inHistory = false;
      if (dropped.status === "stopped") program.spawns.delete(dropped.id);
    }
  }

  private stopProgram(program: ProgramRecord, kill: boolean): void {
    for (const spawn of [...program.running]) this.stopSpawn(spawn, kill ? "kill" : "stop", kill);
    if (!kill) return;
    // A kill also ends spawns that were stopping gracefully.
    for (const spawn of [...program.spawns.values()]) {
      if (spawn.status === "terminating") this.stopSpawn(spawn, "kill", true);
    }
  }

  private removeProgram(program: ProgramRecord, how: "clear" | "uninstall"): void {
    if (how === "uninstall") for (const spawn of [...program.running]) this.stopSpawn(spawn, "uninstall", false);
    for (const spawn of program.spawns.values()) {
      this.cancelPending(spawn, how);
      this.cancelInFlight(spawn, how);
    }
    for (const job of program.triggers) {
      const waiting = this.heap.remove(job);
      this.inFlight.delete(job.seq);
      this.emit({
        type: "cancel",
        jobId: jobIdOf(job),
        programId: program.id,
        spawnId: null,
        reason: how,
        inFlight: !waiting,
      });
    }
    this.programs.delete(program.id);
    this.emit({ type: how === "clear" ? "cleared" : "uninstalled", programId: program.id });
  }
}

export const propsOf = (spawn: SpawnRecord) => ({
  startedAt: spawn.startedAt,
  updatedAt: spawn.updatedAt,
  submitted: spawn.submitted,
  succeeded: spawn.succeeded,
  errored: spawn.errored,
  completed: spawn.succeeded + spawn.errored,
  terminating: spawn.status === "terminating",
  interval: spawn.lastInterval,
  lastError: spawn.lastError,
});
