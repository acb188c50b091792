import type { Command, CommandBody, JobResult, Outcome } from "../Command.js";
import type { Machine } from "../internal/machine.js";
import type { KernelEffect, KernelEffectType } from "../KernelEffect.js";
import { SchedkitError } from "../SchedkitError.js";
import type { HostClock } from "./clock.js";
import { StepQueue } from "./stepQueue.js";
import type { WallWatch } from "./wallWatch.js";

/** Told a step's effects right after its dispatch, before they are handled. */
export type AfterStep = (effects: readonly KernelEffect[]) => void;

/** A batch `complete` the runner builds: its results array grows while it waits in the queue. */
type BatchComplete = Extract<Command, { results: unknown }> & { readonly results: JobResult[] };

/** For a command the runner sends for itself whose answer does not matter (not even a rejection). */
export const IGNORE: AfterStep = () => undefined;

/** The first effect of a type. A loop, not `find`: this runs once per job, and a callback is one more allocation. */
export const firstEffect = <T extends KernelEffectType>(
  effects: readonly KernelEffect[],
  type: T,
): Extract<KernelEffect, { type: T }> | undefined => {
  for (const effect of effects) {
    if (effect.type === type) return effect as Extract<KernelEffect, { type: T }>;
  }
  return undefined;
};

export const rejectionOf = (effects: readonly KernelEffect[]): SchedkitError | undefined => {
  const rejected = firstEffect(effects, "rejected");
  return rejected === undefined
    ? undefined
    : new SchedkitError(rejected.code, rejected.message, { field: rejected.field });
};

/**
 * The runner's dispatches. A step is one command, its effects handled (by
 * `handle`, then every listener), then anything queued meanwhile; a command
 * sent from inside a step (a job's result, a call from `mainFn`, a hook or a
 * listener) is queued, so steps never nest. Every command carries the clock's
 * time, or the step's inside a step.
 */
export class StepLoop {
  /** Whether a step is in progress. */
  private busy = false;
  /** Dispatches so far. */
  private count = 0;
  /** The time of the step in progress: results reported inside it happen then, so a step always ends. */
  private stepAt = 0;
  /** The wall time of the step in progress (when the clock has one). */
  private stepWall = 0;
  private readonly queue = new StepQueue<Command, AfterStep>();
  /** The batch `complete` queued last, while results may still join it (see `result`). */
  private openBatch: BatchComplete | null = null;
  private readonly listenerSet = new Set<(effect: KernelEffect) => void>();
  /**
   * The listeners as an array, made again when one is added or removed: iterating the Set made an
   * iterator per effect (two per job). One added while an effect is handed out first sees the next.
   */
  private listeners: readonly ((effect: KernelEffect) => void)[] = [];

  constructor(
    private readonly machine: Machine,
    private readonly clock: HostClock,
    private readonly wall: WallWatch,
    /** Told every error that has no caller to throw to; never throws. */
    private readonly onError: (error: unknown) => void,
    /** The runner's part of each effect. */
    private readonly handle: (effect: KernelEffect) => void,
    /** After each outermost step. */
    private readonly onStepsDone: () => void,
  ) {}

  get inStep(): boolean {
    return this.busy;
  }

  get dispatches(): number {
    return this.count;
  }

  // --- Time.

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
      if (this.wall.available) command.wall = this.stepWall;
    } else {
      command.at = this.read();
      if (this.wall.available) command.wall = this.wall.at(command.at);
    }
    return command;
  }

  /**
   * A job's result. Inside a step it joins the batch `complete` at the end of the queue, if the
   * queue ends with one (so the results of one step, synchronous jobs say, go to the kernel as one
   * command: exactly their single completes in order); outside a step it is dispatched now.
   */
  result(jobId: string, outcome: Outcome): void {
    if (!this.busy) {
      const at = this.read();
      this.exec(this.single(at, this.wall.available ? this.wall.at(at) : undefined, jobId, outcome));
      return;
    }
    const open = this.openBatch;
    if (open !== null && this.queue.isLast(open)) {
      open.results.push({ jobId, outcome });
      return;
    }
    const results = [{ jobId, outcome }];
    const batch: BatchComplete = this.wall.available
      ? { type: "complete", at: this.stepAt, wall: this.stepWall, results }
      : { type: "complete", at: this.stepAt, results };
    this.openBatch = batch;
    this.queue.push(batch, undefined);
  }

  /** A single `complete`: with `wall` exactly when the clock has one (one object shape per runner). */
  private single(at: number, wall: number | undefined, jobId: string, outcome: Outcome): Command {
    return wall === undefined
      ? { type: "complete", at, jobId, outcome }
      : { type: "complete", at, wall, jobId, outcome };
  }

  /** A tick at `now`, with the wall time as last read. */
  tick(now: number): Command {
    return this.wall.available ? { type: "tick", at: now, wall: this.wall.at(now) } : { type: "tick", at: now };
  }

  /** A fresh reading of the clock; with a wall clock, also the wall's offset at that instant. */
  private read(): number {
    const now = this.clock.now();
    this.wall.readAt(now);
    return now;
  }

  private setStepTime(at: number, wall?: number): void {
    this.stepAt = at;
    if (this.wall.available) this.stepWall = wall ?? this.wall.at(at);
  }

  // --- Steps.

  /** Dispatches now, or queues when called from inside a step (a job, a hook, a listener). */
  exec(command: Command, after?: AfterStep): readonly KernelEffect[] | undefined {
    if (this.busy) {
      this.queue.push(command, after);
      return undefined;
    }
    let effects: readonly KernelEffect[] | undefined;
    this.setStepTime(command.at, command.wall);
    this.run(() => {
      effects = this.step(command, after);
    });
    return effects;
  }

  /** Runs `body` as a step of its own at the clock's time now (it dispatches nothing itself). */
  runNow(body: () => void): void {
    this.setStepTime(this.read());
    this.run(body);
  }

  private run(body: () => void): void {
    this.busy = true;
    try {
      body();
      const queue = this.queue;
      while (!queue.isEmpty) {
        const command = queue.nextCommand();
        const after = queue.nextAfter();
        queue.drop();
        if (command === this.openBatch) this.openBatch = null;
        const effects = this.step(command, after);
        const rejected = after === undefined ? rejectionOf(effects) : undefined;
        if (rejected !== undefined) {
          // A refused batch changed nothing: its results go one by one. An internal error may have
          // applied some of them: reported, never resent.
          if (command.type === "complete" && "results" in command && rejected.code !== "internal-error") {
            this.oneByOne(command);
          } else this.onError(rejected);
        }
      }
    } finally {
      this.busy = false;
    }
    this.onStepsDone();
  }

  /**
   * A rejected batch (never expected: the runner reports only jobs the kernel started): no result
   * may be lost, so each goes as a single `complete`, and what is refused then is reported.
   */
  private oneByOne(batch: Extract<Command, { results: unknown }>): void {
    for (const { jobId, outcome } of batch.results) {
      const rejected = rejectionOf(this.step(this.single(batch.at, batch.wall, jobId, outcome), undefined));
      if (rejected !== undefined) this.onError(rejected);
    }
  }

  /**
   * One dispatch and its effects. Nothing a job, a listener or a hook does
   * can cut it short: a failure while handling one effect is reported to
   * `onError` and the next effect is handled, so the last one (`wake`)
   * always arms the timer.
   */
  private step(command: Command, after: AfterStep | undefined) {
    this.count++;
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
      const listeners = this.listeners;
      for (const listener of listeners) {
        // Removed meanwhile (by an earlier listener, say): not called again.
        if (listeners.length > 1 && !this.listenerSet.has(listener)) continue;
        try {
          listener(effect);
        } catch (error) {
          this.onError(error);
        }
      }
    }
    return effects;
  }

  /** Adds a listener of every effect; returns the function that removes it. */
  listen(listener: (effect: KernelEffect) => void): () => void {
    this.listenerSet.add(listener);
    this.listeners = [...this.listenerSet];
    return () => {
      this.listenerSet.delete(listener);
      this.listeners = [...this.listenerSet];
    };
  }
}
