import { PGlite } from "@electric-sql/pglite";
import { SchedkitError } from "@schedkit/kernel";
import type { Pool } from "pg";
import { pgliteDatabase, poolDatabase } from "./internal/clients.js";
import { createSqlStore, type SqlStore } from "./store.js";

/** @since 0.1.0 */
export interface PostgresStoreOptions {
  /** A `pg` Pool (node-postgres). The store never ends it: you do. */
  readonly pool: Pool;
  /** Default `"schedkit"`. */
  readonly schema?: string;
}

/**
 * The fleet `Store` on PostgreSQL through a `pg` Pool. Lease time is the
 * database's clock. The schema is created or upgraded on first use (or
 * `await store.ready()`). @since 0.1.0
 */
export const postgresStore = (options: PostgresStoreOptions): SqlStore => {
  const pool = (options as { pool?: unknown } | undefined)?.pool as Pool | undefined;
  if (pool === undefined || pool === null || typeof pool.connect !== "function") {
    throw new SchedkitError("invalid-options", "postgresStore needs a pg Pool as `pool`", { field: "pool" });
  }
  return createSqlStore(poolDatabase(pool), options.schema === undefined ? {} : { schema: options.schema });
};

/** @since 0.1.0 */
export interface PgliteStoreOptions {
  /** Where PGlite keeps its files; in memory when absent. */
  readonly dataDir?: string;
  /** Default `"schedkit"`. */
  readonly schema?: string;
  /** @internal For conformance tests only: the store's clock instead of the database's. */
  readonly clock?: () => number;
}

/** A PGlite-backed store; `close()` shuts the embedded database down. @since 0.1.0 */
export interface PgliteStore extends SqlStore {
  readonly db: PGlite;
  close(): Promise<void>;
}

/**
 * The fleet `Store` on an embedded PGlite database (PostgreSQL in WASM, in
 * this process): durable scheduling with nothing to install. @since 0.1.0
 */
export const pgliteStore = (options: PgliteStoreOptions = {}): PgliteStore => {
  const db = options.dataDir === undefined ? new PGlite() : new PGlite(options.dataDir);
  const store = createSqlStore(pgliteDatabase(db), {
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return { ...store, db, close: () => db.close() };
};
