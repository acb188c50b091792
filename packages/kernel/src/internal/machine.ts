import type { Command, Outcome } from "../Command.js";
import type { CancelReason, KernelEffect } from "../KernelEffect.js";
import type { UnspawnPolicy } from "../Policy.js";
import type { Interval, ProgramSpec, ResultRecord, SpawnOptions } from "../Program.js";
import { SchedkitError, type SchedkitErrorCode } from "../SchedkitError.js";
import { prepareAdopt } from "./adopt.js";
import { type MissedRun, missOnCron, missOnGrid } from "./catchUp.js";
import { decodeCommand } from "./commandSchema.js";
import { type CronSchedule, parseCron } from "./cron.js";
import { describe, show } from "./describe.js";
import { TimerHeap } from "./heap.js";
import { JobTable, seqOfJobId } from "./jobTable.js";
import { LatestResult } from "./latestResult.js";
import {
  CRON_MISSED_STEPS,
  DEFAULT_CATCH_UP_LIMIT,
  isTime,
  MAX_TIME,
  MIN_INTERVAL,
  WALL_STEP_TOLERANCE,
} from "./limits.js";
import { defaultMerge } from "./merge.js";
import {
  configOf,
  fireIdOf,
  isRunning,
  type JobRecord,
  jobIdOf,
  type ProgramRecord,
  type SpawnConfig,
  type SpawnRecord,
  type StopReason,
  spawnFireId,
  stateOf,
} from "./model.js";
import {
  decodeInterval,
  decodeProgramSpec,
  decodeSpawnOptions,
  programSpecKeys,
  spawnOptionKeys,
} from "./programSchema.js";
import { nextInt, programSeed, seedRandom } from "./random.js";
import { copyFields } from "./readOnce.js";
import { SpawnList, spawnSetOf } from "./spawnList.js";

/** Options for `createKernel`. @since 0.1.0 */
export interface KernelOptions {
  /** Unspawn policies for this kernel alone; names must be unique. */
  readonly policies?: readonly UnspawnPolicy[];
  /** The policy of programs that name none. Default: the first registered policy. */
  readonly defaultPolicy?: string;
  /**
   * Seed of the programs' generators (used by `delay: "random"`): each program draws from its
   * own, seeded from this and the program's id, so one program's draws never depend on another's.
   * Default 0.
   */
  readonly seed?: number;
  /** Stopped spawns kept per program, and results kept per spawn with `output: "all"`. Default 100. */
  readonly historyLimit?: number;
  /**
   * The most catch-up jobs one dispatch starts, over all spawns: a spawn's
   * first job in a dispatch is not counted, each further one (a due time it
   * missed while the host was away or stalled) is. Past it, each spawn's
   * further due times up to now are reported `missed` (reason
   * `"catch-up-limit"`), so a dispatch's work and effects stay bounded however
   * many spawns catch up. Default 10,000.
   * @since 0.1.0
   */
  readonly catchUpLimit?: number;
}

/** A validated command, ready to apply; or a rejection. */
type Plan =
  | { readonly kind: "apply"; readonly apply: () => void }
  | { readonly kind: "reject"; readonly code: SchedkitErrorCode; readonly field: string; readonly message: string };

const reject = (code: SchedkitErrorCode, field: string, message: string): Plan => ({
  kind: "reject",
  code,
  field,
  message,
});

const apply = (fn: () => void): Plan => ({ kind: "apply", apply: fn });

/** Resolves an interval (calling a dynamic one) and checks that it is a positive number of ms in range. */
export const resolveInterval = (interval: Interval): number => {
  const value = typeof interval === "function" ? interval() : interval;
  if (typeof value !== "number" || !(value >= MIN_INTERVAL && value <= MAX_TIME)) {
    throw new SchedkitError(
      "invalid-interval",
      `interval: expected a number of ms from ${MIN_INTERVAL} to ${MAX_TIME}, got ${show(value)}`,
      { field: "interval" },
    );
  }
  return value;
};

/** A cron program's own fields: an expression and a zone that parse and can match; no interval, delay or timeFn. */
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

/** The spawn options that override the program's fields: every one but the spawn's own id. */
const OVERRIDE_KEYS = [...spawnOptionKeys].filter((key) => key !== "spawnId") as (keyof SpawnOptions)[];

const hasOverrides = (opts: SpawnOptions | undefined): opts is SpawnOptions =>
  opts !== undefined && OVERRIDE_KEYS.some((key) => opts[key] !== undefined);

/** Enough spares for a burst of results; beyond it, settled records are left to the GC. */
const MAX_SPARE_JOBS = 4096;

/** Past this many effects in one dispatch, the reused buffer is let go afterwards instead of kept at its peak. */
const MAX_KEPT_EFFECTS = 4096;

type ReusableJob = { -readonly [K in keyof JobRecord]: JobRecord[K] };

const invalidOption = (field: string, message: string): SchedkitError =>
  new SchedkitError("invalid-options", `${field}: ${message}`, { field });

/** Reads `name` once into `{ name, select }` bound to the policy, so a getter cannot answer twice. */
const readPolicy = (policy: unknown, index: number): { name: string; policy: UnspawnPolicy } => {
  const field = `options.policies[${index}]`;
  let name: unknown;
  let select: unknown;
  try {
    name = (policy as { name?: unknown }).name;
    select = (policy as { select?: unknown }).select;
  } catch (error) {
    throw invalidOption(field, `could not be read (${describe(error)})`);
  }
  if (
    typeof policy !== "object" ||
    policy === null ||
    typeof name !== "string" ||
    name === "" ||
    typeof select !== "function"
  ) {
    throw invalidOption(field, "expected { name: string, select(spawns) }");
  }
  const choose = select as UnspawnPolicy["select"];
  return { name, policy: { name, select: (spawns) => choose.call(policy, spawns) } };
};

/**
 * Kernel options read once each (a runner's options carry more keys; those are its own).
 * Policies are copied out of their array, and each policy's name read once.
 */
const checkOptions = (
  options: unknown,
): KernelOptions & { readonly policyList: readonly { name: string; policy: UnspawnPolicy }[] } => {
  if (options === undefined) return { policyList: [] };
  if (typeof options !== "object" || options === null)
    throw invalidOption("options", `expected an object, got ${show(options)}`);
  const read = (key: keyof KernelOptions): unknown => {
    try {
      return (options as Record<string, unknown>)[key];
    } catch (error) {
      throw invalidOption(`options.${key}`, `could not be read (${describe(error)})`);
    }
  };
  const policies = read("policies");
  let list: unknown[] = [];
  if (policies !== undefined) {
    if (!Array.isArray(policies))
      throw invalidOption("options.policies", `expected an array of policies, got ${show(policies)}`);
    try {
      list = Array.from(policies as unknown[]);
    } catch (error) {
      throw invalidOption("options.policies", `could not be read (${describe(error)})`);
    }
  }
  const copy: Record<string, unknown> = {};
  for (const key of ["defaultPolicy", "seed", "historyLimit", "catchUpLimit"] as const) {
    const value = read(key);
    if (value !== undefined) copy[key] = value;
  }
  return { ...(copy as KernelOptions), policyList: list.map(readPolicy) };
};

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
  /** Wall clock minus kernel time, from the latest command that carried `wall`; cron due times follow it. */
  wallOffset = 0;
  /** The seed (as 32 bits) each program's generator starts from, mixed with the program's id. */
  readonly seed: number;
  readonly programs = new Map<string, ProgramRecord>();
  readonly heap = new TimerHeap<JobRecord>();
  readonly inFlight = new JobTable<JobRecord>();
  readonly policies: ReadonlyMap<string, UnspawnPolicy>;
  readonly defaultPolicy: string | undefined;
  readonly historyLimit: number;
  readonly catchUpLimit: number;
  /**
   * The effects of the command in progress. Reused: `dispatch` returns an
   * exact-size copy, where a fresh array per command would grow (and
   * reallocate) as effects are pushed, once per job at the hot path.
   */
  private out: (KernelEffect | undefined)[] = [];
  private outLength = 0;
  private dispatching = false;
  /** True while a command is being applied (a hook is running): the state is half changed. */
  get isDispatching(): boolean {
    return this.dispatching;
  }
  /** Counts dispatches, so that each spawn's starts are counted per dispatch (the catch-up limit). */
  private dispatchSeq = 0;
  /** Catch-up jobs this dispatch may still start (see `catchUpLimit`). */
  private catchUpLeft = 0;
  /** Jobs whose missed due times are still being counted: back in the heap when the dispatch ends. */
  private readonly deferred: JobRecord[] = [];
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
  /** A hot command (`tick`, `complete`) read once into these fields: no copy per job. */
  private hotAt = 0;
  private hotWall: number | undefined = undefined;
  private hotJobId = "";
  private hotFailed = false;
  private hotLost = false;
  private hotPayload: unknown = undefined;

  constructor(input: KernelOptions = {}) {
    const options = checkOptions(input);
    const policies = new Map<string, UnspawnPolicy>();
    for (const [index, { name, policy }] of options.policyList.entries()) {
      if (policies.has(name)) {
        throw new SchedkitError(
          "duplicate-policy",
          `options.policies[${index}]: a policy named ${show(name)} is already registered`,
          { field: `options.policies[${index}].name` },
        );
      }
      policies.set(name, policy);
    }
    const defaultPolicy = options.defaultPolicy ?? policies.keys().next().value;
    if (defaultPolicy !== undefined && (typeof defaultPolicy !== "string" || !policies.has(defaultPolicy))) {
      throw new SchedkitError(
        "unknown-policy",
        `options.defaultPolicy: no policy named ${show(defaultPolicy)} is registered (registered: ${[...policies.keys()].join(", ") || "none"})`,
        { field: "options.defaultPolicy" },
      );
    }
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed)) {
      throw new SchedkitError("invalid-options", `options.seed: expected an integer, got ${show(seed)}`, {
        field: "options.seed",
      });
    }
    const historyLimit = options.historyLimit ?? 100;
    if (!Number.isInteger(historyLimit) || historyLimit < 0) {
      throw new SchedkitError(
        "invalid-options",
        `options.historyLimit: expected a whole number >= 0, got ${show(historyLimit)}`,
        {
          field: "options.historyLimit",
        },
      );
    }
    const catchUpLimit = options.catchUpLimit ?? DEFAULT_CATCH_UP_LIMIT;
    if (!Number.isInteger(catchUpLimit) || catchUpLimit < 1) {
      throw new SchedkitError(
        "invalid-options",
        `options.catchUpLimit: expected a whole number >= 1, got ${show(catchUpLimit)}`,
        { field: "options.catchUpLimit" },
      );
    }
    this.policies = policies;
    this.defaultPolicy = defaultPolicy;
    this.historyLimit = historyLimit;
    this.catchUpLimit = catchUpLimit;
    this.seed = seed >>> 0;
  }

  /** Never throws: bad input is `rejected`, a failing hook is reported, and every started job's `run` is returned. */
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
    this.outLength = 0;
    this.dispatchSeq++;
    this.catchUpLeft = this.catchUpLimit;
    try {
      this.applyInput(input);
    } catch (error) {
      // Not the input's fault but the kernel's: every hook call is guarded. What
      // happened before (jobs started) is still returned, so no job is lost.
      this.emit({
        type: "rejected",
        command: input,
        code: "internal-error",
        field: "command",
        message: `command: the kernel failed while applying it (a bug in schedkit; please report it): ${describe(error)}`,
      });
    } finally {
      this.hotPayload = undefined;
      this.dispatching = false;
    }
    // A parked job goes back only if it is still its spawn's waiting job: one cancelled meanwhile
    // (a stop, a kill, an uninstall in the same dispatch) must never run.
    for (const job of this.deferred) if (job.spawn !== null && job.spawn.pending === job) this.heap.push(job);
    this.deferred.length = 0;
    const wakeAt = this.heap.peek()?.dueAt ?? null;
    if (this.lastWake.at !== wakeAt) this.lastWake = { type: "wake", at: wakeAt };
    this.emit(this.lastWake);
    const length = this.outLength;
    const effects = this.out.slice(0, length) as KernelEffect[];
    // Drop the references, so the effects can be collected young; after a burst, drop the buffer.
    if (length > MAX_KEPT_EFFECTS) this.out = [];
    else this.out.fill(undefined, 0, length);
    this.outLength = 0;
    return effects;
  }

  private applyInput(input: unknown): void {
    // The hot commands (tick, complete) are read once into fields, without a copy or the schema.
    const hot = this.readHot(input);
    if (hot === "tick") {
      this.arrive(this.hotAt, this.hotWall);
      return;
    }
    if (hot === "complete") {
      this.completeHot(input as Command);
      return;
    }
    const check = decodeCommand(input);
    if (!check.ok) {
      this.emit({
        type: "rejected",
        command: input,
        code: "invalid-command",
        field: check.field,
        message: check.message,
      });
      return;
    }
    const command = check.command;
    // Judged against the kernel as it is: a rejected command changes nothing, not even the time.
    const plan = this.prepare(command, Math.max(this.now, command.at));
    if (plan.kind === "reject") {
      this.emit({ type: "rejected", command: input, code: plan.code, field: plan.field, message: plan.message });
      return;
    }
    // Accepted: time arrives first, so whatever was due by `at` starts before the command applies.
    this.arrive(command.at, command.wall);
    plan.apply();
    this.runDue();
  }

  /**
   * Reads a well-formed `tick` or `complete` into the hot fields, each field
   * once. Anything else (or anything odd about these) goes the slow way,
   * which copies, checks with the schema and words the rejection.
   */
  private readHot(input: unknown): "tick" | "complete" | undefined {
    if (typeof input !== "object" || input === null) return undefined;
    this.hotAt = Number.NaN;
    this.hotLost = false;
    try {
      const record = input as Record<string, unknown>;
      const type = record.type;
      if (type !== "tick" && type !== "complete") return undefined;
      let wall: unknown;
      let jobId: unknown;
      let outcome: unknown;
      for (const key in record) {
        if (key === "type") continue;
        if (key === "at") this.hotAt = record.at as number;
        else if (key === "wall") wall = record.wall;
        else if (type === "complete" && key === "jobId") jobId = record.jobId;
        else if (type === "complete" && key === "outcome") outcome = record.outcome;
        else return undefined;
      }
      if (!isTime(this.hotAt)) return undefined;
      if (wall !== undefined && !isTime(wall)) return undefined;
      this.hotWall = wall as number | undefined;
      if (type === "tick") return "tick";
      if (typeof jobId !== "string" || jobId === "" || typeof outcome !== "object" || outcome === null)
        return undefined;
      const result = outcome as Record<string, unknown>;
      let ok: unknown;
      let payload: unknown;
      let hasError = false;
      let keys = 0;
      for (const key in result) {
        keys++;
        if (key === "ok") ok = result.ok;
        else if (key === "value") payload = result.value;
        else if (key === "error") {
          payload = result.error;
          hasError = true;
        } else if (key === "lost") {
          // `{ lost: true }` exactly: the job's result is unknown.
          if (result.lost !== true) return undefined;
          this.hotLost = true;
        } else return undefined;
      }
      if (this.hotLost) {
        if (keys !== 1) return undefined;
      } else if (ok === true ? hasError : ok !== false || !hasError) return undefined;
      this.hotJobId = jobId;
      this.hotFailed = ok === false;
      this.hotPayload = payload;
      return "complete";
    } catch {
      return undefined;
    }
  }

  /** A `complete` read by `readHot`: a job in flight settles; an issued one is discarded; any other id is rejected. */
  private completeHot(input: Command): void {
    const jobId = this.hotJobId;
    const seq = seqOfJobId(jobId);
    const job = seq < 1 ? undefined : this.inFlight.get(seq);
    if (job !== undefined && jobIdOf(job) === jobId) {
      const failed = this.hotFailed;
      const lost = this.hotLost;
      const payload = this.hotPayload;
      this.arrive(this.hotAt, this.hotWall);
      // Due jobs never end a job in flight (only a kill does), so it is still there.
      if (lost) this.loseJob(job);
      else this.finishJob(job, failed, payload);
      this.runDue();
      return;
    }
    if (seq >= 1 && seq <= this.jobSeq) {
      // Killed, cleared or already settled: a late result is expected, not an error.
      this.arrive(this.hotAt, this.hotWall);
      this.emit({ type: "discarded", jobId });
      return;
    }
    this.emit({
      type: "rejected",
      command: input,
      code: "unknown-job",
      field: "command.jobId",
      message: `command.jobId: no job ${show(jobId)} was issued by this kernel`,
    });
  }

  /**
   * Time arrives with an accepted command: the clock moves (or a regression is counted), then due jobs start.
   * Internal (`adopt.ts` brings an export's time).
   */
  arrive(at: number, wall: number | undefined): void {
    if (at < this.now) this.regressions++;
    else this.now = at;
    if (wall !== undefined) this.followWall(wall - at);
    this.runDue();
  }

  /**
   * The wall clock moved against the kernel's (a host suspend, an NTP step):
   * every pending cron job is re-aimed to keep its wall-clock time, so a
   * `"0 9 * * *"` job still runs at 09:00 on the wall. Small differences are
   * reading noise (the two clocks are read one after the other).
   */
  private followWall(offset: number): void {
    const previous = this.wallOffset;
    if (Math.abs(offset - previous) <= WALL_STEP_TOLERANCE) return;
    this.wallOffset = offset;
    for (const program of this.programs.values()) {
      if (program.cron === undefined) continue;
      for (const spawn of program.running) {
        const job = spawn.pending;
        if (job === null) continue;
        job.dueAt = job.dueAt + previous - offset;
        this.heap.reposition(job);
      }
    }
  }

  /** The first cron match strictly after kernel time `t`, on the wall clock; NaN when the schedule has none. */
  private cronNext(cron: CronSchedule, t: number, offset = this.wallOffset): number {
    try {
      const next = cron.next(t + offset) - offset;
      return next > t ? next : Number.NaN;
    } catch {
      return Number.NaN;
    }
  }

  /** The wall offset once `command` is accepted: it may bring a new wall reading (see `followWall`). */
  private offsetAfter(command: Command): number {
    const wall = command.wall;
    if (wall === undefined) return this.wallOffset;
    const offset = wall - command.at;
    return Math.abs(offset - this.wallOffset) <= WALL_STEP_TOLERANCE ? this.wallOffset : offset;
  }

  // ---------------------------------------------------------------------------
  // Validation: against the kernel as it is, decide everything that can fail before the command changes anything.

  /** `at` is the time the command will apply at: its own, or now when it is late (a regression). */
  private prepare(command: Command, at: number): Plan {
    switch (command.type) {
      case "tick":
        return apply(() => {});
      case "install":
        return this.prepareInstall(command.program);
      case "complete":
        return this.prepareComplete(command.jobId, command.outcome);
      case "trigger": {
        const program = this.programs.get(command.programId);
        if (program === undefined) return this.unknownProgram(command.programId);
        const scheduledAt = command.scheduledAt ?? at;
        const fireId = command.fireId;
        return apply(() => this.trigger(program, scheduledAt, fireId));
      }
      case "adopt": {
        const plan = prepareAdopt(this, command);
        return plan.ok ? apply(plan.apply) : reject(plan.code, plan.field, plan.message);
      }
      case "spawn":
        return this.prepareSpawn(command.programId, command.opts, at, command);
      case "unspawn":
        return this.prepareUnspawn(command.programId, command);
      case "set-interval":
        return this.prepareSetInterval(command.programId, command.spawnId, command.interval);
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
    return reject(
      "unknown-program",
      "command.programId",
      `command.programId: no program ${show(programId)} is installed`,
    );
  }

  private unknownSpawn(program: ProgramRecord, spawnId: string, field: string): Plan {
    return reject("unknown-spawn", field, `${field}: program ${show(program.id)} has no spawn ${show(spawnId)}`);
  }

  private prepareInstall(input: unknown): Plan {
    const copied = copyFields(input, "program", programSpecKeys);
    if (!copied.ok) return reject("invalid-program", copied.field, copied.message);
    const decoded = decodeProgramSpec(copied.value);
    if (!decoded.ok) return reject("invalid-program", decoded.field, decoded.message);
    // The kernel keeps its own copy: a caller changing its object later changes nothing here.
    const spec = Object.freeze(copied.value) as unknown as ProgramSpec;
    let cron: CronSchedule | undefined;
    if (spec.type === "cron") {
      const checked = checkCronSpec(spec);
      if (!checked.ok) return reject("invalid-program", checked.field, checked.message);
      cron = checked.schedule;
      if (Number.isNaN(this.cronNext(cron, 0))) {
        return reject(
          "invalid-program",
          "program.cron",
          `program.cron: ${show(spec.cron)} never matches a date (check the day and month fields)`,
        );
      }
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
        `program.policy: no policy named ${show(spec.policy)} is registered (registered: ${[...this.policies.keys()].join(", ") || "none"})`,
      );
    }
    let state: unknown;
    try {
      state = (spec.createFn as SpawnConfig["createFn"])?.({ programId: spec.id, spawnId: null });
    } catch (error) {
      return reject("hook-failed", "program.createFn", `program.createFn: threw: ${describe(error)}`);
    }
    return apply(() => {
      const existing = this.programs.get(spec.id);
      // What a reinstall replaces is said in its `installed` effect: the old spawns stop, the old state goes.
      const replaced =
        existing === undefined
          ? undefined
          : { spawnIds: [...existing.running].map((spawn) => spawn.id), state: existing.state };
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
        random: seedRandom(programSeed(this.seed, spec.id)),
        fresh: true,
      });
      this.emit(
        replaced === undefined
          ? { type: "installed", programId: spec.id }
          : { type: "installed", programId: spec.id, replaced },
      );
    });
  }

  private prepareSpawn(programId: string, input: unknown, at: number, command: Command): Plan {
    const program = this.programs.get(programId);
    if (program === undefined) return this.unknownProgram(programId);
    let opts: SpawnOptions | undefined;
    if (input !== undefined) {
      const copied = copyFields(input, "opts", spawnOptionKeys);
      if (!copied.ok) return reject("invalid-options", copied.field, copied.message);
      const decoded = decodeSpawnOptions(copied.value);
      if (!decoded.ok) return reject("invalid-options", decoded.field, decoded.message);
      opts = Object.freeze(copied.value) as SpawnOptions;
    }
    if (opts?.spawnId !== undefined && program.spawns.has(opts.spawnId)) {
      return reject(
        "duplicate-spawn",
        "opts.spawnId",
        `opts.spawnId: program ${show(programId)} already has a spawn ${show(opts.spawnId)}`,
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
      // Aimed with the wall offset this very command brings, if it brings one.
      firstDue = this.cronNext(program.cron, at, this.offsetAfter(command));
      if (Number.isNaN(firstDue)) {
        return reject("invalid-program", "program.cron", `program.cron: no due time after ${at} (past the date range)`);
      }
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
      if (!isTime(base)) {
        return reject("hook-failed", "program.timeFn", `program.timeFn: expected a time in range, got ${show(base)}`);
      }
    }
    if (firstDue === undefined && !(base + firstInterval > base)) {
      // The grid could never move on from here: at this time, the interval is below the clock's precision.
      return reject(
        "invalid-interval",
        intervalField,
        `${intervalField}: ${firstInterval} ms is below the time's precision at ${base} (it would never move the schedule)`,
      );
    }
    // The id is known before the spawn exists, so that a per-spawn createFn can be told it.
    const named = opts?.spawnId;
    const unnamed = named === undefined ? this.peekSpawnId(program) : undefined;
    const spawnId = named ?? (unnamed as { id: string }).id;
    let state: unknown;
    if (program.scope === "spawn") {
      try {
        state = config.createFn?.({ programId, spawnId });
      } catch (error) {
        return reject("hook-failed", "program.createFn", `program.createFn: threw: ${describe(error)}`);
      }
    }
    return apply(() => {
      // The bound is judged after time arrived: due jobs may have stopped spawns.
      if (program.max !== undefined && program.running.size >= program.max) {
        this.emit({
          type: "refused",
          command,
          code: "max-reached",
          message: `program ${show(programId)} already has max (${program.max}) running spawns`,
        });
        return;
      }
      if (unnamed !== undefined) program.spawnCounter = unnamed.counter;
      program.fresh = false;
      const delay = config.delay === "random" ? nextInt(program.random, firstInterval) : config.delay;
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
        lost: 0,
        lastError: undefined,
        missed: 0,
        dispatchMark: 0,
        dispatchStarts: 0,
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

  /** The id the next unnamed spawn gets (`<programId>-<n>`) and the counter it uses; nothing is taken yet. */
  private peekSpawnId(program: ProgramRecord): { id: string; counter: number } {
    let counter = program.spawnCounter;
    let id: string;
    do id = `${program.id}-${++counter}`;
    while (program.spawns.has(id));
    return { id, counter };
  }

  private prepareUnspawn(programId: string, command: Command): Plan {
    const program = this.programs.get(programId);
    if (program === undefined) return this.unknownProgram(programId);
    const policyName = program.policy ?? this.defaultPolicy;
    const policy = policyName === undefined ? undefined : this.policies.get(policyName);
    if (policy === undefined) {
      return reject(
        "no-policy",
        "program.policy",
        `program.policy: program ${show(programId)} names no policy and the kernel has no default; register one (policies: [lifo()]) or set defaultPolicy`,
      );
    }
    // Bounds and the policy see the pool as it is once time has arrived.
    return apply(() => this.unspawn(program, policy, command));
  }

  private unspawn(program: ProgramRecord, policy: UnspawnPolicy, command: Command): void {
    const programId = program.id;
    const refuse = (code: "min-reached" | "none-running" | "policy-refused", message: string) =>
      this.emit({ type: "refused", command, code, message });
    const count = program.running.size;
    if (count === 0) {
      refuse("none-running", `program ${show(programId)} has no running spawn`);
      return;
    }
    if (program.min !== undefined && count <= program.min) {
      refuse("min-reached", `program ${show(programId)} has ${count} running spawns; min is ${program.min}`);
      return;
    }
    let chosen: unknown;
    let failure: string | undefined;
    try {
      chosen = policy.select(spawnSetOf(program.running));
    } catch (error) {
      failure = `policy ${show(policy.name)} threw: ${describe(error)}`;
    }
    if (failure === undefined && chosen === undefined) {
      refuse("policy-refused", `policy ${show(policy.name)} chose no spawn`);
      return;
    }
    const spawn = typeof chosen === "string" ? program.spawns.get(chosen) : undefined;
    if (failure === undefined && (spawn === undefined || !isRunning(spawn))) {
      failure = `policy ${show(policy.name)} returned ${show(chosen)}, which is not a running spawn of ${show(programId)}`;
    }
    if (failure !== undefined || spawn === undefined) {
      // The one rejection judged after time arrived: the jobs due by now have started, as a tick would have
      // started them; the unspawn itself changes nothing.
      this.emit({
        type: "rejected",
        command,
        code: "policy-failed",
        field: `policy "${policy.name}"`,
        message: failure ?? `policy ${show(policy.name)} failed`,
      });
      return;
    }
    this.emit({ type: "unspawned", programId, spawnId: spawn.id });
    this.stopSpawn(spawn, "unspawn", false);
  }

  private prepareSetInterval(programId: string, spawnId: string | undefined, interval: Interval): Plan {
    const program = this.programs.get(programId);
    if (program === undefined) return this.unknownProgram(programId);
    const decoded = decodeInterval(interval);
    if (!decoded.ok) return reject("invalid-interval", "command.interval", `command.${decoded.message}`);
    if (program.cron !== undefined) {
      return reject(
        "invalid-interval",
        "command.interval",
        `command.interval: program ${show(programId)} is a cron program; its times come from program.cron, not an interval`,
      );
    }
    // A number shows in getProps().interval at once; a function's value is known at the next scheduling.
    const setOn = (spawn: SpawnRecord) => {
      spawn.interval = interval;
      if (typeof interval === "number") spawn.lastInterval = interval;
    };
    if (spawnId === undefined) {
      return apply(() => {
        program.interval = interval;
        for (const spawn of program.running) setOn(spawn);
        this.emit({ type: "interval-set", programId, spawnId: null });
      });
    }
    const spawn = program.spawns.get(spawnId);
    if (spawn === undefined) return this.unknownSpawn(program, spawnId, "command.spawnId");
    return apply(() => {
      setOn(spawn);
      this.emit({ type: "interval-set", programId, spawnId });
    });
  }

  /** A `complete` that came the slow way (the hot path takes the usual ones): the same three answers. */
  private prepareComplete(jobId: string, outcome: Outcome): Plan {
    const seq = seqOfJobId(jobId);
    const job = seq < 1 ? undefined : this.inFlight.get(seq);
    if (job !== undefined && jobIdOf(job) === jobId && "lost" in outcome) return apply(() => this.loseJob(job));
    const failed = "ok" in outcome && !outcome.ok;
    const payload = "ok" in outcome ? (outcome.ok ? outcome.value : outcome.error) : undefined;
    if (job !== undefined && jobIdOf(job) === jobId) return apply(() => this.finishJob(job, failed, payload));
    if (seq >= 1 && seq <= this.jobSeq) return apply(() => this.emit({ type: "discarded", jobId }));
    return reject("unknown-job", "command.jobId", `command.jobId: no job ${show(jobId)} was issued by this kernel`);
  }

  // ---------------------------------------------------------------------------
  // Time and jobs.

  /** Internal: `adopt.ts` emits its effect too. */
  emit(effect: KernelEffect): void {
    this.out[this.outLength++] = effect;
  }

  /** Starts every job due by now, in (due time, creation order); due times that are too old are reported missed. */
  private runDue(): void {
    const heap = this.heap;
    for (let job = heap.peek(); job !== undefined && job.dueAt <= this.now; job = heap.peek()) {
      const spawn = job.spawn;
      if (spawn !== null && this.missesDue(spawn, job)) continue;
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

  /**
   * The catch-up window and limit, for a spawn's job that is due. True when
   * the job did not start: its due time (and the ones after it that are also
   * missed) went into a `missed` effect and the job moved on.
   */
  private missesDue(spawn: SpawnRecord, job: JobRecord): boolean {
    if (spawn.dispatchMark !== this.dispatchSeq) {
      spawn.dispatchMark = this.dispatchSeq;
      spawn.dispatchStarts = 0;
    }
    const oldest = this.now - spawn.config.catchUpWindow;
    if (job.dueAt < oldest) {
      this.skipMissed(spawn, job, oldest, false, "catch-up-window");
      return true;
    }
    // A spawn's first job in a dispatch is never held back; each further one (a catch-up) spends
    // one of the dispatch's `catchUpLimit`, shared by all spawns in due-time order.
    if (spawn.dispatchStarts > 0 && this.catchUpLeft-- <= 0) {
      this.skipMissed(spawn, job, this.now, true, "catch-up-limit");
      return true;
    }
    spawn.dispatchStarts++;
    return false;
  }

  /**
   * Moves a spawn's due job past the due times it missed: those before `bound`
   * (the window's start), or up to and including it (now, for the limit). With
   * `misfire: "skip"`, and for `basic` spawns, only the stale due time itself is
   * missed: the spawn goes on from now as it would after any late start.
   */
  private skipMissed(
    spawn: SpawnRecord,
    job: JobRecord,
    bound: number,
    inclusive: boolean,
    reason: "catch-up-window" | "catch-up-limit",
  ): void {
    const from = job.dueAt;
    const cron = spawn.program.cron;
    const catchUp = spawn.config.misfire === "catch-up" && spawn.config.type !== "basic";
    let run: MissedRun | undefined;
    if (cron !== undefined) {
      try {
        run = catchUp
          ? missOnCron((t) => this.checkedCronNext(cron, t), from, bound, inclusive, CRON_MISSED_STEPS)
          : { count: 1, last: from, next: this.checkedCronNext(cron, this.now), done: true };
      } catch (error) {
        this.fault(spawn, "invalid-program", `program.cron: ${describe(error)}`, error);
        return;
      }
      spawn.lastInterval = run.next - run.last;
    } else {
      const interval = this.nextInterval(spawn);
      if (interval === undefined) return;
      if (spawn.config.type === "basic") {
        const next = this.now + interval;
        run = next > this.now ? { count: 1, last: from, next, done: true } : undefined;
      } else if (catchUp) {
        run = missOnGrid(from, interval, bound, inclusive);
      } else {
        // Skip: only the stale due time is missed; the grid goes on after now.
        const after = missOnGrid(from, interval, this.now, true);
        run = after === undefined ? undefined : { count: 1, last: from, next: after.next, done: true };
      }
      if (run === undefined) {
        this.noProgress(spawn, interval, from);
        return;
      }
    }
    spawn.missed += run.count;
    job.dueAt = run.next;
    this.emit({
      type: "missed",
      programId: spawn.programId,
      spawnId: spawn.id,
      count: run.count,
      from,
      to: run.last,
      reason,
    });
    if (run.done) {
      this.heap.reposition(job);
    } else {
      // The count stopped at its budget: the rest is counted in the next dispatch (the wake is now).
      this.heap.remove(job);
      this.deferred.push(job);
    }
  }

  private noProgress(spawn: SpawnRecord, interval: number, at: number): void {
    const error = new SchedkitError(
      "invalid-interval",
      `interval: ${interval} ms is below the time's precision at ${at} (it would never move the schedule)`,
      { field: "interval" },
    );
    this.fault(spawn, "invalid-interval", error.message, error);
  }

  /** `cronNext` for places that fault the spawn when the schedule has no next date. */
  private checkedCronNext(cron: CronSchedule, t: number): number {
    const next = this.cronNext(cron, t);
    if (Number.isNaN(next)) throw new Error(`no due time after ${t} (past the date range)`);
    return next;
  }

  private newJob(program: ProgramRecord, spawn: SpawnRecord | null, dueAt: number): JobRecord {
    const seq = ++this.jobSeq;
    const id = "";
    const job = this.spareJobs.pop();
    if (job === undefined) {
      return {
        id,
        seq,
        dueAt,
        heapIndex: -1,
        program,
        spawn,
        startedAt: Number.NaN,
        inFlightIndex: -1,
        fireId: "",
        args: undefined,
      };
    }
    job.id = id;
    job.seq = seq;
    job.dueAt = dueAt;
    job.heapIndex = -1;
    job.program = program;
    job.spawn = spawn;
    job.startedAt = Number.NaN;
    job.inFlightIndex = -1;
    job.fireId = "";
    job.args = undefined;
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

  private trigger(program: ProgramRecord, scheduledAt: number, fireId: string | undefined): void {
    const job = this.newJob(program, null, scheduledAt);
    const jobId = jobIdOf(job);
    job.fireId = fireId ?? `${program.id}/trigger/${jobId}`;
    program.triggers.add(job);
    program.fresh = false;
    this.heap.push(job);
    this.emit({ type: "triggered", jobId, programId: program.id, scheduledAt });
  }

  private startJob(job: JobRecord): void {
    const spawn = job.spawn;
    job.startedAt = this.now;
    this.inFlight.add(job);
    if (spawn !== null) {
      // Its due time is final now: the fire id is made once, here.
      job.fireId = spawnFireId(job.program.id, spawn.id, job.dueAt);
      spawn.pending = null;
      job.inFlightIndex = spawn.inFlight.length;
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
      this.finishJob(job, true, error);
      return;
    }
    job.args = args;
    this.emit({
      type: "run",
      jobId: jobIdOf(job),
      fireId: job.fireId,
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
      let next = this.cronNext(cron, job.dueAt);
      if (spawn.config.misfire === "skip" && next <= this.now) next = this.cronNext(cron, this.now);
      if (Number.isNaN(next)) {
        const error = new Error(`no due time after ${job.dueAt} (past the date range)`);
        this.fault(spawn, "invalid-program", `program.cron: ${error.message}`, error);
        return;
      }
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
    if (!(next > job.dueAt)) {
      this.noProgress(spawn, interval, job.dueAt);
      return;
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

  /** A job's outcome arrived: `payload` is its value, or its error when `failed`. */
  private finishJob(job: JobRecord, failed: boolean, payload: unknown): void {
    this.inFlight.delete(job.seq);
    job.args = undefined;
    const spawn = job.spawn;
    if (spawn === null) {
      this.finishTrigger(job, failed, payload);
      return;
    }
    this.settle(spawn, job, failed, payload);
    // Nothing refers to a settled job any more, unless it never left the heap
    // (its argsFn threw while it was starting): then the heap still holds it.
    if (job.heapIndex === -1 && job !== this.starting && this.spareJobs.length < MAX_SPARE_JOBS) {
      this.spareJobs.push(job as ReusableJob);
    }
  }

  /** Takes a job out of its spawn's in-flight list in O(1): the last one fills its place. */
  private leaveInFlight(spawn: SpawnRecord, job: JobRecord): void {
    const list = spawn.inFlight;
    let index = job.inFlightIndex;
    if (list[index] !== job) index = list.indexOf(job); // a record restored without its index
    if (index < 0) return;
    const last = list.pop() as JobRecord;
    if (last !== job) {
      list[index] = last;
      last.inFlightIndex = index;
    }
    job.inFlightIndex = -1;
  }

  /** A spawn's job has its outcome: fold it into state, record it, and decide what comes next. */
  private settle(spawn: SpawnRecord, job: JobRecord, jobFailed: boolean, payload: unknown): void {
    this.leaveInFlight(spawn, job);
    const { config, program } = spawn;
    let failed = jobFailed;
    let error: unknown = jobFailed ? payload : undefined;
    try {
      const output = jobFailed
        ? config.errorFn?.(payload)
        : config.successFn === undefined
          ? payload
          : config.successFn(payload);
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
    const value = jobFailed ? undefined : payload;
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
            fireId: job.fireId,
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
            fireId: job.fireId,
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
    this.scheduleAfterCompletion(spawn);
  }

  /** Fixed delay: a basic spawn's next job is due one interval after this one completed. */
  private scheduleAfterCompletion(spawn: SpawnRecord): void {
    if (spawn.config.type !== "basic") return;
    const interval = this.nextInterval(spawn);
    if (interval === undefined) return;
    if (!(this.now + interval > this.now)) this.noProgress(spawn, interval, this.now);
    else this.schedule(spawn, this.now + interval);
  }

  /**
   * A job completed `{ lost: true }`: its result is unknown. It settles with status "lost"; no
   * hook is called, the state is unchanged, no result is kept; a basic spawn goes on as after any
   * completion (continueFn is not asked: there is no new result to judge).
   */
  private loseJob(job: JobRecord): void {
    this.inFlight.delete(job.seq);
    job.args = undefined;
    const { spawn, program } = job;
    this.emit({
      type: "settled",
      jobId: jobIdOf(job),
      fireId: job.fireId,
      programId: program.id,
      spawnId: spawn?.id ?? null,
      status: "lost",
      scheduledAt: job.dueAt,
      startedAt: job.startedAt,
      endedAt: this.now,
    });
    if (spawn === null) {
      program.triggers.delete(job);
      return;
    }
    this.leaveInFlight(spawn, job);
    spawn.lost++;
    if (spawn.status === "terminating") {
      if (spawn.inFlight.length === 0) this.finalizeStop(spawn);
      return;
    }
    if (isRunning(spawn)) this.scheduleAfterCompletion(spawn);
  }

  private finishTrigger(job: JobRecord, jobFailed: boolean, payload: unknown): void {
    const program = job.program;
    program.triggers.delete(job);
    let error: unknown = jobFailed ? payload : undefined;
    let ok = !jobFailed;
    if (ok) {
      try {
        program.state = (program.config.mergeFn ?? defaultMerge)(program.state, payload);
      } catch (mergeError) {
        ok = false;
        error = mergeError;
      }
    }
    this.emit({
      type: "settled",
      jobId: jobIdOf(job),
      fireId: job.fireId,
      programId: program.id,
      spawnId: null,
      status: ok ? "succeeded" : "errored",
      scheduledAt: job.dueAt,
      startedAt: job.startedAt,
      endedAt: this.now,
      ...(ok ? { value: payload } : { error }),
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
    // The first reason stands: a spawn already stopping (unspawned, say) and then killed was unspawned.
    spawn.stopReason ??= reason;
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
      fireId: fireIdOf(job),
      programId: spawn.programId,
      spawnId: spawn.id,
      reason,
      inFlight: false,
    });
  }

  private cancelInFlight(spawn: SpawnRecord, reason: CancelReason): void {
    for (const job of spawn.inFlight) {
      this.inFlight.delete(job.seq);
      job.args = undefined;
      this.emit({
        type: "cancel",
        jobId: jobIdOf(job),
        fireId: job.fireId,
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

  /**
   * Uninstall stops every spawn gracefully, clear kills them; then the jobs
   * still in flight are cancelled, so every spawn gets its one `stopped` now,
   * before the program goes.
   */
  private removeProgram(program: ProgramRecord, how: "clear" | "uninstall"): void {
    for (const spawn of [...program.running]) this.stopSpawn(spawn, how, how === "clear");
    for (const spawn of [...program.spawns.values()]) {
      if (spawn.status !== "terminating") continue;
      this.cancelInFlight(spawn, how);
      this.finalizeStop(spawn);
    }
    for (const job of program.triggers) {
      const waiting = this.heap.remove(job);
      this.inFlight.delete(job.seq);
      this.emit({
        type: "cancel",
        jobId: jobIdOf(job),
        fireId: job.fireId,
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
  missed: spawn.missed,
  lost: spawn.lost,
});
