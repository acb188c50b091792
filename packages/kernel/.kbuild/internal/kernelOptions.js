import { SchedkitError } from "../SchedkitError.js";
import { describe, show } from "./describe.js";
import { DEFAULT_CATCH_UP_LIMIT } from "./limits.js";

const invalidOption = (field, message) => new SchedkitError("invalid-options", `${field}: ${message}`, { field });
/** Reads `name` once into `{ name, select }` bound to the policy, so a getter cannot answer twice. */
const readPolicy = (policy, index) => {
  const field = `options.policies[${index}]`;
  let name;
  let select;
  try {
    name = policy.name;
    select = policy.select;
  } catch (error) {
    throw invalidOption(field, `could not be read (${describe(error)})`);
  }
  if (
    typeof policy !== "object" ||
    policy === null ||
    typeof name !== "string" ||
    name === "" ||
    typeof select !== "function"
  ) {
    throw invalidOption(field, "expected { name: string, select(spawns) }");
  }
  const choose = select;
  return { name, policy: { name, select: (spawns) => choose.call(policy, spawns) } };
};
/**
 * Kernel options read once each (a runner's options carry more keys; those are its own).
 * Policies are copied out of their array, and each policy's name read once.
 */
const checkOptions = (options) => {
  if (options === undefined) return { policyList: [] };
  if (typeof options !== "object" || options === null)
    throw invalidOption("options", `expected an object, got ${show(options)}`);
  const read = (key) => {
    try {
      return options[key];
    } catch (error) {
      throw invalidOption(`options.${key}`, `could not be read (${describe(error)})`);
    }
  };
  const policies = read("policies");
  let list = [];
  if (policies !== undefined) {
    if (!Array.isArray(policies))
      throw invalidOption("options.policies", `expected an array of policies, got ${show(policies)}`);
    try {
      list = Array.from(policies);
    } catch (error) {
      throw invalidOption("options.policies", `could not be read (${describe(error)})`);
    }
  }
  const copy = {};
  for (const key of ["defaultPolicy", "seed", "historyLimit", "catchUpLimit"]) {
    const value = read(key);
    if (value !== undefined) copy[key] = value;
  }
  return { ...copy, policyList: list.map(readPolicy) };
};
/** Reads and checks `createKernel`'s options; throws a coded `SchedkitError` naming the option. */
export const resolveKernelOptions = (input) => {
  const options = checkOptions(input);
  const policies = new Map();
  for (const [index, { name, policy }] of options.policyList.entries()) {
    if (policies.has(name)) {
      throw new SchedkitError(
        "duplicate-policy",
        `options.policies[${index}]: a policy named ${show(name)} is already registered`,
        { field: `options.policies[${index}].name` },
      );
    }
    policies.set(name, policy);
  }
  const defaultPolicy = options.defaultPolicy ?? policies.keys().next().value;
  if (defaultPolicy !== undefined && (typeof defaultPolicy !== "string" || !policies.has(defaultPolicy))) {
    throw new SchedkitError(
      "unknown-policy",
      `options.defaultPolicy: no policy named ${show(defaultPolicy)} is registered (registered: ${[...policies.keys()].join(", ") || "none"})`,
      { field: "options.defaultPolicy" },
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) {
    throw new SchedkitError("invalid-options", `options.seed: expected an integer, got ${show(seed)}`, {
      field: "options.seed",
    });
  }
  const historyLimit = options.historyLimit ?? 100;
  if (!Number.isInteger(historyLimit) || historyLimit < 0) {
    throw new SchedkitError(
      "invalid-options",
      `options.historyLimit: expected a whole number >= 0, got ${show(historyLimit)}`,
      {
        field: "options.historyLimit",
      },
    );
  }
  const catchUpLimit = options.catchUpLimit ?? DEFAULT_CATCH_UP_LIMIT;
  if (!Number.isInteger(catchUpLimit) || catchUpLimit < 1) {
    throw new SchedkitError(
      "invalid-options",
      `options.catchUpLimit: expected a whole number >= 1, got ${show(catchUpLimit)}`,
      { field: "options.catchUpLimit" },
    );
  }
  return { policies, defaultPolicy, seed: seed >>> 0, historyLimit, catchUpLimit };
};
