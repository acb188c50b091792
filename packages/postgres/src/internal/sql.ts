import { SchedkitError } from "@schedkit/kernel";
import { functionsMigration } from "./functions.js";

/** A row as a client returns it. @since 0.1.0 */
export type Row = Record<string, unknown>;

/**
 * The one thing the store needs from a SQL client: run one statement with
 * positional parameters (`$1`, `$2`, ...). `pg`'s Client and PoolClient and
 * PGlite fit as they are. @since 0.1.0
 */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
}

/**
 * A database the store can open transactions on: `transaction(fn)` runs `fn`
 * on one connection between BEGIN and COMMIT (ROLLBACK when `fn` throws).
 * @since 0.1.0
 */
export interface SqlDatabase extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** BEGIN, `fn`, COMMIT on one connection; ROLLBACK (and rethrow) when `fn` or COMMIT fails. */
export const inTransaction = async <T>(connection: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> => {
  await connection.query("BEGIN");
  try {
    const result = await fn(connection);
    await connection.query("COMMIT");
    return result;
  } catch (error) {
    try {
      await connection.query("ROLLBACK");
    } catch {
      // The connection is broken: its transaction is gone with it.
    }
    throw error;
  }
};

/** Schema names the store accepts: a plain lower-case SQL identifier. */
const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema name, checked and quoted for use in SQL text. */
export const quoteSchema = (schema: string): string => {
  if (typeof schema !== "string" || !schemaName.test(schema)) {
    throw new SchedkitError(
      "invalid-options",
      `schema must be a lower-case SQL identifier (letters, digits, _), got ${JSON.stringify(schema)}`,
      { field: "schema" },
    );
  }
  return `"${schema}"`;
};

/** The tables the migrations create, so a foreign table of the same name is noticed. */
export const tableNames = [
  "schema_version",
  "leases",
  "fingerprints",
  "log_entries",
  "batches",
  "checkpoints",
  "fires",
  "inbox",
  "withdrawn",
  "answers",
  "nodes",
] as const;

/**
 * The migrations, in order; version N is `migrations[N - 1]`. Never edit one
 * that shipped: add the next. Times are epoch ms on the store's clock
 * (`double precision`; a lease never held expires at `-Infinity`). JSON that is
 * handed back to coordinators is `json`, not `jsonb`, so it comes back exactly
 * as written (key order included).
 */
export const migrations: readonly ((s: string) => string | readonly string[])[] = [
  (s) => `
CREATE TABLE ${s}.leases (
  shard integer PRIMARY KEY,
  owner text,
  session text,
  epoch bigint NOT NULL DEFAULT 0,
  expires_at double precision NOT NULL DEFAULT '-Infinity',
  head bigint NOT NULL DEFAULT 0,
  inbox_cursor bigint NOT NULL DEFAULT 0,
  inbox_head bigint NOT NULL DEFAULT 0
);
CREATE TABLE ${s}.fingerprints (
  shard integer NOT NULL,
  program_id text NOT NULL,
  position integer NOT NULL,
  hash text NOT NULL,
  version json,
  PRIMARY KEY (shard, program_id)
);
CREATE TABLE ${s}.log_entries (
  shard integer NOT NULL,
  seq bigint NOT NULL,
  epoch bigint NOT NULL,
  at double precision NOT NULL,
  command json NOT NULL,
  command_id text,
  PRIMARY KEY (shard, seq)
);
CREATE TABLE ${s}.batches (
  shard integer NOT NULL,
  first_seq bigint NOT NULL,
  epoch bigint NOT NULL,
  existing json NOT NULL,
  PRIMARY KEY (shard, first_seq)
);
CREATE TABLE ${s}.checkpoints (
  shard integer PRIMARY KEY,
  seq bigint NOT NULL,
  epoch bigint NOT NULL,
  at double precision NOT NULL,
  programs json NOT NULL,
  waiting json NOT NULL,
  removed json NOT NULL
);
CREATE TABLE ${s}.fires (
  fire_id text PRIMARY KEY,
  shard integer NOT NULL,
  program_id text NOT NULL,
  spawn_id text,
  scheduled_at double precision NOT NULL,
  started_at double precision NOT NULL,
  epoch bigint NOT NULL,
  node text NOT NULL,
  completed text,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX fires_shard_scheduled ON ${s}.fires (shard, scheduled_at);
CREATE TABLE ${s}.inbox (
  shard integer NOT NULL,
  seq bigint NOT NULL,
  command_id text NOT NULL UNIQUE,
  origin text NOT NULL,
  command json NOT NULL,
  claimed boolean NOT NULL DEFAULT false,
  PRIMARY KEY (shard, seq)
);
CREATE TABLE ${s}.withdrawn (
  shard integer NOT NULL,
  command_id text NOT NULL,
  PRIMARY KEY (shard, command_id)
);
CREATE TABLE ${s}.answers (
  command_id text PRIMARY KEY,
  answer json NOT NULL,
  answered_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE ${s}.nodes (
  node text PRIMARY KEY,
  last_seen double precision NOT NULL
);
`,
  // 2: append, renew and inbox as server-side functions: one round trip each.
  functionsMigration,
];

/** The schema version this code writes. */
export const schemaVersion = migrations.length;

/** Arbitrary first key of the advisory lock that serializes migrations (the second: the schema). */
const lockKey = 0x5c4ed;

/**
 * Creates or upgrades the store's schema in one transaction, holding a
 * transaction-scoped advisory lock, so nodes starting at once apply each
 * migration once. A schema from a newer version, or tables of our names that
 * the migrations did not make, throw an `invalid-options` SchedkitError
 * (field `schema`) before anything is written.
 */
export const migrate = async (db: SqlDatabase, schema: string): Promise<{ from: number; to: number }> => {
  const s = quoteSchema(schema);
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [lockKey, schema]);
    const found = await tx.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = ANY($2::text[])",
      [schema, [...tableNames]],
    );
    const present = new Set(found.rows.map((row) => String(row.table_name)));
    let from = 0;
    if (present.has("schema_version")) {
      const version = await tx.query(`SELECT max(version) AS version FROM ${s}.schema_version`);
      from = Number(version.rows[0]?.version ?? 0);
      if (from > schemaVersion) {
        throw new SchedkitError(
          "invalid-options",
          `schema "${schema}" is at version ${from}, newer than this @schedkit/postgres understands (${schemaVersion}): upgrade the package on this node, or point it at another schema`,
          { field: "schema" },
        );
      }
    } else if (present.size > 0) {
      throw new SchedkitError(
        "invalid-options",
        `schema "${schema}" holds tables that schedkit did not create (${[...present].sort().join(", ")}) and no schema_version: choose another schema`,
        { field: "schema" },
      );
    }
    if (from === schemaVersion) return { from, to: from };
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    if (from === 0) {
      await tx.query(
        `CREATE TABLE ${s}.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
      );
    }
    for (let version = from + 1; version <= schemaVersion; version += 1) {
      const migration = migrations[version - 1];
      if (migration === undefined) break;
      // One statement per query: PGlite's `query` takes exactly one. A function body (with
      // semicolons of its own) comes as a list of statements instead.
      const text = migration(s);
      for (const statement of typeof text === "string" ? text.split(/;\s*\n/) : text) {
        if (statement.trim() !== "") await tx.query(statement);
      }
      await tx.query(`INSERT INTO ${s}.schema_version (version) VALUES ($1)`, [version]);
    }
    return { from, to: schemaVersion };
  });
};
