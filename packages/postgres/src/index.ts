export type { FleetHealth, FleetRunner, FleetRunnerEvent, FleetRunnerOptions } from "./fleetRunner.js";
export { createFleetRunner } from "./fleetRunner.js";
export type { Queryable, Row, SqlDatabase } from "./internal/sql.js";
export { schemaVersion } from "./internal/sql.js";
export type { RetryOptions } from "./internal/storeBackoff.js";
export type { ListeningStore, PgliteStore, PgliteStoreOptions, PostgresStoreOptions } from "./postgres.js";
export { pgliteStore, postgresStore } from "./postgres.js";
export type { SqlStore, SqlStoreOptions, StoreNotice } from "./store.js";
export { createSqlStore, noticeChannel } from "./store.js";
