import type { Command, CommandBody, Outcome } from "../Command.js";
import { show } from "../internal/describe.js";
import { seqOfJobId } from "../internal/jobTable.js";
import { type KernelOptions, Machine } from "../internal/machine.js";
import { createQueries, type KernelQueries } from "../internal/queries.js";
import type { KernelEffect } from "../KernelEffect.js";
import type { Interval, ProgramSpec, SpawnOptions, SpawnProps } from "../Program.js";
import { isSchedkitError, SchedkitError } from "../SchedkitError.js";
import { type Clock, type FakeTimersClock, type HostClock, toHostClock } from "./clock.js";
import { executeJob, type MainFn, type RunningJob } from "./execute.js";
import { StepQueue } from "./stepQueue.js";

/** Options for `createRunner`. @since 0.1.0 */
export interface RunnerOptions extends KernelOptions {
  /** A name for logs and `info()`. Default "runner". */
  readonly id?: string;
  /**
   * `{ now, setTimeout, clearTimeout, wallNow? }` or a `@sinonjs/fake-timers`
   * clock. Default: the system's monotonic clock, with `Date.now()` as its
   * wall clock.
   */
  readonly clock?: Clock | FakeTimersClock;
  /**
   * How closely the system clock wakes for a job. `"ms"` (default): the
   * host's whole-ms timers, rounded up, so a job starts about 1 ms after its
   * time (the median; more under load), and a waiting runner uses no CPU. `"sub-ms"`: the timer is
   * rounded down and the last fraction of a ms is covered by a check on every
   * event-loop turn, so jobs start within microseconds of their time; the cost
   * is CPU while waiting, a whole core when wakes are less than a ms apart.
   * Only with the system clock: an injected clock has its own timers.
   * @since 0.2.0
   */
  readonly precision?: "ms" | "sub-ms";
  /**
   * Told about errors that have no caller to throw to: a subscriber that
   * threw, or a queued call (made from inside `mainFn` or a hook) that was
   * rejected. Default: `console.error`.
   */
  readonly onError?: (error: unknown) => void;
  /**
   * Ms between two looks at the wall clock while cron spawns run, when the
   * clock has a wall reading: a cron job runs at most
   * this late after a host suspend or a wall-clock step. Default 1,000.
   * `Infinity` turns the checks off (the wall clock is still read with every
   * command). A test that ticks a fake clock over weeks of cron may raise it:
   * each check is one fake timer.
   * @since 0.3.0
   */
  readonly wallCheckInterval?: number;
}

/** Options for `stop`. @since 0.1.0 */
export interface StopOptions {
  /** Ms (a number >= 0) to wait for jobs in flight before killing them. Default (or `Infinity`): wait for ever. */
  readonly timeout?: number;
}

/** @since 0.1.0 */
export type EffectListener = (effect: KernelEffect) => void;

/**
 * The kernel in a real process: it owns a clock, keeps one host timer armed
 * at the kernel's next `wake`, runs each job's `mainFn` and reports the
 * result back. See SEMANTICS.md for every method's rules.
 *
 * @since 0.1.0
 */
export interface Runner extends KernelQueries {
  readonly id: string;
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
  install(spec: ProgramSpec): void;
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
  /** Every effect, in order (run, settled with its times, cancel, ...). Returns the unsubscribe function. */
  subscribe(listener: EffectListener): () => void;
}

/**
 * While the clock has a wall reading and cron spawns run, the runner wakes by
 * default at least this often (ms; option `wallCheckInterval`) to compare
 * the wall clock with the monotonic one. A monotonic clock stops while the
 * host is suspended and ignores wall-clock corrections, so a timer armed for
 * a cron match would fire late by the length of a suspend; this check
 * notices the jump within a second of the host waking up. Its cost is one host timer and two clock reads a second
 * (no kernel dispatch, no effect unless the wall clock moved), and only
 * while a cron spawn is running.
 */
const WALL_CHECK_MS = 1_000;

/**
 * A change of `wall - now` larger than this (ms) between two readings is a
 * wall-clock step: the runner tells the kernel (a `tick` carrying `wall`).
 * Smaller changes are the two clocks' ordinary drift and rounding
 * (`Date.now()` counts whole ms); every command the runner sends carries
 * `wall` anyway.
 */
const WALL_STEP_MS = 10;

/**
 * A running job: the context `mainFn` receives, and its cancellation. The
 * AbortController is made only when the job reads its signal: most jobs never
 * do, and a controller per job would be the runner's largest cost per job.
 */
class Job implements RunningJob {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  constructor(
    readonly jobId: string,
    readonly spawnId: string | null,
    readonly programId: string,
  ) {}

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Whether the job was cancelled, without making a signal. */
  get aborted(): boolean {
    return this.#aborted;
  }

  static cancel(job: Job, reason: unknown): void {
    if (job.#aborted) return;
    job.#aborted = true;
    job.#reason = reason;
    job.#controller?.abort(reason);
  }
}

type RunEffect = Extract<KernelEffect, { type: "run" }>;

interface Deferred {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type AfterStep = (effects: readonly KernelEffect[]) => void;

/** For a command the runner sends for itself whose answer does not matter (not even a rejection). */
const IGNORE: AfterStep = () => undefined;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const rejectionOf = (effects: readonly KernelEffect[]): SchedkitError | undefined => {
  // A loop, not `find`: this runs once per job, and a callback is one more allocation.
  for (const effect of effects) {
    if (effect.type === "rejected") return new SchedkitError(effect.code, effect.message, { field: effect.field });
  }
  return undefined;
};

class RunnerImpl {
  readonly id: string;
  readonly machine: Machine;
  private readonly clock: HostClock;
  /** Whether the clock has a wall reading: then every command carries `wall`. */
  private readonly hasWall: boolean;
  private readonly onError: (error: unknown) => void;
  /** Ms between wall checks while cron spawns run; Infinity: none. */
  private readonly wallCheck: number;
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  /** Dispatches so far; and the last one whose jobs still run once `stop()` was called. */
  private dispatches = 0;
  private lastRunningDispatch = 0;
  private busy = false;
  /** The time of the step in progress: results reported inside it happen then, so a step always ends. */
  private stepAt = 0;
  /** The wall time of the step in progress (when the clock has one). */
  private stepWall = 0;
  /** Wall minus monotonic time, as last sent to the kernel (in a command's `wall`). */
  private lastOffset = 0;
  /** When the wall clock was last read (monotonic): the next wall check is due `wallCheck` ms later. */
  private lastWallRead = 0;
  private readonly queue = new StepQueue<Command, AfterStep>();
  /** Jobs the kernel started before `start()`, by job id, in order. */
  private readonly held = new Map<string, RunEffect>();
  private wakeAt: number | null = null;
  private timer: { handle: unknown; readonly at: number } | null = null;
  /** Whether cron spawns run (so the wall clock is watched); recounted after lifecycle effects. */
  private watchWall = false;
  private cronDirty = false;
  /** Jobs whose result comes later (Promises, Effects); a synchronous job is only ever `current`. */
  private readonly inFlight = new Map<string, Job>();
  /** The job whose `mainFn` is running right now (synchronously, inside a step). */
  private current: Job | null = null;
  private readonly triggers = new Map<string, Deferred>();
  private readonly listeners = new Set<EffectListener>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(options: RunnerOptions) {
    this.id = options.id ?? "runner";
    this.clock = toHostClock(options.clock, options.precision);
    this.hasWall = this.clock.wallNow !== undefined;
    this.wallCheck = options.wallCheckInterval ?? WALL_CHECK_MS;
    const onError = options.onError ?? ((error: unknown) => console.error(`[schedkit:${this.id}]`, error));
    // An onError that throws must not cut a step short either.
    this.onError = (error) => {
      try {
        onError(error);
      } catch {
        // Nowhere left to report it.
      }
    };
    this.machine = new Machine(options);
  }

  // --- Time: every command carries the clock's time, or the step's inside a step.

  /**
   * Stamps a command the runner built: inside a step with the step's time
   * (so a step never chases a moving clock, and a call made from a job is
   * not a regression against that job's result), else with a fresh reading.
   * The body is a literal made by the caller: stamping it allocates nothing.
   */
  stamp<C extends CommandBody>(body: C): C & { readonly at: number; readonly wall?: number } {
    const command = body as C & { at: number; wall?: number };
    if (this.busy) {
      command.at = this.stepAt;
      if (this.hasWall) command.wall = this.stepWall;
    } else {
      command.at = this.read();
      if (this.hasWall) command.wall = this.lastOffset + command.at;
    }
    return command;
  }

  /** A fresh reading of the clock; with a wall clock, also the wall's offset at that instant. */
  private read(): number {
    const now = this.clock.now();
    if (this.hasWall) {
      this.lastWallRead = now;
      // A wall reading that is not a number is no news: the offset stays as it was.
      const offset = (this.clock.wallNow as () => number)() - now;
      if (Number.isFinite(offset)) this.lastOffset = offset;
    }
    return now;
  }

  now = () => this.clock.now();

  // --- Steps: one command, its effects handled, then anything queued meanwhile.

  /** Dispatches now, or queues when called from inside a step (a job, a hook, a listener). */
  exec(command: Command, after?: AfterStep): readonly KernelEffect[] | undefined {
    if (this.busy) {
      this.queue.push(command, after);
      return undefined;
    }
    let effects: readonly KernelEffect[] | undefined;
    this.stepAt = command.at;
    if (this.hasWall) this.stepWall = command.wall ?? this.lastOffset + command.at;
    this.inStep(() => {
      effects = this.step(command, after);
    });
    return effects;
  }

  private inStep(body: () => void): void {
    this.busy = true;
    try {
      body();
      const queue = this.queue;
      while (!queue.isEmpty) {
        const command = queue.nextCommand();
        const after = queue.nextAfter();
        queue.drop();
        const effects = this.step(command, after);
        const rejected = after === undefined ? rejectionOf(effects) : undefined;
        if (rejected !== undefined) this.onError(rejected);
      }
    } finally {
      this.busy = false;
    }
    this.checkIdle();
  }

  /**
   * One dispatch and its effects. Nothing a job, a listener or a hook does
   * can cut it short: a failure while handling one effect is reported to
   * `onError` and the next effect is handled, so the last one (`wake`)
   * always arms the timer.
   */
  private step(command: Command, after: AfterStep | undefined) {
    this.dispatches++;
    const effects = this.machine.dispatch(command);
    if (after !== undefined) {
      try {
        after(effects);
      } catch (error) {
        this.onError(error);
      }
    }
    for (const effect of effects) {
      try {
        this.handle(effect);
      } catch (error) {
        this.onError(error);
      }
      for (const listener of this.listeners) {
        try {
          listener(effect);
        } catch (error) {
          this.onError(error);
        }
      }
    }
    return effects;
  }

  private handle(effect: KernelEffect): void {
    switch (effect.type) {
      case "run":
        this.onRun(effect);
        return;
      case "cancel":
        if (this.held.size > 0) this.held.delete(effect.jobId);
        if (effect.inFlight) this.abort(effect.jobId, `job ${effect.jobId} was cancelled (${effect.reason})`);
        else this.rejectTrigger(effect.jobId, `job ${effect.jobId} was cancelled (${effect.reason})`);
        return;
      case "settled": {
        if (this.triggers.size === 0) return;
        const deferred = this.triggers.get(effect.jobId);
        if (deferred === undefined) return;
        this.triggers.delete(effect.jobId);
        if (effect.status === "succeeded") deferred.resolve(effect.value);
        else deferred.reject(effect.error);
        return;
      }
      case "spawned":
      case "stopped":
      case "cleared":
      case "uninstalled":
        if (this.hasWall && this.wallCheck !== Number.POSITIVE_INFINITY) this.cronDirty = true;
        return;
      case "wake":
        this.arm(effect.at);
        return;
      default:
        return;
    }
  }

  /**
   * Where a `run` goes. A job runs only while the kernel still has it in
   * flight, with the `mainFn` of the program it belongs to: one cancelled
   * later in the same dispatch (a kill, a clear, a reinstall of its program)
   * never runs, and a new program of the same id never runs an old job.
   * Started: it runs now. Not started yet: it is held until `start()` (a
   * `cancel` drops it). Killed, or stopping: no new job starts, so it is
   * refused; only the jobs of the dispatch in progress when `stop()` was
   * called still run (they had started).
   */
  private onRun(effect: RunEffect): void {
    if (this.stopped || (this.stopping !== undefined && this.dispatches > this.lastRunningDispatch)) {
      this.refuse(effect, `runner "${this.id}" is ${this.stopped ? "stopped" : "stopping"}`);
      return;
    }
    if (!this.started) {
      this.held.set(effect.jobId, effect);
      return;
    }
    const mainFn = this.mainFnOf(effect.jobId);
    if (mainFn !== undefined) this.runJob(effect, mainFn);
  }

  /** The `mainFn` of a job the kernel has in flight now, else undefined (it was cancelled). O(1). */
  private mainFnOf(jobId: string): MainFn | undefined {
    const seq = seqOfJobId(jobId);
    const record = seq < 1 ? undefined : this.machine.inFlight.get(seq);
    return record?.program.spec.mainFn as MainFn | undefined;
  }

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
      this.exec(this.stamp({ type: "kill-spawn", programId: effect.programId, spawnId: effect.spawnId }), IGNORE);
      return;
    }
    const error = new SchedkitError("cancelled", `job ${effect.jobId} was not started: ${why}`);
    this.exec(this.stamp({ type: "complete", jobId: effect.jobId, outcome: { ok: false, error } }));
  }

  /** Always called inside a step. */
  private runJob(effect: RunEffect, mainFn: MainFn): void {
    const job = new Job(effect.jobId, effect.spawnId, effect.programId);
    this.current = job;
    let outcome: Outcome | undefined;
    try {
      outcome = executeJob(mainFn, effect.args, effect.scheduledAt, job, this.reportLater);
    } finally {
      this.current = null;
    }
    if (job.aborted) return;
    // A synchronous result happens at the step's time (so a step always ends) and never
    // enters the in-flight map: a Map that grows and shrinks every step costs GC time.
    if (outcome === undefined) this.inFlight.set(job.jobId, job);
    else this.exec(this.completion(job.jobId, outcome));
  }

  /** A `complete` command: at the step's time inside a step, else now. One object, one shape per runner. */
  private completion(jobId: string, outcome: Outcome): Command {
    if (this.busy) {
      return this.hasWall
        ? { type: "complete", at: this.stepAt, wall: this.stepWall, jobId, outcome }
        : { type: "complete", at: this.stepAt, jobId, outcome };
    }
    const at = this.read();
    return this.hasWall
      ? { type: "complete", at, wall: this.lastOffset + at, jobId, outcome }
      : { type: "complete", at, jobId, outcome };
  }

  /** The outcome of a Promise or Effect job. */
  private readonly reportLater = (job: Job, outcome: Outcome): void => {
    if (this.inFlight.get(job.jobId) !== job) return;
    this.inFlight.delete(job.jobId);
    this.exec(this.completion(job.jobId, outcome));
  };

  private abort(jobId: string, reason: string): void {
    const job = this.current?.jobId === jobId ? this.current : this.inFlight.get(jobId);
    this.inFlight.delete(jobId);
    if (job !== undefined) Job.cancel(job, new SchedkitError("cancelled", reason));
    this.rejectTrigger(jobId, reason);
  }

  private rejectTrigger(jobId: string, reason: string): void {
    const deferred = this.triggers.get(jobId);
    if (deferred === undefined) return;
    this.triggers.delete(jobId);
    deferred.reject(new SchedkitError("cancelled", reason));
  }

  // --- The one host timer: at the kernel's wake, or sooner for a wall-clock check.

  private arm(at: number | null): void {
    // Once per result: return before any store when nothing changed.
    if (this.wakeAt === at && this.timer !== null && this.timer.at === at && !this.cronDirty) return;
    this.wakeAt = at;
    if (!this.started || this.stopping !== undefined || this.stopped) return;
    if (this.cronDirty) this.recountCron();
    let target = at;
    if (this.watchWall) {
      const check = this.lastWallRead + this.wallCheck;
      if (target === null || check < target) target = check;
    }
    const armed = this.timer;
    if (armed !== null) {
      if (armed.at === target) return;
      // While the wall is watched, the check time moves with every clock reading: a timer a
      // little early is kept (it checks the wall and arms again) rather than moved per command.
      if (this.watchWall && target !== null && armed.at < target && target - armed.at <= this.wallCheck) return;
    }
    this.disarm();
    if (target === null) return;
    const timer: { handle: unknown; at: number } = { handle: undefined, at: target };
    this.timer = timer;
    timer.handle = this.clock.wakeAt(() => this.onTimer(timer), target);
  }

  private disarm(): void {
    if (this.timer === null) return;
    this.clock.cancelWake(this.timer.handle);
    this.timer = null;
  }

  /** Whether a cron spawn runs: only after lifecycle effects, never per job. */
  private recountCron(): void {
    this.cronDirty = false;
    let watch = false;
    for (const program of this.machine.programs.values()) {
      if (program.cron !== undefined && program.running.size > 0) {
        watch = true;
        break;
      }
    }
    this.watchWall = watch;
  }

  private onTimer(timer: { readonly at: number }): void {
    if (this.timer !== timer) return;
    this.timer = null;
    const wakeAt = this.wakeAt;
    const now = this.clock.now();
    if (wakeAt !== null && now >= wakeAt) {
      this.exec(this.tickAt(now));
      return;
    }
    if (this.watchWall) {
      // Compared with what the kernel was last told, so that a slow drift adds up to a step too.
      const offset = (this.clock.wallNow as () => number)() - now;
      this.lastWallRead = now;
      if (Number.isFinite(offset) && Math.abs(offset - this.lastOffset) > WALL_STEP_MS) {
        // The wall clock stepped (a suspend, a correction): the kernel re-aims its cron jobs.
        this.exec(this.tickAt(now, offset));
        return;
      }
    }
    // Early (a host timer, or a wait longer than a host timer takes), or a wall check that found nothing.
    this.arm(wakeAt);
  }

  /** A tick at `now`; with a wall clock it carries the wall time, read now unless the caller just did. */
  private tickAt(now: number, offset?: number): Command {
    if (!this.hasWall) return { type: "tick", at: now };
    this.lastWallRead = now;
    const read = offset ?? (this.clock.wallNow as () => number)() - now;
    if (Number.isFinite(read)) this.lastOffset = read;
    return { type: "tick", at: now, wall: this.lastOffset + now };
  }

  // --- Lifecycle.

  start(): void {
    if (this.stopped) throw new SchedkitError("stopped", `runner "${this.id}": a stopped runner cannot start again`);
    if (this.started) return;
    if (this.stopping !== undefined) throw new SchedkitError("stopped", `runner "${this.id}" is stopping`);
    this.started = true;
    this.arm(this.wakeAt);
    if (this.held.size > 0) {
      this.stepAt = this.read();
      if (this.hasWall) this.stepWall = this.lastOffset + this.stepAt;
      const held = [...this.held.values()];
      this.held.clear();
      this.inStep(() => {
        for (const effect of held) {
          const mainFn = this.mainFnOf(effect.jobId);
          if (mainFn !== undefined) this.runJob(effect, mainFn);
        }
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
    if (this.stopping !== undefined) return this.stopping;
    this.exec(this.stamp({ type: "stop-all" }));
    // Jobs started by the dispatch in progress (or by the stop-all itself: time arrives first) run;
    // no later one does. Triggers still waiting for their time are cancelled.
    this.lastRunningDispatch = this.dispatches;
    this.disarm();
    this.stopping = new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
    });
    for (const jobId of [...this.triggers.keys()]) {
      if (!this.inFlight.has(jobId) && this.current?.jobId !== jobId)
        this.rejectTrigger(jobId, `runner "${this.id}" stopped before job ${jobId} ran`);
    }
    // Jobs held for a start that will not come are refused, like any job that would start now.
    this.refuseHeld("it stopped before start()");
    let killTimer: unknown;
    if (timeout !== Number.POSITIVE_INFINITY) {
      // Waits of any length: the host timer takes at most ~24.8 days, so a longer one is armed again.
      const deadline = this.clock.now() + timeout;
      const wait = () => {
        killTimer = this.clock.wakeAt(() => {
          if (this.clock.now() < deadline) wait();
          else this.kill();
        }, deadline);
      };
      wait();
    }
    this.checkIdle();
    return this.stopping.then(() => {
      if (killTimer !== undefined) this.clock.cancelWake(killTimer);
      this.finish();
    });
  }

  kill(): void {
    if (this.stopped) return;
    this.exec(this.stamp({ type: "kill-all" }));
    const killed = this.current === null ? [...this.inFlight.keys()] : [this.current.jobId, ...this.inFlight.keys()];
    for (const jobId of killed) this.abort(jobId, `runner "${this.id}" was killed`);
    for (const jobId of [...this.triggers.keys()]) this.rejectTrigger(jobId, `runner "${this.id}" was killed`);
    this.refuseHeld("it was killed before start()");
    this.finish();
  }

  private refuseHeld(why: string): void {
    if (this.held.size === 0) return;
    const held = [...this.held.values()];
    this.held.clear();
    for (const effect of held) this.refuse(effect, `runner "${this.id}": ${why}`);
  }

  private finish(): void {
    this.disarm();
    this.started = false;
    this.stopped = true;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private checkIdle(): void {
    if (this.stopping === undefined || this.busy || this.inFlight.size > 0) return;
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
    const effects = this.exec(this.stamp(body));
    if (effects === undefined) return undefined;
    const rejected = rejectionOf(effects);
    if (rejected !== undefined) throw rejected;
    return interpret(effects);
  }

  /** Why a stopped or stopping runner refuses new work, or undefined while it takes it. */
  private closedError(): SchedkitError | undefined {
    if (!this.stopped && this.stopping === undefined) return undefined;
    return new SchedkitError("stopped", `runner "${this.id}" is ${this.stopped ? "stopped" : "stopping"}`);
  }

  trigger(programId: string, at?: number): Promise<unknown> {
    const closed = this.closedError();
    if (closed !== undefined) return Promise.reject(closed);
    return new Promise((resolve, reject) => {
      const command = this.stamp(
        at === undefined ? { type: "trigger", programId } : { type: "trigger", programId, scheduledAt: at },
      );
      this.exec(command, (effects) => {
        const rejected = rejectionOf(effects);
        if (rejected !== undefined) return reject(rejected);
        const triggered = effects.find((effect) => effect.type === "triggered");
        if (triggered?.type === "triggered") this.triggers.set(triggered.jobId, { resolve, reject });
      });
    });
  }

  subscribe(listener: unknown): () => void {
    if (typeof listener !== "function") {
      throw new SchedkitError("invalid-command", `listener: expected a function, got ${show(listener)}`, {
        field: "listener",
      });
    }
    const own = listener as EffectListener;
    this.listeners.add(own);
    return () => {
      this.listeners.delete(own);
    };
  }
}

const messageOf = (error: unknown): string => {
  try {
    return error instanceof Error ? String(error.message) : show(error);
  } catch {
    return show(error);
  }
};

// --- Checking arguments: bad input throws a coded SchedkitError naming the field, and changes nothing.

/** Every option `createRunner` knows; the type makes a new kernel option a compile error here until it is listed. */
const RUNNER_OPTION_KEYS = {
  id: true,
  clock: true,
  precision: true,
  onError: true,
  policies: true,
  defaultPolicy: true,
  seed: true,
  historyLimit: true,
  catchUpLimit: true,
  wallCheckInterval: true,
} as const satisfies Record<keyof RunnerOptions, true>;

const invalidOptions = (field: string, message: string): SchedkitError =>
  new SchedkitError("invalid-options", `${field}: ${message}`, { field });

const isPlainObject = (value: unknown): value is object =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Own keys of a caller's object, or a coded error when they cannot be listed (a hostile Proxy). */
const ownKeysOf = (value: object, field: string): string[] => {
  try {
    return Object.keys(value);
  } catch {
    throw invalidOptions(field, "its keys could not be read");
  }
};

/**
 * Reads the caller's options once, into a plain copy, and checks the shape of
 * each: what the runner uses itself in full, the kernel's options as far as
 * needed for the kernel to judge them (it gives their messages).
 */
const readRunnerOptions = (input: unknown): RunnerOptions => {
  if (input === undefined) return {};
  if (!isPlainObject(input)) throw invalidOptions("options", `expected an object, got ${show(input)}`);
  for (const key of ownKeysOf(input, "options")) {
    if (!Object.hasOwn(RUNNER_OPTION_KEYS, key))
      throw invalidOptions(`options.${key}`, "unknown key (check its spelling)");
  }
  const copy: Mutable<RunnerOptions> & Record<string, unknown> = {};
  for (const key of Object.keys(RUNNER_OPTION_KEYS)) {
    let value: unknown;
    try {
      value = (input as Record<string, unknown>)[key];
    } catch {
      throw invalidOptions(`options.${key}`, "could not be read");
    }
    if (value !== undefined) copy[key] = value;
  }
  const { id, onError, policies, defaultPolicy } = copy as Record<string, unknown>;
  if (id !== undefined && (typeof id !== "string" || id === "")) {
    throw invalidOptions("options.id", `expected a non-empty string, got ${show(id)}`);
  }
  if (onError !== undefined && typeof onError !== "function") {
    throw invalidOptions("options.onError", `expected a function (error) => void, got ${show(onError)}`);
  }
  if (policies !== undefined) {
    if (!Array.isArray(policies)) {
      throw invalidOptions("options.policies", `expected an array of policies, got ${show(policies)}`);
    }
    try {
      copy.policies = Array.from(policies as unknown[]) as RunnerOptions["policies"] & unknown[];
    } catch {
      throw invalidOptions("options.policies", "could not be read");
    }
  }
  if (defaultPolicy !== undefined && typeof defaultPolicy !== "string") {
    throw invalidOptions("options.defaultPolicy", `expected a policy name, got ${show(defaultPolicy)}`);
  }
  const wallCheck = copy.wallCheckInterval;
  if (wallCheck !== undefined && (typeof wallCheck !== "number" || !(wallCheck > 0))) {
    throw invalidOptions(
      "options.wallCheckInterval",
      `expected a number of ms > 0 (or Infinity), got ${show(wallCheck)}`,
    );
  }
  for (const key of ["seed", "historyLimit", "catchUpLimit"] as const) {
    const value = copy[key];
    if (value !== undefined && typeof value !== "number") {
      throw invalidOptions(`options.${key}`, `expected a number, got ${show(value)}`);
    }
  }
  return copy;
};

/** `stop`'s options: `undefined` or `{ timeout? }` with a timeout of 0 ms or more (`Infinity`: for ever). */
const stopTimeoutOf = (input: unknown): number => {
  if (input === undefined) return Number.POSITIVE_INFINITY;
  if (!isPlainObject(input))
    throw invalidOptions("stop.options", `expected { timeout? } or nothing, got ${show(input)}`);
  for (const key of ownKeysOf(input, "stop.options")) {
    if (key !== "timeout") throw invalidOptions(`stop.options.${key}`, "unknown key (check its spelling)");
  }
  let timeout: unknown;
  try {
    timeout = (input as { timeout?: unknown }).timeout;
  } catch {
    throw invalidOptions("stop.options.timeout", "could not be read");
  }
  if (timeout === undefined) return Number.POSITIVE_INFINITY;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw invalidOptions("stop.options.timeout", `expected a number of ms >= 0, got ${show(timeout)}`);
  }
  return timeout;
};

const invalidArgument = (field: string, message: string): SchedkitError =>
  new SchedkitError("invalid-command", `${field}: ${message}`, { field });

/** A query's id argument: a string, else a coded error (no kernel lookup of something that cannot be an id). */
const checkId = (value: unknown, field: "programId" | "spawnId"): void => {
  if (typeof value !== "string") throw invalidArgument(field, `expected a string, got ${show(value)}`);
};

const checkOrder = (order: unknown): void => {
  if (order !== undefined && order !== "asc" && order !== "desc") {
    throw invalidArgument("order", `expected "asc" or "desc", got ${show(order)}`);
  }
};

/** The kernel's queries, with their arguments checked first. */
const checkedQueries = (queries: KernelQueries): Omit<KernelQueries, "info"> => {
  const byProgram =
    <T>(query: (programId: string) => T) =>
    (programId: string): T => {
      checkId(programId, "programId");
      return query(programId);
    };
  const bySpawn =
    <T>(query: (programId: string, spawnId: string) => T) =>
    (programId: string, spawnId: string): T => {
      checkId(programId, "programId");
      checkId(spawnId, "spawnId");
      return query(programId, spawnId);
    };
  function getProps(programId: string): Record<string, SpawnProps>;
  function getProps(programId: string, spawnId: string): SpawnProps;
  function getProps(programId: string, spawnId?: string): SpawnProps | Record<string, SpawnProps> {
    checkId(programId, "programId");
    if (spawnId === undefined) return queries.getProps(programId);
    checkId(spawnId, "spawnId");
    return queries.getProps(programId, spawnId);
  }
  return {
    // A yes/no question: anything that is not an installed program's id is not installed.
    isInstalled: (programId) => typeof programId === "string" && queries.isInstalled(programId),
    getProgram: byProgram(queries.getProgram),
    getState: byProgram(queries.getState),
    getSpawnState: bySpawn(queries.getSpawnState),
    getProps,
    getSpawn: bySpawn(queries.getSpawn),
    listSpawns: (programId, order) => {
      checkId(programId, "programId");
      checkOrder(order);
      return order === undefined ? queries.listSpawns(programId) : queries.listSpawns(programId, order);
    },
    countSpawns: byProgram(queries.countSpawns),
    latestSpawn: byProgram(queries.latestSpawn),
    earliestSpawn: byProgram(queries.earliestSpawn),
    listStopped: byProgram(queries.listStopped),
    latestStopped: byProgram(queries.latestStopped),
    latest: byProgram(queries.latest),
  };
};

const idOf = (effects: readonly KernelEffect[], type: "spawned" | "unspawned"): string | undefined => {
  const found = effects.find((effect) => effect.type === type);
  return found?.type === type ? found.spawnId : undefined;
};

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
    // Whatever the options are made of (a revoked Proxy, a hostile getter), the caller gets a coded error.
    if (isSchedkitError(error)) throw error;
    throw new SchedkitError("invalid-options", `options: ${messageOf(error)}`, { field: "options", cause: error });
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
  return {
    id: impl.id,
    ...checkedQueries(queries),
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
    install: (program) => run({ type: "install", program }),
    uninstall: (programId) => run({ type: "uninstall", programId }),
    trigger: (programId, time) => impl.trigger(programId, time),
    setInterval,
    spawn: (programId, opts) =>
      impl.command(opts === undefined ? { type: "spawn", programId } : { type: "spawn", programId, opts }, (effects) =>
        idOf(effects, "spawned"),
      ),
    unspawn: (programId) => impl.command({ type: "unspawn", programId }, (effects) => idOf(effects, "unspawned")),
    stopSpawn: (programId, spawnId) => run({ type: "stop-spawn", programId, spawnId }),
    killSpawn: (programId, spawnId) => run({ type: "kill-spawn", programId, spawnId }),
    stopAll: (programId) => run(programId === undefined ? { type: "stop-all" } : { type: "stop-all", programId }),
    killAll: (programId) => run(programId === undefined ? { type: "kill-all" } : { type: "kill-all", programId }),
    clear: (programId) => run({ type: "clear", programId }),
    subscribe: (listener) => impl.subscribe(listener),
  };
};
