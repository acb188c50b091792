/**
 * The runner's machinery behind `createRunner` (`runner.ts` is the thin public face): effects to
 * jobs, the host timer, and the lifecycle.
 */
import type { CommandBody, Outcome } from "../Command.js";
import { seqOfJobId } from "../internal/jobTable.js";
import { Machine } from "../internal/machine.js";
import type { KernelEffect } from "../KernelEffect.js";
import { SchedkitError } from "../SchedkitError.js";
import type { EffectListener } from "./api.js";
import { checkListener } from "./arguments.js";
import { type HostClock, toHostClock } from "./clock.js";
import { executeJob, type MainFn } from "./execute.js";
import { type JobErrorHandler, type SettledJob, writeJobErrorLine } from "./jobErrors.js";
import { Job, JobBook, type RunEffect } from "./jobs.js";
import { type JobWrapper, JobWrappers } from "./jobWrappers.js";
import { type RunnerOptions, stopTimeoutOf } from "./options.js";
import { firstEffect, IGNORE, rejectionOf, StepLoop } from "./steps.js";
import { HostTimer, wakeAtDeadline } from "./timer.js";
import { WALL_CHECK_MS, WallWatch } from "./wallWatch.js";

/**
 * The kernel (`machine`) under a host clock, and how its parts meet: `steps`
 * dispatches every command and hands each effect to `handle`; `jobs` keeps the
 * jobs held, running and triggered; `wall` watches the wall clock for cron;
 * `timer` is the one host timer. Here: where each effect goes, when the timer
 * is armed and what it does, and the lifecycle (start, stop, kill).
 */
export class RunnerImpl {
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
