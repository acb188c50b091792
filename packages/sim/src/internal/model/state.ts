/**
 * The reference model's state: programs, spawns and jobs as plain records. `Spawn.waiting`
 * and `Program.ownJobs` are the job queue's indexes (`jobQueue.ts`): only it changes them.
 */
import type { Interval, ResultRecord } from "@schedkit/kernel";
import type { PauseState } from "./pause.js";
import type { Limits18, Overlap, StopReason } from "./spec18.js";

export type SpawnStatus = "created" | "running" | "terminating" | "stopped";

/** The hooks and options a spawn runs with (the program's, overridden by spawn options). */
export interface Hooks {
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

export interface Program {
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
  /** Its own jobs (triggers, backfill runs) waiting or in flight, oldest listed first. */
  readonly ownJobs: Set<Job>;
}

/** A backfill in progress: its policy, its runs not started yet (in order), its runs not ended. */
export interface Backfill {
  readonly overlap: Overlap;
  readonly queue: Job[];
  readonly live: Set<Job>;
}

export interface Spawn {
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
  /** In its program's history (stopped or terminating, among the latest `historyLimit`). */
  kept: boolean;
  /** Its jobs waiting for their time (listed, not started), oldest listed first: one in practice. */
  readonly waiting: Job[];
  /** The jobs it started in the dispatch numbered `startsIn` (for the catch-up limit). */
  startsIn: number;
  starts: number;
}

export interface Job {
  readonly id: string;
  readonly seq: number;
  readonly program: Program;
  /** `null` for a trigger. */
  readonly spawn: Spawn | null;
  /**
   * A program job's fire id (a trigger's, a backfill run's). A spawn's job's is made from its
   * due time (see `fireOf`): here the latest one made, for the due time `fireDue`.
   */
  fireId: string;
  fireDue: number;
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
  /** The job queue's own: listed in it (waiting or in flight), and its place in the queue's heap (-1: none). */
  queued: boolean;
  heapIndex: number;
}

export const isRunning = (spawn: Spawn): boolean => spawn.status === "created" || spawn.status === "running";

/**
 * A job's fire id: `<programId>/<spawnId>/<dueAt>` for a spawn's job (made once per due time:
 * its run and its settled name the same one), a trigger's own.
 */
export const fireOf = (job: Job): string => {
  const spawn = job.spawn;
  if (spawn === null) return job.fireId;
  // A job made elsewhere (a test's) may have no fire id yet; 0 and -0 write the same.
  if (job.fireDue === job.dueAt && typeof job.fireId === "string") return job.fireId;
  job.fireId = `${job.program.id}/${spawn.id}/${job.dueAt}`;
  job.fireDue = job.dueAt;
  return job.fireId;
};
