/**
 * A worker thread of `schedkit-sim --workers N` (see `workerPool.ts`): it loads what the runs
 * need itself (the simulator; the `--policies` module, imported here, since policies are
 * functions and cannot be posted), then runs each batch of seeds it is sent, posting each
 * result back as plain data as soon as it is done. An error thrown here is not caught: it
 * ends the worker, and the pool reports it with the seeds that were in flight.
 */
import { simulate } from "../simulate.js";
import type { ChecksMode, FaultsOption, ScenarioName } from "../types.js";
import { loadPolicies } from "./policiesModule.js";
import { serveRuns, workerSetup } from "./workerPool.js";

/** One run of the command line's plan. */
export interface PlannedRun {
  readonly label: string;
  readonly scenario: ScenarioName | undefined;
  readonly seed: number;
  readonly faults: FaultsOption;
}

/** What every run of a sweep shares, sent to each worker when it starts. */
export interface WorkerSetup {
  readonly steps: number;
  readonly checks: ChecksMode;
  /** `--policies MODULE` as given, resolved from `cwd` in the worker. */
  readonly policies?: string;
  readonly cwd: string;
}

const setup = workerSetup<WorkerSetup>();
const policies = setup.policies === undefined ? undefined : await loadPolicies(setup.policies, setup.cwd);

serveRuns((run: PlannedRun) =>
  simulate({
    seed: run.seed,
    steps: setup.steps,
    faults: run.faults,
    ...(run.scenario === undefined ? {} : { scenario: run.scenario }),
    ...(policies === undefined ? {} : { policies }),
    checks: setup.checks,
  }),
);
