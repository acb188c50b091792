import { SchedkitError } from "../SchedkitError.js";
/** Bad input to the runner: a coded error that names the field, and whose message starts with it. */
export const inputError = (code, field, message) => new SchedkitError(code, `${field}: ${message}`, { field });
