export class SchedkitError extends Error {
  name = "SchedkitError";
  code;
  field;
  constructor(code, message, options) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options?.field;
  }
}
/** True for a `SchedkitError`, also across package copies. @since 0.1.0 */
export const isSchedkitError = (value) =>
  value instanceof SchedkitError ||
  (value instanceof Error && value.name === "SchedkitError" && typeof value.code === "string");
