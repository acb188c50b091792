/** Parsing and validating `schedkit-sim`'s arguments (the fleet's parser reuses `argvError` and `parseWorkers`). */
import { availableParallelism } from "node:os";
import { parseArgs as parseArgv } from "node:util";
import {
  type ChecksMode,
  type FaultFamily,
  type FaultsOption,
  faultFamilies,
  type ScenarioName,
  scenarioNames,
} from "../../types.js";
import type { CliError } from "../cliError.js";
import { usageError } from "./usage.js";

/** `argvError`'s parameter is named `usageError` too; this is its default. */
const usageErrorOf = usageError;

/** The parsed command line of a run or a replay. */
export interface CliOptions {
  seed: number;
  seeds: number;
  scenario: ScenarioName | undefined;
  steps: number;
  faults: FaultsOption | undefined;
  json: boolean;
  report: string | undefined;
  out: string;
  replay: string | undefined;
  policies: string | undefined;
  checks: ChecksMode;
  /** Worker threads for the runs (1: this thread). */
  workers: number;
}

const wholeNumber = (flag: string, value: string, min: number, what = "", refuse = usageError): number => {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min) {
    throw refuse("bad-value", `${flag}: expected a whole number >= ${min}${what}, got ${JSON.stringify(value)}`);
  }
  return parsed;
};

/**
 * `--workers N|auto` (absent: 1; auto: one per CPU); a bad value is refused with `refuse`'s
 * usage (`fleet` passes its own).
 */
export const parseWorkers = (
  value: string | undefined,
  refuse: (code: string, line: string) => CliError = usageError,
): number =>
  value === undefined
    ? 1
    : value === "auto"
      ? availableParallelism()
      : wholeNumber("--workers", value, 1, " or auto", refuse);

const parseFaults = (value: string): FaultsOption => {
  if (value === "none" || value === "swarm") return value;
  const names = value.split(",").filter((name) => name !== "");
  const unknown = names.filter((name) => !faultFamilies.includes(name as FaultFamily));
  if (names.length === 0 || unknown.length > 0) {
    throw usageError(
      "bad-value",
      `--faults: expected none, swarm or families from ${faultFamilies.join(",")}; got ${JSON.stringify(value)}`,
    );
  }
  return Object.fromEntries(names.map((name) => [name, true]));
};

const flags = {
  seed: { type: "string" },
  seeds: { type: "string" },
  scenario: { type: "string" },
  steps: { type: "string" },
  faults: { type: "string" },
  policies: { type: "string" },
  checks: { type: "string" },
  workers: { type: "string" },
  json: { type: "boolean" },
  report: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** What each flag that takes a value expects, for the error when the value is missing. */
const expected: Record<string, string> = {
  seed: "a whole number",
  seeds: "a whole number",
  scenario: "a scenario name",
  steps: "a whole number",
  faults: "none, swarm or a comma list of families",
  policies: "a module path or package name",
  checks: "full or determinism-only",
  workers: "a whole number or auto",
  report: "a file name",
  out: "a folder",
};

/** node:util's parseArgs errors, as one coded line each (`fleet` passes its own usage error and flags). */
export const argvError = (
  error: unknown,
  argv: readonly string[],
  usageError: (code: string, line: string) => CliError = usageErrorOf,
  expects: Record<string, string> = expected,
): CliError => {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return usageError("unknown-option", `unknown argument "${flag}"`);
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const name = flag.replace(/^-+/, "");
    if (/does not take an argument/.test(message)) {
      return usageError("bad-value", `${flag} is a switch and takes no value`);
    }
    const next = argv[argv.indexOf(flag) + 1];
    const got = next === undefined ? "nothing" : `the flag ${JSON.stringify(next)}`;
    return usageError(
      "missing-value",
      `${flag}: expected ${expects[name] ?? "a value"}, got ${got} (a value that starts with a dash: ${flag}=VALUE)`,
    );
  }
  return usageError("bad-arguments", message.split("\n")[0] ?? message);
};

/** Flags that a run uses but `replay FILE` takes from the file. */
const runOnly = ["seed", "seeds", "scenario", "steps", "faults", "out", "checks", "workers"] as const;

/** Parses the command line with node:util's `parseArgs` (so `--seed=3` works); throws a `CliError`. */
export const parseArgs = (argv: readonly string[]): CliOptions | "help" => {
  let parsed: ReturnType<typeof parseArgv<{ args: string[]; options: typeof flags; allowPositionals: true }>>;
  try {
    parsed = parseArgv({ args: [...argv], options: flags, allowPositionals: true, strict: true });
  } catch (error) {
    throw argvError(error, argv);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return "help";
  let replayFile: string | undefined;
  if (positionals.length > 0) {
    if (positionals[0] !== "replay") {
      const hint = positionals[0] === "fleet" ? " (fleet comes first: schedkit-sim fleet [options])" : "";
      throw usageError("unknown-command", `unknown argument ${JSON.stringify(positionals[0])}${hint}`);
    }
    replayFile = positionals[1];
    if (replayFile === undefined) throw usageError("missing-file", "replay: expected a timeline file");
    if (positionals.length > 2) {
      throw usageError("unexpected-argument", `replay takes one file; also got ${JSON.stringify(positionals[2])}`);
    }
    const ignored = runOnly.filter((name) => values[name] !== undefined).map((name) => `--${name}`);
    if (ignored.length > 0) {
      throw usageError(
        "replay-flag",
        `replay FILE takes no ${ignored.join(", ")}: the seed, scenario, steps and faults come from the file, and it is one run (it takes --policies, --json, --report)`,
      );
    }
  }
  const scenario = values.scenario;
  if (scenario !== undefined && !scenarioNames.includes(scenario as ScenarioName)) {
    throw usageError(
      "bad-value",
      `--scenario: expected one of ${scenarioNames.join(", ")}, got ${JSON.stringify(scenario)}`,
    );
  }
  const seeds =
    values.seeds === undefined
      ? 16
      : scenario === undefined
        ? wholeNumber("--seeds", values.seeds, 0)
        : wholeNumber("--seeds", values.seeds, 1, ` (runs of --scenario ${scenario})`);
  if (values.report === "") throw usageError("missing-value", "--report: expected a file name, got nothing");
  if (values.out === "") throw usageError("missing-value", "--out: expected a folder, got nothing");
  if (values.policies === "") throw usageError("missing-value", "--policies: expected a module, got nothing");
  const checks = values.checks ?? "full";
  if (checks !== "full" && checks !== "determinism-only") {
    throw usageError("bad-value", `--checks: expected full or determinism-only, got ${JSON.stringify(checks)}`);
  }
  return {
    seed: values.seed === undefined ? 1 : wholeNumber("--seed", values.seed, 0),
    seeds,
    scenario: scenario as ScenarioName | undefined,
    steps: values.steps === undefined ? 2000 : wholeNumber("--steps", values.steps, 1),
    faults: values.faults === undefined ? undefined : parseFaults(values.faults),
    json: values.json === true,
    report: values.report,
    out: values.out ?? "sim-failures",
    replay: replayFile,
    policies: values.policies,
    checks,
    workers: parseWorkers(values.workers),
  };
};
