/**
 * A worker thread of `schedkit-sim fleet --workers N` (see `workerPool.ts`): it runs each batch
 * of seeds it is sent (`runFleetSeed`: twice, shrunk when it fails) and posts each outcome back
 * as plain data; the main thread writes the failure files, in seed order. An error thrown here is
 * not caught: it ends the worker, and the pool reports it with the seeds that were in flight.
 */
import { type FleetSeedOptions, runFleetSeed } from "./fleetSeed.js";
import { type PoolRun, serveRuns, workerSetup } from "./workerPool.js";

const setup = workerSetup<FleetSeedOptions>();

serveRuns((run: PoolRun) => runFleetSeed(setup, run.seed));
