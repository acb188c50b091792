/**
 * A reference model of the kernel: the semantics of SEMANTICS.md and the
 * kernel's README written a second time, as plainly as possible, so that the
 * simulator can compare it with `createKernel` effect by effect.
 *
 * Deliberately simple: plain arrays and objects, linear scans, and the list of
 * waiting jobs sorted afresh whenever the next one is needed. It shares no code
 * with the kernel; only the public types of `@schedkit/kernel` are used.
 *
 * The order of effects inside one dispatch is part of what is compared:
 *   1. the command's shape is checked; a malformed command gives `rejected`
 *      and nothing else (not even time moves);
 *   2. time moves to `at` (an `at` in the past counts as a regression);
 *   3. every job due by then starts, in (due time, creation order);
 *   4. the command is checked against the state it now meets (every hook the
 *      command needs runs here); a failed check gives `rejected`;
 *   5. the command applies;
 *   6. every job the command made due starts;
 *   7. `wake` comes last.
 */

import type {
  CancelReason,
  Command,
  Interval,
  KernelEffect,
  KernelOptions,
  Outcome,
  ProgramSpec,
  ResultRecord,
  SchedkitErrorCode,
  SpawnOptions,
  SpawnSet,
  SpawnView,
  UnspawnPolicy,
} from "@schedkit/kernel";
import { Cron, Result } from "effect";

/** The model's one operation: the same as `Kernel.dispatch`. */
export interface ReferenceModel {
  dispatch(command: Command): KernelEffect[];
}

// -----------------------------------------------------------------------------
// The model's state.

type SpawnStatus = "created" | "running" | "terminating" | "stopped";

/** The hooks and options a spawn runs with (the program's, overridden by spawn options). */
interface Hooks {
  readonly type: "basic" | "constant" | "cron";
  readonly delay: number | "random" | undefined;
  readonly timeFn: ((t: number) => unknown) | undefined;
  readonly argsFn: (() => unknown) | undefined;
  readonly createFn: (() => unknown) | undefined;
  readonly mergeFn: ((state: unknown, output: unknown) => unknown) | undefined;
  readonly successFn: ((value: unknown) => unknown) | undefined;
  readonly errorFn: ((error: unknown) => unknown) | undefined;
  readonly continueFn: ((props: never) => unknown) | undefined;
  readonly misfire: "catch-up" | "skip";
  readonly output: "latest" | "all";
}

interface Program {
  readonly id: string;
  readonly hooks: Hooks;
  readonly scope: "program" | "spawn";
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly policy: string | undefined;
  interval: Interval;
  state: unknown;
  /** Spawns still known (running, terminating, or in the history), in creation order. */
  spawns: Spawn[];
  /** Stopped (or terminating) spawns, oldest first, at most `historyLimit`. */
  history: Spawn[];
  /** The number of the last spawn id made up for this program. */
  lastSpawnNumber: number;
  /** For a cron program: the next match strictly after a time. */
  readonly cronNext: ((t: number) => number) | undefined;
}

interface Spawn {
  readonly id: string;
  readonly program: Program;
  readonly startedAt: number;
  readonly hooks: Hooks;
  status: SpawnStatus;
  stopReason: CancelReason | undefined;
  updatedAt: number;
  interval: Interval;
  /** The interval used at the latest scheduling. */
  lastInterval: number;
  /** The spawn's own state (scope "spawn"). */
  state: unknown;
  submitted: number;
  succeeded: number;
  errored: number;
  lastError: unknown;
  /**
   * The spawn's jobs in flight. When one finishes, the last one takes its
   * place: that is the order in which a kill cancels them, as in the kernel.
   */
  active: Job[];
  /** Result records kept with `output: "all"` (at most `historyLimit`). */
  results: ResultRecord[];
}

interface Job {
  readonly id: string;
  readonly seq: number;
  readonly program: Program;
  /** `null` for a trigger. */
  readonly spawn: Spawn | null;
  readonly dueAt: number;
  startedAt: number;
  /** False while waiting for its due time, true once started. */
  running: boolean;
}

/** What checking a command decided: apply it, or reject it. */
type Verdict =
  | { readonly ok: true; readonly apply: () => void }
  | { readonly ok: false; readonly code: SchedkitErrorCode; readonly field: string; readonly message: string };

const refuseWith = (code: SchedkitErrorCode, field: string, message: string): Verdict => ({
  ok: false,
  code,
  field,
  message,
});

const isRunning = (spawn: Spawn): boolean => spawn.status === "created" || spawn.status === "running";

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The error a bad interval value makes (shaped like the kernel's `SchedkitError`). */
class IntervalError extends Error {
  override readonly name = "SchedkitError";
  readonly code: SchedkitErrorCode = "invalid-interval";
  readonly field: string | undefined = "interval";
}

/** Calls a dynamic interval; throws unless the value is a positive finite number. */
const intervalValue = (interval: Interval): number => {
  const value: unknown = typeof interval === "function" ? interval() : interval;
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  throw new IntervalError(`interval: expected a positive number of ms, got ${String(value)}`);
};

/** The default `mergeFn`. */
const mergeByDefault = (state: unknown, output: unknown): unknown => {
  if (output === undefined) return state;
  const plain = (value: unknown): boolean => {
    if (typeof value !== "object" || value === null) return false;
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  };
  if (plain(state) && plain(output)) return { ...(state as object), ...(output as object) };
  return output;
};

/** mulberry32, the generator the kernel draws `delay: "random"` from. */
const makeRandom = (seed: number) => {
  let state = seed >>> 0;
  const float = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { below: (bound: number): number => Math.floor(float() * Math.max(1, Math.floor(bound))) };
};

// -----------------------------------------------------------------------------
// Input checks: the same codes and fields as the kernel (messages differ).

type Check = { readonly field: string } | undefined;

const isRecord = (value: unknown): value is Record<PropertyKey, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isFiniteNumber = (value: unknown): boolean => typeof value === "number" && Number.isFinite(value);
const isNonEmptyString = (value: unknown): boolean => typeof value === "string" && value !== "";
const isFunction = (value: unknown): boolean => typeof value === "function";
const isPositiveInt = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) > 0;
const isInterval = (value: unknown): boolean => isFunction(value) || (isFiniteNumber(value) && (value as number) > 0);
const isDelay = (value: unknown): boolean => value === "random" || (isFiniteNumber(value) && (value as number) >= 0);
const oneOf =
  (...options: readonly unknown[]) =>
  (value: unknown): boolean =>
    options.includes(value);
const anything = (): boolean => true;

type FieldRule = readonly [name: string, required: boolean, valid: (value: unknown) => boolean];

/** Checks an object: first any unknown key, then each field in order. Optional fields may be `undefined`. */
const checkFields = (input: unknown, root: string, rules: readonly FieldRule[]): Check => {
  if (!isRecord(input)) return { field: root };
  for (const key of Reflect.ownKeys(input)) {
    if (!rules.some(([name]) => name === key)) return { field: `${root}.${String(key)}` };
  }
  for (const [name, required, valid] of rules) {
    if (!(name in input)) {
      if (required) return { field: `${root}.${name}` };
      continue;
    }
    const value = input[name];
    if (!required && value === undefined) continue;
    if (!valid(value)) return { field: `${root}.${name}` };
  }
  return undefined;
};

const overridableRules: readonly FieldRule[] = [
  ["interval", false, isInterval],
  ["delay", false, isDelay],
  ["timeFn", false, isFunction],
  ["argsFn", false, isFunction],
  ["createFn", false, isFunction],
  ["mergeFn", false, isFunction],
  ["successFn", false, isFunction],
  ["errorFn", false, isFunction],
  ["continueFn", false, isFunction],
  ["output", false, oneOf("latest", "all")],
  ["misfire", false, oneOf("catch-up", "skip")],
  ["meta", false, anything],
];

const programRules: readonly FieldRule[] = [
  ["id", true, isNonEmptyString],
  ["mainFn", true, isFunction],
  ["type", false, oneOf("basic", "constant", "cron")],
  ["min", false, isPositiveInt],
  ["max", false, isPositiveInt],
  ["policy", false, isNonEmptyString],
  ["scope", false, oneOf("program", "spawn")],
  ["cron", false, (value) => typeof value === "string"],
  ["timezone", false, (value) => typeof value === "string"],
  ...overridableRules,
];

const spawnOptionRules: readonly FieldRule[] = [["spawnId", false, isNonEmptyString], ...overridableRules];

const checkOutcome = (outcome: unknown, root: string): Check => {
  if (isRecord(outcome) && outcome.ok === true) {
    return checkFields(outcome, root, [
      ["ok", true, anything],
      ["value", false, anything],
    ]);
  }
  if (isRecord(outcome) && outcome.ok === false) {
    return checkFields(outcome, root, [
      ["ok", true, anything],
      ["error", true, anything],
    ]);
  }
  return { field: root };
};

const required = (name: string, valid: (value: unknown) => boolean): FieldRule => [name, true, valid];
const optional = (name: string, valid: (value: unknown) => boolean): FieldRule => [name, false, valid];

const commandRules: Readonly<Record<Command["type"], readonly FieldRule[]>> = {
  install: [required("program", anything)],
  uninstall: [required("programId", isNonEmptyString)],
  spawn: [required("programId", isNonEmptyString), optional("opts", anything)],
  unspawn: [required("programId", isNonEmptyString)],
  tick: [],
  trigger: [required("programId", isNonEmptyString), optional("scheduledAt", isFiniteNumber)],
  complete: [required("jobId", isNonEmptyString), required("outcome", anything)],
  "set-interval": [
    required("programId", isNonEmptyString),
    optional("spawnId", isNonEmptyString),
    required("interval", anything),
  ],
  "stop-spawn": [required("programId", isNonEmptyString), required("spawnId", isNonEmptyString)],
  "kill-spawn": [required("programId", isNonEmptyString), required("spawnId", isNonEmptyString)],
  "stop-all": [optional("programId", isNonEmptyString)],
  "kill-all": [optional("programId", isNonEmptyString)],
  clear: [required("programId", isNonEmptyString)],
};

const checkCommand = (input: unknown): Check => {
  if (typeof input !== "object" || input === null) return { field: "command" };
  const type = (input as { type?: unknown }).type;
  if (typeof type !== "string" || !Object.hasOwn(commandRules, type)) return { field: "command.type" };
  const rules = commandRules[type as Command["type"]];
  const found = checkFields(input, "command", [required("type", anything), required("at", isFiniteNumber), ...rules]);
  if (found !== undefined) return found;
  if (type === "complete") return checkOutcome((input as { outcome: unknown }).outcome, "command.outcome");
  return undefined;
};

// -----------------------------------------------------------------------------
// The model.

/** A reference implementation of `createKernel(options)`, for comparison. */
export const createReferenceModel = (options: KernelOptions): ReferenceModel => {
  const policies: UnspawnPolicy[] = [...(options.policies ?? [])];
  const defaultPolicy = options.defaultPolicy ?? policies[0]?.name;
  const historyLimit = options.historyLimit ?? 100;
  const random = makeRandom(options.seed ?? 0);

  let now = 0;
  let jobsIssued = 0;
  let programs: Program[] = [];
  /** Jobs waiting for their time or in flight, in creation order. */
  let jobs: Job[] = [];
  let out: KernelEffect[] = [];

  const emit = (effect: KernelEffect): void => {
    out.push(effect);
  };

  // --- Lookups -------------------------------------------------------------

  const findProgram = (id: string): Program | undefined => programs.find((program) => program.id === id);

  const inHistory = (spawn: Spawn): boolean => spawn.program.history.includes(spawn);

  /** A spawn is known while it is not stopped, or while the history keeps it. */
  const isKnown = (spawn: Spawn): boolean => spawn.status !== "stopped" || inHistory(spawn);

  const forgetUnknown = (program: Program): void => {
    program.spawns = program.spawns.filter(isKnown);
  };

  const findSpawn = (program: Program, id: string): Spawn | undefined =>
    program.spawns.find((spawn) => spawn.id === id && isKnown(spawn));

  const runningSpawns = (program: Program): Spawn[] => program.spawns.filter(isRunning);

  const waitingJobs = (): Job[] =>
    jobs.filter((job) => !job.running).sort((a, b) => (a.dueAt === b.dueAt ? a.seq - b.seq : a.dueAt - b.dueAt));

  const waitingJobOf = (spawn: Spawn): Job | undefined => jobs.find((job) => job.spawn === spawn && !job.running);

  const dropJob = (job: Job): void => {
    jobs = jobs.filter((other) => other !== job);
  };

  const stateOf = (spawn: Spawn): unknown => (spawn.program.scope === "spawn" ? spawn.state : spawn.program.state);

  const propsOf = (spawn: Spawn) => ({
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

  // --- Jobs ----------------------------------------------------------------

  const newJob = (program: Program, spawn: Spawn | null, dueAt: number): Job => {
    jobsIssued += 1;
    const job: Job = { id: `job-${jobsIssued}`, seq: jobsIssued, program, spawn, dueAt, startedAt: 0, running: false };
    jobs.push(job);
    return job;
  };

  const schedule = (spawn: Spawn, dueAt: number): void => {
    newJob(spawn.program, spawn, dueAt);
    spawn.submitted += 1;
  };

  /** The spawn's next interval; a failing interval function stops the spawn (and gives undefined). */
  const nextInterval = (spawn: Spawn): number | undefined => {
    try {
      spawn.lastInterval = intervalValue(spawn.interval);
      return spawn.lastInterval;
    } catch (error) {
      const code = error instanceof IntervalError ? error.code : "hook-failed";
      fault(spawn, code, `interval: ${messageOf(error).replace(/^interval: /, "")}`, error);
      return undefined;
    }
  };

  const startJob = (job: Job): void => {
    job.running = true;
    job.startedAt = now;
    const spawn = job.spawn;
    if (spawn !== null) {
      spawn.active.push(job);
      if (spawn.status === "created") spawn.status = "running";
      // Cron: the next match after this due time (skip: after now), scheduled as the job starts.
      const cronNext = spawn.program.cronNext;
      if (cronNext !== undefined && isRunning(spawn)) {
        let dueAt = cronNext(job.dueAt);
        if (spawn.hooks.misfire === "skip" && dueAt <= now) dueAt = cronNext(now);
        spawn.lastInterval = dueAt - job.dueAt;
        schedule(spawn, dueAt);
      }
      // Fixed rate: the next grid point is scheduled as soon as this job starts.
      if (spawn.hooks.type === "constant" && isRunning(spawn)) {
        const interval = nextInterval(spawn);
        if (interval !== undefined) {
          let dueAt = job.dueAt + interval;
          if (spawn.hooks.misfire === "skip" && dueAt <= now) {
            dueAt = job.dueAt + interval * (Math.floor((now - job.dueAt) / interval) + 1);
          }
          schedule(spawn, dueAt);
        }
      }
    }
    const argsFn = spawn === null ? job.program.hooks.argsFn : spawn.hooks.argsFn;
    let args: unknown;
    try {
      args = argsFn === undefined ? undefined : argsFn();
    } catch (error) {
      finishJob(job, { ok: false, error });
      return;
    }
    emit({
      type: "run",
      jobId: job.id,
      programId: job.program.id,
      spawnId: spawn === null ? null : spawn.id,
      scheduledAt: job.dueAt,
      startedAt: now,
      args,
    });
  };

  const startDueJobs = (): void => {
    for (;;) {
      const next = waitingJobs()[0];
      if (next === undefined || next.dueAt > now) return;
      startJob(next);
    }
  };

  const finishTrigger = (job: Job, outcome: Outcome): void => {
    const program = job.program;
    let failed = !outcome.ok;
    let error: unknown = outcome.ok ? undefined : outcome.error;
    if (outcome.ok) {
      try {
        program.state = (program.hooks.mergeFn ?? mergeByDefault)(program.state, outcome.value);
      } catch (mergeError) {
        failed = true;
        error = mergeError;
      }
    }
    emit({
      type: "settled",
      jobId: job.id,
      programId: program.id,
      spawnId: null,
      status: failed ? "errored" : "succeeded",
      scheduledAt: job.dueAt,
      startedAt: job.startedAt,
      endedAt: now,
      ...(failed ? { error } : { value: outcome.ok ? outcome.value : undefined }),
    });
  };

  const finishJob = (job: Job, outcome: Outcome): void => {
    dropJob(job);
    const spawn = job.spawn;
    if (spawn === null) {
      finishTrigger(job, outcome);
      return;
    }
    const index = spawn.active.indexOf(job);
    if (index >= 0) {
      const last = spawn.active.pop() as Job;
      if (last !== job) spawn.active[index] = last;
    }
    const { hooks, program } = spawn;

    // The output, folded into the state; a throwing hook makes the job errored.
    let failed = !outcome.ok;
    let error: unknown = outcome.ok ? undefined : outcome.error;
    try {
      let output: unknown;
      if (outcome.ok) output = hooks.successFn === undefined ? outcome.value : hooks.successFn(outcome.value);
      else output = hooks.errorFn === undefined ? undefined : hooks.errorFn(outcome.error);
      const state = (hooks.mergeFn ?? mergeByDefault)(stateOf(spawn), output);
      if (program.scope === "spawn") spawn.state = state;
      else program.state = state;
    } catch (hookError) {
      failed = true;
      error = hookError;
    }
    if (failed) {
      spawn.errored += 1;
      spawn.lastError = error;
    } else {
      spawn.succeeded += 1;
    }
    spawn.updatedAt = now;
    const times = { scheduledAt: job.dueAt, startedAt: job.startedAt, endedAt: now };
    const result: ResultRecord = failed
      ? { jobId: job.id, status: "errored", error, ...times }
      : { jobId: job.id, status: "succeeded", value: outcome.ok ? outcome.value : undefined, ...times };
    if (hooks.output === "all") {
      spawn.results.push(result);
      if (spawn.results.length > historyLimit) spawn.results.shift();
    } else {
      spawn.results = [result];
    }
    emit({
      type: "settled",
      jobId: job.id,
      programId: program.id,
      spawnId: spawn.id,
      status: result.status,
      ...times,
      ...(failed ? { error } : { value: result.value }),
    });

    if (spawn.status === "terminating") {
      if (spawn.active.length === 0) markStopped(spawn);
      return;
    }
    if (!isRunning(spawn)) return;
    if (hooks.continueFn !== undefined) {
      let goOn: unknown;
      try {
        goOn = (hooks.continueFn as (props: unknown) => unknown)({
          ...propsOf(spawn),
          programId: program.id,
          spawnId: spawn.id,
          result,
          state: stateOf(spawn),
        });
      } catch (hookError) {
        fault(spawn, "hook-failed", `continueFn: threw: ${messageOf(hookError)}`, hookError);
        return;
      }
      if (goOn === false) {
        stopSpawn(spawn, "continue", false);
        return;
      }
    }
    // Fixed delay: the next job is due one interval after this one completed.
    if (hooks.type === "basic") {
      const interval = nextInterval(spawn);
      if (interval !== undefined) schedule(spawn, now + interval);
    }
  };

  // --- Stopping ------------------------------------------------------------

  const fault = (spawn: Spawn, code: SchedkitErrorCode, message: string, error: unknown): void => {
    spawn.lastError = error;
    emit({ type: "fault", programId: spawn.program.id, spawnId: spawn.id, code, message, error });
    stopSpawn(spawn, "fault", false);
  };

  const cancelWaiting = (spawn: Spawn, reason: CancelReason): void => {
    const job = waitingJobOf(spawn);
    if (job === undefined) return;
    dropJob(job);
    emit({ type: "cancel", jobId: job.id, programId: spawn.program.id, spawnId: spawn.id, reason, inFlight: false });
  };

  const cancelActive = (spawn: Spawn, reason: CancelReason): void => {
    for (const job of spawn.active) {
      dropJob(job);
      emit({ type: "cancel", jobId: job.id, programId: spawn.program.id, spawnId: spawn.id, reason, inFlight: true });
    }
    spawn.active = [];
  };

  const markStopped = (spawn: Spawn): void => {
    spawn.status = "stopped";
    forgetUnknown(spawn.program);
    emit({ type: "stopped", programId: spawn.program.id, spawnId: spawn.id, reason: spawn.stopReason ?? "stop" });
  };

  const addToHistory = (spawn: Spawn): void => {
    const program = spawn.program;
    program.history.push(spawn);
    while (program.history.length > historyLimit) program.history.shift();
    forgetUnknown(program);
  };

  /** Stops a spawn: gracefully (jobs in flight finish), or with `kill` (they are cancelled too). */
  const stopSpawn = (spawn: Spawn, reason: CancelReason, kill: boolean): void => {
    if (spawn.status === "stopped") return;
    if (isRunning(spawn)) addToHistory(spawn);
    spawn.stopReason = reason;
    cancelWaiting(spawn, reason);
    if (kill) cancelActive(spawn, reason);
    if (spawn.active.length > 0) spawn.status = "terminating";
    else markStopped(spawn);
  };

  const stopProgram = (program: Program, kill: boolean): void => {
    for (const spawn of runningSpawns(program)) stopSpawn(spawn, kill ? "kill" : "stop", kill);
    if (!kill) return;
    // A kill also ends the spawns that were stopping gracefully.
    for (const spawn of [...program.spawns]) {
      if (spawn.status === "terminating") stopSpawn(spawn, "kill", true);
    }
  };

  const removeProgram = (program: Program, how: "clear" | "uninstall"): void => {
    if (how === "uninstall") for (const spawn of runningSpawns(program)) stopSpawn(spawn, "uninstall", false);
    for (const spawn of program.spawns.filter(isKnown)) {
      cancelWaiting(spawn, how);
      cancelActive(spawn, how);
    }
    for (const job of jobs.filter((each) => each.program === program && each.spawn === null)) {
      dropJob(job);
      emit({ type: "cancel", jobId: job.id, programId: program.id, spawnId: null, reason: how, inFlight: job.running });
    }
    programs = programs.filter((other) => other !== program);
    emit({ type: how === "clear" ? "cleared" : "uninstalled", programId: program.id });
  };

  // --- Commands: each checks everything first, then returns what to apply. --

  const unknownProgram = (id: string): Verdict =>
    refuseWith("unknown-program", "command.programId", `no program "${id}" is installed`);

  const unknownSpawn = (programId: string, spawnId: string): Verdict =>
    refuseWith("unknown-spawn", "command.spawnId", `program "${programId}" has no spawn "${spawnId}"`);

  const accept = (apply: () => void): Verdict => ({ ok: true, apply });

  const refusal = (command: Command, code: "max-reached" | "min-reached" | "none-running" | "policy-refused") =>
    accept(() => emit({ type: "refused", command, code, message: code }));

  const hooksOf = (spec: ProgramSpec): Hooks => ({
    type: spec.type ?? "basic",
    delay: spec.delay,
    timeFn: spec.timeFn,
    argsFn: spec.argsFn,
    createFn: spec.createFn,
    mergeFn: spec.mergeFn,
    successFn: spec.successFn,
    errorFn: spec.errorFn,
    continueFn: spec.continueFn,
    misfire: spec.misfire ?? "catch-up",
    output: spec.output ?? "latest",
  });

  const overridden = (base: Hooks, opts: SpawnOptions | undefined): Hooks => ({
    type: base.type,
    delay: opts?.delay ?? base.delay,
    timeFn: opts?.timeFn ?? base.timeFn,
    argsFn: opts?.argsFn ?? base.argsFn,
    createFn: opts?.createFn ?? base.createFn,
    mergeFn: opts?.mergeFn ?? base.mergeFn,
    successFn: opts?.successFn ?? base.successFn,
    errorFn: opts?.errorFn ?? base.errorFn,
    continueFn: opts?.continueFn ?? base.continueFn,
    misfire: opts?.misfire ?? base.misfire,
    output: opts?.output ?? base.output,
  });

  const install = (input: unknown): Verdict => {
    const bad = checkFields(input, "program", programRules);
    if (bad !== undefined) return refuseWith("invalid-program", bad.field, "invalid program");
    const spec = input as ProgramSpec;
    let cronNext: ((t: number) => number) | undefined;
    if (spec.type === "cron") {
      // A cron program's times come from its expression: no interval, delay or timeFn.
      for (const field of ["interval", "delay", "timeFn"] as const) {
        if (spec[field] !== undefined) return refuseWith("invalid-program", `program.${field}`, "not with cron");
      }
      if (typeof spec.cron !== "string" || spec.cron.trim() === "") {
        return refuseWith("invalid-program", "program.cron", "required with cron");
      }
      const zone = spec.timezone ?? "UTC";
      if (Result.isFailure(Cron.parse("* * * * *", zone)))
        return refuseWith("invalid-program", "program.timezone", "unknown zone");
      const parsed = Cron.parse(spec.cron, zone, { onDstOverlap: "earlier" });
      if (Result.isFailure(parsed)) return refuseWith("invalid-program", "program.cron", "bad expression");
      const cron = parsed.success;
      cronNext = (t) => Cron.next(cron, t).getTime();
    } else {
      if (spec.cron !== undefined) return refuseWith("invalid-program", "program.cron", "only with cron");
      if (spec.timezone !== undefined) return refuseWith("invalid-program", "program.timezone", "only with cron");
      if (spec.interval === undefined) return refuseWith("invalid-program", "program.interval", "required");
    }
    if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
      return refuseWith("invalid-program", "program.min", "min > max");
    }
    if (spec.policy !== undefined && !policies.some((policy) => policy.name === spec.policy)) {
      return refuseWith("unknown-policy", "program.policy", `no policy "${spec.policy}"`);
    }
    let state: unknown;
    try {
      state = spec.createFn === undefined ? undefined : spec.createFn();
    } catch (error) {
      return refuseWith("hook-failed", "program.createFn", `createFn threw: ${messageOf(error)}`);
    }
    const interval = spec.interval ?? 0;
    return accept(() => {
      const old = findProgram(spec.id);
      if (old !== undefined) removeProgram(old, "uninstall");
      programs.push({
        id: spec.id,
        hooks: hooksOf(spec),
        scope: spec.scope ?? "program",
        min: spec.min,
        max: spec.max,
        policy: spec.policy,
        interval,
        state,
        spawns: [],
        history: [],
        lastSpawnNumber: 0,
        cronNext,
      });
      emit({ type: "installed", programId: spec.id });
    });
  };

  const spawn = (command: Extract<Command, { type: "spawn" }>, at: number): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const opts = command.opts;
    if (opts !== undefined) {
      const bad = checkFields(opts, "opts", spawnOptionRules);
      if (bad !== undefined) return refuseWith("invalid-options", bad.field, "invalid options");
    }
    const wantedId = opts?.spawnId;
    if (wantedId !== undefined && findSpawn(program, wantedId) !== undefined) {
      return refuseWith("duplicate-spawn", "opts.spawnId", `spawn "${wantedId}" exists`);
    }
    if (program.max !== undefined && runningSpawns(program).length >= program.max) {
      return refusal(command, "max-reached");
    }
    const hooks = overridden(program.hooks, opts);
    const interval = opts?.interval ?? program.interval;
    let firstInterval: number;
    let firstDue: number | undefined;
    if (program.cronNext !== undefined) {
      for (const key of ["interval", "delay", "timeFn"] as const) {
        if (opts?.[key] !== undefined) return refuseWith("invalid-options", `opts.${key}`, "not for cron");
      }
      firstDue = program.cronNext(at);
      firstInterval = firstDue - at;
    } else {
      try {
        firstInterval = intervalValue(interval);
      } catch (error) {
        const field = opts?.interval !== undefined ? "opts.interval" : "program.interval";
        return refuseWith("invalid-interval", field, messageOf(error));
      }
    }
    let base = at;
    if (hooks.type === "constant" && hooks.timeFn !== undefined) {
      let aligned: unknown;
      try {
        aligned = hooks.timeFn(at);
      } catch (error) {
        return refuseWith("hook-failed", "program.timeFn", `timeFn threw: ${messageOf(error)}`);
      }
      if (typeof aligned !== "number" || !Number.isFinite(aligned)) {
        return refuseWith("hook-failed", "program.timeFn", "timeFn gave no finite time");
      }
      base = aligned;
    }
    let state: unknown;
    if (program.scope === "spawn") {
      try {
        state = hooks.createFn === undefined ? undefined : hooks.createFn();
      } catch (error) {
        return refuseWith("hook-failed", "program.createFn", `createFn threw: ${messageOf(error)}`);
      }
    }
    return accept(() => {
      let id = wantedId;
      while (id === undefined || (wantedId === undefined && findSpawn(program, id) !== undefined)) {
        program.lastSpawnNumber += 1;
        id = `${program.id}-${program.lastSpawnNumber}`;
      }
      const delay = hooks.delay === "random" ? random.below(firstInterval) : hooks.delay;
      const created: Spawn = {
        id,
        program,
        startedAt: now,
        hooks,
        status: "created",
        stopReason: undefined,
        updatedAt: now,
        interval,
        lastInterval: firstInterval,
        state,
        submitted: 0,
        succeeded: 0,
        errored: 0,
        lastError: undefined,
        active: [],
        results: [],
      };
      program.spawns.push(created);
      emit({ type: "spawned", programId: program.id, spawnId: id, startedAt: now });
      schedule(created, firstDue ?? base + (delay ?? firstInterval));
    });
  };

  const viewOf = (spawn: Spawn): SpawnView =>
    Object.freeze({
      id: spawn.id,
      programId: spawn.program.id,
      startedAt: spawn.startedAt,
      inFlight: spawn.active.length,
      submitted: spawn.submitted,
      succeeded: spawn.succeeded,
      errored: spawn.errored,
      completed: spawn.succeeded + spawn.errored,
    });

  const unspawn = (command: Extract<Command, { type: "unspawn" }>): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const running = runningSpawns(program);
    if (running.length === 0) return refusal(command, "none-running");
    if (program.min !== undefined && running.length <= program.min) return refusal(command, "min-reached");
    const policyName = program.policy ?? defaultPolicy;
    const policy = policies.find((each) => each.name === policyName);
    if (policy === undefined) return refuseWith("no-policy", "program.policy", "no policy to choose with");
    const views = running.map(viewOf);
    const set: SpawnSet = Object.freeze({
      size: views.length,
      earliest: () => views[0],
      latest: () => views[views.length - 1],
      [Symbol.iterator]: () => views[Symbol.iterator](),
    });
    const failed = `policy "${policy.name}"`;
    let chosen: unknown;
    try {
      chosen = policy.select(set);
    } catch (error) {
      return refuseWith("policy-failed", failed, `threw: ${messageOf(error)}`);
    }
    if (chosen === undefined) return refusal(command, "policy-refused");
    const victim = running.find((each) => each.id === chosen);
    if (victim === undefined) return refuseWith("policy-failed", failed, `chose ${String(chosen)}`);
    return accept(() => {
      emit({ type: "unspawned", programId: program.id, spawnId: victim.id });
      stopSpawn(victim, "unspawn", false);
    });
  };

  const changeInterval = (command: Extract<Command, { type: "set-interval" }>): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const interval = command.interval;
    if (!isInterval(interval)) return refuseWith("invalid-interval", "command.interval", "not an interval");
    if (program.cronNext !== undefined) return refuseWith("invalid-interval", "command.interval", "a cron program");
    const spawnId = command.spawnId;
    if (spawnId === undefined) {
      return accept(() => {
        program.interval = interval;
        for (const each of runningSpawns(program)) each.interval = interval;
        emit({ type: "interval-set", programId: program.id, spawnId: null });
      });
    }
    const target = findSpawn(program, spawnId);
    if (target === undefined) return unknownSpawn(program.id, spawnId);
    return accept(() => {
      target.interval = interval;
      emit({ type: "interval-set", programId: program.id, spawnId });
    });
  };

  const complete = (jobId: string, outcome: Outcome): Verdict => {
    const job = jobs.find((each) => each.id === jobId && each.running);
    if (job !== undefined) return accept(() => finishJob(job, outcome));
    const issued = /^job-(\d+)$/.exec(jobId);
    if (issued !== null && Number(issued[1]) <= jobsIssued) {
      return accept(() => emit({ type: "discarded", jobId }));
    }
    return refuseWith("unknown-job", "command.jobId", `no job "${jobId}" was issued`);
  };

  const judge = (command: Command): Verdict => {
    const at = now;
    switch (command.type) {
      case "tick":
        return accept(() => {});
      case "install":
        return install(command.program);
      case "spawn":
        return spawn(command, at);
      case "unspawn":
        return unspawn(command);
      case "trigger": {
        const program = findProgram(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        const scheduledAt = command.scheduledAt ?? at;
        return accept(() => {
          const job = newJob(program, null, scheduledAt);
          emit({ type: "triggered", jobId: job.id, programId: program.id, scheduledAt });
        });
      }
      case "complete":
        return complete(command.jobId, command.outcome);
      case "set-interval":
        return changeInterval(command);
      case "stop-spawn":
      case "kill-spawn": {
        const program = findProgram(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        const target = findSpawn(program, command.spawnId);
        if (target === undefined) return unknownSpawn(program.id, command.spawnId);
        const kill = command.type === "kill-spawn";
        return accept(() => stopSpawn(target, kill ? "kill" : "stop", kill));
      }
      case "stop-all":
      case "kill-all": {
        const kill = command.type === "kill-all";
        if (command.programId === undefined) {
          return accept(() => {
            for (const program of [...programs]) stopProgram(program, kill);
          });
        }
        const program = findProgram(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        return accept(() => stopProgram(program, kill));
      }
      case "clear":
      case "uninstall": {
        const program = findProgram(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        const how = command.type;
        return accept(() => removeProgram(program, how));
      }
    }
  };

  return {
    dispatch(command: Command): KernelEffect[] {
      out = [];
      const bad = checkCommand(command);
      if (bad === undefined) {
        // Time never goes backwards: an earlier `at` happens now.
        if (command.at >= now) now = command.at;
        startDueJobs();
      }
      const verdict = bad === undefined ? judge(command) : refuseWith("invalid-command", bad.field, "invalid command");
      if (verdict.ok) {
        verdict.apply();
        startDueJobs();
      } else {
        emit({ type: "rejected", command, code: verdict.code, field: verdict.field, message: verdict.message });
      }
      emit({ type: "wake", at: waitingJobs()[0]?.dueAt ?? null });
      const effects = out;
      out = [];
      return effects;
    },
  };
};
