/**
 * Runs one job's `mainFn` as the runner does (a plain value or a throw at once;
 * a Promise or an Effect later, an Effect interrupted when the job's signal
 * aborts), for hosts of a coordinator such as a fleet runner.
 * @since 0.1.0
 */
export { executeJob } from "../runner/execute.js";
export { createCoordinator } from "./Coordinator.js";
export { fingerprintOf, fingerprintVerdict, fnv1a32, shardOf } from "./fingerprint.js";
export { createModelStore } from "./modelStore.js";
