import { show } from "../internal/describe.js";
import { isSchedkitError, SchedkitError } from "../SchedkitError.js";
import { inputError } from "./inputError.js";

/** Every option `createRunner` knows; the type makes a new kernel option a compile error here until it is listed. */
const RUNNER_OPTION_KEYS = {
  id: true,
  clock: true,
  precision: true,
  onError: true,
  policies: true,
  defaultPolicy: true,
  seed: true,
  historyLimit: true,
  catchUpLimit: true,
  wallCheckInterval: true,
};
const invalidOptions = (field, message) => inputError("invalid-options", field, message);
const isPlainObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
/** Own keys of a caller's object, or a coded error when they cannot be listed (a hostile Proxy). */
const ownKeysOf = (value, field) => {
  try {
    return Object.keys(value);
  } catch {
    throw invalidOptions(field, "its keys could not be read");
  }
};
/**
 * Reads the caller's options once, into a plain copy, and checks the shape of
 * each: what the runner uses itself in full, the kernel's options as far as
 * needed for the kernel to judge them (it gives their messages).
 */
export const readRunnerOptions = (input) => {
  if (input === undefined) return {};
  if (!isPlainObject(input)) throw invalidOptions("options", `expected an object, got ${show(input)}`);
  for (const key of ownKeysOf(input, "options")) {
    if (!Object.hasOwn(RUNNER_OPTION_KEYS, key))
      throw invalidOptions(`options.${key}`, "unknown key (check its spelling)");
  }
  const copy = {};
  for (const key of Object.keys(RUNNER_OPTION_KEYS)) {
    let value;
    try {
      value = input[key];
    } catch {
      throw invalidOptions(`options.${key}`, "could not be read");
    }
    if (value !== undefined) copy[key] = value;
  }
  const { id, onError, policies, defaultPolicy } = copy;
  if (id !== undefined && (typeof id !== "string" || id === "")) {
    throw invalidOptions("options.id", `expected a non-empty string, got ${show(id)}`);
  }
  if (onError !== undefined && typeof onError !== "function") {
    throw invalidOptions("options.onError", `expected a function (error) => void, got ${show(onError)}`);
  }
  if (policies !== undefined) {
    if (!Array.isArray(policies)) {
      throw invalidOptions("options.policies", `expected an array of policies, got ${show(policies)}`);
    }
    try {
      copy.policies = Array.from(policies);
    } catch {
      throw invalidOptions("options.policies", "could not be read");
    }
  }
  if (defaultPolicy !== undefined && typeof defaultPolicy !== "string") {
    throw invalidOptions("options.defaultPolicy", `expected a policy name, got ${show(defaultPolicy)}`);
  }
  const wallCheck = copy.wallCheckInterval;
  if (wallCheck !== undefined && (typeof wallCheck !== "number" || !(wallCheck > 0))) {
    throw invalidOptions(
      "options.wallCheckInterval",
      `expected a number of ms > 0 (or Infinity), got ${show(wallCheck)}`,
    );
  }
  for (const key of ["seed", "historyLimit", "catchUpLimit"]) {
    const value = copy[key];
    if (value !== undefined && typeof value !== "number") {
      throw invalidOptions(`options.${key}`, `expected a number, got ${show(value)}`);
    }
  }
  return copy;
};
const messageOf = (error) => {
  try {
    return error instanceof Error ? String(error.message) : show(error);
  } catch {
    return show(error);
  }
};
/**
 * What `createRunner` throws when its options fail: a coded error as it is,
 * anything else (a revoked Proxy, a hostile getter) as `invalid-options`.
 */
export const optionsErrorOf = (error) =>
  isSchedkitError(error)
    ? error
    : new SchedkitError("invalid-options", `options: ${messageOf(error)}`, { field: "options", cause: error });
/** `stop`'s options: `undefined` or `{ timeout? }` with a timeout of 0 ms or more (`Infinity`: for ever). */
export const stopTimeoutOf = (input) => {
  if (input === undefined) return Number.POSITIVE_INFINITY;
  if (!isPlainObject(input))
    throw invalidOptions("stop.options", `expected { timeout? } or nothing, got ${show(input)}`);
  for (const key of ownKeysOf(input, "stop.options")) {
    if (key !== "timeout") throw invalidOptions(`stop.options.${key}`, "unknown key (check its spelling)");
  }
  let timeout;
  try {
    timeout = input.timeout;
  } catch {
    throw invalidOptions("stop.options.timeout", "could not be read");
  }
  if (timeout === undefined) return Number.POSITIVE_INFINITY;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw invalidOptions("stop.options.timeout", `expected a number of ms >= 0, got ${show(timeout)}`);
  }
  return timeout;
};
