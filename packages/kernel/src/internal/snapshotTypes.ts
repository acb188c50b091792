import type { UnspawnPolicy } from "../Policy.js";
import type { Overlap, SpawnOptions } from "../Program.js";

// The snapshot's types, written out by hand: the public declarations refer to
// these and never to a Schema type. `snapshot.ts` checks that its schema
// decodes to exactly these types.

/**
 * Where an interval function came from: the program spec, the spawn's
 * overrides, or a `set-interval` command (which a snapshot cannot carry).
 */
export type IntervalRef = number | { readonly fn: "spec" | "override" | "set-interval" };

/** A job waiting for its time (`startedAt: null`) or in flight. @since 0.1.0 */
export interface JobSnapshot {
  readonly id: string;
  readonly seq: number;
  /** `<programId>/<spawnId>/<dueAt>` for a spawn's job; a trigger's from its command, or `<programId>/trigger/<id>`. */
  readonly fireId: string;
  readonly dueAt: number;
  /** A waiting job held back by jitter: when it starts (absent: at `dueAt`). @since 0.2.0 */
  readonly jitterUntil?: number;
  /** One of a backfill's runs (absent: not). @since 0.2.0 */
  readonly backfill?: true;
  readonly startedAt: number | null;
}

/** A finished job's record. @since 0.1.0 */
export interface ResultSnapshot {
  readonly jobId: string;
  readonly status: "succeeded" | "errored";
  readonly value?: unknown;
  readonly error?: unknown;
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * One spawn. A user value (state, lastError) is JSON data; an absent key is
 * `undefined`, `null` is `null`. @since 0.1.0
 */
export interface SpawnSnapshot {
  readonly id: string;
  readonly seq: number;
  readonly startedAt: number;
  readonly status: "created" | "running" | "terminating" | "stopped";
  readonly stopReason:
    | "stop"
    | "kill"
    | "unspawn"
    | "continue"
    | "fault"
    | "uninstall"
    | "clear"
    | "max-runs"
    | "end-at"
    | null;
  readonly inHistory: boolean;
  readonly updatedAt: number;
  readonly interval: IntervalRef;
  readonly lastInterval: number;
  readonly state?: unknown;
  readonly submitted: number;
  readonly succeeded: number;
  readonly errored: number;
  /** Jobs completed with the outcome `{ lost: true }`. */
  readonly lost: number;
  readonly lastError?: unknown;
  /** Due times reported in `missed` effects. */
  readonly missed: number;
  /** Due times reported `skipped` (absent: 0). @since 0.2.0 */
  readonly skipped?: number;
  /** Runs started, what `maxRuns` counts (absent: 0). @since 0.2.0 */
  readonly runs?: number;
  /** The spawn's own pause (absent: not paused). @since 0.2.0 */
  readonly paused?: PauseSnapshot;
  /** Its waiting job came due while it was paused and waits for the resume (absent: false). @since 0.2.0 */
  readonly parked?: boolean;
  readonly pending: JobSnapshot | null;
  readonly inFlight: readonly JobSnapshot[];
  /** Buffered runs, oldest first (`overlap: "buffer-one" | "buffer-all"`; absent: none). @since 0.2.0 */
  readonly buffer?: readonly JobSnapshot[];
  readonly latestResult: ResultSnapshot | null;
  readonly results: readonly ResultSnapshot[] | null;
  /** Data overrides as given; function overrides by name only. */
  readonly overrides: {
    readonly data: { readonly [key: string]: unknown };
    readonly functions: readonly string[];
  } | null;
}

/** A pause and its note (`null`: none given). @since 0.2.0 */
export interface PauseSnapshot {
  readonly note: string | null;
}

/** One program, without its functions. @since 0.1.0 */
export interface ProgramSnapshot {
  readonly id: string;
  /** Checked against the spec passed to `restoreKernel`. */
  readonly type: "basic" | "constant" | "cron";
  readonly scope: "program" | "spawn";
  readonly interval: IntervalRef;
  readonly state?: unknown;
  readonly counts: { readonly submitted: number; readonly succeeded: number; readonly errored: number };
  readonly spawnCounter: number;
  /** The state of the program's own generator (32 bits). */
  readonly random: number;
  /** Nothing happened to it since install (no spawn, no trigger, no adopt): it may adopt an export. */
  readonly fresh: boolean;
  /** The program's pause (absent: not paused). @since 0.2.0 */
  readonly paused?: PauseSnapshot;
  /** The backfill in progress: its overlap policy and the runs held back, in order. @since 0.2.0 */
  readonly backfill?: { readonly overlap: Overlap; readonly queue: readonly JobSnapshot[] };
  readonly spawns: readonly SpawnSnapshot[];
  readonly running: readonly string[];
  readonly history: readonly string[];
  readonly triggers: readonly JobSnapshot[];
}

/**
 * The whole state of a kernel as plain JSON data, without the programs'
 * functions. Program state, results and errors are stored as JSON (an Error
 * becomes `{ name, message }`); an `undefined` state or lastError is an
 * absent key, so `null` and `undefined` both survive.
 *
 * Version 3: each program has its own generator (`programs[].random`, and the
 * kernel's `seed` instead of one kernel-wide generator state), jobs carry their
 * `fireId`, spawns count `lost` jobs, and programs say whether they are
 * `fresh`. `restoreKernel` still reads version 2 (see the kernel README,
 * "Snapshots"). Version 2 added program `type` and `scope`, spawn `missed`, the
 * kernel's `wallOffset` and `catchUpLimit`, and kept `null` apart from
 * `undefined` (version 1 stored both as `null`).
 *
 * @since 0.1.0
 */
export interface KernelSnapshot {
  readonly version: 3;
  readonly now: number;
  readonly regressions: number;
  /** Wall clock minus kernel time (cron due times follow the wall clock). */
  readonly wallOffset: number;
  readonly jobSeq: number;
  readonly spawnSeq: number;
  /** The kernel's seed (as 32 bits): a program installed later seeds its generator from it and its id. */
  readonly seed: number;
  readonly historyLimit: number;
  readonly catchUpLimit: number;
  readonly policies: readonly string[];
  readonly defaultPolicy: string | null;
  readonly programs: readonly ProgramSnapshot[];
}

/** Options for `restoreKernel`. @since 0.1.0 */
export interface RestoreOptions {
  /**
   * The policies the snapshot's kernel had registered (all of them, by name).
   * The restored kernel registers exactly those, in the original order; others are ignored.
   */
  readonly policies?: readonly UnspawnPolicy[];
  /** Function-valued spawn overrides, by program id, then spawn id. */
  readonly spawnOverrides?: Readonly<Record<string, Readonly<Record<string, SpawnOptions>>>>;
}

/**
 * One of an exported program's jobs: waiting for its time (`startedAt: null`)
 * or in flight (with the `args` it started with, so that a new owner can run
 * it again). It has no job id: the adopting kernel gives it a new one; the
 * fire id is what names it on every kernel. @since 0.1.0
 */
export interface JobExport {
  /** Its place in the exporting kernel's creation order: jobs due at the same time start in this order. */
  readonly seq: number;
  readonly fireId: string;
  readonly dueAt: number;
  /** A waiting job held back by jitter: when it starts (absent: at `dueAt`). @since 0.2.0 */
  readonly jitterUntil?: number;
  /** One of a backfill's runs (absent: not). @since 0.2.0 */
  readonly backfill?: true;
  readonly startedAt: number | null;
  /** For a job in flight: the arguments it started with (JSON data; absent for `undefined`). */
  readonly args?: unknown;
}

/** One spawn of an exported program: its snapshot, with exported jobs. @since 0.1.0 */
export interface SpawnExport extends Omit<SpawnSnapshot, "pending" | "inFlight" | "buffer"> {
  readonly pending: JobExport | null;
  readonly inFlight: readonly JobExport[];
  readonly buffer?: readonly JobExport[];
}

/**
 * One program's whole state as plain JSON data, without its functions:
 * `kernel.exportProgram(id)`, for the `adopt` command of another kernel
 * (see the kernel README, "Durable units: export, adopt and fire ids").
 * Its spawns, their waiting and in-flight jobs (by fire id, with the args of
 * those in flight), state, counters, stopped history, results and the
 * program's generator, with the exporting kernel's time and wall-clock
 * offset. Results keep the exporting kernel's job ids; the adopting kernel
 * renames them. @since 0.1.0
 */
export interface ProgramExport {
  readonly version: 1;
  readonly id: string;
  /** Checked against the adopting kernel's program. */
  readonly type: "basic" | "constant" | "cron";
  readonly scope: "program" | "spawn";
  /** The exporting kernel's time: the adopting kernel's time is at least this after `adopt`. */
  readonly now: number;
  /** The exporting kernel's wall clock minus kernel time: waiting cron jobs keep their wall-clock time. */
  readonly wallOffset: number;
  /** The exporting kernel's `historyLimit`: the history and results were kept up to it. */
  readonly historyLimit: number;
  /** The state of the program's own generator (32 bits). */
  readonly random: number;
  readonly interval: IntervalRef;
  /**
   * The exporting spec's interval, when a number: a program adopted into a spec with another
   * interval (an upgrade) moves what ran at this one to the new spec's.
   */
  readonly specInterval?: number;
  readonly state?: unknown;
  readonly counts: { readonly submitted: number; readonly succeeded: number; readonly errored: number };
  readonly spawnCounter: number;
  /** The program's pause (absent: not paused). @since 0.2.0 */
  readonly paused?: PauseSnapshot;
  /** The backfill in progress: its overlap policy and the runs held back, in order. @since 0.2.0 */
  readonly backfill?: { readonly overlap: Overlap; readonly queue: readonly JobExport[] };
  readonly spawns: readonly SpawnExport[];
  readonly running: readonly string[];
  readonly history: readonly string[];
  readonly triggers: readonly JobExport[];
}
