import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs as parseArgv } from "node:util";
import { isSchedkitError, type UnspawnPolicy } from "@schedkit/kernel";
import { writeFailure as writeFailureFile, writeReport } from "./files.js";
import { fleetMain, fleetMainAsync, isFleetTimeline, replayFleetFile } from "./fleetCli.js";
import { CliError } from "./internal/cliError.js";
import { canonical, TraceHash } from "./internal/hash.js";
import { loadPolicies } from "./internal/policiesModule.js";
import type { PlannedRun, WorkerSetup } from "./internal/simWorker.js";
import { jitterOf } from "./internal/stats.js";
import { runInWorkers, WorkerCrashError, workerModule, workersNeedAsync } from "./internal/workerPool.js";
import { replay, type SimulateResult, simulate } from "./simulate.js";
import {
  type ChecksMode,
  type FaultFamily,
  type FaultsOption,
  faultFamilies,
  type Jitter,
  type ScenarioName,
  type SimResult,
  scenarioNames,
} from "./types.js";

export { CliError } from "./internal/cliError.js";
export { loadPolicies } from "./internal/policiesModule.js";

const USAGE = `schedkit-sim: deterministic simulation of schedkit schedules

Usage:
  schedkit-sim [options]            the guide's five scenarios, then a swarm of seeds
  schedkit-sim replay FILE          run a saved timeline again (same trace, same violations);
                                    a fleet failure file too
  schedkit-sim fleet [options]      a fleet of nodes on one store (schedkit-sim fleet --help)

Options:
  --seed N          first seed (default 1)
  --seeds N         seeds in the swarm (default 16; 0 for none); with --scenario, runs of it (>= 1)
  --scenario NAME   only this scenario: ${scenarioNames.join(", ")}
  --steps N         kernel dispatches per run (default 2000)
  --faults F        none | swarm | a comma list of ${faultFamilies.join(",")} (default: none for the
                    five guide scenarios of a plain run; swarm for every
                    other seed, so a seed reruns with the faults it failed with)
  --policies MODULE your unspawn policies (a file, relative to the current folder, or a package):
                    they replace the built-in ones, the first is the default, and the swarm runs
                    the policy-churn scenario. Also for replay.
  --checks MODE     full (default: the reference model, every invariant, each run twice) or
                    determinism-only (sweeps of many seeds: each run still twice and the traces
                    compared, the reference model and the invariant checks off)
  --workers N       run the seeds in N worker threads (default 1; auto: one per CPU, here ${availableParallelism()});
                    the report is the same as with one, in the same order
  --json            print one JSON object (traceHash, violations, jitter, runs) instead of text
  --report FILE     also write an HTML report (jitter histograms, spawn timelines)
  --out DIR         where failing timelines are written (default sim-failures)
  -h, --help        this text

replay FILE takes --policies, --json and --report; the rest comes from the file.
Exit codes: 0 clean, 1 a check broke, 2 bad arguments or input.
`;

const usageError = (code: string, line: string) => new CliError(code, line, USAGE);
const usageErrorOf = usageError;

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

/** Refuses (before a run) a report file that could not be written. */
export const assertWritableFile = (file: string, what: string): void => {
  const path = resolve(file);
  const dir = dirname(path);
  const fail = (why: string): never => {
    throw new CliError("not-writable", `${what} ${path}: ${why}; nothing was run`);
  };
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(dir);
  } catch {
    fail(`the folder ${dir} does not exist`);
  }
  if (stats?.isDirectory() !== true) fail(`${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    fail(`the folder ${dir} is not writable`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) fail("that is a folder");
};

/** Refuses (before a run) an out folder that could not be made or written. */
export const assertWritableDir = (dir: string, what: string): void => {
  const path = resolve(dir);
  for (let probe = path; ; probe = dirname(probe)) {
    if (existsSync(probe)) {
      if (!statSync(probe).isDirectory()) {
        throw new CliError("not-writable", `${what} ${path}: ${probe} is not a folder; nothing was run`);
      }
      try {
        accessSync(probe, constants.W_OK);
      } catch {
        throw new CliError("not-writable", `${what} ${path}: the folder ${probe} is not writable; nothing was run`);
      }
      return;
    }
    if (dirname(probe) === probe) return;
  }
};

/** Reads and parses a timeline file; each way it can be wrong is its own coded error. */
export const readTimelineFile = (name: string): unknown => {
  const file = resolve(name);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT") throw new CliError("missing-file", `replay: no file at ${file}`);
    if (code === "EISDIR") throw new CliError("missing-file", `replay: ${file} is a folder, not a timeline file`);
    throw new CliError("unreadable-file", `replay: cannot read ${file} (${String(code ?? error)})`);
  }
  if (text.trim() === "") {
    throw new CliError("empty-file", `replay: ${file} is empty (a timeline file holds the JSON schedkit-sim wrote)`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (/end of (JSON )?input|Unterminated/i.test(why)) {
      throw new CliError("truncated-file", `replay: ${file} ends early (cut off while written or copied?): ${why}`);
    }
    throw new CliError("not-json", `replay: ${file} is not JSON, so not a timeline file: ${why}`);
  }
};

interface Run {
  readonly label: string;
  readonly result: SimulateResult | SimResult;
  readonly failureFile?: string;
  /** Replays: the trace hash the file recorded, if any. */
  readonly recorded?: string | null;
}

/** How the user ran this: `pnpm sim` inside the workspace, the installed bin elsewhere. */
export const command = (): string => (process.env.npm_lifecycle_event === "sim" ? "pnpm sim" : "npx schedkit-sim");

/**
 * The runs `schedkit-sim` makes: the five scenarios (or one), then the swarm; with custom
 * policies the swarm is `policy-churn`, the scenario that exercises a policy.
 */
const plan = (options: CliOptions, custom: boolean): PlannedRun[] => {
  if (options.scenario !== undefined) {
    return Array.from({ length: options.seeds }, (_, index) => ({
      label: options.scenario as string,
      scenario: options.scenario,
      seed: options.seed + index,
      // By the seed alone, never by its place in the run: a flagged seed reruns as it failed.
      faults: options.faults ?? "swarm",
    }));
  }
  const guide = scenarioNames
    .filter((name) => name !== "mix" && name !== "hostile" && name !== "policy-churn")
    .map((scenario) => ({
      label: scenario,
      scenario,
      seed: options.seed,
      faults: options.faults ?? ("none" as const),
    }));
  const swarm = Array.from({ length: options.seeds }, (_, index) => ({
    label: custom ? "policy-churn" : "swarm",
    scenario: custom ? ("policy-churn" as const) : undefined,
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

/**
 * Writes a failing run's shrunk timeline (its trace hash recorded) to
 * `<out>/<scenario>-seed-<seed>.json`; returns the path. Throws when the run offers
 * no timeline (it held every check, or its failure did not reproduce).
 */
export const writeFailure = (options: { readonly out: string }, result: SimulateResult): string => {
  const file = writeFailureFile(result, options.out);
  if (file === undefined) {
    throw new CliError("no-failure", `seed ${result.seed}: no reproducible failing timeline to write`);
  }
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
    // One run (a replay, one seed): its own trace, the one a failure file records; several: a hash of theirs.
    traceHash: results.length === 1 ? (results[0] as SimResult).traceHash : combined.digest(),
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

const text = (
  runs: readonly Run[],
  summary: ReturnType<typeof summarise>,
  policiesFlag: string | undefined,
): string => {
  const lines: string[] = [];
  if (runs.some(({ result }) => result.checksMode === "determinism-only")) {
    lines.push("schedkit-sim: seeded runs of the kernel in virtual time, checks: determinism-only (each run twice and");
    lines.push(
      "the traces compared; the reference model and the invariant checks were off: run a seed in full to check it).",
    );
  } else {
    lines.push("schedkit-sim: seeded runs of the kernel in virtual time, every step checked against the invariants");
    lines.push("and a reference model, each run twice for determinism.");
  }
  lines.push("");
  lines.push(
    `${"run".padEnd(16)} ${"scenario".padEnd(16)} ${"seed".padStart(5)} ${"steps".padStart(6)} ${"jobs".padStart(6)} ${"simulated".padStart(10)} ${"checks".padStart(8)}  result`,
  );
  const withPolicies = policiesFlag === undefined ? "" : ` --policies ${policiesFlag}`;
  for (const { label, result, failureFile, recorded } of runs) {
    const verdict = result.violations.length === 0 ? "ok" : `${result.violations.length} VIOLATION(S)`;
    lines.push(
      `${label.padEnd(16)} ${result.scenario.padEnd(16)} ${String(result.seed).padStart(5)} ${String(result.stats.steps).padStart(6)} ${String(result.stats.jobs).padStart(6)} ${duration(result.stats.simulatedMs).padStart(10)} ${String(checksPassed(result)).padStart(8)}  ${verdict}`,
    );
    lines.push(
      `${"".padEnd(17)}faults: ${familiesOn(result)}; lateness ${jitterText(result.jitter)}; grid drift ${ms(result.drift)} ms`,
    );
    if (recorded === null) {
      lines.push(
        `${"".padEnd(17)}note: this file records no trace hash (written by an older schedkit-sim), so this replay cannot tell whether it runs the policies and kernel it was recorded with`,
      );
    } else if (recorded !== undefined && recorded === result.traceHash) {
      lines.push(`${"".padEnd(17)}trace ${recorded.slice(0, 16)}: the same as when it was recorded`);
    }
    for (const violation of result.violations.slice(0, 3)) {
      lines.push(
        `  ✗ ${violation.check} at step ${violation.step} (t=${violation.at} ms): ${violation.message.split("\n")[0]}`,
      );
    }
    if (failureFile !== undefined) {
      lines.push(
        `  → shrunk timeline: ${failureFile}\n    reproduce: ${command()} replay ${failureFile}${withPolicies}`,
      );
    }
    const unreproducible = "unreproducible" in result ? result.unreproducible : undefined;
    if (unreproducible !== undefined) {
      lines.push(
        `  ✗ not reproducible: the shrunk timeline broke the check on ${unreproducible.failed} of ${unreproducible.runs} replays, so no timeline is offered: ${unreproducible.reason}`,
      );
    }
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

/** A run's result as the report lists it; a failing run's shrunk timeline written to `--out` (by this thread). */
const recordRun = (options: CliOptions, entry: PlannedRun, result: SimulateResult): Run => {
  const failureFile = writeFailureFile(result, options.out);
  return { label: entry.label, result, ...(failureFile === undefined ? {} : { failureFile }) };
};

/** The plan's runs, one after another in this thread. */
const runHere = (
  options: CliOptions,
  planned: readonly PlannedRun[],
  policies: readonly UnspawnPolicy[] | undefined,
): Run[] =>
  planned.map((entry, index) => {
    progress(index, planned.length, entry.label);
    const result = simulate({
      seed: entry.seed,
      steps: options.steps,
      faults: entry.faults,
      ...(entry.scenario === undefined ? {} : { scenario: entry.scenario }),
      ...(policies === undefined ? {} : { policies }),
      checks: options.checks,
    });
    const recorded = recordRun(options, entry, result);
    progress(index + 1, planned.length, entry.label);
    return recorded;
  });

/**
 * The plan's runs in `workers` worker threads. Results are taken in the plan's order (a result
 * that comes early waits for the ones before it), so the failure files are written and the runs
 * listed as `runHere` does.
 */
const runInThreads = async (options: CliOptions, planned: readonly PlannedRun[], workers: number): Promise<Run[]> => {
  const runs: Run[] = [];
  progress(0, planned.length, planned[0]?.label ?? "");
  await runInWorkers<PlannedRun, SimulateResult>({
    entry: workerModule("simWorker"),
    setup: {
      steps: options.steps,
      checks: options.checks,
      cwd: process.cwd(),
      ...(options.policies === undefined ? {} : { policies: options.policies }),
    } satisfies WorkerSetup,
    runs: planned,
    workers,
    onArrival: (arrived, index) => progress(arrived, planned.length, planned[index]?.label ?? ""),
    onResult: (result, index) => runs.push(recordRun(options, planned[index] as PlannedRun, result)),
  });
  return runs;
};

/** Replays `options.replay` (one run); a fleet file is handed to the fleet replay, which prints its own report. */
const replayRun = (
  options: CliOptions & { replay: string },
  policies: readonly UnspawnPolicy[] | undefined,
  write: (line: string) => void,
): Run | number => {
  const timeline = readTimelineFile(options.replay);
  if (isFleetTimeline(timeline)) {
    if (options.policies !== undefined) {
      throw usageError(
        "replay-flag",
        "replay: a fleet failure file takes no --policies (it runs the fleet simulator's programs)",
      );
    }
    return replayFleetFile(options.replay, timeline, options, write);
  }
  let result: SimResult;
  try {
    result = replay(timeline, policies === undefined ? {} : { policies });
  } catch (error) {
    if (isSchedkitError(error) && error.code === "invalid-options") {
      throw new CliError("bad-timeline", `replay: ${resolve(options.replay)}: ${error.message.split("\n")[0]}`);
    }
    if (isSchedkitError(error) && error.code === "unknown-policy") {
      throw new CliError(
        "unknown-policy",
        `replay: ${error.message.split("\n")[0]}, or on the command line with --policies MODULE`,
      );
    }
    throw error;
  }
  return { label: "replay", result, recorded: result.timeline.traceHash ?? null };
};

/** How many worker threads the plan uses: none (this thread) for a replay or a single run. */
const threadsFor = (options: CliOptions, planned: readonly PlannedRun[]): number =>
  options.replay === undefined ? Math.min(options.workers, planned.length) : 1;

/** Runs the command line's plan in this thread (`--workers 1`, and replays); returns the exit code. */
const run = (
  options: CliOptions,
  policies: readonly UnspawnPolicy[] | undefined,
  write: (line: string) => void,
): number => {
  // Refuse an output that cannot be written before the (long) run, so nothing is lost.
  if (options.report !== undefined) assertWritableFile(options.report, "--report");
  const started = performance.now();
  if (options.replay !== undefined) {
    const replayed = replayRun({ ...options, replay: options.replay }, policies, write);
    return typeof replayed === "number" ? replayed : report(options, [replayed], started, write);
  }
  assertWritableDir(options.out, "--out");
  return report(options, runHere(options, plan(options, policies !== undefined), policies), started, write);
};

/** `run`, with the plan's runs in worker threads when `--workers` asks for more than one. */
const runAsync = async (
  options: CliOptions,
  policies: readonly UnspawnPolicy[] | undefined,
  write: (line: string) => void,
): Promise<number> => {
  const planned = plan(options, policies !== undefined);
  const threads = threadsFor(options, planned);
  if (threads <= 1) return run(options, policies, write);
  if (options.report !== undefined) assertWritableFile(options.report, "--report");
  const started = performance.now();
  assertWritableDir(options.out, "--out");
  return report(options, await runInThreads(options, planned, threads), started, write);
};

/** Prints the report of `runs` (text or `--json`, and the `--report` file); returns the exit code. */
const report = (options: CliOptions, runs: readonly Run[], started: number, write: (line: string) => void): number => {
  const summary = summarise(runs, performance.now() - started);
  if (options.report !== undefined) {
    writeReport(
      runs.map((entry) => entry.result),
      options.report,
    );
  }
  if (options.json) {
    write(
      canonical({
        traceHash: summary.traceHash,
        violations: summary.violations,
        jitter: summary.jitter,
        jitterByFault: summary.jitterByFault,
        runs: runs.map(({ result, failureFile, recorded }) => ({
          scenario: result.scenario,
          seed: result.seed,
          traceHash: result.traceHash,
          violations: result.violations,
          jitter: result.jitter,
          jitterByType: result.jitterByType,
          drift: result.drift,
          checksMode: result.checksMode ?? "full",
          faults: result.timeline.faults.families,
          stats: result.stats,
          ...(failureFile === undefined ? {} : { failureFile }),
          ...(recorded === undefined ? {} : { recordedTraceHash: recorded }),
          ...("unreproducible" in result && result.unreproducible !== undefined
            ? { unreproducible: result.unreproducible }
            : {}),
        })),
      }),
    );
  } else {
    write(text(runs, summary, options.policies));
    if (options.report !== undefined) write(`report: ${resolve(options.report)}`);
  }
  return summary.violations.length === 0 ? 0 : 1;
};

/**
 * Runs the command line without `--policies` (which needs `mainAsync`, to import the module);
 * returns the exit code (1 when a check broke). Throws a `CliError` for a bad invocation.
 */
export const main = (argv: readonly string[], write: (line: string) => void = console.log): number => {
  if (argv[0] === "fleet") return fleetMain(argv.slice(1), write);
  const options = parseArgs(argv);
  if (options === "help") {
    write(USAGE);
    return 0;
  }
  if (options.policies !== undefined) {
    throw new CliError("needs-async", "--policies imports a module: call mainAsync (or runCli), not main");
  }
  if (threadsFor(options, plan(options, false)) > 1) throw workersNeedAsync();
  return run(options, undefined, write);
};

/** Runs the command line, `--policies` too; resolves to the exit code. Throws a `CliError` for a bad invocation. */
export const mainAsync = async (
  argv: readonly string[],
  write: (line: string) => void = console.log,
): Promise<number> => {
  if (argv[0] === "fleet") return fleetMainAsync(argv.slice(1), write);
  const options = parseArgs(argv);
  if (options === "help") {
    write(USAGE);
    return 0;
  }
  // Check the outputs before importing the module (which may be slow) and before the run.
  if (options.report !== undefined) assertWritableFile(options.report, "--report");
  const policies = options.policies === undefined ? undefined : await loadPolicies(options.policies);
  return runAsync(options, policies, write);
};

const firstLine = (text: string) => text.split("\n")[0] ?? text;

/** One line for stderr: `schedkit-sim: error [code]: what was wrong`. */
export const errorLine = (error: unknown): string => {
  if (error instanceof CliError) {
    return `schedkit-sim: error [${error.code}]: ${error.line}${error.message === error.line ? "" : ` (${error.helpCommand} lists the options)`}`;
  }
  if (isSchedkitError(error)) return `schedkit-sim: error [${error.code}]: ${firstLine(error.message)}`;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `schedkit-sim: error [internal]: ${firstLine(message)} (set SCHEDKIT_SIM_DEBUG=1 for the stack)`;
};

/**
 * Runs the command line as a process: exit code 0 (clean), 1 (a check broke) or 2 (bad
 * arguments or input: one coded line on stderr, no stack trace).
 */
export const runCli = async (argv: readonly string[]): Promise<void> => {
  try {
    process.exitCode = await mainAsync(argv);
  } catch (error) {
    console.error(errorLine(error));
    if (process.env.SCHEDKIT_SIM_DEBUG && error instanceof Error && !(error instanceof CliError)) {
      console.error(error.stack);
    }
    if (process.env.SCHEDKIT_SIM_DEBUG && error instanceof WorkerCrashError && error.workerStack !== undefined) {
      console.error(error.workerStack);
    }
    process.exitCode = 2;
  }
};

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) void runCli(process.argv.slice(2));
