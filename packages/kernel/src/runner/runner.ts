import type { CommandBody, Outcome } from "../Command.js";
import { seqOfJobId } from "../internal/jobTable.js";
import { Machine } from "../internal/machine.js";
import { nextRunsOf, type ProgramProblem, validateProgramOf } from "../internal/preview.js";
import { createQueries, type KernelQueries } from "../internal/queries.js";
import { nextRunsArgs } from "../Kernel.js";
import type { KernelEffect } from "../KernelEffect.js";
import type { Interval, Overlap, ProgramSpec, SpawnOptions } from "../Program.js";
import { SchedkitError } from "../SchedkitError.js";
import { checkedQueries, checkListener } from "./arguments.js";
import { type HostClock, toHostClock } from "./clock.js";
import { executeJob, type MainFn } from "./execute.js";
import { type JobErrorHandler, type SettledJob, writeJobErrorLine } from "./jobErrors.js";
import { Job, JobBook, type RunEffect } from "./jobs.js";
import { type JobWrapper, JobWrappers } from "./jobWrappers.js";
import { optionsErrorOf, type RunnerOptions, readRunnerOptions, type StopOptions, stopTimeoutOf } from "./options.js";
import { firstEffect, IGNORE, rejectionOf, StepLoop } from "./steps.js";
import { HostTimer, wakeAtDeadline } from "./timer.js";
import { WALL_CHECK_MS, WallWatch } from "./wallWatch.js";

export type { RunnerOptions, StopOptions } from "./options.js";

/** @since 0.1.0 */
export type EffectListener = (effect: KernelEffect) => void;

/**
 * The kernel in a real process: it owns a clock, keeps one host timer armed
 * at the kernel's next `wake`, runs each job's `mainFn` and reports the
 * result back. The package README (runner section) gives every method's rules.
 *
 * @since 0.1.0
 */
export interface Runner extends KernelQueries {
  readonly id: string;
  /** The runner's clock now (ms): the time its next command carries. @since 0.3.0 */
  now(): number;
  /** Arms the timer and starts running jobs (those already due run now). */
  start(): void;
  /**
   * Graceful: stops every spawn, waits for jobs in flight (or kills them after
   * `timeout`), then stops. Bad options reject with `invalid-options`.
   */
  stop(options?: StopOptions): Promise<void>;
  /** Immediate: cancels everything in flight (signals abort, Effects are interrupted) and stops. */
  kill(): void;
  isStarted(): boolean;
  isStopped(): boolean;
  health(): { readonly status: "ok" | "not-healthy" };
  /**
   * Installs a program (replacing one of the same id) and returns a handle on
   * it whose methods are typed from the spec: `getState()` gives the state
   * `createFn` makes and `mergeFn` folds, `trigger()` resolves with what
   * `mainFn` resolves to. Throws the kernel's rejection for a bad spec.
   */
  install<State = unknown, Args = unknown, Value = unknown, Output = Value>(
    spec: ProgramSpec<State, Args, Value, Output>,
  ): ProgramHandle<State, Args, Value, Output>;
  uninstall(programId: string): void;
  /** One job outside any spawn, at `at` (default now); resolves with its value, rejects with its error. */
  trigger(programId: string, at?: number): Promise<unknown>;
  setInterval(programId: string, interval: Interval): void;
  setInterval(programId: string, spawnId: string, interval: Interval): void;
  /** The new spawn's id, or `undefined` when `max` refuses (or when called from inside a job: queued). */
  spawn(programId: string, opts?: SpawnOptions): string | undefined;
  /** The stopped spawn's id, or `undefined` when `min` refuses (or when called from inside a job: queued). */
  unspawn(programId: string): string | undefined;
  stopSpawn(programId: string, spawnId: string): void;
  killSpawn(programId: string, spawnId: string): void;
  stopAll(programId?: string): void;
  killAll(programId?: string): void;
  clear(programId: string): void;
  /**
   * Pauses a spawn, or (no `spawnId`) the program and every spawn of it, new ones included: they
   * start no job until `resume` (jobs in flight finish; triggers still run). See the kernel README,
   * "Pause and resume". @since 0.2.0
   */
  pause(programId: string, spawnId?: string, opts?: PauseOptions): void;
  /** `pause(programId, undefined, opts)`: the program. */
  pause(programId: string, opts: PauseOptions): void;
  /** Ends a pause; what was missed meanwhile follows `misfire` and `catchUpWindow`. @since 0.2.0 */
  resume(programId: string, spawnId?: string): void;
  /**
   * Runs the program's due times in `[from, to)` now, as one-off jobs (see the kernel README,
   * "Backfill"), and returns their fire ids in order (the skipped ones included); `[]` when called
   * from inside a job (queued). Throws a `SchedkitError` for a range in the future, a `basic`
   * program, or more than `bufferLimit` due times. @since 0.2.0
   */
  backfill(programId: string, range: BackfillRange): readonly string[];
  /** Every effect, in order (run, settled with its times, cancel, ...). Returns the unsubscribe function. */
  subscribe(listener: EffectListener): () => void;
  /**
   * Runs `wrapper` around every job's `mainFn` from now on (tracing, log context); returns the
   * function that removes it. The rules are `JobWrapper`'s. @since 0.3.0
   */
  wrapJobs(wrapper: JobWrapper): () => void;
  /**
   * The kernel's `validateProgram`: the problems `install` would throw for `spec` (its first one),
   * or `[]`; installs nothing. Throws `invalid-command` when called from inside a kernel hook.
   * @since 0.2.0
   */
  validateProgram(spec: unknown): readonly ProgramProblem[];
  /**
   * The kernel's `nextRuns`, in the runner's clock: the next `count` due times of a spawn, or
   * (without `spawnId`) of a spawn made at `from`, by default the clock's time now.
   * @since 0.2.0
   */
  nextRuns(
    programId: string,
    spawnId: string | undefined,
    count: number,
    from?: number,
  ): readonly (number | undefined)[];
  /** `nextRuns(programId, undefined, count, from?)`. */
  nextRuns(programId: string, count: number, from?: number): readonly (number | undefined)[];
}

/**
 * A typed handle on one installed program, from `runner.install(spec)`. Its
 * methods are the runner's for this program id, typed from the spec; a later
 * install of the same id is what the handle then reads.
 *
 * @since 0.1.0
 */
export interface ProgramHandle<State = unknown, Args = unknown, Value = unknown, Output = unknown> {
  readonly id: string;
  /** A copy of the program's state (see `getState`). */
  getState(): State;
  /** A copy of one spawn's state (the program's state for `scope: "program"`). */
  getSpawnState(spawnId: string): State;
  /** One job outside any spawn, at `at` (default now); resolves with its value, rejects with its error. */
  trigger(at?: number): Promise<Value>;
  /** The new spawn's id, or `undefined` when `max` refuses (or when called from inside a job: queued). */
  spawn(opts?: SpawnOptions<State, Args, Value, Output>): string | undefined;
  /** The stopped spawn's id, or `undefined` when `min` refuses (or when called from inside a job: queued). */
  unspawn(): string | undefined;
}

/**
 * The kernel (`machine`) under a host clock, and how its parts meet: `steps`
 * dispatches every command and hands each effect to `handle`; `jobs` keeps the
 * jobs held, running and triggered; `wall` watches the wall clock for cron;
 * `timer` is the one host timer. Here: where each effect goes, when the timer
 * is armed and what it does, and the lifecycle (start, stop, kill).
 */
class RunnerImpl {
  readonly id: string;
  readonly machine: Machine;
  private readonly clock: HostClock;
  private readonly wall: WallWatch;
  private readonly steps: StepLoop;
  private readonly timer: HostTimer;
  private readonly jobs = new JobBook();
  readonly wrappers = new JobWrappers();
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  /** The last dispatch whose jobs still run once `stop()` was called. */
  private lastRunningDispatch = 0;
  /** The kernel's next wake, from its last `wake` effect. */
  private wakeAt: number | null = null;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly onJobError: JobErrorHandler | undefined;
  private readonly reportError: (error: unknown) => void;

  constructor(options: RunnerOptions) {
    this.id = options.id ?? "runner";
    this.clock = toHostClock(options.clock, options.precision);
    const onError = options.onError ?? ((error: unknown) => console.error(`[schedkit:${this.id}]`, error));
    this.onJobError = options.onJobError === false ? undefined : (options.onJobError ?? writeJobErrorLine(this.id));
    // An onError that throws must not cut a step short either.
    this.reportError = (error) => {
      try {
        onError(error);
      } catch {
        // Nowhere left to report it.
      }
    };
    this.machine = new Machine(options);
    this.wall = new WallWatch(this.clock.wallNow, options.wallCheckInterval ?? WALL_CHECK_MS, this.machine.programs);
    this.steps = new StepLoop(
      this.machine,
      this.clock,
      this.wall,
      this.reportError,
      (effect) => this.handle(effect),
      () => this.checkIdle(),
    );
    this.timer = new HostTimer(this.clock, () => this.onTimer());
  }

  now = () => this.clock.now();

  /** The runner's part of each effect of a step (listeners are told after it). */
  private handle(effect: KernelEffect): void {
    switch (effect.type) {
      case "run":
        this.onRun(effect);
        return;
      case "cancel": {
        this.jobs.unhold(effect.jobId);
        const reason = `job ${effect.jobId} was cancelled (${effect.reason})`;
        if (effect.inFlight) this.jobs.abort(effect.jobId, reason);
        else this.jobs.rejectTrigger(effect.jobId, reason);
        return;
      }
      case "settled":
        this.jobs.settleTrigger(effect);
        if (effect.status === "errored") this.jobErrors(effect);
        return;
      case "spawned":
      case "stopped":
      case "cleared":
      case "uninstalled":
        this.wall.noteLifecycle();
        return;
      case "wake":
        this.arm(effect.at);
        return;
      default:
        return;
    }
  }

  // --- Jobs.

  /**
   * Where a `run` goes. Started: it runs now. Not started yet: it is held
   * until `start()` (a `cancel` drops it). Killed, or stopping: no new job
   * starts, so it is refused; only the jobs of the dispatch in progress when
   * `stop()` was called still run (they had started).
   */
  private onRun(effect: RunEffect): void {
    if (this.stopped || (this.stopping !== undefined && this.steps.dispatches > this.lastRunningDispatch)) {
      this.refuse(effect, this.closedMessage());
      return;
    }
    if (this.started) this.runJob(effect);
    else this.jobs.hold(effect);
  }

  /**
   * Runs a job, always inside a step. A job runs only while the kernel still
   * has it in flight, with the `mainFn` of the program it belongs to: one
   * cancelled later in the same dispatch (a kill, a clear, a reinstall of its
   * program) never runs, and a new program of the same id never runs an old job.
   */
  private runJob(effect: RunEffect): void {
    const mainFn = this.mainFnOf(effect.jobId);
    if (mainFn === undefined) return;
    const job = new Job(effect.jobId, effect.spawnId, effect.programId, effect.fireId);
    this.jobs.current = job;
    let outcome: Outcome | undefined;
    try {
      outcome = this.wrappers.isEmpty
        ? executeJob(mainFn, effect.args, effect.scheduledAt, job, this.reportLater)
        : this.wrappers.start(
            effect,
            () => executeJob(mainFn, effect.args, effect.scheduledAt, job, this.reportLater),
            (error): Outcome => ({ ok: false, error }),
            this.reportError,
          );
    } finally {
      this.jobs.current = null;
    }
    if (job.aborted) return;
    // A synchronous result happens at the step's time (so a step always ends) and never
    // enters the in-flight map: a Map that grows and shrinks every step costs GC time.
    if (outcome === undefined) this.jobs.awaitResult(job);
    else this.steps.result(job.jobId, outcome);
  }

  /** The `mainFn` of a job the kernel has in flight now, else undefined (it was cancelled). O(1). */
  private mainFnOf(jobId: string): MainFn | undefined {
    const seq = seqOfJobId(jobId);
    const record = seq < 1 ? undefined : this.machine.inFlight.get(seq);
    return record?.program.spec.mainFn as MainFn | undefined;
  }

  /** A failed job, told to `onJobError` (its own failure goes to `onError`). */
  private jobErrors(job: SettledJob): void {
    if (this.onJobError === undefined) return;
    try {
      this.onJobError(job.error, job);
    } catch (error) {
      this.reportError(error);
    }
  }

  /** The outcome of a Promise or Effect job. */
  private readonly reportLater = (job: Job, outcome: Outcome): void => {
    if (this.jobs.takeResult(job)) this.steps.result(job.jobId, outcome);
  };

  /**
   * A job the kernel started but the runner will not run (`mainFn` is never
   * called), so that nothing of it stays in flight and nothing of it is
   * merged. A spawn's job is cancelled as a kill would (its spawn is killed:
   * the runner is stopping, so it runs nothing more for it); a trigger is
   * reported failed with a `cancelled` error, which rejects its promise and
   * leaves the state as it was.
   */
  private refuse(effect: RunEffect, why: string): void {
    if (effect.spawnId !== null) {
      // Several held jobs of one spawn: the first kill cancels them all, the others find it stopped.
      this.steps.exec(
        this.steps.stamp({ type: "kill-spawn", programId: effect.programId, spawnId: effect.spawnId }),
        IGNORE,
      );
      return;
    }
    const error = new SchedkitError("cancelled", `job ${effect.jobId} was not started: ${why}`);
    this.steps.exec(this.steps.stamp({ type: "complete", jobId: effect.jobId, outcome: { ok: false, error } }));
  }

  /** Jobs held for a start that will not come are refused, like any job that would start now. */
  private refuseHeld(why: string): void {
    if (!this.jobs.hasHeld) return;
    for (const effect of this.jobs.takeHeld()) this.refuse(effect, `runner "${this.id}": ${why}`);
  }

  // --- The one host timer: at the kernel's wake, or sooner for a wall-clock check.

  private arm(at: number | null): void {
    // Once per result: return before any store when nothing changed.
    if (this.wakeAt === at && at !== null && this.timer.at === at && !this.wall.changed) return;
    this.wakeAt = at;
    if (!this.started || this.stopping !== undefined || this.stopped) return;
    const target = this.wall.wakeFor(at);
    const armedAt = this.timer.at;
    if (armedAt !== null && (armedAt === target || this.wall.keepsTimer(armedAt, target))) return;
    if (target === null) this.timer.clear();
    else this.timer.set(target);
  }

  private onTimer(): void {
    const wakeAt = this.wakeAt;
    const now = this.clock.now();
    if (wakeAt !== null && now >= wakeAt) {
      this.wall.readAt(now);
      this.steps.exec(this.steps.tick(now));
      return;
    }
    // The wall clock stepped (a suspend, a correction): the kernel re-aims its cron jobs.
    if (this.wall.steppedAt(now)) {
      this.steps.exec(this.steps.tick(now));
      return;
    }
    // Early (a host timer, or a wait longer than a host timer takes), or a wall check that found nothing.
    this.arm(wakeAt);
  }

  // --- Lifecycle.

  start(): void {
    if (this.stopped) {
      // Like the original, which built a fresh runtime: a stopped runner starts again. Its programs
      // (and their state) are still installed; their spawns were stopped, so it runs what is spawned anew.
      this.stopped = false;
      this.stopping = undefined;
    }
    // While stopping, start() is refused whether or not the runner had started.
    if (this.stopping !== undefined) throw new SchedkitError("stopped", this.closedMessage());
    if (this.started) return;
    this.started = true;
    this.arm(this.wakeAt);
    if (this.jobs.hasHeld) {
      this.steps.runNow(() => {
        for (const effect of this.jobs.takeHeld()) this.runJob(effect);
      });
    }
  }

  stop(input: unknown): Promise<void> {
    let timeout: number;
    try {
      timeout = stopTimeoutOf(input);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.stopped) return Promise.resolve();
    if (this.stopping !== undefined) {
      // A second stop may be in more of a hurry: its timeout applies too (the earliest one wins).
      if (timeout !== Number.POSITIVE_INFINITY) {
        const killAt = wakeAtDeadline(this.clock, this.clock.now() + timeout, () => this.kill());
        void this.stopping.then(() => killAt.cancel());
      }
      return this.stopping.then(() => undefined);
    }
    this.steps.exec(this.steps.stamp({ type: "stop-all" }));
    // Jobs started by the dispatch in progress (or by the stop-all itself: time arrives first) run;
    // no later one does. Triggers still waiting for their time are cancelled.
    this.lastRunningDispatch = this.steps.dispatches;
    this.timer.clear();
    this.stopping = new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
    });
    this.jobs.rejectWaitingTriggers((jobId) => `runner "${this.id}" stopped before job ${jobId} ran`);
    this.refuseHeld("it stopped before start()");
    const killAt =
      timeout === Number.POSITIVE_INFINITY
        ? undefined
        : wakeAtDeadline(this.clock, this.clock.now() + timeout, () => this.kill());
    this.checkIdle();
    return this.stopping.then(() => {
      killAt?.cancel();
      this.finish();
    });
  }

  kill(): void {
    if (this.stopped) return;
    this.steps.exec(this.steps.stamp({ type: "kill-all" }));
    this.jobs.abortAll(`runner "${this.id}" was killed`);
    this.refuseHeld("it was killed before start()");
    this.finish();
  }

  private finish(): void {
    this.timer.clear();
    this.started = false;
    this.stopped = true;
    this.releaseIdleWaiters();
  }

  private checkIdle(): void {
    if (this.stopping === undefined || this.steps.inStep || this.jobs.hasInFlight) return;
    this.releaseIdleWaiters();
  }

  private releaseIdleWaiters(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  isStarted = () => this.started && !this.stopped;
  isStopped = () => this.stopped;
  health = () => ({ status: this.isStarted() ? ("ok" as const) : ("not-healthy" as const) });

  // --- Commands.

  /** Runs a command for a caller: throws its rejection; `undefined` when queued. */
  command<T>(body: CommandBody, interpret: (effects: readonly KernelEffect[]) => T): T | undefined {
    const closed = this.closedError();
    if (closed !== undefined) throw closed;
    const effects = this.steps.exec(this.steps.stamp(body));
    if (effects === undefined) return undefined;
    const rejected = rejectionOf(effects);
    if (rejected !== undefined) throw rejected;
    return interpret(effects);
  }

  /** Why a stopped or stopping runner refuses new work, or undefined while it takes it. */
  private closedError(): SchedkitError | undefined {
    if (!this.stopped && this.stopping === undefined) return undefined;
    return new SchedkitError("stopped", this.closedMessage());
  }

  private closedMessage(): string {
    return `runner "${this.id}" is ${this.stopped ? "stopped" : "stopping"}`;
  }

  trigger(programId: string, at?: number): Promise<unknown> {
    const closed = this.closedError();
    if (closed !== undefined) return Promise.reject(closed);
    return new Promise((resolve, reject) => {
      const command = this.steps.stamp(
        at === undefined ? { type: "trigger", programId } : { type: "trigger", programId, scheduledAt: at },
      );
      this.steps.exec(command, (effects) => {
        const rejected = rejectionOf(effects);
        if (rejected !== undefined) return reject(rejected);
        const triggered = firstEffect(effects, "triggered");
        if (triggered !== undefined) this.jobs.awaitTrigger(triggered.jobId, { resolve, reject });
      });
    });
  }

  subscribe(listener: unknown): () => void {
    checkListener(listener);
    return this.steps.listen(listener as EffectListener);
  }

  wrapJobs(wrapper: unknown): () => void {
    return this.wrappers.add(wrapper as JobWrapper);
  }
}

/** What a pause says: its `note`, shown by `info()` and `getProps()`. @since 0.2.0 */
export interface PauseOptions {
  readonly note?: string;
}

/** `pause`'s two forms, `(programId, spawnId?, opts?)` and `(programId, opts)`, as one. */
export const pauseArgs = (
  spawnOrOpts: string | PauseOptions | undefined,
  options: PauseOptions | undefined,
): { spawnId: string | undefined; note: string | undefined } => {
  if (typeof spawnOrOpts === "object" && spawnOrOpts !== null) return { spawnId: undefined, note: spawnOrOpts.note };
  return { spawnId: spawnOrOpts, note: options?.note };
};

/** What `backfill` runs: due times in `[from, to)`, with an overlap policy among them. @since 0.2.0 */
export interface BackfillRange {
  readonly from: number;
  readonly to: number;
  /** Default `"buffer-all"`: one after the other. */
  readonly overlap?: Overlap;
}

const spawnIdOf = (effects: readonly KernelEffect[], type: "spawned" | "unspawned"): string | undefined =>
  firstEffect(effects, type)?.spawnId;

/**
 * Creates a runner: the kernel under a clock, running jobs for real. Call
 * `start()` to begin. Bad options throw a `SchedkitError` (`invalid-options`,
 * `invalid-clock`, or the kernel's codes) naming the field.
 *
 * @example
 * const runner = createRunner({ id: "system-runner", policies: [lifo()] });
 * runner.install({ id: "cleanup", interval: 60_000, mainFn: () => ({ count: 1 }) });
 * runner.spawn("cleanup");
 * runner.start();
 *
 * @since 0.1.0
 */
export const createRunner = (options?: RunnerOptions): Runner => {
  let impl: RunnerImpl;
  try {
    impl = new RunnerImpl(readRunnerOptions(options));
  } catch (error) {
    throw optionsErrorOf(error);
  }
  const run = (command: CommandBody) => {
    impl.command(command, () => undefined);
  };
  function setInterval(programId: string, interval: Interval): void;
  function setInterval(programId: string, spawnId: string, interval: Interval): void;
  function setInterval(programId: string, spawnOrInterval: string | Interval, maybeInterval?: Interval): void {
    if (typeof spawnOrInterval === "string") {
      run({ type: "set-interval", programId, spawnId: spawnOrInterval, interval: maybeInterval as Interval });
    } else {
      run({ type: "set-interval", programId, interval: spawnOrInterval });
    }
  }
  const queries = createQueries(impl.machine);
  const checked = checkedQueries(queries);
  const spawn = (programId: string, opts?: SpawnOptions): string | undefined =>
    impl.command(opts === undefined ? { type: "spawn", programId } : { type: "spawn", programId, opts }, (effects) =>
      spawnIdOf(effects, "spawned"),
    );
  const unspawn = (programId: string): string | undefined =>
    impl.command({ type: "unspawn", programId }, (effects) => spawnIdOf(effects, "unspawned"));
  const install = <State, Args, Value, Output>(
    program: ProgramSpec<State, Args, Value, Output>,
  ): ProgramHandle<State, Args, Value, Output> => {
    // The id the kernel installed (it read the spec once); only an install queued from
    // inside a job, not yet read, takes it from the spec.
    const installed = impl.command({ type: "install", program }, (effects) => firstEffect(effects, "installed"));
    const id = installed?.programId ?? String(program.id);
    return {
      id,
      getState: () => checked.getState(id) as State,
      getSpawnState: (spawnId) => checked.getSpawnState(id, spawnId) as State,
      trigger: (at) => impl.trigger(id, at) as Promise<Value>,
      spawn: (opts) => spawn(id, opts as SpawnOptions | undefined),
      unspawn: () => unspawn(id),
    };
  };
  return {
    id: impl.id,
    now: impl.now,
    ...checked,
    // The kernel's time is that of its last command; a runner reports its clock's time now.
    info: () => {
      const info = queries.info();
      return { ...info, clock: { ...info.clock, now: Math.max(info.clock.now, impl.now()) } };
    },
    start: () => impl.start(),
    stop: (stopOptions) => impl.stop(stopOptions),
    kill: () => impl.kill(),
    isStarted: impl.isStarted,
    isStopped: impl.isStopped,
    health: impl.health,
    install,
    uninstall: (programId) => run({ type: "uninstall", programId }),
    trigger: (programId, time) => impl.trigger(programId, time),
    setInterval,
    spawn,
    unspawn,
    stopSpawn: (programId, spawnId) => run({ type: "stop-spawn", programId, spawnId }),
    killSpawn: (programId, spawnId) => run({ type: "kill-spawn", programId, spawnId }),
    stopAll: (programId) => run(programId === undefined ? { type: "stop-all" } : { type: "stop-all", programId }),
    killAll: (programId) => run(programId === undefined ? { type: "kill-all" } : { type: "kill-all", programId }),
    clear: (programId) => run({ type: "clear", programId }),
    pause: (programId: string, spawnOrOpts?: string | PauseOptions, options?: PauseOptions) => {
      const { spawnId, note } = pauseArgs(spawnOrOpts, options);
      run({
        type: "pause",
        programId,
        ...(spawnId === undefined ? {} : { spawnId }),
        ...(note === undefined ? {} : { note }),
      });
    },
    resume: (programId, spawnId) => run({ type: "resume", programId, ...(spawnId === undefined ? {} : { spawnId }) }),
    backfill: (programId, range) =>
      impl.command(
        {
          type: "backfill",
          programId,
          from: range.from,
          to: range.to,
          ...(range.overlap === undefined ? {} : { overlap: range.overlap }),
        },
        (effects) => firstEffect(effects, "backfilled")?.runs.map((each) => each.fireId),
      ) ?? [],
    subscribe: (listener) => impl.subscribe(listener),
    wrapJobs: (wrapper) => impl.wrapJobs(wrapper),
    validateProgram: (spec) => validateProgramOf(impl.machine, spec),
    // The kernel's time is that of its last command; a spawn made now is made at the clock's time.
    nextRuns: (programId: string, spawnOrCount?: string | number, countOrFrom?: number, at?: number) => {
      const { spawnId, count, from } = nextRunsArgs(spawnOrCount, countOrFrom, at);
      return nextRunsOf(impl.machine, programId, spawnId, count, from, Math.max(impl.machine.now, impl.now()));
    },
  };
};
