/**
 * A worker thread of `schedkit-sim --workers N` (see `workerPool.ts`): it loads what the runs
 * need itself (the simulator; the `--policies` module, imported here, since policies are
 * functions and cannot be posted), then runs each batch of seeds it is sent, posting each
 * result back as plain data as soon as it is done. An error thrown here is not caught: it
 * ends the worker, and the pool reports it with the seeds that were in flight.
 */
import { parentPort, workerData } from "node:worker_threads";
import { simulate } from "../simulate.js";
import { loadPolicies } from "./policiesModule.js";
import type { WorkerBatch, WorkerMessage, WorkerSetup } from "./workerPool.js";

const port = parentPort;
if (port === null) throw new Error("simWorker: expected to run in a worker thread");
const setup = (workerData as { setup: WorkerSetup }).setup;
const policies = setup.policies === undefined ? undefined : await loadPolicies(setup.policies, setup.cwd);

port.on("message", (batch: WorkerBatch) => {
  for (const { index, run } of batch.runs) {
    const result = simulate({
      seed: run.seed,
      steps: setup.steps,
      faults: run.faults,
      ...(run.scenario === undefined ? {} : { scenario: run.scenario }),
      ...(policies === undefined ? {} : { policies }),
      checks: setup.checks,
    });
    port.postMessage({ index, result } satisfies WorkerMessage);
  }
});
