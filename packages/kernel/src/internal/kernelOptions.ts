import type { UnspawnPolicy } from "../Policy.js";
import { SchedkitError } from "../SchedkitError.js";
import { describe, show } from "./describe.js";
import { DEFAULT_CATCH_UP_LIMIT } from "./limits.js";

/** Options for `createKernel`. @since 0.1.0 */
export interface KernelOptions {
  /** Unspawn policies for this kernel alone; names must be unique. */
  readonly policies?: readonly UnspawnPolicy[];
  /** The policy of programs that name none. Default: the first registered policy. */
  readonly defaultPolicy?: string;
  /**
   * Seed of the programs' generators (used by `delay: "random"`): each program draws from its
   * own, seeded from this and the program's id, so one program's draws never depend on another's.
   * Default 0.
   */
  readonly seed?: number;
  /** Stopped spawns kept per program, and results kept per spawn with `output: "all"`. Default 100. */
  readonly historyLimit?: number;
  /**
   * The most catch-up jobs one dispatch starts, over all spawns: a spawn's
   * first job in a dispatch is not counted, each further one (a due time it
   * missed while the host was away or stalled) is. Past it, each spawn's
   * further due times up to now are reported `missed` (reason
   * `"catch-up-limit"`), so a dispatch's work and effects stay bounded however
   * many spawns catch up. Default 10,000.
   * @since 0.1.0
   */
  readonly catchUpLimit?: number;
}

const invalidOption = (field: string, message: string): SchedkitError =>
  new SchedkitError("invalid-options", `${field}: ${message}`, { field });

/** Reads `name` once into `{ name, select }` bound to the policy, so a getter cannot answer twice. */
const readPolicy = (policy: unknown, index: number): { name: string; policy: UnspawnPolicy } => {
  const field = `options.policies[${index}]`;
  let name: unknown;
  let select: unknown;
  try {
    name = (policy as { name?: unknown }).name;
    select = (policy as { select?: unknown }).select;
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
  const choose = select as UnspawnPolicy["select"];
  return { name, policy: { name, select: (spawns) => choose.call(policy, spawns) } };
};

/**
 * Kernel options read once each (a runner's options carry more keys; those are its own).
 * Policies are copied out of their array, and each policy's name read once.
 */
const checkOptions = (
  options: unknown,
): KernelOptions & { readonly policyList: readonly { name: string; policy: UnspawnPolicy }[] } => {
  if (options === undefined) return { policyList: [] };
  if (typeof options !== "object" || options === null)
    throw invalidOption("options", `expected an object, got ${show(options)}`);
  const read = (key: keyof KernelOptions): unknown => {
    try {
      return (options as Record<string, unknown>)[key];
    } catch (error) {
      throw invalidOption(`options.${key}`, `could not be read (${describe(error)})`);
    }
  };
  const policies = read("policies");
  let list: unknown[] = [];
  if (policies !== undefined) {
    if (!Array.isArray(policies))
      throw invalidOption("options.policies", `expected an array of policies, got ${show(policies)}`);
    try {
      list = Array.from(policies as unknown[]);
    } catch (error) {
      throw invalidOption("options.policies", `could not be read (${describe(error)})`);
    }
  }
  const copy: Record<string, unknown> = {};
  for (const key of ["defaultPolicy", "seed", "historyLimit", "catchUpLimit"] as const) {
    const value = read(key);
    if (value !== undefined) copy[key] = value;
  }
  return { ...(copy as KernelOptions), policyList: list.map(readPolicy) };
};

/** The kernel's options, checked: policies by name, the default policy, the seed as 32 bits. */
export interface ResolvedKernelOptions {
  readonly policies: ReadonlyMap<string, UnspawnPolicy>;
  readonly defaultPolicy: string | undefined;
  readonly seed: number;
  readonly historyLimit: number;
  readonly catchUpLimit: number;
}

/** Reads and checks `createKernel`'s options; throws a coded `SchedkitError` naming the option. */
export const resolveKernelOptions = (input: KernelOptions): ResolvedKernelOptions => {
  const options = checkOptions(input);
  const policies = new Map<string, UnspawnPolicy>();
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
