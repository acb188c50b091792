import { PGlite } from "@electric-sql/pglite";
import { SchedkitError } from "@schedkit/kernel";
import type { Pool } from "pg";
import { pgliteDatabase, poolDatabase } from "./internal/clients.js";
import { createSqlStore, noticeChannel, parseNotice, type SqlStore, type StoreNotice } from "./store.js";

/**
 * A store that announces commands in an inbox and released leases (LISTEN/NOTIFY):
 * a fleet runner listens, so an owner reads a new command at once and a released
 * shard is taken at once. Polling still runs; a lost listening connection only
 * makes both slower. @since 0.1.0
 */
export interface ListeningStore extends SqlStore {
  /** Hears the store's notices until the returned function is called. */
  listen(onNotice: (notice: StoreNotice) => void): Promise<() => Promise<void>>;
}

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
export const postgresStore = (options: PostgresStoreOptions): ListeningStore => {
  const pool = (options as { pool?: unknown } | undefined)?.pool as Pool | undefined;
  if (pool === undefined || pool === null || typeof pool.connect !== "function") {
    throw new SchedkitError("invalid-options", "postgresStore needs a pg Pool as `pool`", { field: "pool" });
  }
  const store = createSqlStore(poolDatabase(pool), options.schema === undefined ? {} : { schema: options.schema });
  const channel = noticeChannel(store.schema);
  return {
    ...store,
    listen: async (onNotice) => {
      const client = await pool.connect();
      const onNotification = (message: { channel: string; payload?: string | undefined }) => {
        if (message.channel !== channel) return;
        const notice = parseNotice(message.payload);
        if (notice !== undefined) onNotice(notice);
      };
      // A listening connection the server drops just stops the notices: polling goes on.
      const onError = () => {};
      client.on("notification", onNotification);
      client.on("error", onError);
      await client.query(`LISTEN "${channel}"`);
      return async () => {
        client.off("notification", onNotification);
        try {
          await client.query(`UNLISTEN "${channel}"`);
        } catch {
          // The connection is gone already.
        } finally {
          client.off("error", onError);
          client.release();
        }
      };
    },
  };
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
export interface PgliteStore extends ListeningStore {
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
  const channel = noticeChannel(store.schema);
  return {
    ...store,
    db,
    close: () => db.close(),
    listen: async (onNotice) => {
      const unlisten = await db.listen(channel, (payload) => {
        const notice = parseNotice(payload);
        if (notice !== undefined) onNotice(notice);
      });
      return async () => {
        await unlisten();
      };
    },
  };
};
