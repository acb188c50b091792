/**
 * A reference model of the kernel: the semantics of the kernel's contract (its README) and the
 * kernel's README written a second time, as plainly as possible, so that the
 * simulator can compare it with `createKernel` effect by effect.
 *
 * Deliberately simple: plain arrays and objects, linear scans, and the list of
 * waiting jobs sorted afresh whenever the next one is needed. It shares no code
 * with the kernel; only the public types of `@schedkit/kernel` are used.
 *
 * The order of effects inside one dispatch is part of what is compared:
 *   1. the command's shape is checked (times within ±8.64e15 ms); a malformed
 *      command gives `rejected` and nothing else;
 *   2. the command is checked against the model as it is, at its time (every
 *      hook the check needs runs here); a failed check gives `rejected` and
 *      changes nothing, not even the time;
 *   3. time moves to `at` (an `at` in the past counts as a regression), the
 *      wall-clock offset follows `wall`, and every job due by then starts, in
 *      (due time, creation order), except due times older than the spawn's
 *      catch-up window or past the catch-up limit, which are `missed`;
 *   4. the command applies (bounds and the policy judge the state time left:
 *      a refusal, or a `policy-failed` rejection);
 *   5. every job the command made due starts;
 *   6. `wake` comes last.
 *
 * Spec 18 (overlap, pause and resume, maxRuns, startAt, endAt) is written from the
 * spec in its own modules (`model/overlap.ts`, `model/pause.ts`, `model/limits.ts`);
 * where the spec left an order open, `/work/notes/sim18-assumptions.md` says which.
 *
 * Lifecycle is derived, not traced: a spawn that was told to stop and has
 * nothing waiting or in flight has stopped, and gets its one `stopped` then;
 * a sweep at the end of every dispatch makes sure no such spawn is left
 * without one (a missing `stopped` cannot hide behind a shared code path).
 */

import type {
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
import { SPEC18_FEATURES } from "./features.js";
import { backfillAllAtOnce, backfillDueTimes, backfillSkips, DEFAULT_BUFFER_LIMIT } from "./model/backfill.js";
import { batchOf } from "./model/batch.js";
import {
  checkCommand,
  copyChecked,
  isInterval,
  isTime,
  MAX_TIME,
  MIN_INTERVAL,
  programRules,
  spawnOptionRules,
} from "./model/inputs.js";
import { checkProgramLimits, checkSpawnLimits, mergeLimits, scheduleBase } from "./model/limits.js";
import { CRON_STEPS, type Missed, missedOnCron, missedOnGrid } from "./model/missed.js";
import { decideOverlap } from "./model/overlap.js";
import { isPausedBy, type PauseState, pause, pauseNoteOf, resume, unpaused } from "./model/pause.js";
import {
  asKernelEffect,
  type CancelReason18,
  type Limits18,
  limitsOf,
  type Overlap,
  type SimCommand,
  type SimEffect,
  type StopReason,
} from "./model/spec18.js";

/** The model's one operation: the same as `Kernel.dispatch` (with spec 18's commands). */
export interface ReferenceModel {
  dispatch(command: Command | SimCommand): KernelEffect[];
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
  readonly createFn: ((context: { programId: string; spawnId: string | null }) => unknown) | undefined;
  readonly mergeFn: ((state: unknown, output: unknown) => unknown) | undefined;
  readonly successFn: ((value: unknown) => unknown) | undefined;
  readonly errorFn: ((error: unknown) => unknown) | undefined;
  readonly continueFn: ((props: never) => unknown) | undefined;
  readonly misfire: "catch-up" | "skip";
  readonly output: "latest" | "all";
  readonly catchUpWindow: number;
  /** Spec 18: what a due time does while the spawn is busy, and the buffer's bound. */
  readonly overlap: Overlap;
  readonly bufferLimit: number | undefined;
  readonly maxRuns: number | undefined;
  readonly startAt: number | undefined;
  readonly endAt: number | undefined;
  /** ms: a due job starts up to this much later (0: at once). */
  readonly jitter: number;
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
  /** The program's own generator (`delay: "random"`): seeded from the kernel's seed and the program's id. */
  readonly random: { below(bound: number): number };
  /** For a cron program: the next match strictly after a wall-clock time (throws past the date range). */
  readonly cronMatch: ((wall: number) => number) | undefined;
  /** The program's own pause (its spawns are paused while it is). */
  readonly pause: PauseState;
  /** The spec's limits (spawn options override them). */
  readonly limits: Limits18;
  /** Spec 18: the backfill in progress, if any. */
  backfill: Backfill | undefined;
}

/** A backfill in progress: its policy, its runs not started yet (in order), its runs not ended. */
interface Backfill {
  readonly overlap: Overlap;
  readonly queue: Job[];
  readonly live: Set<Job>;
}

interface Spawn {
  readonly id: string;
  /** Creation order over all spawns (ties between end-at deadlines). */
  readonly seq: number;
  readonly program: Program;
  readonly startedAt: number;
  readonly hooks: Hooks;
  status: SpawnStatus;
  stopReason: StopReason | undefined;
  /** Told to stop (stop, kill, unspawn, continueFn, fault, uninstall, clear). */
  stopRequested: boolean;
  /** Its one `stopped` was emitted. */
  stopEmitted: boolean;
  /** Due times not run (catch-up window, catch-up limit). */
  missed: number;
  updatedAt: number;
  interval: Interval;
  /** The interval used at the latest scheduling. */
  lastInterval: number;
  /** The spawn's own state (scope "spawn"). */
  state: unknown;
  submitted: number;
  succeeded: number;
  errored: number;
  /** Jobs completed `{ lost: true }`. */
  lost: number;
  lastError: unknown;
  /**
   * The spawn's jobs in flight. When one finishes, the last one takes its
   * place: that is the order in which a kill cancels them, as in the kernel.
   */
  active: Job[];
  /** Result records kept with `output: "all"` (at most `historyLimit`). */
  results: ResultRecord[];
  /** Due times that waited for the spawn's jobs in flight (overlap `buffer-one`, `buffer-all`), oldest first. */
  buffer: Job[];
  /** Due times skipped by the overlap policy. */
  skipped: number;
  /** Runs started (for `maxRuns`). */
  runs: number;
  /** The spawn's own pause. */
  readonly pause: PauseState;
}

interface Job {
  readonly id: string;
  readonly seq: number;
  readonly program: Program;
  /** `null` for a trigger. */
  readonly spawn: Spawn | null;
  /** A trigger's fire id (a spawn's job's is made from its due time, see `fireOf`). */
  readonly fireId: string;
  dueAt: number;
  startedAt: number;
  /** False while waiting for its due time, true once started. */
  running: boolean;
  /** Its missed due times are still being counted: it waits for the next dispatch. */
  deferred: boolean;
  /** Spec 18: it came due while its spawn was paused, and waits for a resume (no wake, no check). */
  parked: boolean;
  /** Jitter: it came due and was let through, and starts at this time (its due time stays). */
  heldUntil: number | undefined;
  /** A backfill's run (a program job, like a trigger's). */
  backfill: Backfill | undefined;
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

/** A thrown value (or any value) as text for a message; never throws. */
const describe = (error: unknown): string => {
  try {
    if (error instanceof Error) {
      const message: unknown = error.message;
      return typeof message === "string" ? message : show(message);
    }
    return String(error);
  } catch {
    return "<unprintable>";
  }
};

/** A value as code would write it, for messages; never throws. */
const show = (value: unknown): string => {
  try {
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "symbol" || typeof value === "function") return String(value);
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return String(value);
    } catch {
      return "<unprintable>";
    }
  }
};

/** The error a bad interval value makes (shaped like the kernel's `SchedkitError`). */
class IntervalError extends Error {
  override readonly name = "SchedkitError";
  readonly code: SchedkitErrorCode = "invalid-interval";
  readonly field: string | undefined = "interval";
}

/** Calls a dynamic interval; throws unless the value is a number of ms in [MIN_INTERVAL, MAX_TIME]. */
const intervalValue = (interval: Interval): number => {
  const value: unknown = typeof interval === "function" ? interval() : interval;
  if (typeof value === "number" && value >= MIN_INTERVAL && value <= MAX_TIME) return value;
  throw new IntervalError(`interval: expected a number of ms from 0.001 to ${MAX_TIME}, got ${show(value)}`);
};

/** Due times older than this before now are missed, not run (ms). */
const DEFAULT_WINDOW = 86_400_000;
/** Catch-up jobs (a spawn's second and later in one dispatch) one dispatch starts at most, over all spawns. */
const DEFAULT_LIMIT = 10_000;
/** A wall-clock offset change up to this is noise, not a step (ms). */
const WALL_NOISE = 100;

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

/** A program's generator seed: the kernel's seed XOR the FNV-1a (32-bit) hash of its id's UTF-16 code units. */
const programSeed = (seed: number, id: string): number => {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index++) hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193);
  return (seed ^ hash) >>> 0;
};

/** A job's fire id: `<programId>/<spawnId>/<dueAt>` for a spawn's job, a trigger's own. */
const fireOf = (job: Job): string =>
  job.spawn === null ? job.fireId : `${job.program.id}/${job.spawn.id}/${job.dueAt}`;

// -----------------------------------------------------------------------------
// The model.

/** A reference implementation of `createKernel(options)`, for comparison. */
export const createReferenceModel = (options: KernelOptions): ReferenceModel => {
  const policies: UnspawnPolicy[] = [...(options.policies ?? [])];
  const defaultPolicy = options.defaultPolicy ?? policies[0]?.name;
  const historyLimit = options.historyLimit ?? 100;
  const catchUpLimit = (options as { catchUpLimit?: number }).catchUpLimit ?? DEFAULT_LIMIT;
  const seed = options.seed ?? 0;

  let now = 0;
  /** Wall clock minus kernel time, from the latest accepted command that carried `wall`. */
  let wallOffset = 0;
  /** Jobs each spawn started in the dispatch in progress (for the catch-up limit). */
  let starts = new Map<Spawn, number>();
  /** Catch-up jobs the dispatch in progress may still start. */
  let catchUpLeft = catchUpLimit;
  let jobsIssued = 0;
  let programs: Program[] = [];
  /** Jobs waiting for their time or in flight, in creation order. */
  let jobs: Job[] = [];
  let out: KernelEffect[] = [];

  const emit = (effect: KernelEffect): void => {
    out.push(effect);
  };
  /** Spec 18's effects (and reasons), which the kernel's public types may not have yet. */
  const emit18 = (effect: SimEffect): void => {
    out.push(asKernelEffect(effect));
  };
  let spawnsMade = 0;

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

  const isPaused = (spawn: Spawn): boolean => isPausedBy(spawn.pause, spawn.program.pause);

  /** When a waiting job is next looked at: its due time, or the end of its jitter hold. */
  const wakeOf = (job: Job): number => job.heldUntil ?? job.dueAt;

  /**
   * The first waiting job by (wake time, creation order); a paused spawn's job that came due is
   * parked, not waiting. One pass, no list: it is asked at least twice per dispatch.
   */
  const firstWaiting = (): Job | undefined => {
    let best: Job | undefined;
    for (const job of jobs) {
      if (job.running || job.deferred || job.parked) continue;
      if (best === undefined) {
        best = job;
        continue;
      }
      const wake = wakeOf(job);
      const bestWake = wakeOf(best);
      if (wake === bestWake ? job.seq < best.seq : wake < bestWake) best = job;
    }
    return best;
  };

  /** The running spawn with the first `endAt`, by (endAt, creation order): it is due to stop at it. */
  const firstEndDeadline = (): Spawn | undefined => {
    let best: Spawn | undefined;
    for (const program of programs) {
      for (const spawn of program.spawns) {
        const endAt = spawn.hooks.endAt;
        if (endAt === undefined || !isRunning(spawn)) continue;
        const bestEnd = best?.hooks.endAt;
        if (
          best === undefined ||
          bestEnd === undefined ||
          endAt - bestEnd < 0 ||
          (endAt === bestEnd && spawn.seq < best.seq)
        ) {
          best = spawn;
        }
      }
    }
    return best;
  };

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
    missed: spawn.missed,
    lost: spawn.lost,
    ...(SPEC18_FEATURES.props
      ? {
          skipped: spawn.skipped,
          buffered: spawn.buffer.length,
          runs: spawn.runs,
          paused: isPaused(spawn),
          pauseNote: pauseNoteOf(spawn.pause, spawn.program.pause),
        }
      : {}),
  });

  // --- Jobs ----------------------------------------------------------------

  const newJob = (program: Program, spawn: Spawn | null, dueAt: number, fireId?: string): Job => {
    jobsIssued += 1;
    const job: Job = {
      id: `job-${jobsIssued}`,
      seq: jobsIssued,
      program,
      spawn,
      fireId: fireId ?? `${program.id}/trigger/job-${jobsIssued}`,
      dueAt,
      startedAt: 0,
      running: false,
      deferred: false,
      parked: false,
      heldUntil: undefined,
      backfill: undefined,
    };
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
      fault(spawn, code, `interval: ${describe(error).replace(/^interval: /, "")}`, error);
      return undefined;
    }
  };

  /** The first cron match strictly after kernel time `t`, on the wall clock; NaN when there is none. */
  const cronAfter = (program: Program, t: number, offset = wallOffset): number => {
    const match = program.cronMatch;
    if (match === undefined) return Number.NaN;
    try {
      const next = match(t + offset) - offset;
      return next > t ? next : Number.NaN;
    } catch {
      return Number.NaN;
    }
  };

  const pastDateRange = (t: number): Error => new Error(`no due time after ${t} (past the date range)`);

  /** A spawn whose schedule cannot move on: it faults (and stops). */
  const noProgress = (spawn: Spawn, interval: number, at: number): void => {
    const error = new IntervalError(
      `interval: ${interval} ms is below the time's precision at ${at} (it would never move the schedule)`,
    );
    fault(spawn, "invalid-interval", error.message, error);
  };

  /**
   * The spawn's next due time once a job due at `dueAt` starts, is skipped or is buffered:
   * cron, the next match after it (skip: after now); constant, the next grid point (skip:
   * past now). Undefined for a basic spawn, or when the spawn faulted (and stopped).
   */
  const nextDueAfter = (spawn: Spawn, dueAt: number): number | undefined => {
    if (spawn.program.cronMatch !== undefined) {
      let next = cronAfter(spawn.program, dueAt);
      if (spawn.hooks.misfire === "skip" && next <= now) next = cronAfter(spawn.program, now);
      if (Number.isNaN(next)) {
        const error = pastDateRange(dueAt);
        fault(spawn, "invalid-program", `program.cron: ${error.message}`, error);
        return undefined;
      }
      spawn.lastInterval = next - dueAt;
      return next;
    }
    if (spawn.hooks.type !== "constant") return undefined;
    const interval = nextInterval(spawn);
    if (interval === undefined) return undefined;
    let next = dueAt + interval;
    if (spawn.hooks.misfire === "skip" && next <= now) {
      next = dueAt + interval * (Math.floor((now - dueAt) / interval) + 1);
    }
    if (next > dueAt) return next;
    noProgress(spawn, interval, dueAt);
    return undefined;
  };

  /**
   * Starts a job. A spawn's due job (not a buffered one) schedules the spawn's next due
   * time first; the spawn's `maxRuns`-th run schedules nothing and stops the spawn after
   * its `run`.
   */
  const startJob = (job: Job, buffered = false): void => {
    job.running = true;
    job.startedAt = now;
    const spawn = job.spawn;
    let last = false;
    if (spawn !== null) {
      spawn.active.push(job);
      if (spawn.status === "created") spawn.status = "running";
      spawn.runs += 1;
      last = spawn.hooks.maxRuns !== undefined && spawn.runs >= spawn.hooks.maxRuns;
      // Fixed rate (constant, cron): the next due time is scheduled as soon as this job starts.
      if (!buffered && !last && isRunning(spawn)) {
        const next = nextDueAfter(spawn, job.dueAt);
        if (next !== undefined) schedule(spawn, next);
      }
    }
    const argsFn = spawn === null ? job.program.hooks.argsFn : spawn.hooks.argsFn;
    let args: unknown;
    let failed = false;
    try {
      args = argsFn === undefined ? undefined : argsFn();
    } catch (error) {
      failed = true;
      // The last run settles errored at once, and its spawn's stopped follows (no continueFn, nothing next).
      if (spawn !== null && last && isRunning(spawn)) stopSpawn(spawn, "max-runs", false);
      finishJob(job, { ok: false, error });
    }
    if (!failed) {
      emit({
        type: "run",
        jobId: job.id,
        fireId: fireOf(job),
        programId: job.program.id,
        spawnId: spawn === null ? null : spawn.id,
        scheduledAt: job.dueAt,
        startedAt: now,
        args,
      });
    }
    if (spawn !== null && last && isRunning(spawn)) stopSpawn(spawn, "max-runs", false);
  };

  /** A due time the overlap policy skips: reported, and the same job moves on to the next due time. */
  const skipDue = (spawn: Spawn, job: Job, reason: "overlap" | "buffer-full"): void => {
    spawn.skipped += 1;
    emit18({
      type: "skipped",
      programId: spawn.program.id,
      spawnId: spawn.id,
      fireId: fireOf(job),
      scheduledAt: job.dueAt,
      reason,
    });
    const next = nextDueAfter(spawn, job.dueAt);
    if (next !== undefined) job.dueAt = next;
  };

  /** A due time that waits in the spawn's buffer: it leaves the schedule, and a new waiting job is scheduled. */
  const bufferDue = (spawn: Spawn, job: Job): void => {
    dropJob(job);
    spawn.buffer.push(job);
    const next = nextDueAfter(spawn, job.dueAt);
    if (next !== undefined && isRunning(spawn)) schedule(spawn, next);
  };

  /** Starts the spawn's oldest buffered run if nothing of it is in flight and it may start jobs. */
  const startBuffered = (spawn: Spawn): void => {
    if (!isRunning(spawn) || spawn.stopRequested || isPaused(spawn) || spawn.active.length > 0) return;
    // Buffered runs whose due time fell out of the catch-up window while they waited are missed, one effect each.
    const oldest = now - spawn.hooks.catchUpWindow;
    for (let first = spawn.buffer[0]; first !== undefined && first.dueAt < oldest; first = spawn.buffer[0]) {
      spawn.buffer.shift();
      spawn.missed += 1;
      emit({
        type: "missed",
        programId: spawn.program.id,
        spawnId: spawn.id,
        count: 1,
        from: first.dueAt,
        to: first.dueAt,
        reason: "catch-up-window",
      });
    }
    const job = spawn.buffer.shift();
    if (job === undefined) return;
    jobs.push(job);
    startJob(job, true);
  };

  /**
   * Jitter: a due job that would start now starts up to `jitter` ms later, drawn from the
   * program's generator, below the gap to the next due time (constant: the interval; cron: the
   * next match). Held, it keeps its due time (and fire id) and starts at due + k.
   */
  const startOrHold = (spawn: Spawn, job: Job): void => {
    const k = jitterOf(spawn, job);
    if (k === 0) startJob(job);
    else job.heldUntil = job.dueAt + k;
  };

  /** The jitter drawn for a due job: 0, or whole ms in [1, min(jitter, ceil(gap) - 1)]. */
  const jitterOf = (spawn: Spawn, job: Job): number => {
    const jitter = spawn.hooks.jitter;
    if (!(jitter > 0)) return 0;
    let gap = Number.POSITIVE_INFINITY;
    if (spawn.program.cronMatch !== undefined) gap = cronAfter(spawn.program, job.dueAt) - job.dueAt;
    else if (spawn.hooks.type === "constant") {
      gap = typeof spawn.interval === "number" ? spawn.interval : spawn.lastInterval;
    }
    const most = gap > 0 ? Math.min(Math.floor(jitter), Math.ceil(gap) - 1) : 0;
    return most <= 0 ? 0 : spawn.program.random.below(most + 1);
  };

  /** A spawn's due job, past the catch-up checks: the overlap policy decides. */
  const startDue = (spawn: Spawn, job: Job, jitter = true): void => {
    const begin = jitter ? startOrHold : (_spawn: Spawn, held: Job) => startJob(held);
    const decision = decideOverlap({
      overlap: spawn.hooks.overlap,
      bufferLimit: spawn.hooks.bufferLimit,
      inFlight: spawn.active.length,
      buffered: spawn.buffer.length,
    });
    switch (decision.kind) {
      case "start":
        begin(spawn, job);
        return;
      case "cancel-others":
        cancelActive(spawn, "overlap");
        begin(spawn, job);
        return;
      case "buffer":
        bufferDue(spawn, job);
        return;
      case "skip":
        skipDue(spawn, job, decision.reason);
        return;
    }
  };

  /**
   * A spawn's due job whose due time is older than its catch-up window, or
   * past the catch-up limit: the missed due times are counted in a `missed`
   * effect and the same job moves to the first due time that is not missed.
   * Catch-up (constant, cron) misses every due time before the bound; skip,
   * and basic spawns, miss only the stale one and go on from now.
   */
  const skipMissed = (
    spawn: Spawn,
    job: Job,
    bound: number,
    inclusive: boolean,
    reason: "catch-up-window" | "catch-up-limit",
  ): void => {
    const from = job.dueAt;
    const program = spawn.program;
    const catchUp = spawn.hooks.misfire === "catch-up" && spawn.hooks.type !== "basic";
    let run: Missed | undefined;
    if (program.cronMatch !== undefined) {
      const next = (t: number): number => {
        const due = cronAfter(program, t);
        if (Number.isNaN(due)) throw pastDateRange(t);
        return due;
      };
      try {
        run = catchUp
          ? missedOnCron(next, from, bound, inclusive, CRON_STEPS)
          : { count: 1, last: from, next: next(now), done: true };
      } catch (error) {
        fault(spawn, "invalid-program", `program.cron: ${describe(error)}`, error);
        return;
      }
      spawn.lastInterval = run.next - run.last;
    } else {
      const interval = nextInterval(spawn);
      if (interval === undefined) return;
      if (spawn.hooks.type === "basic") {
        run = now + interval > now ? { count: 1, last: from, next: now + interval, done: true } : undefined;
      } else if (catchUp) {
        run = missedOnGrid(from, interval, bound, inclusive);
      } else {
        const after = missedOnGrid(from, interval, now, true);
        run = after === undefined ? undefined : { count: 1, last: from, next: after.next, done: true };
      }
      if (run === undefined) {
        noProgress(spawn, interval, from);
        return;
      }
    }
    spawn.missed += run.count;
    job.dueAt = run.next;
    emit({ type: "missed", programId: program.id, spawnId: spawn.id, count: run.count, from, to: run.last, reason });
    if (!run.done) job.deferred = true;
  };

  /** Whether a due spawn job is missed rather than started (and then it has been moved on). */
  const missesDue = (spawn: Spawn, job: Job): boolean => {
    const oldest = now - spawn.hooks.catchUpWindow;
    if (job.dueAt < oldest) {
      skipMissed(spawn, job, oldest, false, "catch-up-window");
      return true;
    }
    const started = starts.get(spawn) ?? 0;
    if (started > 0) {
      // A catch-up: the spawn already started a job in this dispatch. The budget is shared.
      if (catchUpLeft <= 0) {
        skipMissed(spawn, job, now, true, "catch-up-limit");
        return true;
      }
      catchUpLeft -= 1;
    }
    starts.set(spawn, started + 1);
    return false;
  };

  /**
   * Every job due by now, in (due time, creation order), and every `endAt` reached, at
   * its time in that order (before a job due at the same time). A spawn whose job comes
   * due at or after its `endAt` stops instead.
   */
  const startDueJobs = (): void => {
    for (;;) {
      const next = firstWaiting();
      const ending = firstEndDeadline();
      const endAt = ending?.hooks.endAt;
      if (
        ending !== undefined &&
        endAt !== undefined &&
        endAt <= now &&
        (next === undefined || endAt <= wakeOf(next))
      ) {
        stopSpawn(ending, "end-at", false);
        continue;
      }
      if (next === undefined || wakeOf(next) > now) return;
      const spawn = next.spawn;
      if (spawn === null) {
        // A cancel-other backfill's run first cancels the backfill's runs in flight.
        if (next.backfill?.overlap === "cancel-other") cancelBackfillInFlight(next.backfill);
        startJob(next);
        continue;
      }
      // The decision order: endAt reached (stop), paused (park), catch-up window and limit, overlap.
      // "No job of the spawn starts at or after endAt": judged by now (a due time before it, reached late, neither).
      if (spawn.hooks.endAt !== undefined && now >= spawn.hooks.endAt) {
        stopSpawn(spawn, "end-at", false);
        continue;
      }
      if (isPaused(spawn)) {
        // Parked at its due time (a jitter hold is dropped: after the resume it draws again).
        next.parked = true;
        next.heldUntil = undefined;
        continue;
      }
      if (next.heldUntil !== undefined) {
        // The end of a jitter hold: the checks again (a host away meanwhile makes it old), but no new draw.
        next.heldUntil = undefined;
        if (missesDue(spawn, next)) continue;
        startDue(spawn, next, false);
        continue;
      }
      if (missesDue(spawn, next)) continue;
      startDue(spawn, next);
    }
  };

  /** Time arrives with an accepted command: the clock (or a regression), the wall offset, then due jobs. */
  const arrive = (at: number, wall: number | undefined): void => {
    // An earlier `at` happens now (the kernel counts it as a regression; nothing here depends on the count).
    if (at >= now) now = at;
    if (wall !== undefined) followWall(wall - at);
    startDueJobs();
  };

  /** The wall clock stepped against kernel time: pending cron jobs keep their wall-clock time. */
  const followWall = (offset: number): void => {
    const previous = wallOffset;
    if (Math.abs(offset - previous) <= WALL_NOISE) return;
    wallOffset = offset;
    for (const program of programs) {
      if (program.cronMatch === undefined) continue;
      for (const spawn of runningSpawns(program)) {
        const job = waitingJobOf(spawn);
        if (job !== undefined) job.dueAt = job.dueAt + previous - offset;
      }
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
      fireId: fireOf(job),
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
    if ("lost" in outcome) {
      // Its result is unknown: settled "lost", no hook, no state change, no result.
      const { id: jobId, program, dueAt: scheduledAt, startedAt } = job;
      const spawnId = spawn === null ? null : spawn.id;
      emit({
        type: "settled",
        jobId,
        fireId: fireOf(job),
        programId: program.id,
        spawnId,
        status: "lost",
        scheduledAt,
        startedAt,
        endedAt: now,
      });
    } else if (spawn === null) {
      finishTrigger(job, outcome);
      backfillRunEnded(job, true);
      return;
    }
    if (spawn === null) {
      backfillRunEnded(job, true);
      return;
    }
    const index = spawn.active.indexOf(job);
    if (index >= 0) {
      const last = spawn.active.pop() as Job;
      if (last !== job) spawn.active[index] = last;
    }
    const { hooks, program } = spawn;
    if ("lost" in outcome) {
      spawn.lost += 1;
      if (spawn.stopRequested) settleStop(spawn);
      else if (isRunning(spawn) && hooks.type === "basic") {
        const interval = nextInterval(spawn);
        if (interval !== undefined && now + interval > now) schedule(spawn, now + interval);
        else if (interval !== undefined) noProgress(spawn, interval, now);
      }
      startBuffered(spawn);
      return;
    }

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
      fireId: fireOf(job),
      programId: program.id,
      spawnId: spawn.id,
      status: result.status,
      ...times,
      ...(failed ? { error } : { value: result.value }),
    });

    if (spawn.stopRequested) {
      settleStop(spawn);
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
        fault(spawn, "hook-failed", `continueFn: threw: ${describe(hookError)}`, hookError);
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
      if (interval === undefined) return;
      if (now + interval > now) schedule(spawn, now + interval);
      else noProgress(spawn, interval, now);
    }
    // A buffered run starts when the last job in flight settled, after the settled and continueFn.
    startBuffered(spawn);
  };

  // --- Stopping ------------------------------------------------------------
  //
  // A stop is a request: the spawn leaves the running set at once, its waiting
  // job is cancelled, and (with a kill) so are its jobs in flight. Whether it
  // has stopped is derived: told to stop, nothing waiting, nothing in flight.
  // `settleStop` emits the one `stopped` when that first holds.

  const fault = (spawn: Spawn, code: SchedkitErrorCode, message: string, error: unknown): void => {
    spawn.lastError = error;
    emit({ type: "fault", programId: spawn.program.id, spawnId: spawn.id, code, message, error });
    stopSpawn(spawn, "fault", false);
  };

  /** The `cancel` effect of a job: a spawn's, or the program's (a trigger, a backfill's run). */
  const emitCancel = (job: Job, reason: CancelReason18, inFlight: boolean): void => {
    emit18({
      type: "cancel",
      jobId: job.id,
      fireId: fireOf(job),
      programId: job.program.id,
      spawnId: job.spawn === null ? null : job.spawn.id,
      reason,
      inFlight,
    });
  };

  const cancelWaiting = (spawn: Spawn, reason: CancelReason18): void => {
    const job = waitingJobOf(spawn);
    if (job === undefined) return;
    dropJob(job);
    emitCancel(job, reason, false);
  };

  /** The spawn's buffered runs, oldest first: they will not run. */
  const cancelBuffer = (spawn: Spawn, reason: CancelReason18): void => {
    const buffered = spawn.buffer;
    spawn.buffer = [];
    for (const job of buffered) {
      emitCancel(job, reason, false);
    }
  };

  const cancelActive = (spawn: Spawn, reason: CancelReason18): void => {
    for (const job of spawn.active) {
      dropJob(job);
      emitCancel(job, reason, true);
    }
    spawn.active = [];
  };

  /** Has the spawn stopped: told to, with nothing of it waiting or in flight? */
  const hasStopped = (spawn: Spawn): boolean =>
    spawn.stopRequested && spawn.active.length === 0 && spawn.buffer.length === 0 && waitingJobOf(spawn) === undefined;

  /** Emits the spawn's one `stopped` when it has stopped and has not had it yet. */
  const settleStop = (spawn: Spawn): void => {
    if (spawn.stopEmitted || !hasStopped(spawn)) {
      if (spawn.stopRequested && !spawn.stopEmitted) spawn.status = "terminating";
      return;
    }
    spawn.stopEmitted = true;
    spawn.status = "stopped";
    forgetUnknown(spawn.program);
    emit18({ type: "stopped", programId: spawn.program.id, spawnId: spawn.id, reason: spawn.stopReason ?? "stop" });
  };

  const addToHistory = (spawn: Spawn): void => {
    const program = spawn.program;
    program.history.push(spawn);
    while (program.history.length > historyLimit) program.history.shift();
    forgetUnknown(program);
  };

  /** Stops a spawn: gracefully (jobs in flight finish), or with `kill` (they are cancelled too). */
  const stopSpawn = (spawn: Spawn, reason: StopReason, kill: boolean): void => {
    if (spawn.stopEmitted) return;
    if (isRunning(spawn)) addToHistory(spawn);
    spawn.stopRequested = true;
    // The first reason stands: a spawn unspawned and then killed was unspawned.
    spawn.stopReason ??= reason;
    // The waiting job's cancel, then the buffered runs', then (a kill) the jobs in flight.
    cancelWaiting(spawn, reason);
    cancelBuffer(spawn, reason);
    if (kill) cancelActive(spawn, reason);
    settleStop(spawn);
  };

  const stopProgram = (program: Program, kill: boolean): void => {
    for (const spawn of runningSpawns(program)) stopSpawn(spawn, kill ? "kill" : "stop", kill);
    if (!kill) return;
    // A kill also ends the spawns that were stopping gracefully.
    for (const spawn of [...program.spawns]) {
      if (spawn.status === "terminating") stopSpawn(spawn, "kill", true);
    }
  };

  /** Uninstall stops every spawn gracefully, clear kills them; then whatever is still in flight is cancelled. */
  const removeProgram = (program: Program, how: "clear" | "uninstall"): void => {
    for (const spawn of runningSpawns(program)) stopSpawn(spawn, how, how === "clear");
    for (const spawn of [...program.spawns]) {
      if (spawn.stopEmitted || !spawn.stopRequested) continue;
      cancelActive(spawn, how);
      settleStop(spawn);
    }
    for (const job of jobs.filter((each) => each.program === program && each.spawn === null)) {
      dropJob(job);
      emitCancel(job, how, job.running);
    }
    // A backfill's runs not started yet, after the triggers' cancels.
    for (const job of program.backfill?.queue ?? []) {
      emitCancel(job, how, false);
    }
    program.backfill = undefined;
    programs = programs.filter((other) => other !== program);
    emit({ type: how === "clear" ? "cleared" : "uninstalled", programId: program.id });
  };

  /** The safety net: after a dispatch no spawn that has stopped is left without its `stopped`. */
  const sweepStops = (): void => {
    for (const program of programs) for (const spawn of [...program.spawns]) settleStop(spawn);
  };

  // --- Commands: each checks everything first, then returns what to apply. --

  const unknownProgram = (id: string): Verdict =>
    refuseWith("unknown-program", "command.programId", `no program "${id}" is installed`);

  const unknownSpawn = (programId: string, spawnId: string): Verdict =>
    refuseWith("unknown-spawn", "command.spawnId", `program "${programId}" has no spawn "${spawnId}"`);

  const accept = (apply: () => void): Verdict => ({ ok: true, apply });

  const refuse = (command: Command, code: "max-reached" | "min-reached" | "none-running" | "policy-refused"): void => {
    emit({ type: "refused", command, code, message: code });
  };

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
    catchUpWindow: (spec as { catchUpWindow?: number }).catchUpWindow ?? DEFAULT_WINDOW,
    ...limitHooks(limitsOf(spec), undefined),
  });

  /** The spec 18 part of a spawn's hooks: its options' limits, else its program's. */
  const limitHooks = (program: Limits18, opts: unknown) => {
    const merged = mergeLimits(program, opts);
    return {
      overlap: merged.overlap,
      bufferLimit: merged.bufferLimit,
      maxRuns: merged.maxRuns,
      startAt: merged.startAt,
      endAt: merged.endAt,
      jitter: merged.jitter ?? 0,
    };
  };

  const overridden = (base: Hooks, limits: Limits18, opts: SpawnOptions | undefined): Hooks => ({
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
    catchUpWindow: (opts as { catchUpWindow?: number } | undefined)?.catchUpWindow ?? base.catchUpWindow,
    ...limitHooks(limits, opts),
  });

  /** The wall-clock matcher of a cron expression in a zone, or why it is refused. */
  const cronOf = (spec: ProgramSpec): { ok: true; match: (wall: number) => number } | { ok: false; field: string } => {
    for (const field of ["interval", "delay", "timeFn"] as const) {
      if (spec[field] !== undefined) return { ok: false, field: `program.${field}` };
    }
    if (typeof spec.cron !== "string" || spec.cron.trim() === "") return { ok: false, field: "program.cron" };
    const zone = spec.timezone ?? "UTC";
    if (Result.isFailure(Cron.parse("* * * * *", zone))) return { ok: false, field: "program.timezone" };
    const parsed = Cron.parse(spec.cron, zone, { onDstOverlap: "earlier" });
    if (Result.isFailure(parsed)) return { ok: false, field: "program.cron" };
    const cron = parsed.success;
    return { ok: true, match: (wall) => Cron.next(cron, wall).getTime() };
  };

  const install = (input: unknown): Verdict => {
    const copied = copyChecked(input, "program", programRules);
    if (!copied.ok) return refuseWith("invalid-program", copied.field, "invalid program");
    const spec = copied.value as unknown as ProgramSpec;
    let cronMatch: ((wall: number) => number) | undefined;
    if (spec.type === "cron") {
      const cron = cronOf(spec);
      if (!cron.ok) return refuseWith("invalid-program", cron.field, "bad cron program");
      cronMatch = cron.match;
      // An expression that can never match (the 30th of February) is refused now, not at the first spawn.
      let first = Number.NaN;
      try {
        first = cron.match(0 + wallOffset) - wallOffset;
      } catch {
        first = Number.NaN;
      }
      if (!(first > 0)) return refuseWith("invalid-program", "program.cron", "never matches");
    } else {
      if (spec.cron !== undefined) return refuseWith("invalid-program", "program.cron", "only with cron");
      if (spec.timezone !== undefined) return refuseWith("invalid-program", "program.timezone", "only with cron");
      if (spec.interval === undefined) return refuseWith("invalid-program", "program.interval", "required");
    }
    // Spec 18's checks across fields come before min/max (as the kernel orders them).
    const limitsRefused = checkProgramLimits(spec.type ?? "basic", spec);
    if (limitsRefused !== undefined) {
      return refuseWith("invalid-program", limitsRefused.field, limitsRefused.message);
    }
    if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
      return refuseWith("invalid-program", "program.min", "min > max");
    }
    if (spec.policy !== undefined && !policies.some((policy) => policy.name === spec.policy)) {
      return refuseWith("unknown-policy", "program.policy", `no policy "${spec.policy}"`);
    }
    let state: unknown;
    try {
      state = spec.createFn === undefined ? undefined : spec.createFn({ programId: spec.id, spawnId: null });
    } catch (error) {
      return refuseWith("hook-failed", "program.createFn", `createFn threw: ${describe(error)}`);
    }
    const interval = spec.interval ?? 0;
    return accept(() => {
      const old = findProgram(spec.id);
      // A reinstall says what it replaced: the old program's running spawns and its state.
      const replaced =
        old === undefined ? undefined : { spawnIds: runningSpawns(old).map((each) => each.id), state: old.state };
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
        random: makeRandom(programSeed(seed, spec.id)),
        cronMatch,
        pause: unpaused(),
        limits: limitsOf(spec),
        backfill: undefined,
      });
      emit(
        replaced === undefined
          ? { type: "installed", programId: spec.id }
          : { type: "installed", programId: spec.id, replaced },
      );
    });
  };

  const spawn = (command: Extract<Command, { type: "spawn" }>, at: number): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    let opts: SpawnOptions | undefined;
    if (command.opts !== undefined) {
      const copied = copyChecked(command.opts, "opts", spawnOptionRules);
      if (!copied.ok) return refuseWith("invalid-options", copied.field, "invalid options");
      opts = copied.value as SpawnOptions;
      const limitsRefused = checkSpawnLimits(program.hooks.type, program.limits, opts);
      if (limitsRefused !== undefined) {
        return refuseWith("invalid-options", limitsRefused.field, limitsRefused.message);
      }
    }
    const wantedId = opts?.spawnId;
    if (wantedId !== undefined && findSpawn(program, wantedId) !== undefined) {
      return refuseWith("duplicate-spawn", "opts.spawnId", `spawn "${wantedId}" exists`);
    }
    const hooks = overridden(program.hooks, program.limits, opts);
    // startAt: the schedule counts from max(now, startAt), exactly as a spawn made then.
    const origin = scheduleBase(at, hooks.startAt);
    const interval = opts?.interval ?? program.interval;
    const intervalField = opts?.interval !== undefined ? "opts.interval" : "program.interval";
    let firstInterval: number;
    let firstDue: number | undefined;
    if (program.cronMatch !== undefined) {
      for (const key of ["interval", "delay", "timeFn"] as const) {
        if (opts?.[key] !== undefined) return refuseWith("invalid-options", `opts.${key}`, "not for cron");
      }
      // Aimed with the wall offset this command brings, if it brings a new one.
      const brought = command.wall === undefined ? wallOffset : command.wall - command.at;
      firstDue = cronAfter(program, origin, Math.abs(brought - wallOffset) <= WALL_NOISE ? wallOffset : brought);
      if (Number.isNaN(firstDue)) return refuseWith("invalid-program", "program.cron", "no due time after now");
      firstInterval = firstDue - origin;
    } else {
      try {
        firstInterval = intervalValue(interval);
      } catch (error) {
        return refuseWith("invalid-interval", intervalField, describe(error));
      }
    }
    let base = origin;
    if (hooks.type === "constant" && hooks.timeFn !== undefined) {
      let aligned: unknown;
      try {
        aligned = hooks.timeFn(origin);
      } catch (error) {
        return refuseWith("hook-failed", "program.timeFn", `timeFn threw: ${describe(error)}`);
      }
      if (!isTime(aligned)) return refuseWith("hook-failed", "program.timeFn", "timeFn gave no time in range");
      base = aligned;
    }
    // A first due time that makes no progress: the schedule could never move on at this magnitude.
    if (firstDue === undefined && !(base + firstInterval > base)) {
      return refuseWith("invalid-interval", intervalField, "below the time's precision");
    }
    // The new spawn's id, worked out before it exists: a per-spawn createFn is told it.
    let nextNumber = program.lastSpawnNumber;
    let newId = wantedId;
    while (newId === undefined || (wantedId === undefined && findSpawn(program, newId) !== undefined)) {
      nextNumber += 1;
      newId = `${program.id}-${nextNumber}`;
    }
    let state: unknown;
    if (program.scope === "spawn") {
      try {
        state = hooks.createFn === undefined ? undefined : hooks.createFn({ programId: program.id, spawnId: newId });
      } catch (error) {
        return refuseWith("hook-failed", "program.createFn", `createFn threw: ${describe(error)}`);
      }
    }
    return accept(() => {
      // The bound meets the pool as time left it: due jobs may have stopped spawns.
      if (program.max !== undefined && runningSpawns(program).length >= program.max) {
        refuse(command, "max-reached");
        return;
      }
      const id = newId;
      program.lastSpawnNumber = nextNumber;
      const delay = hooks.delay === "random" ? program.random.below(firstInterval) : hooks.delay;
      spawnsMade += 1;
      const created: Spawn = {
        id,
        seq: spawnsMade,
        program,
        startedAt: now,
        hooks,
        status: "created",
        stopReason: undefined,
        stopRequested: false,
        stopEmitted: false,
        missed: 0,
        updatedAt: now,
        interval,
        lastInterval: firstInterval,
        state,
        submitted: 0,
        succeeded: 0,
        errored: 0,
        lost: 0,
        lastError: undefined,
        active: [],
        results: [],
        buffer: [],
        skipped: 0,
        runs: 0,
        pause: unpaused(),
      };
      program.spawns.push(created);
      emit({ type: "spawned", programId: program.id, spawnId: id, startedAt: now });
      let first = firstDue ?? base + (delay ?? firstInterval);
      // An aligned grid (timeFn) may start before startAt: its first point at or after startAt, stepping.
      if (firstDue === undefined && hooks.startAt !== undefined && first < hooks.startAt) {
        const startAt = hooks.startAt;
        first += firstInterval * Math.ceil((startAt - first) / firstInterval);
        while (first < startAt) first += firstInterval;
      }
      schedule(created, first);
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

  /** An unspawn: the policy is known now; bounds and the policy's choice meet the pool once time arrived. */
  const unspawn = (command: Extract<Command, { type: "unspawn" }>): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const policyName = program.policy ?? defaultPolicy;
    const policy = policies.find((each) => each.name === policyName);
    if (policy === undefined) return refuseWith("no-policy", "program.policy", "no policy to choose with");
    return accept(() => {
      const running = runningSpawns(program);
      if (running.length === 0) return refuse(command, "none-running");
      if (program.min !== undefined && running.length <= program.min) return refuse(command, "min-reached");
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
        emit({ type: "rejected", command, code: "policy-failed", field: failed, message: `threw: ${describe(error)}` });
        return;
      }
      if (chosen === undefined) return refuse(command, "policy-refused");
      const victim = running.find((each) => each.id === chosen);
      if (victim === undefined) {
        emit({ type: "rejected", command, code: "policy-failed", field: failed, message: `chose ${show(chosen)}` });
        return;
      }
      emit({ type: "unspawned", programId: program.id, spawnId: victim.id });
      stopSpawn(victim, "unspawn", false);
    });
  };

  const changeInterval = (command: Extract<Command, { type: "set-interval" }>): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const interval = command.interval;
    if (!isInterval(interval)) return refuseWith("invalid-interval", "command.interval", "not an interval");
    if (program.cronMatch !== undefined) {
      return refuseWith("invalid-interval", "command.interval", "a cron program");
    }
    const spawnId = command.spawnId;
    if (spawnId === undefined) {
      return accept(() => {
        program.interval = interval;
        for (const each of runningSpawns(program)) {
          each.interval = interval;
          // A number is the spawn's interval from now on, and its props say so at once.
          if (typeof interval === "number") each.lastInterval = interval;
        }
        emit({ type: "interval-set", programId: program.id, spawnId: null });
      });
    }
    const target = findSpawn(program, spawnId);
    if (target === undefined) return unknownSpawn(program.id, spawnId);
    return accept(() => {
      target.interval = interval;
      if (typeof interval === "number") target.lastInterval = interval;
      emit({ type: "interval-set", programId: program.id, spawnId });
    });
  };

  /** A result: for a job in flight it settles; for one issued earlier it is discarded; any other id is unknown. */
  const complete = (jobId: string, outcome: Outcome): Verdict => {
    const job = jobs.find((each) => each.id === jobId && each.running);
    if (job !== undefined) {
      // Time arrives first: a due job of a `cancel-other` spawn may have cancelled this one meanwhile.
      return accept(() => (jobs.includes(job) ? finishJob(job, outcome) : emit({ type: "discarded", jobId })));
    }
    // One id per job: "job-" and a number without leading zeros, up to the last one issued.
    const issued = /^job-([1-9]\d*)$/.exec(jobId);
    if (issued !== null && Number(issued[1]) <= jobsIssued) {
      return accept(() => emit({ type: "discarded", jobId }));
    }
    return refuseWith("unknown-job", "command.jobId", `no job "${jobId}" was issued`);
  };

  /** Pause or resume a program (no `spawnId`) or one of its running spawns. */
  const pauseOrResume = (command: Extract<SimCommand, { type: "pause" | "resume" }>): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const spawnId = command.spawnId;
    let target: Spawn | undefined;
    if (spawnId !== undefined) {
      target = findSpawn(program, spawnId);
      if (target === undefined) return unknownSpawn(program.id, spawnId);
      if (!isRunning(target)) {
        return refuseWith("invalid-command", "command.spawnId", `spawn "${spawnId}" is stopping or stopped`);
      }
    }
    const state = target === undefined ? program.pause : target.pause;
    const spawnIdOut = target === undefined ? null : target.id;
    if (command.type === "pause") {
      const note = command.note;
      return accept(() => {
        pause(state, note);
        emit18({ type: "paused", programId: program.id, spawnId: spawnIdOut, ...(note === undefined ? {} : { note }) });
      });
    }
    return accept(() => {
      resume(state);
      emit18({ type: "resumed", programId: program.id, spawnId: spawnIdOut });
      // Parked jobs of spawns no longer paused are due again (at once: they came due meanwhile).
      for (const job of jobs) if (job.parked && job.spawn !== null && !isPaused(job.spawn)) job.parked = false;
      // Right after `resumed`: each spawn no longer paused with nothing in flight starts its oldest
      // buffered run (in spawn order); its due waiting job comes with the other due jobs after.
      for (const each of target === undefined ? runningSpawns(program) : [target]) {
        if (!isPaused(each)) startBuffered(each);
      }
    });
  };

  /** A backfill run ended (settled, or cancelled in flight): the next queued one becomes due. */
  const backfillRunEnded = (job: Job, settled: boolean): void => {
    const run = job.backfill;
    if (run === undefined) return;
    run.live.delete(job);
    if (settled) {
      const next = run.queue.shift();
      if (next !== undefined) jobs.push(next);
    }
    if (run.live.size === 0 && job.program.backfill === run) job.program.backfill = undefined;
  };

  const cancelBackfillInFlight = (run: Backfill): void => {
    for (const job of [...run.live]) {
      if (!job.running) continue;
      dropJob(job);
      emitCancel(job, "overlap", true);
      backfillRunEnded(job, false);
    }
  };

  /** `backfill`: the program's due times in [from, to) run now, as program jobs, under an overlap policy. */
  const backfill = (command: Extract<Command, { type: "backfill" }>, at: number): Verdict => {
    const program = findProgram(command.programId);
    if (program === undefined) return unknownProgram(command.programId);
    const refused = (field: string, message: string) => refuseWith("invalid-command", field, message);
    if (program.hooks.type === "basic") return refused("backfill.programId", "a basic program has no due times");
    if (program.backfill !== undefined) return refused("backfill.programId", "a backfill is in progress");
    const { from, to } = command;
    if (!(to > from)) return refused("backfill.to", "to must be after from");
    if (to > at) return refused("backfill.to", "to must not be in the future");
    if (program.cronMatch === undefined && typeof program.interval !== "number") {
      return refused("backfill.programId", "the program's interval is a function");
    }
    const limit = program.limits.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
    const times = backfillDueTimes(
      program.cronMatch === undefined
        ? { interval: program.interval as number }
        : { cron: (t: number) => cronAfter(program, t) },
      from,
      to,
      limit,
    );
    if (times.length > limit) return refused("backfill.to", `more than ${limit} due times`);
    const overlap = command.overlap ?? "buffer-all";
    return accept(() => {
      const fires = times.map((t) => ({ fireId: `${program.id}/backfill/${t}`, scheduledAt: t }));
      emit({ type: "backfilled", programId: program.id, from, to, runs: fires });
      const skips = backfillSkips(overlap, times.length);
      fires.forEach((fire, index) => {
        const reason = skips[index];
        if (reason !== undefined) emit18({ type: "skipped", programId: program.id, spawnId: null, ...fire, reason });
      });
      const run: Backfill = { overlap, queue: [], live: new Set() };
      fires.forEach((fire, index) => {
        if (skips[index] !== undefined) return;
        const job = newJob(program, null, fire.scheduledAt, fire.fireId);
        job.backfill = run;
        run.live.add(job);
        if (run.live.size > 1 && !backfillAllAtOnce(overlap)) {
          dropJob(job);
          run.queue.push(job);
        }
      });
      if (run.live.size > 0) program.backfill = run;
    });
  };

  /** Checks a well-formed command against the model as it is, at `at` (its time, or now when late). */
  const judge = (command: SimCommand, at: number): Verdict => {
    if (command.type === "pause" || command.type === "resume") return pauseOrResume(command);
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
          const job = newJob(program, null, scheduledAt, command.fireId);
          emit({ type: "triggered", jobId: job.id, programId: program.id, scheduledAt });
        });
      }
      case "adopt":
        // Not modelled: the simulator sends no adopt (the kernel's own tests cover it).
        return refuseWith("invalid-command", "command.type", "adopt is not modelled");
      case "backfill":
        return backfill(command, at);
      case "complete":
        // The batch form never gets here: `dispatch` takes it apart into single completes.
        if ("results" in command) return refuseWith("invalid-command", "command.results", "a batch, unexpected here");
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

  /** A job id the model issued (in flight or not), as a single `complete` accepts it. */
  const wasIssued = (jobId: string): boolean => {
    const issued = /^job-([1-9]\d*)$/.exec(jobId);
    return issued !== null && Number(issued[1]) <= jobsIssued;
  };

  /**
   * A batch `complete`: its single completes in order, the wake of the last alone; rejected
   * whole (nothing changes, not even the time) if an entry is malformed or names a job never issued.
   */
  const dispatchBatch = (input: unknown, batch: NonNullable<ReturnType<typeof batchOf>>): KernelEffect[] => {
    const rejected = (code: SchedkitErrorCode, field: string): KernelEffect[] => {
      const effects = dispatchOne({ type: "tick", at: Number.NaN } as Command);
      // The same wake as any rejected command (a NaN tick is rejected and changes nothing).
      return effects.map((effect) =>
        effect.type === "rejected" ? { type: "rejected", command: input, code, field, message: "invalid" } : effect,
      ) as KernelEffect[];
    };
    if (!batch.ok) return rejected("invalid-command", batch.field);
    const { at, wall, results } = batch.value;
    const unknown = results.findIndex((entry) => !wasIssued(entry.jobId));
    if (unknown >= 0) return rejected("unknown-job", `command.results[${unknown}].jobId`);
    if (results.length === 0) return dispatchOne({ type: "tick", at, ...(wall === undefined ? {} : { wall }) });
    const all: KernelEffect[] = [];
    results.forEach((entry, index) => {
      const effects = dispatchOne({
        type: "complete",
        at,
        ...(wall === undefined ? {} : { wall }),
        jobId: entry.jobId,
        outcome: entry.outcome,
      });
      const last = index === results.length - 1;
      for (const effect of effects) if (last || effect.type !== "wake") all.push(effect);
    });
    return all;
  };

  const dispatchOne = (input: Command | SimCommand): KernelEffect[] => {
    {
      out = [];
      starts = new Map();
      catchUpLeft = catchUpLimit;
      const checked = checkCommand(input);
      if (!checked.ok) {
        emit({ type: "rejected", command: input, code: "invalid-command", field: checked.field, message: "invalid" });
      } else {
        const command = checked.value;
        // Judged against the model as it is: a rejected command changes nothing, not even the time.
        const verdict = judge(command, Math.max(now, command.at));
        if (verdict.ok) {
          arrive(command.at, (command as { wall?: number }).wall);
          verdict.apply();
          startDueJobs();
        } else {
          emit({
            type: "rejected",
            command: input,
            code: verdict.code,
            field: verdict.field,
            message: verdict.message,
          });
        }
      }
      for (const job of jobs) job.deferred = false;
      sweepStops();
      // The next due job, or the next endAt of a running spawn (paused ones too), whichever comes first.
      const first = firstWaiting();
      const nextDue = first === undefined ? undefined : wakeOf(first);
      const nextEnd = firstEndDeadline()?.hooks.endAt;
      const wakeAt = nextDue === undefined ? nextEnd : nextEnd === undefined ? nextDue : Math.min(nextDue, nextEnd);
      emit({ type: "wake", at: wakeAt ?? null });
      const effects = out;
      out = [];
      return effects;
    }
  };

  return {
    dispatch(input: Command | SimCommand): KernelEffect[] {
      const batch = batchOf(input);
      return batch === undefined ? dispatchOne(input) : dispatchBatch(input, batch);
    },
  };
};
