import type { ProgramExport } from "./internal/snapshotTypes.js";
import type { Interval, Overlap, ProgramSpec, SpawnOptions } from "./Program.js";

/**
 * How a job ended, as the host reports it: a value, an error, or `{ lost: true }`
 * when its result is unknown (the process that ran it died). A lost job
 * settles with status `"lost"`: no hook is called (`successFn`, `errorFn`,
 * `mergeFn`, `continueFn`), the state is unchanged, no result is recorded, and
 * a `basic` spawn schedules its next job as after any completion. @since 0.1.0
 */
export type Outcome =
  | { readonly ok: true; readonly value?: unknown }
  | { readonly ok: false; readonly error: unknown }
  /** `ok`, `value` and `error` are absent; typed `undefined` so that code reading `outcome.ok` still compiles. */
  | { readonly lost: true; readonly ok?: undefined; readonly value?: undefined; readonly error?: undefined };

/** One job's outcome in a batch `complete`. @since 0.3.0 */
export interface JobResult {
  readonly jobId: string;
  readonly outcome: Outcome;
}

/**
 * Everything the kernel can be told. Every command carries `at`: the time in
 * ms at which it happens. Time never goes backwards inside the kernel: an `at`
 * below the kernel's time is treated as now and counted as a regression.
 * Any command may also carry `wall`, the wall clock's reading (epoch ms) at
 * the same instant: cron programs follow it (see the kernel README, "Wall clock").
 *
 * @since 0.1.0
 */
export type Command = CommandBody & { readonly at: number; readonly wall?: number };

/** @since 0.1.0 */
export type CommandBody =
  | { readonly type: "install"; readonly program: ProgramSpec }
  | { readonly type: "uninstall"; readonly programId: string }
  | { readonly type: "spawn"; readonly programId: string; readonly opts?: SpawnOptions }
  | { readonly type: "unspawn"; readonly programId: string }
  | { readonly type: "tick" }
  | {
      readonly type: "trigger";
      readonly programId: string;
      /** The job's time (passed to `mainFn` as `t`); a future time waits for it. Default: now. */
      readonly scheduledAt?: number;
      /**
       * The job's fire id (a non-empty string; `ctx.fireId`, and on its effects), e.g. from the
       * command's position in a log. Default: `<programId>/trigger/<jobId>`.
       */
      readonly fireId?: string;
    }
  | { readonly type: "complete"; readonly jobId: string; readonly outcome: Outcome }
  /**
   * Many results at one time (the batch form): exactly the single `complete`s of `results`, one
   * after another in that order, except that only the last `wake` is returned. The whole command is
   * rejected, and nothing changes, if any entry is malformed or names a job this kernel never issued.
   * @since 0.3.0
   */
  | { readonly type: "complete"; readonly results: readonly JobResult[] }
  | {
      readonly type: "set-interval";
      readonly programId: string;
      readonly spawnId?: string;
      readonly interval: Interval;
    }
  | { readonly type: "stop-spawn"; readonly programId: string; readonly spawnId: string }
  | { readonly type: "kill-spawn"; readonly programId: string; readonly spawnId: string }
  | { readonly type: "stop-all"; readonly programId?: string }
  | { readonly type: "kill-all"; readonly programId?: string }
  | { readonly type: "clear"; readonly programId: string }
  /**
   * Runs the program's due times in `[from, to)` now, in order, as one-off jobs outside the spawns'
   * grids (fire id `<programId>/backfill/<scheduledAt>`), with the overlap policy given among them
   * (default `"buffer-all"`: one after the other). See the kernel README, "Backfill". @since 0.2.0
   */
  | {
      readonly type: "backfill";
      readonly programId: string;
      readonly from: number;
      readonly to: number;
      readonly overlap?: Overlap;
    }
  /** Pauses a spawn, or (no `spawnId`) the program and every spawn of it. @since 0.2.0 */
  | { readonly type: "pause"; readonly programId: string; readonly spawnId?: string; readonly note?: string }
  /** Ends a `pause`; what the spawn missed meanwhile follows `misfire` and `catchUpWindow`. @since 0.2.0 */
  | { readonly type: "resume"; readonly programId: string; readonly spawnId?: string }
  | {
      /**
       * Replaces the state of the installed, fresh program `export.id` (no spawn, no trigger since
       * install) with an export from `kernel.exportProgram`. Its jobs get new ids here; those in
       * flight are listed in the `adopted` effect. See the kernel README, "Durable units".
       */
      readonly type: "adopt";
      readonly export: ProgramExport;
      /** Function-valued spawn overrides the export names (`spawns[].overrides.functions`), by spawn id. */
      readonly spawnOverrides?: Readonly<Record<string, SpawnOptions>>;
    };

/** @since 0.1.0 */
export type CommandType = Command["type"];

export type { CommandCheck } from "./internal/commandSchema.js";
export {
  commandTypes,
  decodeCommand,
  decodeCommandBySchema,
  isWellFormedHotCommand,
} from "./internal/commandSchema.js";
