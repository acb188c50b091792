/**
 * `schedkit-sim fleet`: the fleet simulator (`simulateFleet`) from the command line, and the
 * replay of its failure files. `cli.ts` hands `fleet ...` and fleet timeline files here.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { parseArgs as parseArgv } from "node:util";
import { isSchedkitError } from "@schedkit/kernel";
import {
  argvError,
  assertWritableDir,
  assertWritableFile,
  CliError,
  command,
  parseWorkers,
  readTimelineFile,
} from "./cli.js";
import {
  decodeFleetTimeline,
  type FleetCoverage,
  type FleetFaultFamily,
  type FleetFaults,
  type FleetResult,
  type FleetTimeline,
  type FleetUnsafe,
  fleetFaultFamilies,
  fleetScenarioNames,
  replayFleet,
  type SimulateFleetResult,
} from "./fleet/index.js";
import {
  determinismViolation,
  type FleetCliViolation,
  type FleetFailureFile,
  type FleetSeedOptions,
  type FleetSeedOutcome,
  fleetFailureTimeline,
  runFleetSeed,
} from "./internal/fleetSeed.js";
import { canonical, TraceHash } from "./internal/hash.js";
import { escapeHtml } from "./internal/htmlReport.js";
import { type PoolRun, runInWorkers, workerModule, workersNeedAsync } from "./internal/workerPool.js";

export type { FleetCliViolation, FleetFailureFile } from "./internal/fleetSeed.js";
export { fleetFailureTimeline } from "./internal/fleetSeed.js";

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

/** The hard cases the issue asks a swarm to show happened, in the order the summary lists them. */
export const hardCases = [
  ["takeovers", "takeovers"],
  ["pausesPastLease", "pauses past the lease"],
  ["staleWritesRefused", "stale writes refused"],
  ["adoptedPrograms", "programs adopted"],
  ["replayedCommands", "commands replayed"],
] as const satisfies readonly (readonly [keyof FleetCoverage, string])[];

/** Labels of the other counters (one the simulator adds later is shown by its key). */
const otherCounters = [
  ["reruns", "reruns"],
  ["lostFires", "lost fires"],
  ["deploySkew", "deploy skew"],
  ["retriedAppends", "retried appends"],
  ["commandsAnswered", "commands answered"],
  ["notOwned", "not-owned answers"],
  ["crashes", "crashes"],
  ["partitions", "partitions"],
  ["lostReplies", "lost replies"],
  ["fires", "fires recorded"],
  ["jobs", "jobs run"],
] as const satisfies readonly (readonly [keyof FleetCoverage, string])[];

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

// ---- failure files ----------------------------------------------------------------

/** Whether parsed JSON is a fleet timeline (a failure file of `schedkit-sim fleet`), not a single-node one. */
export const isFleetTimeline = (value: unknown): boolean =>
  typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "fleet";

/** Writes a failure file to `<dir>/fleet-<scenario>-seed-<seed>.json`; returns its absolute path. */
const writeFailureFile = (file: FleetFailureFile, scenario: string, seed: number, dir: string): string => {
  const path = resolve(dir, `fleet-${scenario}-seed-${seed}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
};

/**
 * Writes a failing `simulateFleet` result's timeline (see `fleetFailureTimeline`) to
 * `<dir>/fleet-<scenario>-seed-<seed>.json` and returns its absolute path; replay it with
 * `schedkit-sim replay FILE` or `replayFleet(JSON.parse(text))`. `undefined` when no check broke.
 */
export const writeFleetFailure = (result: SimulateFleetResult, dir = "sim-failures"): string | undefined => {
  const timeline = fleetFailureTimeline(result);
  return timeline === undefined ? undefined : writeFailureFile(timeline, result.timeline.scenario, result.seed, dir);
};

// ---- runs -------------------------------------------------------------------------

interface SeedRun extends Omit<FleetSeedOutcome, "failure"> {
  readonly failureFile?: string;
  /** Replays: the trace hash the file recorded (null: none). */
  readonly recorded?: string | null;
}

/** Every counter of every run, summed (a counter the simulator adds later is summed too). */
const totalCoverage = (runs: readonly SeedRun[]): FleetCoverage => {
  const total: Record<string, number> = {};
  for (const [key] of hardCases) total[key] = 0;
  for (const { result } of runs) {
    for (const [key, value] of Object.entries(result.coverage)) total[key] = (total[key] ?? 0) + value;
  }
  return total as unknown as FleetCoverage;
};

/** A seed's outcome as the report lists it; a failing seed's file written to `--out` (by this thread). */
const recordSeed = (options: FleetCliOptions, { failure, ...outcome }: FleetSeedOutcome): SeedRun => {
  if (failure === undefined) return outcome;
  return {
    ...outcome,
    failureFile: writeFailureFile(failure, outcome.result.timeline.scenario, outcome.seed, options.out),
  };
};

const replaySeed = (file: string, value: unknown): SeedRun => {
  const refuse = (line: string): never => {
    throw new CliError("bad-timeline", `replay: ${resolve(file)}: ${line}`);
  };
  const { traceHash: recorded, ...fields } = value as Record<string, unknown>;
  if (recorded !== undefined && typeof recorded !== "string") {
    refuse(`timeline.traceHash: expected a trace hash, got ${canonical(recorded)}`);
  }
  let timeline: FleetTimeline;
  let result: FleetResult;
  let second: FleetResult;
  try {
    timeline = decodeFleetTimeline(fields);
    // The coordinator checks the lease options itself: a bad one is the file's fault too.
    result = replayFleet(timeline);
    second = replayFleet(timeline);
  } catch (error) {
    if (isSchedkitError(error) && error.code === "invalid-options") refuse(firstLine(error.message));
    throw error;
  }
  const violations: FleetCliViolation[] = [];
  if (recorded !== undefined && recorded !== result.traceHash) {
    violations.push({
      check: "trace-hash",
      step: 0,
      at: 0,
      message: `this failure file was recorded with a different simulator or kernel: trace ${result.traceHash} != recorded ${recorded}`,
    });
  }
  violations.push(...result.violations);
  if (second.traceHash !== result.traceHash) violations.push(determinismViolation(timeline.seed, result, second));
  return {
    seed: timeline.seed,
    result,
    violations,
    secondTraceHash: second.traceHash,
    shrinkMs: 0,
    recorded: (recorded as string | undefined) ?? null,
  };
};

interface Summary {
  readonly traceHash: string;
  readonly violations: number;
  readonly coverage: FleetCoverage;
  readonly uncovered: readonly (keyof FleetCoverage)[];
  readonly identical: number;
  readonly events: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  /** Summed over the seeds (in the worker threads, with `--workers`). */
  readonly shrinkMs: number;
  /** Threads the seeds ran in (1: this one). */
  readonly threads: number;
}

const summarise = (runs: readonly SeedRun[], wallMs: number, threads = 1): Summary => {
  const coverage = totalCoverage(runs);
  const combined = new TraceHash();
  for (const { result } of runs) combined.addText(result.traceHash);
  return {
    traceHash: runs.length === 1 ? (runs[0] as SeedRun).result.traceHash : combined.digest(),
    violations: runs.reduce((sum, run) => sum + run.violations.length, 0),
    coverage,
    uncovered: hardCases.filter(([key]) => coverage[key] === 0).map(([key]): keyof FleetCoverage => key),
    identical: runs.filter((run) => run.secondTraceHash === run.result.traceHash).length,
    events: runs.reduce((sum, run) => sum + run.result.events, 0),
    simulatedMs: runs.reduce((sum, run) => sum + run.result.simulatedMs, 0),
    wallMs,
    shrinkMs: runs.reduce((sum, run) => sum + run.shrinkMs, 0),
    threads,
  };
};

// ---- output -----------------------------------------------------------------------

const fmt = (value: number) => Math.round(value).toLocaleString("en-US");
const plural = (count: number, noun: string) => `${fmt(count)} ${noun}${count === 1 ? "" : "s"}`;
const seconds = (ms: number) =>
  `${(ms / 1000).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} s`;
const families = (timeline: FleetTimeline) => timeline.families.join(",") || "none";
const planted = (unsafe: FleetUnsafe | undefined) =>
  Object.entries(unsafe ?? {})
    .filter(([, on]) => on === true)
    .map(([name]) => name);
const firstLine = (text: string) => text.split("\n")[0] ?? text;
const label = (key: string) => [...hardCases, ...otherCounters].find(([name]) => name === key)?.[1] ?? key;
/** The counters besides the hard cases, in the order above, then any others by key. */
const others = (coverage: FleetCoverage): string[] => {
  const hard: readonly string[] = hardCases.map(([key]) => key);
  const known: string[] = otherCounters.map(([key]) => key);
  const rest = Object.keys(coverage).filter((key) => !hard.includes(key) && !known.includes(key));
  return [...known.filter((key) => key in coverage), ...rest];
};
const counter = (coverage: FleetCoverage, key: string) => (coverage as unknown as Record<string, number>)[key] ?? 0;

const violationLines = (run: SeedRun): string[] => {
  const lines: string[] = [];
  for (const violation of run.violations.slice(0, 3)) {
    lines.push(
      `  ✗ ${violation.check} (seed ${run.seed}) at step ${violation.step} (t=${fmt(violation.at)} ms simulated): ${firstLine(violation.message)}`,
    );
  }
  if (run.violations.length > 3) lines.push(`  … and ${run.violations.length - 3} more`);
  if (run.failureFile !== undefined) {
    lines.push(`  → shrunk failure file: ${run.failureFile}`);
    lines.push(`    reproduce: ${command()} replay ${run.failureFile}`);
  }
  return lines;
};

const coverageLines = (summary: Summary, what: string): string[] => {
  const lines = [`coverage over ${what} (the hard cases):`];
  const width = Math.max(...hardCases.map(([, name]) => name.length));
  for (const [key, name] of hardCases) {
    const value = summary.coverage[key];
    lines.push(`  ${name.padEnd(width)} ${fmt(value).padStart(9)}${value === 0 ? "   ZERO: never happened" : ""}`);
  }
  lines.push(
    summary.uncovered.length === 0
      ? "  every hard case happened"
      : `  NOT COVERED: ${summary.uncovered.map(label).join(", ")} never happened, so these runs show nothing about ${summary.uncovered.length === 1 ? "it" : "them"}`,
  );
  lines.push(
    `  also: ${others(summary.coverage)
      .map((key) => `${label(key)} ${fmt(counter(summary.coverage, key))}`)
      .join(", ")}`,
  );
  return lines;
};

const determinismLine = (runs: readonly SeedRun[], summary: Summary): string =>
  summary.identical === runs.length
    ? `determinism: every seed ran twice with identical trace hashes (${summary.identical} of ${runs.length})`
    : `determinism: BROKEN: ${runs.length - summary.identical} of ${runs.length} seeds gave two different trace hashes (${runs
        .filter((run) => run.secondTraceHash !== run.result.traceHash)
        .map((run) => run.seed)
        .join(", ")})`;

const faultsText = (faults: FleetFaults) => (typeof faults === "string" ? faults : faults.join(","));

const runText = (options: FleetCliOptions, runs: readonly SeedRun[], summary: Summary): string => {
  const last = options.seed + options.seeds - 1;
  const lines: string[] = [];
  const bugs = planted(options.unsafe);
  lines.push(
    `schedkit-sim fleet: ${options.nodes} nodes, ${options.shards} shards on one model store; scenario ${options.scenario}, delivery ${options.delivery}, faults ${faultsText(options.faults)}${bugs.length > 0 ? `; planted bugs: ${bugs.join(", ")}` : ""}`,
  );
  lines.push(
    `${options.seeds} seed${options.seeds === 1 ? "" : "s"} (${options.seed}${options.seeds === 1 ? "" : `–${last}`}) × ${fmt(options.steps)} steps of 100 ms (faults in the first 70 %, then the fleet heals); every step checked, each seed run twice`,
  );
  const failing = runs.filter((run) => run.violations.length > 0);
  if (failing.length > 0) lines.push("");
  for (const run of failing) {
    lines.push(
      `seed ${run.seed}: ${run.violations.length} violation${run.violations.length === 1 ? "" : "s"} (faults ${families(run.result.timeline)})`,
    );
    lines.push(...violationLines(run));
  }
  lines.push("");
  lines.push(...coverageLines(summary, `${runs.length} seed${runs.length === 1 ? "" : "s"}`));
  lines.push(determinismLine(runs, summary));
  // With worker threads the shrinking is summed over them: its share of the wall time is taken as that over the threads.
  const simulatingMs = summary.wallMs - summary.shrinkMs / summary.threads;
  const perSecond = simulatingMs > 0 ? (summary.events * 1000) / simulatingMs : 0;
  const shrinking =
    summary.shrinkMs === 0
      ? ""
      : summary.threads === 1
        ? `, ${seconds(summary.shrinkMs)} of it shrinking`
        : `, ${seconds(summary.shrinkMs)} of the ${summary.threads} workers' time shrinking`;
  lines.push(
    `${plural(runs.length, "seed")}, ${plural(summary.violations, "violation")}${failing.length > 0 ? ` in ${plural(failing.length, "seed")}` : ""}, ${fmt(summary.events)} events, ${seconds(summary.simulatedMs)} simulated, ${seconds(summary.wallMs)}${shrinking} (${fmt(perSecond)} simulated events/s, each seed run twice)`,
  );
  lines.push(`trace ${summary.traceHash.slice(0, 16)}`);
  return lines.join("\n");
};

const replayText = (file: string, run: SeedRun, summary: Summary): string => {
  const { timeline } = run.result;
  const bugs = planted(timeline.unsafe);
  const lines: string[] = [];
  lines.push(`schedkit-sim fleet replay ${resolve(file)}`);
  lines.push(
    `seed ${timeline.seed}: ${timeline.nodes} nodes, ${timeline.shards} shards, scenario ${timeline.scenario}, delivery ${timeline.delivery}, faults ${families(timeline)}; ${timeline.events.length} timeline events${bugs.length > 0 ? `; planted bugs: ${bugs.join(", ")}` : ""}`,
  );
  lines.push(
    run.violations.length === 0
      ? "result: ok, every check held"
      : `result: ${run.violations.length} violation${run.violations.length === 1 ? "" : "s"}`,
  );
  lines.push(...violationLines(run));
  if (run.recorded === null) {
    lines.push("note: this file records no trace hash, so this replay cannot tell whether it runs as it was recorded");
  } else if (run.recorded === run.result.traceHash) {
    lines.push(`trace ${run.result.traceHash}: the same as when it was recorded`);
  }
  lines.push("");
  lines.push(...coverageLines(summary, "this run"));
  lines.push(
    run.secondTraceHash === run.result.traceHash
      ? "determinism: ran twice with identical trace hashes"
      : `determinism: BROKEN: two runs gave ${run.result.traceHash} and ${run.secondTraceHash}`,
  );
  lines.push(
    `${fmt(run.result.events)} events, ${seconds(run.result.simulatedMs)} simulated, ${seconds(summary.wallMs)}`,
  );
  return lines.join("\n");
};

const runJson = (run: SeedRun) => ({
  seed: run.seed,
  traceHash: run.result.traceHash,
  secondTraceHash: run.secondTraceHash,
  families: run.result.timeline.families,
  events: run.result.events,
  simulatedMs: run.result.simulatedMs,
  coverage: run.result.coverage,
  violations: run.violations,
  ...(run.failureFile === undefined ? {} : { failureFile: run.failureFile }),
  ...(run.recorded === undefined ? {} : { recordedTraceHash: run.recorded }),
});

const json = (runs: readonly SeedRun[], summary: Summary, fleet: Record<string, unknown>): string =>
  canonical({
    kind: "fleet",
    traceHash: summary.traceHash,
    fleet,
    seeds: runs.length,
    violations: runs.flatMap((run) =>
      run.violations.map((violation) => ({
        seed: run.seed,
        ...violation,
        ...(run.failureFile === undefined ? {} : { failureFile: run.failureFile }),
      })),
    ),
    coverage: summary.coverage,
    uncovered: summary.uncovered,
    determinism: { seeds: runs.length, identical: summary.identical },
    events: summary.events,
    simulatedMs: summary.simulatedMs,
    wallMs: Math.round(summary.wallMs),
    shrinkMs: Math.round(summary.shrinkMs),
    runs: runs.map(runJson),
  });

/** The HTML report: the coverage table and one row per seed; inline CSS, no scripts, no network. */
const renderFleetReport = (runs: readonly SeedRun[], summary: Summary, heading: string): string => {
  const cell = (value: string | number, className = "") =>
    `<td${className === "" ? "" : ` class="${className}"`}>${escapeHtml(typeof value === "number" ? fmt(value) : value)}</td>`;
  const coverageRows = [...hardCases.map(([key]): string => key), ...others(summary.coverage)]
    .map((key, index) => {
      const hard = index < hardCases.length;
      const value = counter(summary.coverage, key);
      return `<tr${hard ? ' class="hard"' : ""}><th>${escapeHtml(label(key))}${hard ? " (hard case)" : ""}</th>${cell(value, hard && value === 0 ? "bad" : "")}${cell(runs.filter((run) => counter(run.result.coverage, key) > 0).length)}</tr>`;
    })
    .join("\n");
  const seedRows = runs
    .map((run) => {
      const verdict =
        run.violations.length === 0
          ? "ok"
          : run.violations.map((violation) => `${violation.check} at step ${violation.step}`).join("; ");
      return `<tr>${cell(run.seed)}${cell(families(run.result.timeline))}${cell(run.result.events)}${cell(seconds(run.result.simulatedMs))}${hardCases
        .map(([key]) => cell(run.result.coverage[key]))
        .join(
          "",
        )}${cell(run.result.coverage.jobs)}${cell(run.result.traceHash)}${cell(run.secondTraceHash === run.result.traceHash ? "same" : "DIFFERENT", run.secondTraceHash === run.result.traceHash ? "" : "bad")}${cell(verdict, run.violations.length === 0 ? "" : "bad")}${cell(run.failureFile ?? "")}</tr>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>schedkit-sim fleet report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f4f4f4; text-align: left; }
tr.hard th { font-weight: bold; }
td.bad { background: #fbe3e4; color: #a00; font-weight: bold; }
code { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1>schedkit-sim fleet report</h1>
<p>${escapeHtml(heading)}</p>
<p>${escapeHtml(`${runs.length} seed${runs.length === 1 ? "" : "s"}, ${summary.violations} violations, ${fmt(summary.events)} events, determinism: ${summary.identical} of ${runs.length} seeds gave identical trace hashes twice; trace ${summary.traceHash.slice(0, 16)}`)}</p>
<h2>Coverage</h2>
<table>
<tr><th>counter</th><th>total</th><th>seeds where it happened</th></tr>
${coverageRows}
</table>
<p>${escapeHtml(summary.uncovered.length === 0 ? "Every hard case happened." : `Not covered: ${summary.uncovered.map(label).join(", ")}.`)}</p>
<h2>Seeds</h2>
<table>
<tr><th>seed</th><th>faults</th><th>events</th><th>simulated</th>${hardCases.map(([, name]) => `<th>${escapeHtml(name)}</th>`).join("")}<th>jobs</th><th>trace hash</th><th>second run</th><th>result</th><th>failure file</th></tr>
${seedRows}
</table>
</body>
</html>
`;
};

const progress = (done: number, total: number, seed: number) => {
  if (!process.stderr.isTTY || total < 3) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} seed ${seed}   `);
  if (done === total) process.stderr.write("\n");
};

const finish = (
  runs: readonly SeedRun[],
  summary: Summary,
  options: { readonly json: boolean; readonly report: string | undefined },
  heading: string,
  fleet: Record<string, unknown>,
  text: string,
  write: (line: string) => void,
): number => {
  if (options.report !== undefined) writeFileSync(resolve(options.report), renderFleetReport(runs, summary, heading));
  if (options.json) write(json(runs, summary, fleet));
  else {
    write(text);
    if (options.report !== undefined) write(`report: ${resolve(options.report)}`);
  }
  return summary.violations === 0 ? 0 : 1;
};

/**
 * Replays a parsed fleet failure file (`schedkit-sim replay FILE` or `fleet replay FILE`);
 * returns the exit code: 1 when a check broke or the trace differs from the recorded one.
 */
export const replayFleetFile = (
  file: string,
  value: unknown,
  options: { readonly json: boolean; readonly report: string | undefined },
  write: (line: string) => void,
): number => {
  if (options.report !== undefined) assertWritableFile(options.report, "--report");
  const started = performance.now();
  const run = replaySeed(file, value);
  const summary = summarise([run], performance.now() - started);
  const { timeline } = run.result;
  const fleet = {
    file: resolve(file),
    nodes: timeline.nodes,
    shards: timeline.shards,
    scenario: timeline.scenario,
    delivery: timeline.delivery,
    families: timeline.families,
    ...(timeline.unsafe === undefined ? {} : { unsafe: timeline.unsafe }),
  };
  return finish([run], summary, options, `replay of ${resolve(file)}`, fleet, replayText(file, run, summary), write);
};

/** A sweep's seeds, one after another in this thread. */
const seedsHere = (options: FleetCliOptions): SeedRun[] => {
  const runs: SeedRun[] = [];
  for (let index = 0; index < options.seeds; index++) {
    const seed = options.seed + index;
    progress(index, options.seeds, seed);
    runs.push(recordSeed(options, runFleetSeed(options, seed)));
    progress(index + 1, options.seeds, seed);
  }
  return runs;
};

/**
 * A sweep's seeds in `threads` worker threads: the outcomes are taken in seed order, so the
 * failure files are written and the seeds listed as `seedsHere` does.
 */
const seedsInThreads = async (options: FleetCliOptions, threads: number): Promise<SeedRun[]> => {
  const runs: SeedRun[] = [];
  const planned: PoolRun[] = Array.from({ length: options.seeds }, (_, index) => ({
    label: "fleet",
    seed: options.seed + index,
  }));
  progress(0, options.seeds, options.seed);
  await runInWorkers<PoolRun, FleetSeedOutcome>({
    entry: workerModule("fleetWorker"),
    setup: {
      steps: options.steps,
      nodes: options.nodes,
      shards: options.shards,
      delivery: options.delivery,
      faults: options.faults,
      scenario: options.scenario,
      ...(options.unsafe === undefined ? {} : { unsafe: options.unsafe }),
    } satisfies FleetSeedOptions,
    runs: planned,
    workers: threads,
    onArrival: (arrived, index) => progress(arrived, options.seeds, options.seed + index),
    onResult: (outcome) => runs.push(recordSeed(options, outcome)),
  });
  return runs;
};

/** How many threads a sweep's seeds run in: `--workers`, at most one per seed (1: this thread). */
const threadsFor = (options: FleetCliOptions): number => Math.max(1, Math.min(options.workers, options.seeds));

/** Refuses (before a run) outputs that could not be written. */
const checkOutputs = (options: FleetCliOptions): void => {
  if (options.report !== undefined) assertWritableFile(options.report, "--report");
  assertWritableDir(options.out, "--out");
};

/** Prints a sweep's report (text or `--json`, and the `--report` file); returns the exit code. */
const sweepReport = (
  options: FleetCliOptions,
  runs: readonly SeedRun[],
  started: number,
  threads: number,
  write: (line: string) => void,
): number => {
  const summary = summarise(runs, performance.now() - started, threads);
  const fleet = {
    nodes: options.nodes,
    shards: options.shards,
    scenario: options.scenario,
    delivery: options.delivery,
    faults: options.faults,
    steps: options.steps,
    firstSeed: options.seed,
    ...(options.unsafe === undefined ? {} : { unsafe: options.unsafe }),
  };
  const heading = `${options.nodes} nodes, ${options.shards} shards, scenario ${options.scenario}, delivery ${options.delivery}, faults ${faultsText(options.faults)}, seeds ${options.seed}–${options.seed + options.seeds - 1}, ${options.steps} steps each`;
  return finish(runs, summary, options, heading, fleet, runText(options, runs, summary), write);
};

/**
 * Runs a fleet sweep of parsed options (not a replay) in this thread; returns the exit code.
 * Throws `needs-async` when `options.workers` asks for worker threads (`runFleetSweep`).
 */
export const runFleetSweepHere = (options: FleetCliOptions, write: (line: string) => void = console.log): number => {
  if (threadsFor(options) > 1) throw workersNeedAsync();
  checkOutputs(options);
  const started = performance.now();
  return sweepReport(options, seedsHere(options), started, 1, write);
};

/**
 * Runs a fleet sweep of parsed options (not a replay), in `options.workers` worker threads when
 * that is more than one; resolves to the exit code. The report is the one a single thread prints
 * (only the timings differ).
 */
export const runFleetSweep = async (
  options: FleetCliOptions,
  write: (line: string) => void = console.log,
): Promise<number> => {
  const threads = threadsFor(options);
  if (threads === 1) return runFleetSweepHere(options, write);
  checkOutputs(options);
  const started = performance.now();
  return sweepReport(options, await seedsInThreads(options, threads), started, threads, write);
};

/** What `fleetMain` and `fleetMainAsync` share: `--help` and replays are done (the exit code); else the sweep's options. */
const fleetCommand = (argv: readonly string[], write: (line: string) => void): number | FleetCliOptions => {
  const options = parseFleetArgs(argv);
  if (options === "help") {
    write(FLEET_USAGE);
    return 0;
  }
  if (options.replay !== undefined) {
    return replayFleetFile(options.replay, readTimelineFile(options.replay), options, write);
  }
  return options;
};

/**
 * Runs `schedkit-sim fleet ...` (the arguments after `fleet`) in this thread; returns the exit
 * code (0 clean, 1 a check broke). Throws a coded `CliError` for a bad invocation or input, and
 * `needs-async` for `--workers` above 1 (`fleetMainAsync` runs those).
 */
export const fleetMain = (argv: readonly string[], write: (line: string) => void = console.log): number => {
  const parsed = fleetCommand(argv, write);
  return typeof parsed === "number" ? parsed : runFleetSweepHere(parsed, write);
};

/** `fleetMain`, with `--workers N` too: resolves to the exit code. */
export const fleetMainAsync = async (
  argv: readonly string[],
  write: (line: string) => void = console.log,
): Promise<number> => {
  const parsed = fleetCommand(argv, write);
  return typeof parsed === "number" ? parsed : runFleetSweep(parsed, write);
};
