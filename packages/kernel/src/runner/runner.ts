import type { Command, Outcome } from "../Command.js";
import { type KernelOptions, Machine } from "../internal/machine.js";
import { createQueries, type KernelQueries } from "../internal/queries.js";
import type { KernelEffect } from "../KernelEffect.js";
import type { Interval, ProgramSpec, SpawnOptions } from "../Program.js";
import { SchedkitError } from "../SchedkitError.js";
import { type Clock, type FakeTimersClock, type HostClock, toHostClock } from "./clock.js";
import { executeJob, type RunningJob } from "./execute.js";
import { StepQueue } from "./stepQueue.js";

/** Options for `createRunner`. @since 0.1.0 */
export interface RunnerOptions extends KernelOptions {
  /** A name for logs and `info()`. Default "runner". */
  readonly id?: string;
  /** `{ now, setTimeout, clearTimeout }` or a `@sinonjs/fake-timers` clock. Default: the system's monotonic clock. */
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
}

/** Options for `stop`. @since 0.1.0 */
export interface StopOptions {
  /** Ms to wait for jobs in flight before killing them. Default: wait for ever. */
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
  /** Graceful: stops every spawn, waits for jobs in flight (or kills them after `timeout`), then stops. */
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

interface Deferred {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type AfterStep = (effects: readonly KernelEffect[]) => void;

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
  private readonly onError: (error: unknown) => void;
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private busy = false;
  /** The time of the step in progress: results reported inside it happen then, so a step always ends. */
  private stepAt = 0;
  private readonly queue = new StepQueue<Command, AfterStep>();
  private readonly held: Extract<KernelEffect, { type: "run" }>[] = [];
  private wakeAt: number | null = null;
  private timer: { handle: unknown; at: number } | null = null;
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
    this.onError = options.onError ?? ((error) => console.error(`[schedkit:${this.id}]`, error));
    this.machine = new Machine(options);
  }

  // --- Steps: one command, its effects handled, then anything queued meanwhile.

  /** Dispatches now, or queues when called from inside a step (a job, a hook, a listener). */
  exec(command: Command, after?: AfterStep): readonly KernelEffect[] | undefined {
    if (this.busy) {
      this.queue.push(command, after);
      return undefined;
    }
    let effects: readonly KernelEffect[] | undefined;
    this.stepAt = command.at;
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

  private step(command: Command, after: ((effects: readonly KernelEffect[]) => void) | undefined) {
    const effects = this.machine.dispatch(command);
    after?.(effects);
    for (const effect of effects) {
      this.handle(effect);
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
        if (this.started) this.runJob(effect);
        else this.held.push(effect);
        return;
      case "cancel":
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
      case "wake":
        this.arm(effect.at);
        return;
      default:
        return;
    }
  }

  /** Always called inside a step. */
  private runJob(effect: Extract<KernelEffect, { type: "run" }>): void {
    const spec = this.machine.programs.get(effect.programId)?.spec;
    if (spec === undefined) return;
    const job = new Job(effect.jobId, effect.spawnId, effect.programId);
    this.current = job;
    let outcome: Outcome | undefined;
    try {
      outcome = executeJob(spec.mainFn, effect.args, effect.scheduledAt, job, this.reportLater);
    } finally {
      this.current = null;
    }
    if (job.aborted) return;
    // A synchronous result happens at the step's time (so a step always ends) and never
    // enters the in-flight map: a Map that grows and shrinks every step costs GC time.
    if (outcome === undefined) this.inFlight.set(job.jobId, job);
    else this.exec({ type: "complete", at: this.stepAt, jobId: job.jobId, outcome });
  }

  /** The outcome of a Promise or Effect job. */
  private readonly reportLater = (job: Job, outcome: Outcome): void => {
    if (this.inFlight.get(job.jobId) !== job) return;
    this.inFlight.delete(job.jobId);
    this.exec({ type: "complete", at: this.busy ? this.stepAt : this.clock.now(), jobId: job.jobId, outcome });
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

  // --- The one host timer.

  private arm(at: number | null): void {
    // Once per result: return before any store when nothing changed.
    if (this.wakeAt === at && this.timer !== null && this.timer.at === at) return;
    this.wakeAt = at;
    if (!this.started || this.stopping !== undefined || this.stopped) return;
    if (this.timer !== null && this.timer.at === at) return;
    this.disarm();
    if (at === null) return;
    const handle = this.clock.wakeAt(() => this.onTimer(at), at);
    this.timer = { handle, at };
  }

  private disarm(): void {
    if (this.timer === null) return;
    this.clock.cancelWake(this.timer.handle);
    this.timer = null;
  }

  private onTimer(at: number): void {
    this.timer = null;
    const now = this.clock.now();
    // Host timers may fire early: never tick before the wake time.
    if (now < at) this.arm(at);
    else this.exec({ type: "tick", at: now });
  }

  // --- Lifecycle.

  start(): void {
    if (this.stopped) throw new SchedkitError("stopped", `runner "${this.id}": a stopped runner cannot start again`);
    if (this.started) return;
    this.started = true;
    this.arm(this.wakeAt);
    if (this.held.length > 0) {
      this.stepAt = this.clock.now();
      this.inStep(() => {
        for (const effect of this.held.splice(0)) this.runJob(effect);
      });
    }
  }

  stop(options: { timeout?: number } = {}): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.stopping !== undefined) return this.stopping;
    this.exec({ type: "stop-all", at: this.clock.now() });
    // No new jobs start while stopping: triggers still waiting for their time are cancelled.
    this.disarm();
    this.stopping = new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
    });
    for (const jobId of [...this.triggers.keys()]) {
      if (!this.inFlight.has(jobId) && this.current?.jobId !== jobId)
        this.rejectTrigger(jobId, `runner "${this.id}" stopped before job ${jobId} ran`);
    }
    let killTimer: unknown;
    if (options.timeout !== undefined) killTimer = this.clock.setTimeout(() => this.kill(), options.timeout);
    this.checkIdle();
    return this.stopping.then(() => {
      if (killTimer !== undefined) this.clock.clearTimeout(killTimer);
      this.finish();
    });
  }

  kill(): void {
    if (this.stopped) return;
    this.exec({ type: "kill-all", at: this.clock.now() });
    const killed = this.current === null ? [...this.inFlight.keys()] : [this.current.jobId, ...this.inFlight.keys()];
    for (const jobId of killed) this.abort(jobId, `runner "${this.id}" was killed`);
    for (const jobId of [...this.triggers.keys()]) this.rejectTrigger(jobId, `runner "${this.id}" was killed`);
    this.finish();
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
  command<T>(command: Command, interpret: (effects: readonly KernelEffect[]) => T): T | undefined {
    const closed = this.closedError();
    if (closed !== undefined) throw closed;
    const effects = this.exec(command);
    if (effects === undefined) return undefined;
    const rejected = rejectionOf(effects);
    if (rejected !== undefined) throw rejected;
    return interpret(effects);
  }

  now = () => this.clock.now();

  /** Why a stopped or stopping runner refuses new work, or undefined while it takes it. */
  private closedError(): SchedkitError | undefined {
    if (!this.stopped && this.stopping === undefined) return undefined;
    return new SchedkitError("stopped", `runner "${this.id}" is ${this.stopped ? "stopped" : "stopping"}`);
  }

  trigger(programId: string, at?: number): Promise<unknown> {
    const closed = this.closedError();
    if (closed !== undefined) return Promise.reject(closed);
    return new Promise((resolve, reject) => {
      const command: Command = {
        type: "trigger",
        at: this.clock.now(),
        programId,
        ...(at === undefined ? {} : { scheduledAt: at }),
      };
      this.exec(command, (effects) => {
        const rejected = rejectionOf(effects);
        if (rejected !== undefined) return reject(rejected);
        const triggered = effects.find((effect) => effect.type === "triggered");
        if (triggered?.type === "triggered") this.triggers.set(triggered.jobId, { resolve, reject });
      });
    });
  }

  subscribe(listener: EffectListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

const idOf = (effects: readonly KernelEffect[], type: "spawned" | "unspawned"): string | undefined => {
  const found = effects.find((effect) => effect.type === type);
  return found?.type === type ? found.spawnId : undefined;
};

/**
 * Creates a runner: the kernel under a clock, running jobs for real. Call
 * `start()` to begin. Bad options throw a `SchedkitError`.
 *
 * @example
 * const runner = createRunner({ id: "system-runner", policies: [lifo()] });
 * runner.install({ id: "cleanup", interval: 60_000, mainFn: () => ({ count: 1 }) });
 * runner.spawn("cleanup");
 * runner.start();
 *
 * @since 0.1.0
 */
export const createRunner = (options: RunnerOptions = {}): Runner => {
  const impl = new RunnerImpl(options);
  const at = () => impl.now();
  const run = (command: Command) => {
    impl.command(command, () => undefined);
  };
  function setInterval(programId: string, interval: Interval): void;
  function setInterval(programId: string, spawnId: string, interval: Interval): void;
  function setInterval(programId: string, spawnOrInterval: string | Interval, maybeInterval?: Interval): void {
    if (typeof spawnOrInterval === "string") {
      run({ type: "set-interval", at: at(), programId, spawnId: spawnOrInterval, interval: maybeInterval as Interval });
    } else {
      run({ type: "set-interval", at: at(), programId, interval: spawnOrInterval });
    }
  }
  const queries = createQueries(impl.machine);
  return {
    id: impl.id,
    ...queries,
    // The kernel's time is that of its last command; a runner reports its clock's time now.
    info: () => {
      const info = queries.info();
      return { ...info, clock: { ...info.clock, now: Math.max(info.clock.now, at()) } };
    },
    start: () => impl.start(),
    stop: (stopOptions) => impl.stop(stopOptions),
    kill: () => impl.kill(),
    isStarted: impl.isStarted,
    isStopped: impl.isStopped,
    health: impl.health,
    install: (program) => run({ type: "install", at: at(), program }),
    uninstall: (programId) => run({ type: "uninstall", at: at(), programId }),
    trigger: (programId, time) => impl.trigger(programId, time),
    setInterval,
    spawn: (programId, opts) =>
      impl.command({ type: "spawn", at: at(), programId, ...(opts === undefined ? {} : { opts }) }, (effects) =>
        idOf(effects, "spawned"),
      ),
    unspawn: (programId) =>
      impl.command({ type: "unspawn", at: at(), programId }, (effects) => idOf(effects, "unspawned")),
    stopSpawn: (programId, spawnId) => run({ type: "stop-spawn", at: at(), programId, spawnId }),
    killSpawn: (programId, spawnId) => run({ type: "kill-spawn", at: at(), programId, spawnId }),
    stopAll: (programId) => run({ type: "stop-all", at: at(), ...(programId === undefined ? {} : { programId }) }),
    killAll: (programId) => run({ type: "kill-all", at: at(), ...(programId === undefined ? {} : { programId }) }),
    clear: (programId) => run({ type: "clear", at: at(), programId }),
    subscribe: (listener) => impl.subscribe(listener),
  };
};
