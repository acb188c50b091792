import type { UnspawnPolicy } from "../Policy.js";
import type { SpawnOptions } from "../Program.js";

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
  readonly dueAt: number;
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
  readonly stopReason: "stop" | "kill" | "unspawn" | "continue" | "fault" | "uninstall" | "clear" | null;
  readonly inHistory: boolean;
  readonly updatedAt: number;
  readonly interval: IntervalRef;
  readonly lastInterval: number;
  readonly state?: unknown;
  readonly submitted: number;
  readonly succeeded: number;
  readonly errored: number;
  readonly lastError?: unknown;
  /** Due times reported in `missed` effects. */
  readonly missed: number;
  readonly pending: JobSnapshot | null;
  readonly inFlight: readonly JobSnapshot[];
  readonly latestResult: ResultSnapshot | null;
  readonly results: readonly ResultSnapshot[] | null;
  /** Data overrides as given; function overrides by name only. */
  readonly overrides: {
    readonly data: { readonly [key: string]: unknown };
    readonly functions: readonly string[];
  } | null;
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
 * Version 2: adds program `type` and `scope`, spawn `missed`, the kernel's
 * `wallOffset` and `catchUpLimit`, and keeps `null` apart from `undefined`
 * (version 1 stored both as `null`).
 *
 * @since 0.1.0
 */
export interface KernelSnapshot {
  readonly version: 2;
  readonly now: number;
  readonly regressions: number;
  /** Wall clock minus kernel time (cron due times follow the wall clock). */
  readonly wallOffset: number;
  readonly jobSeq: number;
  readonly spawnSeq: number;
  readonly random: number;
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
