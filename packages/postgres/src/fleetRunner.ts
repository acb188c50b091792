import { randomUUID } from "node:crypto";
import {
  type BackfillRange,
  type Clock,
  type JobErrorHandler,
  type JobWrapper,
  type KernelOptions,
  type PauseOptions,
  type ProgramSpec,
  SchedkitError,
  type SchedkitErrorCode,
  systemClock,
} from "@schedkit/kernel";
import {
  type CommandAnswer,
  type CoordinatorEffect,
  type FleetCommand,
  type FleetSpawnOptions,
  JobWrappers,
  jobErrorLine,
  type Store,
} from "@schedkit/kernel/fleet";
import { FleetHost } from "./internal/fleetHost.js";
import { nodeCoordinator } from "./internal/nodeCoordinator.js";
import { backoffSettings, type RetryOptions } from "./internal/storeBackoff.js";

/** @since 0.1.0 */
export interface FleetRunnerOptions {
  /** Where leases, checkpoints, the log and fires live: `postgresStore`, `pgliteStore`, or any `Store`. */
  readonly store: Store;
  /** The programs (every replica installs the same ones); more with `install` before `start`. */
  readonly programs?: readonly ProgramSpec[];
  /** Default: a random id drawn at creation. */
  readonly nodeId?: string;
  readonly shards?: number;
  readonly leaseTtl?: number;
  readonly renewInterval?: number;
  readonly safetyMargin?: number;
  readonly requestTimeout?: number;
  readonly commandTimeout?: number;
  readonly checkpointEvery?: number;
  /**
   * How often an owner reads each held shard's inbox without a notice: 250 ms, or 1,000 ms on a
   * store that announces commands (`postgresStore`, `pgliteStore`), where a notice wakes it at once.
   */
  readonly inboxPollInterval?: number;
  /** The shard kernels' options (policies, seed): the same on every replica. */
  readonly kernel?: KernelOptions;
  /** Monotonic time for leases, `wallNow` for the kernels' time. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * While the store fails (a lost connection, a restarting server), requests wait
   * `initialDelay` (100 ms), then twice as long each round up to `maxDelay`
   * (`renewInterval`, at most 5 s); any answer ends the wait.
   */
  readonly retry?: RetryOptions;
  /**
   * Told about every job of this replica that failed, with its error and the kernel's `settled`
   * effect. Default: one line on stderr per failed job (program, spawn, fire id, message);
   * `false`: nothing. A handler that throws is ignored (the runner goes on). @since 0.3.0
   */
  readonly onJobError?: JobErrorHandler | false;
}

/**
 * What `subscribe` hears: the coordinator's reports (jobs settled, shards
 * acquired and lost, deploy skew...), and the store's reachability:
 * `store-unreachable` at each failed round of attempts (`attempt`, the wait
 * `retryIn`), `store-reachable` when it answers again (`downFor` ms); and
 * `health` whenever `health().status` changes.
 * @since 0.1.0
 */
export type FleetRunnerEvent =
  | Exclude<CoordinatorEffect, { type: "store" } | { type: "wake" }>
  | {
      readonly type: "store-unreachable";
      readonly at: number;
      readonly message: string;
      readonly attempt: number;
      readonly retryIn: number;
    }
  | { readonly type: "store-reachable"; readonly at: number; readonly downFor: number; readonly attempts: number }
  | ({ readonly type: "health"; readonly at: number } & FleetHealth);

/** @since 0.1.0 */
export interface FleetHealth {
  /**
   * `degraded`: the store is failing (two rounds in a row) or hangs, a held shard is paused past
   * its lease deadline, or a deploy skew (a program changed without a higher version, or missing
   * here) keeps this replica off a shard. An older build meeting a newer one is not degraded.
   */
  readonly status: "idle" | "ok" | "degraded" | "stopping" | "stopped";
  readonly reason?: string;
  /** Shards this node holds. */
  readonly shards: number;
}

/**
 * A runner for one replica of a fleet: the programs run on whichever replica
 * owns their shard; every method that changes the schedule goes to that owner
 * through the store and resolves with its answer.
 * @since 0.1.0
 */
export interface FleetRunner {
  readonly nodeId: string;
  /** The shard kernels' clock now (ms): the clock's `wallNow`, else its `now`. @since 0.3.0 */
  now(): number;
  /** Adds a program before `start` (every replica must install the same ones). */
  install(spec: ProgramSpec): void;
  start(): void;
  /** The new spawn's id, or `undefined` when a bound (`max`) refused it. */
  spawn(programId: string, opts?: FleetSpawnOptions): Promise<string | undefined>;
  /** The stopping spawn's id, or `undefined` when a bound (`min`) or an empty pool refused it. */
  unspawn(programId: string): Promise<string | undefined>;
  /** The triggered job's output; rejects with its error, or `cancelled`/`job-lost`. */
  trigger(programId: string, opts?: { readonly scheduledAt?: number }): Promise<unknown>;
  setInterval(programId: string, interval: number, spawnId?: string): Promise<void>;
  stopSpawn(programId: string, spawnId: string): Promise<void>;
  killSpawn(programId: string, spawnId: string): Promise<void>;
  stopAll(programId: string): Promise<void>;
  killAll(programId: string): Promise<void>;
  clear(programId: string): Promise<void>;
  /** Pauses a spawn, or (no `spawnId`) the program, on whichever replica owns it. @since 0.2.0 */
  pause(programId: string, spawnId?: string, opts?: PauseOptions): Promise<void>;
  pause(programId: string, opts: PauseOptions): Promise<void>;
  resume(programId: string, spawnId?: string): Promise<void>;
  /** Runs the program's due times in `[from, to)` on its owner (see the kernel README, "Backfill"). @since 0.2.0 */
  backfill(programId: string, range: BackfillRange): Promise<void>;
  /** Finishes running jobs, checkpoints, releases every lease (another replica takes over at once). */
  stop(): Promise<void>;
  /** Stops at once: no checkpoint, no release; leases lapse after `leaseTtl`, and others rerun unfinished fires. */
  kill(): void;
  subscribe(listener: (event: FleetRunnerEvent) => void): () => void;
  /**
   * Runs `wrapper` around every `mainFn` this replica runs (tracing, log context); returns the
   * function that removes it. The rules are the kernel's `JobWrapper`'s; `job` also carries
   * `shard`, `epoch` and `rerun`. @since 0.3.0
   */
  wrapJobs(wrapper: JobWrapper): () => void;
  health(): FleetHealth;
}

/**
 * Creates a fleet runner on a store. Throws a `SchedkitError` for bad options
 * (they are the coordinator's, named by field).
 * @since 0.1.0
 */
export const createFleetRunner = (options: FleetRunnerOptions): FleetRunner => {
  if (typeof options !== "object" || options === null || typeof options.store?.execute !== "function") {
    throw new SchedkitError(
      "invalid-options",
      "store: a Store (postgresStore, pgliteStore or one of your own) is required",
      {
        field: "store",
      },
    );
  }
  const onJobError = options.onJobError;
  if (onJobError !== undefined && onJobError !== false && typeof onJobError !== "function") {
    throw new SchedkitError("invalid-options", "onJobError: expected a function (error, job) => void or false", {
      field: "onJobError",
    });
  }
  const clock = options.clock ?? systemClock;
  const nodeId = options.nodeId ?? `node-${randomUUID().slice(0, 8)}`;
  const programs: ProgramSpec[] = [...(options.programs ?? [])];
  const backoff = backoffSettings(options.retry, options, nodeId);
  // Bad coordinator options are the caller's mistake now, not at start().
  nodeCoordinator(options, { nodeId, session: "options-check", programs });
  let host: FleetHost | undefined;
  let commandSeq = 0;
  const listeners = new Set<(event: FleetRunnerEvent) => void>();
  const wrappers = new JobWrappers();
  const jobFailed: JobErrorHandler | undefined =
    onJobError === false
      ? undefined
      : (onJobError ?? ((error, job) => console.error(jobErrorLine(`fleet:${nodeId}`, error, job))));

  const started = (): FleetHost => {
    if (host === undefined)
      throw new SchedkitError("not-started", "the fleet runner is not started: call start() first");
    return host;
  };

  const ask = (command: FleetCommand): Promise<CommandAnswer> => {
    const running = started();
    commandSeq += 1;
    return running.submit(`${running.session}:${commandSeq}`, command);
  };

  const answerValue = async (command: FleetCommand): Promise<unknown> => {
    const answer = await ask(command);
    if (answer.status === "done") return answer.value;
    if (answer.status === "refused") return undefined;
    throw new SchedkitError(
      codeOf(answer.code),
      answer.message,
      answer.field === undefined ? {} : { field: answer.field },
    );
  };
  const done = async (command: FleetCommand): Promise<void> => {
    await answerValue(command);
  };

  return {
    nodeId,
    now: () => clock.wallNow?.() ?? clock.now(),
    install(spec) {
      if (host !== undefined) {
        throw new SchedkitError(
          "invalid-command",
          `install: the runner is started; install ${String(spec?.id)} before start()`,
          {
            field: "program",
          },
        );
      }
      programs.push(spec);
    },
    start() {
      if (host !== undefined) return;
      const session = randomUUID();
      const coordinator = nodeCoordinator(options, { nodeId, session, programs });
      const hostOptions = { store: options.store, programs, clock, session, coordinator, backoff, wrappers };
      host = new FleetHost(hostOptions, (event) => {
        if (jobFailed !== undefined && event.type === "kernel" && event.effect.type === "settled") {
          if (event.effect.status === "errored") {
            try {
              jobFailed(event.effect.error, event.effect);
            } catch {
              // The handler's failure is its own; the runner goes on.
            }
          }
        }
        for (const listener of [...listeners]) {
          try {
            listener(event);
          } catch {
            // A listener's failure is its own; the runner goes on.
          }
        }
      });
      host.start();
    },
    spawn: async (programId, opts) => {
      const value = await answerValue(
        opts === undefined ? { type: "spawn", programId } : { type: "spawn", programId, opts },
      );
      return typeof value === "string" ? value : undefined;
    },
    unspawn: async (programId) => {
      const value = await answerValue({ type: "unspawn", programId });
      return typeof value === "string" ? value : undefined;
    },
    trigger: (programId, opts) =>
      answerValue(
        opts?.scheduledAt === undefined
          ? { type: "trigger", programId }
          : { type: "trigger", programId, scheduledAt: opts.scheduledAt },
      ),
    setInterval: (programId, interval, spawnId) =>
      done(
        spawnId === undefined
          ? { type: "set-interval", programId, interval }
          : { type: "set-interval", programId, interval, spawnId },
      ),
    stopSpawn: (programId, spawnId) => done({ type: "stop-spawn", programId, spawnId }),
    killSpawn: (programId, spawnId) => done({ type: "kill-spawn", programId, spawnId }),
    stopAll: (programId) => done({ type: "stop-all", programId }),
    killAll: (programId) => done({ type: "kill-all", programId }),
    clear: (programId) => done({ type: "clear", programId }),
    pause: (programId: string, spawnOrOpts?: string | PauseOptions, options?: PauseOptions) => {
      // The two forms: (programId, spawnId?, opts?) and (programId, opts).
      const spawnId = typeof spawnOrOpts === "object" ? undefined : spawnOrOpts;
      const note = typeof spawnOrOpts === "object" ? spawnOrOpts.note : options?.note;
      return done({
        type: "pause",
        programId,
        ...(spawnId === undefined ? {} : { spawnId }),
        ...(note === undefined ? {} : { note }),
      });
    },
    backfill: (programId, range) =>
      done({
        type: "backfill",
        programId,
        from: range.from,
        to: range.to,
        ...(range.overlap === undefined ? {} : { overlap: range.overlap }),
      }),
    resume: (programId, spawnId) => done({ type: "resume", programId, ...(spawnId === undefined ? {} : { spawnId }) }),
    stop: () => (host === undefined ? Promise.resolve() : host.stop()),
    kill() {
      host?.kill();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    wrapJobs: (wrapper) => wrappers.add(wrapper),
    health: () => host?.health() ?? { status: "idle", shards: 0 },
  };
};

const knownCodes = new Set<string>([
  "invalid-command",
  "invalid-program",
  "invalid-options",
  "invalid-interval",
  "unknown-program",
  "unknown-spawn",
  "unknown-job",
  "unknown-policy",
  "duplicate-spawn",
  "no-policy",
  "policy-failed",
  "hook-failed",
  "not-started",
  "stopped",
  "cancelled",
  "not-owned",
  "stale-epoch",
  "deploy-skew",
  "store-unreachable",
]);

/** An answer's code as a `SchedkitError` code; a job's own failure (`job-failed`, `job-lost`) is `hook-failed`/`cancelled`. */
const codeOf = (code: string): SchedkitErrorCode =>
  knownCodes.has(code)
    ? (code as SchedkitErrorCode)
    : code === "job-lost"
      ? "cancelled"
      : code === "job-failed"
        ? "hook-failed"
        : "invalid-command";
