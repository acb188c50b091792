/** `schedkit-sim`'s usage text and the names it goes by, shared by the parsing and the report. */
import { availableParallelism } from "node:os";
import { faultFamilies, scenarioNames } from "../../types.js";
import { CliError } from "../cliError.js";

export const USAGE = `schedkit-sim: deterministic simulation of schedkit schedules

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

/** A refusal of the command line, with the usage text (the fleet commands pass their own). */
export const usageError = (code: string, line: string) => new CliError(code, line, USAGE);

/** How the user ran this: `pnpm sim` inside the workspace, the installed bin elsewhere. */
export const command = (): string => (process.env.npm_lifecycle_event === "sim" ? "pnpm sim" : "npx schedkit-sim");
