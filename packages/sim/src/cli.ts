/**
 * `schedkit-sim`'s entry point: `main`, `mainAsync` and `runCli`; the parsing, the runs and the
 * report live in `internal/cli/` (the fleet's in `fleetCli.ts`).
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isSchedkitError } from "@schedkit/kernel";
import { writeFailure as writeFailureFile } from "./files.js";
import { fleetMain, fleetMainAsync } from "./fleetCli.js";
import { assertWritableFile } from "./internal/cli/outputs.js";
import { parseArgs } from "./internal/cli/simArgs.js";
import { plan, run, runAsync, threadsFor } from "./internal/cli/simRuns.js";
import { USAGE } from "./internal/cli/usage.js";
import { CliError } from "./internal/cliError.js";
import { loadPolicies } from "./internal/policiesModule.js";
import { WorkerCrashError, workersNeedAsync } from "./internal/workerPool.js";
import type { SimulateResult } from "./simulate.js";

export { assertWritableDir, assertWritableFile } from "./internal/cli/outputs.js";
export { argvError, parseArgs, parseWorkers } from "./internal/cli/simArgs.js";
export { readTimelineFile } from "./internal/cli/timelineFile.js";
export { command } from "./internal/cli/usage.js";
export { CliError } from "./internal/cliError.js";
export { loadPolicies } from "./internal/policiesModule.js";

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
