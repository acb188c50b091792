/**
 * The one error type schedkit throws. `code` names the case so callers can
 * branch on it; `field` names the offending input where there is one.
 *
 * @since 0.1.0
 */
export type SchedkitErrorCode =
  | "invalid-command"
  | "invalid-program"
  | "invalid-options"
  | "invalid-interval"
  | "invalid-snapshot"
  | "unknown-program"
  | "unknown-spawn"
  | "unknown-job"
  | "unknown-policy"
  | "duplicate-spawn"
  | "duplicate-policy"
  | "no-policy"
  | "policy-failed"
  | "hook-failed"
  | "restore-mismatch"
  | "not-started"
  | "stopped"
  | "cancelled"
  | "invalid-clock"
  /** Fleet: no owner took the command in time; it was withdrawn and will never be applied. */
  | "not-owned"
  /** Fleet: a write was refused, the shard has a newer owner (its epoch moved on). */
  | "stale-epoch"
  /** Fleet: this node's programs differ from the ones the store holds for a shard. */
  | "deploy-skew"
  /** Fleet: the store never confirmed a command; it may or may not be applied. */
  | "store-unreachable"
  /** A bug in schedkit, not in the input: the kernel failed while applying a command. */
  | "internal-error";

export class SchedkitError extends Error {
  override readonly name = "SchedkitError";
  readonly code: SchedkitErrorCode;
  readonly field: string | undefined;

  constructor(code: SchedkitErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options?.field;
  }
}

/** True for a `SchedkitError`, also across package copies. @since 0.1.0 */
export const isSchedkitError = (value: unknown): value is SchedkitError =>
  value instanceof SchedkitError ||
  (value instanceof Error && value.name === "SchedkitError" && typeof (value as { code?: unknown }).code === "string");
