import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { UnspawnPolicy } from "@schedkit/kernel";
import { CliError } from "./cliError.js";

const isPolicy = (value: unknown): value is UnspawnPolicy =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { name?: unknown }).name === "string" &&
  (value as { name: string }).name !== "" &&
  typeof (value as { select?: unknown }).select === "function";

/** Where `--policies MODULE` points: a file relative to the current folder, else a package resolved from there. */
const moduleUrl = (spec: string, cwd: string): string => {
  const looksLikePath = spec.startsWith(".") || isAbsolute(spec) || /\.[cm]?[jt]sx?$/.test(spec);
  const file = resolve(cwd, spec);
  if (existsSync(file)) return pathToFileURL(file).href;
  if (looksLikePath) throw new CliError("policies-not-found", `--policies: no module at ${file}`);
  try {
    return pathToFileURL(createRequire(join(cwd, "noop.js")).resolve(spec)).href;
  } catch {
    throw new CliError(
      "policies-not-found",
      `--policies: no file ${file} and no package ${JSON.stringify(spec)} installed in ${cwd}`,
    );
  }
};

/**
 * Loads `--policies MODULE`: its default export (a policy, or an array of policies, in that
 * order), else every named export that is a policy object `{ name, select }`. Factories are
 * not called: export `lifo()`, not `lifo`. Throws a `CliError` when it exports none.
 */
export const loadPolicies = async (spec: string, cwd = process.cwd()): Promise<UnspawnPolicy[]> => {
  const url = moduleUrl(spec, cwd);
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    const hint =
      code === "ERR_UNKNOWN_FILE_EXTENSION"
        ? " (plain node imports JavaScript only: build the module, or run under tsx, as pnpm sim does)"
        : "";
    throw new CliError("policies-load", `--policies ${spec}: importing it failed: ${why}${hint}`);
  }
  const fromDefault = module.default;
  let policies: unknown[];
  let source: string;
  if (Array.isArray(fromDefault)) {
    policies = fromDefault;
    source = "default export";
  } else if (fromDefault !== undefined && isPolicy(fromDefault)) {
    policies = [fromDefault];
    source = "default export";
  } else if (typeof fromDefault === "function") {
    throw new CliError(
      "policies-invalid",
      `--policies ${spec}: the default export is a function; export the policies it makes (export default [myPolicy()])`,
    );
  } else {
    policies = Object.values(module).filter(isPolicy);
    source = "named exports";
  }
  policies.forEach((policy, index) => {
    if (!isPolicy(policy)) {
      throw new CliError(
        "policies-invalid",
        `--policies ${spec}: ${source}[${index}] is not a policy (an object with a non-empty name and a select function)`,
      );
    }
  });
  if (policies.length === 0) {
    throw new CliError(
      "policies-invalid",
      `--policies ${spec}: exports no policies; export default [policy, ...] or named policy objects { name, select }`,
    );
  }
  const checked = policies as UnspawnPolicy[];
  const names = checked.map((policy) => policy.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) {
    throw new CliError("policies-invalid", `--policies ${spec}: two policies are named ${JSON.stringify(twice)}`);
  }
  return checked;
};
