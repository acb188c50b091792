import type { Clock, Outcome, ProgramSpec } from "@schedkit/kernel";
import {
  type CommandAnswer,
  type Coordinator,
  type CoordinatorCommandBody,
  type CoordinatorEffect,
  executeJob,
  type FingerprintProblem,
  type FleetCommand,
  type JobWrappers,
  type MainFn,
  type RunningJob,
  type StoreRequest,
} from "@schedkit/kernel/fleet";
import type { FleetHealth, FleetRunnerEvent, FleetRunnerOptions } from "../fleetRunner.js";
import type { ListeningStore } from "../postgres.js";
import { type BackoffSettings, StoreBackoff } from "./storeBackoff.js";

type RunEffect = Extract<CoordinatorEffect, { type: "run" }>;

interface HostJob extends RunningJob {
  readonly shard: number;
  readonly epoch: number;
  readonly controller: AbortController;
  aborted: boolean;
}

/** How long a store request may go unanswered (a hung connection fails nothing) before health says `degraded`. */
const QUIET_STORE_MS = 5_000;

interface HeldRequest {
  readonly requestId: string;
  readonly request: StoreRequest;
}

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
  private readonly backoff: StoreBackoff;
  private readonly wrappers: JobWrappers;
  /** Requests made while the store was failing, sent when the backoff has passed. */
  private readonly held: HeldRequest[] = [];
  private retryTimer: unknown;
  /** Requests sent and not answered yet, with their send times. */
  private readonly inFlight = new Map<string, number>();
  private readonly paused = new Set<number>();
  private readonly heldShards = new Set<number>();
  /** Shards this replica may not take: the deploy-skew problems that need someone to act. */
  private readonly skewed = new Map<number, readonly FingerprintProblem[]>();
  private lastHealth: FleetHealth["status"] = "ok";

  /** `coordinator`: the node's pure logic, made by the caller; this host only carries out its effects. */
  constructor(
    options: {
      readonly store: FleetRunnerOptions["store"];
      readonly programs: readonly ProgramSpec[];
      readonly clock: Clock;
      readonly session: string;
      readonly coordinator: Coordinator;
      readonly backoff: BackoffSettings;
      readonly wrappers: JobWrappers;
    },
    private readonly emit: (event: FleetRunnerEvent) => void,
  ) {
    this.session = options.session;
    this.clock = options.clock;
    this.store = options.store;
    this.coordinator = options.coordinator;
    this.backoff = new StoreBackoff(options.backoff);
    this.wrappers = options.wrappers;
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
    const now = this.clock.now();
    const outage = this.backoff.outage();
    const store =
      outage === undefined
        ? undefined
        : `the store failed ${outage.attempts} time${outage.attempts === 1 ? "" : "s"} in a row over ${Math.round(now - outage.since)} ms, retrying with backoff (last error: ${outage.message})`;
    if (this.paused.size > 0) {
      return {
        status: "degraded",
        reason: `shards ${[...this.paused].join(", ")} passed their lease deadline without a renewal: no job of theirs starts${store === undefined ? "" : `; ${store}`}`,
        shards,
      };
    }
    // One failed round that the next attempt may cure is not yet "degraded".
    if (outage !== undefined && (outage.attempts >= 2 || now - outage.since >= QUIET_STORE_MS)) {
      return { status: "degraded", reason: store ?? "", shards };
    }
    if (this.skewed.size > 0) {
      const problems = [...this.skewed].map(
        ([shard, found]) =>
          `shard ${shard}: ${found.map((problem) => `${problem.programId} ${problem.reason === "changed" ? "changed without a higher version" : "is not installed here"}`).join(", ")}`,
      );
      return {
        status: "degraded",
        reason: `deploy skew, so this replica cannot take these shards: ${problems.join("; ")} (bump the program's version, or install the same programs on every replica)`,
        shards,
      };
    }
    let oldest = Number.POSITIVE_INFINITY;
    for (const sentAt of this.inFlight.values()) oldest = Math.min(oldest, sentAt);
    if (now - oldest > QUIET_STORE_MS && now - this.lastStoreAnswer > QUIET_STORE_MS) {
      return {
        status: "degraded",
        reason: `a store request has waited ${Math.round(now - oldest)} ms for an answer (a hung connection? set the pool's connectionTimeoutMillis and query_timeout)`,
        shards,
      };
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
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.held.length = 0;
    for (const resolve of this.waiting.values()) {
      resolve({
        status: "failed",
        code: "stopped",
        message: "the fleet runner stopped before the command was answered",
      });
    }
    this.waiting.clear();
    for (const resolve of this.stopWaiters.splice(0)) resolve();
    this.reportHealth();
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
    this.reportHealth();
  }

  /** A `health` event whenever the status changes (ok, degraded, stopping, stopped). */
  private reportHealth(): void {
    const health = this.health();
    if (health.status === this.lastHealth) return;
    this.lastHealth = health.status;
    this.emit({ type: "health", at: this.clock.now(), ...health });
  }

  private onEffect(effect: CoordinatorEffect): void {
    switch (effect.type) {
      case "store":
        this.toStore(effect.requestId, effect.request);
        return;
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
        this.skewed.delete(effect.shard);
        break;
      case "deploy-skew": {
        // An older build meeting a newer one is a rolling deploy going as planned; a changed or
        // missing program is a mistake someone must fix.
        const mistakes = effect.problems.filter((problem) => problem.reason !== "older");
        if (mistakes.length > 0) this.skewed.set(effect.shard, mistakes);
        else this.skewed.delete(effect.shard);
        break;
      }
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

  /** Sends a request, or holds it while the store is failing (the backoff says when to try again). */
  private toStore(requestId: string, request: StoreRequest): void {
    const now = this.clock.now();
    if (this.backoff.holding(now)) {
      this.held.push({ requestId, request });
      this.armRetry();
      return;
    }
    this.execute(requestId, request, now);
  }

  private execute(requestId: string, request: StoreRequest, sentAt: number): void {
    this.inFlight.set(requestId, sentAt);
    // Through a Promise even if `execute` throws at once: a store's failure is an unknown answer, never a crash here.
    Promise.resolve()
      .then(() => this.store.execute(request))
      .then(
        (reply) => {
          this.inFlight.delete(requestId);
          const now = this.clock.now();
          this.lastStoreAnswer = now;
          const ended = this.backoff.succeeded(now);
          if (ended !== undefined && this.state !== "stopped") {
            this.emit({ type: "store-reachable", at: now, downFor: ended.downFor, attempts: ended.attempts });
          }
          this.dispatch({ type: "store-reply", requestId, reply });
        },
        (error: unknown) => {
          this.inFlight.delete(requestId);
          const now = this.clock.now();
          const message = error instanceof Error ? error.message : String(error);
          const verdict = this.backoff.failed(now, sentAt, message);
          if (verdict.advanced && this.state !== "stopped") {
            this.emit({
              type: "store-unreachable",
              at: now,
              message,
              attempt: verdict.attempt,
              retryIn: verdict.retryIn,
            });
          }
          // The coordinator learns at once (the request may or may not have landed); what it sends
          // next waits in `held` until the backoff has passed.
          this.dispatch({ type: "store-failed", requestId, message });
        },
      );
  }

  private armRetry(): void {
    if (this.retryTimer !== undefined || this.state === "stopped") return;
    const delay = Math.max(0, Math.ceil(this.backoff.until() - this.clock.now()));
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.flushHeld();
    }, delay);
  }

  /**
   * The wait is over: of the requests held meanwhile, the newest per shard and kind goes out
   * (an older one was replaced by its own retry); the others are reported failed, unsent.
   */
  private flushHeld(): void {
    if (this.state === "stopped") return;
    const now = this.clock.now();
    if (this.backoff.holding(now)) {
      this.armRetry();
      return;
    }
    const held = this.held.splice(0);
    const newest = new Map<string, HeldRequest>();
    for (const entry of held) newest.set(heldKey(entry.request), entry);
    const survivors = new Set(newest.values());
    for (const entry of held) {
      if (survivors.has(entry)) continue;
      this.dispatch({
        type: "store-failed",
        requestId: entry.requestId,
        message: "superseded while the store was failing",
      });
    }
    for (const entry of survivors) this.execute(entry.requestId, entry.request, now);
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
      rerun: effect.rerun,
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
    const mainFn = spec.mainFn as MainFn;
    const execute = () => executeJob(mainFn, effect.args, effect.scheduledAt, job, report);
    const outcome = this.wrappers.isEmpty
      ? execute()
      : this.wrappers.start(
          effect,
          execute,
          (error): Outcome => ({ ok: false, error }),
          // A wrapper's own failure after the job started: the job's result stands.
          () => undefined,
        );
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

/** Requests that replace one another while held: one per kind and shard (commands by their id). */
const heldKey = (request: StoreRequest): string => {
  switch (request.type) {
    case "submit":
    case "withdraw":
      return `${request.type}:${request.commandId}`;
    case "answers":
      return `answers:${request.commandIds.join(",")}`;
    case "scan":
      return "scan";
    default:
      return `${request.type}:${request.shard}`;
  }
};

const jobKey = (shard: number, epoch: number, jobId: string) => `${shard}/${epoch}/${jobId}`;
