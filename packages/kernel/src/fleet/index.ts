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
