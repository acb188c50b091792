import { SchedkitError, type SchedkitErrorCode } from "../SchedkitError.js";

/** Bad input to the runner: a coded error that names the field, and whose message starts with it. */
export const inputError = (code: SchedkitErrorCode, field: string, message: string): SchedkitError =>
  new SchedkitError(code, `${field}: ${message}`, { field });
