import { PGlite } from "@electric-sql/pglite";
import { SchedkitError } from "@schedkit/kernel";
import type { Pool, PoolClient } from "pg";
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
  // An idle pooled connection that the server drops (a restart) is an 'error' on the pool, which
  // crashes the process when nobody listens: the store listens; the next request reconnects.
  if (pool.listenerCount("error") === 0) pool.on("error", () => {});
  const store = createSqlStore(poolDatabase(pool), options.schema === undefined ? {} : { schema: options.schema });
  const channel = noticeChannel(store.schema);
  return {
    ...store,
    listen: (onNotice) => listenOnPool(pool, channel, onNotice),
  };
};

/**
 * Waits between attempts to listen again: from 100 ms, doubling, at most 5 s, each 75-100 % of
 * its step so that replicas a server restart dropped at once do not all come back at once.
 */
const relistenDelay = (attempt: number): number =>
  Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)) * (0.75 + 0.25 * Math.random());

/**
 * LISTEN on a connection of its own, kept: when the server drops it (a restart,
 * `pg_terminate_backend`), a new one listens again after a backoff. Resolves
 * after the first attempt, whether it worked or not; notices sent while no
 * connection listened are lost (polling finds their work).
 */
const listenOnPool = async (
  pool: Pool,
  channel: string,
  onNotice: (notice: StoreNotice) => void,
): Promise<() => Promise<void>> => {
  let stopped = false;
  let current: PoolClient | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  const onNotification = (message: { channel: string; payload?: string | undefined }) => {
    if (message.channel !== channel) return;
    const notice = parseNotice(message.payload);
    if (notice !== undefined) onNotice(notice);
  };
  const again = () => {
    if (stopped || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, relistenDelay(failures));
    retry.unref?.();
    failures += 1;
  };
  const drop = (client: PoolClient, error?: Error) => {
    if (current !== client) return;
    current = undefined;
    detach(client);
    // A broken connection goes, not back into the pool.
    client.release(error ?? new Error("listening connection ended"));
    again();
  };
  const handlers = new Map<PoolClient, { error: (error: Error) => void; end: () => void }>();
  const detach = (client: PoolClient) => {
    client.off("notification", onNotification);
    const attached = handlers.get(client);
    handlers.delete(client);
    if (attached === undefined) return;
    client.off("error", attached.error);
    client.off("end", attached.end);
  };
  const connect = async (): Promise<void> => {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch {
      again();
      return;
    }
    if (stopped) {
      client.release();
      return;
    }
    current = client;
    const attached = { error: (error: Error) => drop(client, error), end: () => drop(client) };
    handlers.set(client, attached);
    client.on("notification", onNotification);
    client.on("error", attached.error);
    client.on("end", attached.end);
    try {
      await client.query(`LISTEN "${channel}"`);
      failures = 0;
    } catch (error) {
      drop(client, error instanceof Error ? error : new Error(String(error)));
    }
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry !== undefined) clearTimeout(retry);
    const client = current;
    current = undefined;
    if (client === undefined) return;
    detach(client);
    try {
      await client.query(`UNLISTEN "${channel}"`);
      client.release();
    } catch (error) {
      client.release(error instanceof Error ? error : new Error(String(error)));
    }
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
