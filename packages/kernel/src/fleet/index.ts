/**
 * Runs one job's `mainFn` as the runner does (a plain value or a throw at once;
 * a Promise or an Effect later, an Effect interrupted when the job's signal
 * aborts), for hosts of a coordinator such as a fleet runner.
 * @since 0.1.0
 */
export { executeJob, type MainFn, type RunningJob } from "../runner/execute.js";
export { jobErrorLine } from "../runner/jobErrors.js";
export { JobWrappers } from "../runner/jobWrappers.js";
export type {
  Coordinator,
  CoordinatorCommand,
  CoordinatorCommandBody,
  CoordinatorEffect,
  CoordinatorOptions,
  HeldShard,
} from "./Coordinator.js";
export { createCoordinator } from "./Coordinator.js";
export { fingerprintOf, fingerprintVerdict, fnv1a32, shardOf } from "./fingerprint.js";
export type { ModelShard, ModelStore, ModelStoreOptions, ModelStoreStats } from "./modelStore.js";
export { createModelStore } from "./modelStore.js";
export type {
  Checkpoint,
  CommandAnswer,
  Fingerprint,
  FingerprintProblem,
  Fingerprints,
  FireRecord,
  FleetCommand,
  FleetSpawnOptions,
  InboxEntry,
  Lease,
  LogEntry,
  LoggedCommand,
  Store,
  StoredAnswer,
  StoredFire,
  StoreReply,
  StoreReplyType,
  StoreRequest,
  StoreRequestType,
} from "./protocol.js";
