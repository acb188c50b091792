import { PGlite } from "@electric-sql/pglite";
import { createModelStore, type StoredFire, type StoreReply } from "@schedkit/kernel/fleet";
import pg from "pg";
import { it } from "vitest";
import { pgliteDatabase, poolDatabase } from "../../src/internal/clients.js";
import type { SqlDatabase } from "../../src/internal/sql.js";
import { createSqlStore, type SqlStore } from "../../src/store.js";
import type { Step } from "./script.js";

export const pgUrl = process.env.SCHEDKIT_PG_URL;
const ci = process.env.CI;
export const inCi = ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";

/** A database to run one test on, fresh, and how to end it. */
export interface Backend {
  readonly db: SqlDatabase;
  readonly schema: string;
  end(): Promise<void>;
}

export const pgliteBackend = async (): Promise<Backend> => {
  const db = new PGlite();
  return { db: pgliteDatabase(db), schema: "schedkit", end: () => db.close() };
};

let counter = 0;
/** A fresh schema on the real server per test; dropped at the end. */
export const postgresBackend = async (): Promise<Backend> => {
  if (pgUrl === undefined) throw new Error("SCHEDKIT_PG_URL is not set");
  const pool = new pg.Pool({ connectionString: pgUrl, max: 8 });
  counter += 1;
  const schema = `schedkit_test_${process.pid}_${counter}_${Date.now().toString(36)}`;
  return {
    db: poolDatabase(pool),
    schema,
    end: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
};

/**
 * Tests that need a real PostgreSQL: run when SCHEDKIT_PG_URL is set; skipped
 * with a visible notice when it is not, outside CI; failing in CI without it.
 */
export const itWithPostgres = (name: string, fn: () => Promise<void>, timeout = 60_000): void => {
  if (pgUrl !== undefined && pgUrl !== "") it(name, fn, timeout);
  else if (inCi) {
    it(name, () => {
      throw new Error("CI is set but SCHEDKIT_PG_URL is not: run the tests through scripts/with-postgres.sh");
    });
  } else {
    console.warn(`[@schedkit/postgres] SCHEDKIT_PG_URL unset: skipping "${name}" (run under scripts/with-postgres.sh)`);
    it.skip(`${name} (needs SCHEDKIT_PG_URL)`, fn);
  }
};

/** Every reply type the model store has: a conformance run should reach them all. */
export const replyTypes = [
  "acquired",
  "answers",
  "appended",
  "busy",
  "deploy-skew",
  "inbox",
  "out-of-order",
  "released",
  "renewed",
  "scanned",
  "stale-epoch",
  "submitted",
  "withdrawn",
] as const;

/** The fires table as the model store's records, by fire id. */
export const readSqlFires = async (backend: Backend): Promise<StoredFire[]> => {
  const fires = await backend.db.query(`SELECT * FROM "${backend.schema}".fires`);
  return fires.rows
    .map(
      (row): StoredFire => ({
        fireId: String(row.fire_id),
        shard: Number(row.shard),
        programId: String(row.program_id),
        spawnId: row.spawn_id === null ? null : String(row.spawn_id),
        scheduledAt: Number(row.scheduled_at),
        startedAt: Number(row.started_at),
        epoch: Number(row.epoch),
        node: String(row.node),
        completed: (row.completed ?? null) as StoredFire["completed"],
      }),
    )
    .sort((a, b) => (a.fireId < b.fireId ? -1 : a.fireId > b.fireId ? 1 : 0));
};

export interface ConformanceResult {
  readonly model: StoreReply[];
  readonly sql: StoreReply[];
  readonly modelFires: StoredFire[];
  readonly sqlFires: StoredFire[];
  readonly modelAnswers: unknown[];
  readonly sqlAnswers: unknown[];
}

/** Runs `steps` through the model store and a SQL store with the same injected clock. */
export const runConformance = async (backend: Backend, steps: readonly Step[]): Promise<ConformanceResult> => {
  let time = 1_000_000;
  const clock = () => time;
  const model = createModelStore({ clock });
  const store: SqlStore = createSqlStore(backend.db, { schema: backend.schema, clock });
  await store.ready();
  const modelReplies: StoreReply[] = [];
  const sqlReplies: StoreReply[] = [];
  for (const step of steps) {
    time += step.advance;
    modelReplies.push(model.apply(step.request));
    sqlReplies.push(await store.execute(step.request));
  }
  const answers = await backend.db.query(
    `SELECT command_id, answer FROM "${backend.schema}".answers ORDER BY command_id`,
  );
  const byId = (a: { fireId: string }, b: { fireId: string }) => (a.fireId < b.fireId ? -1 : 1);
  return {
    model: modelReplies,
    sql: sqlReplies,
    modelFires: [...model.fires.values()].sort(byId),
    sqlFires: await readSqlFires(backend),
    modelAnswers: [...model.answers.values()].sort((a, b) => (a.commandId < b.commandId ? -1 : 1)),
    sqlAnswers: answers.rows.map((row) => ({ commandId: row.command_id, answer: row.answer })),
  };
};
