/** Parsing and validating `schedkit-sim fleet`'s arguments (after the word `fleet`). */
import { availableParallelism } from "node:os";
import { parseArgs as parseArgv } from "node:util";
import { type FleetFaultFamily, type FleetFaults, fleetFaultFamilies, fleetScenarioNames } from "../../fleet/index.js";
import { CliError } from "../cliError.js";
import type { FleetSeedOptions } from "../fleetSeed.js";
import { argvError, parseWorkers } from "./simArgs.js";

const deliveries = ["at-least-once", "at-most-once"] as const;

export const FLEET_USAGE = `schedkit-sim fleet: a deterministic simulation of a schedkit fleet (nodes sharing one store)

Usage:
  schedkit-sim fleet [options]      a swarm of seeds, every step checked against FLEET.md's guarantees
  schedkit-sim fleet replay FILE    run a fleet failure file again (also: schedkit-sim replay FILE)

Options:
  --seed N          first seed (default 1)
  --seeds N         seeds to run, from --seed on (default 20)
  --steps N         steps of 100 simulated ms per seed (default 1000: 100 s; faults in the first 70 %)
  --nodes N         nodes sharing the store (default 5, at most 64)
  --shards N        shards (default 16, at most 4096)
  --delivery D      ${deliveries.join(" | ")} (default at-least-once)
  --faults F        none | swarm (default: each seed switches each family on or off) | a comma
                    list of ${fleetFaultFamilies.join(",")}
  --scenario NAME   ${fleetScenarioNames.join(" | ")} (default steady)
  --json            print one JSON object (violations, coverage, determinism, runs) instead of text
  --report FILE     also write an HTML report (coverage table, one row per seed)
  --out DIR         where shrunk failure files are written (default sim-failures)
  --workers N       run the seeds in N worker threads (default 1; auto: one per CPU, here ${availableParallelism()});
                    the report and failure files are the same as with one, in seed order
  -h, --help        this text

Each seed runs twice; its two trace hashes must match. replay FILE takes --json and --report;
the rest comes from the file. Exit codes: 0 clean, 1 a check broke, 2 bad arguments or input.
`;

const usageError = (code: string, line: string) => new CliError(code, line, FLEET_USAGE, "schedkit-sim fleet --help");

/** `schedkit-sim fleet`'s options; `unsafe` (planted bugs, for the simulator's own tests) has no flag. */
export interface FleetCliOptions extends FleetSeedOptions {
  readonly seed: number;
  readonly seeds: number;
  readonly json: boolean;
  readonly report: string | undefined;
  readonly out: string;
  readonly replay: string | undefined;
  /** Worker threads for the seeds (1: this thread). */
  readonly workers: number;
}

const flags = {
  seed: { type: "string" },
  seeds: { type: "string" },
  steps: { type: "string" },
  nodes: { type: "string" },
  shards: { type: "string" },
  delivery: { type: "string" },
  faults: { type: "string" },
  scenario: { type: "string" },
  json: { type: "boolean" },
  report: { type: "string" },
  out: { type: "string" },
  workers: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const expects: Record<string, string> = {
  seed: "a whole number",
  seeds: "a whole number",
  steps: "a whole number",
  nodes: "a whole number",
  shards: "a whole number",
  delivery: deliveries.join(" or "),
  faults: "none, swarm or a comma list of families",
  scenario: "a scenario name",
  report: "a file name",
  out: "a folder",
  workers: "a whole number or auto",
};

const runOnly = [
  "seed",
  "seeds",
  "steps",
  "nodes",
  "shards",
  "delivery",
  "faults",
  "scenario",
  "out",
  "workers",
] as const;

const wholeNumber = (flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw usageError("bad-value", `${flag}: expected a whole number ${range}, got ${JSON.stringify(value)}`);
  }
  return parsed;
};

const oneOf = <T extends string>(flag: string, value: string, names: readonly T[]): T => {
  if (!(names as readonly string[]).includes(value)) {
    throw usageError("bad-value", `${flag}: expected one of ${names.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
};

const parseFaults = (value: string): FleetFaults => {
  if (value === "none" || value === "swarm") return value;
  const names = value.split(",").filter((name) => name !== "");
  const unknown = names.filter((name) => !(fleetFaultFamilies as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw usageError(
      "bad-value",
      `--faults: expected none, swarm or families from ${fleetFaultFamilies.join(",")}; got ${JSON.stringify(value)}`,
    );
  }
  return [...new Set(names)] as FleetFaultFamily[];
};

/** Parses `schedkit-sim fleet`'s arguments (after the word `fleet`); throws a coded `CliError`. */
export const parseFleetArgs = (argv: readonly string[]): FleetCliOptions | "help" => {
  let parsed: ReturnType<typeof parseArgv<{ args: string[]; options: typeof flags; allowPositionals: true }>>;
  try {
    parsed = parseArgv({ args: [...argv], options: flags, allowPositionals: true, strict: true });
  } catch (error) {
    throw argvError(error, argv, usageError, expects);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return "help";
  let replayFile: string | undefined;
  if (positionals.length > 0) {
    if (positionals[0] !== "replay") {
      throw usageError("unknown-command", `fleet: unknown argument ${JSON.stringify(positionals[0])}`);
    }
    replayFile = positionals[1];
    if (replayFile === undefined) throw usageError("missing-file", "fleet replay: expected a failure file");
    if (positionals.length > 2) {
      throw usageError(
        "unexpected-argument",
        `fleet replay takes one file; also got ${JSON.stringify(positionals[2])}`,
      );
    }
    const ignored = runOnly.filter((name) => values[name] !== undefined).map((name) => `--${name}`);
    if (ignored.length > 0) {
      throw usageError(
        "replay-flag",
        `fleet replay FILE takes no ${ignored.join(", ")}: the seed, fleet, steps and faults come from the file, and it is one run (it takes --json, --report)`,
      );
    }
  }
  if (values.report === "") throw usageError("missing-value", "--report: expected a file name, got nothing");
  if (values.out === "") throw usageError("missing-value", "--out: expected a folder, got nothing");
  return {
    seed: values.seed === undefined ? 1 : wholeNumber("--seed", values.seed, 0),
    seeds: values.seeds === undefined ? 20 : wholeNumber("--seeds", values.seeds, 1),
    steps: values.steps === undefined ? 1_000 : wholeNumber("--steps", values.steps, 1, 1_000_000),
    nodes: values.nodes === undefined ? 5 : wholeNumber("--nodes", values.nodes, 1, 64),
    shards: values.shards === undefined ? 16 : wholeNumber("--shards", values.shards, 1, 4_096),
    delivery: values.delivery === undefined ? "at-least-once" : oneOf("--delivery", values.delivery, deliveries),
    faults: values.faults === undefined ? "swarm" : parseFaults(values.faults),
    scenario: values.scenario === undefined ? "steady" : oneOf("--scenario", values.scenario, fleetScenarioNames),
    json: values.json === true,
    report: values.report,
    out: values.out ?? "sim-failures",
    replay: replayFile,
    workers: parseWorkers(values.workers, usageError),
  };
};
