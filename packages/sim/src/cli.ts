import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SchedkitError } from "@schedkit/kernel";
import { canonical, TraceHash } from "./internal/hash.js";
import { renderHtmlReport } from "./internal/htmlReport.js";
import { jitterOf } from "./internal/stats.js";
import { replay, type SimulateResult, simulate } from "./simulate.js";
import {
  type FaultFamily,
  type FaultsOption,
  faultFamilies,
  type Jitter,
  type ScenarioName,
  type SimResult,
  scenarioNames,
} from "./types.js";

const USAGE = `schedkit-sim: deterministic simulation of schedkit schedules

Usage:
  schedkit-sim [options]            the guide's five scenarios, then a swarm of seeds
  schedkit-sim replay FILE          run a saved timeline again (same trace, same violations)

Options:
  --seed N          first seed (default 1)
  --seeds N         seeds in the swarm (default 16; 0 for none)
  --scenario NAME   only this scenario: ${scenarioNames.join(", ")}
  --steps N         kernel dispatches per run (default 2000)
  --faults F        none | swarm | a comma list of ${faultFamilies.join(",")} (default: none for the
                    five scenarios, swarm for the swarm)
  --json            print one JSON object (traceHash, violations, jitter, runs) instead of text
  --report FILE     also write an HTML report (jitter histograms, spawn timelines)
  --out DIR         where failing timelines are written (default sim-failures)
  -h, --help        this text
`;

interface CliOptions {
  seed: number;
  seeds: number;
  scenario: ScenarioName | undefined;
  steps: number;
  faults: FaultsOption | undefined;
  json: boolean;
  report: string | undefined;
  out: string;
  replay: string | undefined;
}

const usageError = (message: string) => new SchedkitError("invalid-options", `${message}\n\n${USAGE}`);

const wholeNumber = (flag: string, value: string | undefined, min: number): number => {
  const parsed = Number(value);
  if (value === undefined || !Number.isInteger(parsed) || parsed < min) {
    throw usageError(
      `${flag}: expected a whole number >= ${min}, got ${value === undefined ? "nothing" : JSON.stringify(value)}`,
    );
  }
  return parsed;
};

const parseFaults = (value: string | undefined): FaultsOption => {
  if (value === "none" || value === "swarm") return value;
  const names = (value ?? "").split(",").filter((name) => name !== "");
  const unknown = names.filter((name) => !faultFamilies.includes(name as FaultFamily));
  if (names.length === 0 || unknown.length > 0) {
    throw usageError(
      `--faults: expected none, swarm or families from ${faultFamilies.join(",")}; got ${JSON.stringify(value)}`,
    );
  }
  return Object.fromEntries(names.map((name) => [name, true]));
};

export const parseArgs = (argv: readonly string[]): CliOptions | "help" => {
  const options: CliOptions = {
    seed: 1,
    seeds: 16,
    scenario: undefined,
    steps: 2000,
    faults: undefined,
    json: false,
    report: undefined,
    out: "sim-failures",
    replay: undefined,
  };
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    const value = () => argv[++index];
    switch (arg) {
      case "-h":
      case "--help":
        return "help";
      case "--seed":
        options.seed = wholeNumber(arg, value(), 0);
        break;
      case "--seeds":
        options.seeds = wholeNumber(arg, value(), 0);
        break;
      case "--steps":
        options.steps = wholeNumber(arg, value(), 1);
        break;
      case "--scenario": {
        const name = value();
        if (!scenarioNames.includes(name as ScenarioName)) {
          throw usageError(`--scenario: expected one of ${scenarioNames.join(", ")}, got ${JSON.stringify(name)}`);
        }
        options.scenario = name as ScenarioName;
        break;
      }
      case "--faults":
        options.faults = parseFaults(value());
        break;
      case "--json":
        options.json = true;
        break;
      case "--report":
        options.report = value();
        if (options.report === undefined) throw usageError("--report: expected a file name");
        break;
      case "--out":
        options.out = value() ?? options.out;
        break;
      case "replay":
        options.replay = value();
        if (options.replay === undefined) throw usageError("replay: expected a timeline file");
        break;
      default:
        throw usageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return options;
};

interface Run {
  readonly label: string;
  readonly result: SimulateResult | SimResult;
  readonly failureFile?: string;
}

/** The runs `schedkit-sim` makes: the five scenarios (or one), then the swarm. */
const plan = (
  options: CliOptions,
): { label: string; scenario: ScenarioName | undefined; seed: number; faults: FaultsOption }[] => {
  if (options.scenario !== undefined) {
    const count = Math.max(1, options.seeds);
    return Array.from({ length: count }, (_, index) => ({
      label: options.scenario as string,
      scenario: options.scenario,
      seed: options.seed + index,
      faults: options.faults ?? (index === 0 ? "none" : "swarm"),
    }));
  }
  const guide = scenarioNames
    .filter((name) => name !== "mix" && name !== "hostile")
    .map((scenario) => ({
      label: scenario,
      scenario,
      seed: options.seed,
      faults: options.faults ?? ("none" as const),
    }));
  const swarm = Array.from({ length: options.seeds }, (_, index) => ({
    label: "swarm",
    scenario: undefined,
    seed: options.seed + 1 + index,
    faults: options.faults ?? ("swarm" as const),
  }));
  return [...guide, ...swarm];
};

const progress = (done: number, total: number, label: string) => {
  if (!process.stderr.isTTY || total < 3) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${label.padEnd(16)}`);
  if (done === total) process.stderr.write("\n");
};

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, ""));
const jitterText = (jitter: Jitter) =>
  jitter.count === 0
    ? "no jobs"
    : `p50 ${ms(jitter.p50)} p90 ${ms(jitter.p90)} p99 ${ms(jitter.p99)} max ${ms(jitter.max)} ms`;
const duration = (value: number) =>
  value >= 3_600_000
    ? `${(value / 3_600_000).toFixed(1)} h`
    : value >= 60_000
      ? `${(value / 60_000).toFixed(1)} min`
      : `${(value / 1000).toFixed(1)} s`;
const familiesOn = (result: SimResult) =>
  faultFamilies.filter((family) => result.timeline.faults.families[family]).join(",") || "none";
const checksPassed = (result: SimResult) => Object.values(result.checks).reduce((sum, count) => sum + count, 0);

/** Writes a failing run's shrunk timeline to `<out>/<scenario>-seed-<seed>.json`; returns the path. */
export const writeFailure = (options: { readonly out: string }, result: SimulateResult): string => {
  const timeline = result.shrunk ?? result.timeline;
  const file = resolve(options.out, `${result.scenario}-seed-${result.seed}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(timeline, null, 2)}\n`);
  return file;
};

const summarise = (runs: readonly Run[], wallMs: number) => {
  const results = runs.map((run) => run.result);
  const combined = new TraceHash();
  for (const result of results) combined.addText(result.traceHash);
  // Exact percentiles over every job of the matching runs.
  const lateness = (filter: (result: SimResult) => boolean) =>
    jitterOf(results.filter(filter).flatMap((result) => result.lateness));
  return {
    traceHash: combined.digest(),
    violations: results.flatMap((result) =>
      result.violations.map((violation) => ({ ...violation, scenario: result.scenario })),
    ),
    jitter: lateness(() => true),
    jitterByFault: Object.fromEntries(
      faultFamilies.map((family) => [family, lateness((result) => result.timeline.faults.families[family])]),
    ) as Record<FaultFamily, Jitter>,
    checks: results.reduce((sum, result) => sum + checksPassed(result), 0),
    steps: results.reduce((sum, result) => sum + result.stats.steps, 0),
    wallMs,
  };
};

const text = (runs: readonly Run[], summary: ReturnType<typeof summarise>): string => {
  const lines: string[] = [];
  lines.push("schedkit-sim: seeded runs of the kernel in virtual time, every step checked against the invariants");
  lines.push("and a reference model, each run twice for determinism.");
  lines.push("");
  lines.push(
    `${"run".padEnd(16)} ${"scenario".padEnd(16)} ${"seed".padStart(5)} ${"steps".padStart(6)} ${"jobs".padStart(6)} ${"simulated".padStart(10)} ${"checks".padStart(8)}  result`,
  );
  for (const { label, result, failureFile } of runs) {
    const verdict = result.violations.length === 0 ? "ok" : `${result.violations.length} VIOLATION(S)`;
    lines.push(
      `${label.padEnd(16)} ${result.scenario.padEnd(16)} ${String(result.seed).padStart(5)} ${String(result.stats.steps).padStart(6)} ${String(result.stats.jobs).padStart(6)} ${duration(result.stats.simulatedMs).padStart(10)} ${String(checksPassed(result)).padStart(8)}  ${verdict}`,
    );
    lines.push(
      `${"".padEnd(17)}faults: ${familiesOn(result)}; lateness ${jitterText(result.jitter)}; grid drift ${ms(result.drift)} ms`,
    );
    for (const violation of result.violations.slice(0, 3)) {
      lines.push(
        `  ✗ ${violation.check} at step ${violation.step} (t=${violation.at} ms): ${violation.message.split("\n")[0]}`,
      );
    }
    if (failureFile !== undefined)
      lines.push(`  → shrunk timeline: ${failureFile}\n    reproduce: pnpm sim replay ${failureFile}`);
  }
  lines.push("");
  lines.push(`lateness over all jobs: ${jitterText(summary.jitter)}`);
  for (const family of faultFamilies) {
    const jitter = summary.jitterByFault[family];
    if (jitter.count > 0) lines.push(`  runs with ${family.padEnd(12)} ${jitterText(jitter)}`);
  }
  const perSecond = summary.wallMs > 0 ? Math.round((summary.steps / summary.wallMs) * 1000) : summary.steps;
  lines.push(
    `${runs.length} run${runs.length === 1 ? "" : "s"}, ${summary.steps} steps, ${summary.checks} checks passed, ${summary.violations.length} violations, ${perSecond.toLocaleString("en-US")} simulated events/s (each run twice), ${(summary.wallMs / 1000).toFixed(1)} s`,
  );
  lines.push(`trace ${summary.traceHash.slice(0, 16)}`);
  return lines.join("\n");
};

/** Runs the command line; returns the exit code (1 when a check broke). */
export const main = (argv: readonly string[], write: (line: string) => void = console.log): number => {
  const options = parseArgs(argv);
  if (options === "help") {
    write(USAGE);
    return 0;
  }
  const started = performance.now();
  const runs: Run[] = [];
  if (options.replay !== undefined) {
    const file = resolve(options.replay);
    const result = replay(JSON.parse(readFileSync(file, "utf8")));
    runs.push({ label: "replay", result });
  } else {
    const planned = plan(options);
    planned.forEach((entry, index) => {
      progress(index, planned.length, entry.label);
      const result = simulate({
        seed: entry.seed,
        steps: options.steps,
        faults: entry.faults,
        ...(entry.scenario === undefined ? {} : { scenario: entry.scenario }),
      });
      runs.push({
        label: entry.label,
        result,
        ...(result.violations.length > 0 ? { failureFile: writeFailure(options, result) } : {}),
      });
      progress(index + 1, planned.length, entry.label);
    });
  }
  const summary = summarise(runs, performance.now() - started);
  if (options.report !== undefined) {
    writeFileSync(
      options.report,
      renderHtmlReport(
        runs.map((run) => run.result),
        { title: "schedkit-sim report" },
      ),
    );
  }
  if (options.json) {
    write(
      canonical({
        traceHash: summary.traceHash,
        violations: summary.violations,
        jitter: summary.jitter,
        jitterByFault: summary.jitterByFault,
        runs: runs.map(({ result, failureFile }) => ({
          scenario: result.scenario,
          seed: result.seed,
          traceHash: result.traceHash,
          violations: result.violations,
          jitter: result.jitter,
          jitterByType: result.jitterByType,
          drift: result.drift,
          faults: result.timeline.faults.families,
          stats: result.stats,
          ...(failureFile === undefined ? {} : { failureFile }),
        })),
      }),
    );
  } else {
    write(text(runs, summary));
    if (options.report !== undefined) write(`report: ${resolve(options.report)}`);
  }
  return summary.violations.length === 0 ? 0 : 1;
};

/** Runs the command line as a process: exit code 0 (clean), 1 (a check broke) or 2 (bad arguments). */
export const runCli = (argv: readonly string[]): void => {
  try {
    process.exitCode = main(argv);
  } catch (error) {
    console.error(error instanceof SchedkitError ? error.message : error);
    process.exitCode = 2;
  }
};

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) runCli(process.argv.slice(2));
