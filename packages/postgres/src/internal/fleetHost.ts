import type { Clock, Outcome, ProgramSpec } from "@schedkit/kernel";
import {
  type CommandAnswer,
  type Coordinator,
  type CoordinatorCommandBody,
  type CoordinatorEffect,
  executeJob,
  type FleetCommand,
  type RunningJob,
} from "@schedkit/kernel/fleet";
import type { FleetHealth, FleetRunnerEvent, FleetRunnerOptions } from "../fleetRunner.js";
import type { ListeningStore } from "../postgres.js";

type RunEffect = Extract<CoordinatorEffect, { type: "run" }>;

interface HostJob extends RunningJob {
  readonly shard: number;
  readonly epoch: number;
  readonly controller: AbortController;
  aborted: boolean;
}

/** How long without a store answer before health says `degraded`. */
const QUIET_STORE_MS = 5_000;

/**
 * The imperative shell around one node's coordinator: it reads the injected
 * clock, sends store requests and feeds the answers back, runs `mainFn`s,
 * keeps the one timer the coordinator asks for, and settles callers' Promises.
 */
export class FleetHost {
  readonly session: string;
  private readonly coordinator: Coordinator;
  private readonly clock: Clock;
  private readonly store: FleetRunnerOptions["store"];
  private readonly specs = new Map<string, ProgramSpec>();
  private readonly jobs = new Map<string, HostJob>();
  private readonly waiting = new Map<string, (answer: CommandAnswer) => void>();
  private readonly stopWaiters: (() => void)[] = [];
  private timer: unknown;
  private unlisten: (() => Promise<void>) | undefined;
  private dispatching = false;
  private readonly queued: CoordinatorCommandBody[] = [];
  private state: "running" | "stopping" | "stopped" = "running";
  private lastStoreAnswer = Number.NEGATIVE_INFINITY;
  private lastStoreError: string | undefined;
  private readonly paused = new Set<number>();
  private readonly heldShards = new Set<number>();

  /** `coordinator`: the node's pure logic, made by the caller; this host only carries out its effects. */
  constructor(
    options: {
      readonly store: FleetRunnerOptions["store"];
      readonly programs: readonly ProgramSpec[];
      readonly clock: Clock;
      readonly session: string;
      readonly coordinator: Coordinator;
    },
    private readonly emit: (event: FleetRunnerEvent) => void,
  ) {
    this.session = options.session;
    this.clock = options.clock;
    this.store = options.store;
    this.coordinator = options.coordinator;
    for (const spec of options.programs) this.specs.set(spec.id, spec);
  }

  start(): void {
    this.dispatch({ type: "tick" });
    // LISTEN/NOTIFY when the store offers it: commands and released shards are acted on at once.
    const listen = (this.store as Partial<ListeningStore>).listen;
    if (typeof listen !== "function") return;
    listen
      .call(this.store, (notice) => {
        this.dispatch(
          notice.reason === "released"
            ? { type: "notify", reason: "released", shard: notice.shard, leaving: notice.leaving === true }
            : { type: "notify", reason: "inbox", shard: notice.shard },
        );
      })
      .then(
        (unlisten) => {
          if (this.state === "stopped") void unlisten().catch(() => {});
          else this.unlisten = unlisten;
        },
        () => {
          // No notices, then: polling alone still works.
        },
      );
  }

  submit(commandId: string, command: FleetCommand): Promise<CommandAnswer> {
    if (this.state === "stopped") {
      return Promise.resolve({ status: "failed", code: "stopped", message: "the fleet runner is stopped" });
    }
    return new Promise((resolve) => {
      this.waiting.set(commandId, resolve);
      this.dispatch({ type: "submit", commandId, command });
    });
  }

  stop(): Promise<void> {
    if (this.state === "stopped") return Promise.resolve();
    const done = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    if (this.state === "running") {
      this.state = "stopping";
      this.dispatch({ type: "stop" });
    }
    return done;
  }

  kill(): void {
    if (this.state === "stopped") return;
    this.finish();
    for (const job of this.jobs.values()) this.abort(job);
    this.jobs.clear();
  }

  health(): FleetHealth {
    const shards = this.heldShards.size;
    if (this.state === "stopped") return { status: "stopped", shards };
    if (this.state === "stopping") return { status: "stopping", shards };
    if (this.paused.size > 0) {
      return {
        status: "degraded",
        reason: `shards ${[...this.paused].join(", ")} passed their lease deadline without a renewal: no job of theirs starts${this.lastStoreError === undefined ? "" : ` (store: ${this.lastStoreError})`}`,
        shards,
      };
    }
    if (this.lastStoreError !== undefined && this.clock.now() - this.lastStoreAnswer > QUIET_STORE_MS) {
      return { status: "degraded", reason: `the store has not answered for a while: ${this.lastStoreError}`, shards };
    }
    return { status: "ok", shards };
  }

  private finish(): void {
    this.state = "stopped";
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    if (unlisten !== undefined) void unlisten().catch(() => {});
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const resolve of this.waiting.values()) {
      resolve({
        status: "failed",
        code: "stopped",
        message: "the fleet runner stopped before the command was answered",
      });
    }
    this.waiting.clear();
    for (const resolve of this.stopWaiters.splice(0)) resolve();
  }

  /**
   * One dispatch at a time: a listener or a caller that acts while effects are being handled
   * (a `submit` from inside `subscribe`) is queued, so the last `wake` handled is the newest.
   */
  private dispatch(body: CoordinatorCommandBody): void {
    this.queued.push(body);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.queued.shift(); next !== undefined; next = this.queued.shift()) {
        if (this.state === "stopped") break;
        const wall = this.clock.wallNow?.() ?? this.clock.now();
        const effects = this.coordinator.dispatch({ ...next, at: this.clock.now(), wall } as never);
        for (const effect of effects) this.onEffect(effect);
      }
    } finally {
      this.dispatching = false;
      this.queued.length = 0;
    }
  }

  private onEffect(effect: CoordinatorEffect): void {
    switch (effect.type) {
      case "store": {
        const { requestId, request } = effect;
        // Through a Promise even if `execute` throws at once: a store's failure is an unknown answer, never a crash here.
        Promise.resolve()
          .then(() => this.store.execute(request))
          .then(
            (reply) => {
              this.lastStoreAnswer = this.clock.now();
              this.lastStoreError = undefined;
              this.dispatch({ type: "store-reply", requestId, reply });
            },
            (error: unknown) => {
              this.lastStoreError = error instanceof Error ? error.message : String(error);
              this.dispatch({ type: "store-failed", requestId, message: this.lastStoreError });
            },
          );
        return;
      }
      case "run":
        this.run(effect);
        break;
      case "cancel": {
        const key = jobKey(effect.shard, effect.epoch, effect.jobId);
        const job = this.jobs.get(key);
        if (job !== undefined) {
          this.jobs.delete(key);
          this.abort(job);
        }
        break;
      }
      case "answer": {
        const resolve = this.waiting.get(effect.commandId);
        this.waiting.delete(effect.commandId);
        resolve?.(effect.answer);
        break;
      }
      case "wake": {
        if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
        const delay = Math.max(0, Math.ceil(effect.at - this.clock.now()));
        this.timer = this.clock.setTimeout(
          () => {
            this.timer = undefined;
            this.dispatch({ type: "tick" });
          },
          Math.min(delay, 2_147_483_647),
        );
        return;
      }
      case "acquired":
        this.heldShards.add(effect.shard);
        this.paused.delete(effect.shard);
        break;
      case "released":
      case "lost":
        this.heldShards.delete(effect.shard);
        this.paused.delete(effect.shard);
        break;
      case "paused":
        this.paused.add(effect.shard);
        break;
      case "resumed":
        this.paused.delete(effect.shard);
        break;
      case "stopped":
        this.emit(effect);
        this.finish();
        return;
      default:
        break;
    }
    this.emit(effect);
  }

  private run(effect: RunEffect): void {
    const spec = this.specs.get(effect.programId);
    const key = jobKey(effect.shard, effect.epoch, effect.jobId);
    const controller = new AbortController();
    const job: HostJob = {
      shard: effect.shard,
      epoch: effect.epoch,
      controller,
      signal: controller.signal,
      jobId: effect.jobId,
      fireId: effect.fireId,
      spawnId: effect.spawnId,
      programId: effect.programId,
      aborted: false,
    };
    this.jobs.set(key, job);
    const report = (reported: HostJob, outcome: Outcome) => {
      if (this.jobs.get(key) !== reported) return;
      this.jobs.delete(key);
      this.dispatch({ type: "job-done", shard: reported.shard, epoch: reported.epoch, jobId: reported.jobId, outcome });
    };
    if (spec === undefined) {
      report(job, { ok: false, error: new Error(`program ${effect.programId} is not installed on this node`) });
      return;
    }
    const outcome = executeJob(spec.mainFn as never, effect.args, effect.scheduledAt, job, report);
    if (outcome !== undefined) {
      // Report after this dispatch's effects are handled: the coordinator is not re-entered.
      queueMicrotask(() => report(job, outcome));
    }
  }

  private abort(job: HostJob): void {
    job.aborted = true;
    job.controller.abort();
  }
}

const jobKey = (shard: number, epoch: number, jobId: string) => `${shard}/${epoch}/${jobId}`;
