import type { Interval, ProgramSpec, SpawnOptions } from "./Program.js";

/** How a job ended, as the host reports it. @since 0.1.0 */
export type Outcome = { readonly ok: true; readonly value?: unknown } | { readonly ok: false; readonly error: unknown };

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
    }
  | { readonly type: "complete"; readonly jobId: string; readonly outcome: Outcome }
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
  | { readonly type: "clear"; readonly programId: string };

/** @since 0.1.0 */
export type CommandType = Command["type"];

export type { CommandCheck } from "./internal/commandSchema.js";
export {
  commandTypes,
  decodeCommand,
  decodeCommandBySchema,
  isWellFormedHotCommand,
} from "./internal/commandSchema.js";
