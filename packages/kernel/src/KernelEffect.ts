import type { Command } from "./Command.js";
import type { SchedkitErrorCode } from "./SchedkitError.js";

/** Why a job was cancelled. @since 0.1.0 */
export type CancelReason =
  | "stop"
  | "kill"
  | "unspawn"
  | "continue"
  | "fault"
  | "uninstall"
  | "clear"
  /** `maxRuns` reached. @since 0.2.0 */
  | "max-runs"
  /** `endAt` reached. @since 0.2.0 */
  | "end-at"
  /** Cancel only: `overlap: "cancel-other"` made way for a new run. @since 0.2.0 */
  | "overlap";

/**
 * What the kernel asks its host to do, or tells it happened. A dispatch
 * returns these in order; the same commands always give the same effects.
 *
 * @since 0.1.0
 */
export type KernelEffect =
  /**
   * Start a job now: call the program's `mainFn(args, scheduledAt, ctx)`. `fireId` names the
   * fire on every kernel (`<programId>/<spawnId>/<scheduledAt>` for a spawn's job; a trigger's
   * from its command, else `<programId>/trigger/<jobId>`): an idempotency key for the work.
   */
  | {
      readonly type: "run";
      readonly jobId: string;
      readonly fireId: string;
      readonly programId: string;
      readonly spawnId: string | null;
      readonly scheduledAt: number;
      readonly startedAt: number;
      readonly args: unknown;
    }
  /** A job will not run or its result is no longer wanted. `inFlight` jobs should be aborted. */
  | {
      readonly type: "cancel";
      readonly jobId: string;
      readonly fireId: string;
      readonly programId: string;
      readonly spawnId: string | null;
      readonly reason: CancelReason;
      readonly inFlight: boolean;
    }
  /** The next time the kernel needs a `tick`, or `null` when nothing is scheduled. Always last. */
  | { readonly type: "wake"; readonly at: number | null }
  /**
   * A job finished and its output was merged; `"lost"`: its result is unknown (the outcome
   * `{ lost: true }`), nothing was merged, and it has no `value` or `error`.
   */
  | {
      readonly type: "settled";
      readonly jobId: string;
      readonly fireId: string;
      readonly programId: string;
      readonly spawnId: string | null;
      readonly status: "succeeded" | "errored" | "lost";
      readonly scheduledAt: number;
      readonly startedAt: number;
      readonly endedAt: number;
      readonly value?: unknown;
      readonly error?: unknown;
    }
  /** A `trigger` was accepted: its job, which runs now or at `scheduledAt`. */
  | { readonly type: "triggered"; readonly jobId: string; readonly programId: string; readonly scheduledAt: number }
  /**
   * The program is installed. `replaced` is there when it replaced a program of
   * the same id: the old one's running spawns (stopped, with effects before this
   * one) and its state, which is gone.
   */
  | {
      readonly type: "installed";
      readonly programId: string;
      readonly replaced?: { readonly spawnIds: readonly string[]; readonly state: unknown };
    }
  | { readonly type: "uninstalled"; readonly programId: string }
  | { readonly type: "cleared"; readonly programId: string }
  | { readonly type: "spawned"; readonly programId: string; readonly spawnId: string; readonly startedAt: number }
  /** `unspawn` chose this spawn; it is now stopping. */
  | { readonly type: "unspawned"; readonly programId: string; readonly spawnId: string }
  /** The spawn has fully stopped: nothing of it is scheduled or in flight. */
  | { readonly type: "stopped"; readonly programId: string; readonly spawnId: string; readonly reason: CancelReason }
  | {
      readonly type: "interval-set";
      readonly programId: string;
      readonly spawnId: string | null;
    }
  /** A bound (`max`, `min`) or an empty pool refused the command. Not an error. */
  | {
      readonly type: "refused";
      readonly command: Command;
      readonly code: "max-reached" | "min-reached" | "none-running" | "policy-refused";
      readonly message: string;
    }
  /**
   * Due times of a spawn that were not run: older than its `catchUpWindow`
   * when time arrived (after a jump or downtime), or past the kernel's
   * `catchUpLimit` of jobs per spawn in one dispatch. `from` and `to` are the
   * first and last of the `count` missed due times. @since 0.1.0
   */
  | {
      readonly type: "missed";
      readonly programId: string;
      readonly spawnId: string;
      readonly count: number;
      readonly from: number;
      readonly to: number;
      readonly reason: "catch-up-window" | "catch-up-limit";
    }
  /**
   * A due time of a spawn that did not run because the spawn was busy: `"overlap"` (`overlap: "skip"`)
   * or `"buffer-full"` (the buffer of `"buffer-one"` / `"buffer-all"` was full). @since 0.2.0
   */
  | {
      readonly type: "skipped";
      readonly programId: string;
      /** `null` for a backfill's run. */
      readonly spawnId: string | null;
      readonly fireId: string;
      readonly scheduledAt: number;
      readonly reason: "overlap" | "buffer-full";
    }
  /**
   * A `backfill` was accepted: its due times, in order, each with the fire id its run has. They
   * start now (as its overlap policy lets them), as jobs of the program (`spawnId: null`). @since 0.2.0
   */
  | {
      readonly type: "backfilled";
      readonly programId: string;
      readonly from: number;
      readonly to: number;
      readonly runs: readonly { readonly fireId: string; readonly scheduledAt: number }[];
    }
  /** A `pause` was applied: to a spawn, or (`spawnId: null`) to the program. @since 0.2.0 */
  | { readonly type: "paused"; readonly programId: string; readonly spawnId: string | null; readonly note?: string }
  /** A `resume` was applied. @since 0.2.0 */
  | { readonly type: "resumed"; readonly programId: string; readonly spawnId: string | null }
  /**
   * An `adopt` replaced the program's state with an export. `jobs` are its jobs in flight, now in
   * flight here under new ids: run them again (`args` as they started with) or complete them
   * `{ lost: true }`. Its waiting jobs are scheduled at their due times.
   */
  | { readonly type: "adopted"; readonly programId: string; readonly jobs: readonly AdoptedJob[] }
  /** A result arrived for a job that is no longer in flight (killed, cleared, or already settled). */
  | { readonly type: "discarded"; readonly jobId: string }
  /** A hook failed outside a job (continueFn, an interval function): the spawn was stopped. */
  | {
      readonly type: "fault";
      readonly programId: string;
      readonly spawnId: string;
      readonly code: SchedkitErrorCode;
      readonly message: string;
      readonly error: unknown;
    }
  /** Bad input: nothing changed. */
  | {
      readonly type: "rejected";
      readonly command: unknown;
      readonly code: SchedkitErrorCode;
      readonly field: string;
      readonly message: string;
    };

/** A job in flight that an `adopt` took over, as its `adopted` effect lists it. @since 0.1.0 */
export interface AdoptedJob {
  /** Its new id, in the adopting kernel: `complete` it with this one. */
  readonly jobId: string;
  readonly fireId: string;
  /** `null` for a trigger. */
  readonly spawnId: string | null;
  readonly scheduledAt: number;
  readonly startedAt: number;
  /** The arguments it started with (as JSON data carried them). */
  readonly args: unknown;
}

/** @since 0.1.0 */
export type KernelEffectType = KernelEffect["type"];

/** Narrows an effect list to one type. @since 0.1.0 */
export const effectsOf = <T extends KernelEffectType>(
  effects: readonly KernelEffect[],
  type: T,
): Extract<KernelEffect, { type: T }>[] =>
  effects.filter((effect): effect is Extract<KernelEffect, { type: T }> => effect.type === type);
