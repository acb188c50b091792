import pg from "pg";
import { describe, expect, it } from "vitest";
import { postgresStore } from "../src/postgres.js";
import { itWithPostgres, pgUrl } from "./support/backends.js";

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    const coded = error as { name?: string; code?: string; field?: string; message?: string };
    return `${coded.name} ${coded.code} ${coded.field}`;
  }
};

describe("postgresStore bad connections", () => {
  it("ready - a URL nobody listens on is a coded store-unreachable error naming the pool", async () => {
    const pool = new pg.Pool({
      connectionString: "postgres://nobody@127.0.0.1:1/none",
      connectionTimeoutMillis: 2_000,
    });
    try {
      expect(await codeOf(postgresStore({ pool }).ready())).toBe("SchedkitError store-unreachable pool");
    } finally {
      await pool.end();
    }
  });

  itWithPostgres(
    "ready - a user without CREATE gets a coded error naming the schema, and nothing is written",
    async () => {
      const admin = new pg.Pool({ connectionString: pgUrl, max: 2 });
      const role = `schedkit_noperm_${process.pid}`;
      const schema = `schedkit_noperm_${Date.now().toString(36)}`;
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.query(`CREATE ROLE ${role} LOGIN`); // no CREATE on the database (PostgreSQL 15 grants none to PUBLIC)
      const url = new URL(pgUrl ?? "");
      url.username = role;
      const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
      try {
        expect(await codeOf(postgresStore({ pool, schema }).ready())).toBe("SchedkitError invalid-options schema");
        const found = await admin.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", [schema]);
        expect(found.rows.length).toBe(0);
        const wrongDb = new URL(pgUrl ?? "");
        wrongDb.pathname = "/no_such_database";
        const missing = new pg.Pool({ connectionString: wrongDb.toString(), max: 1 });
        expect(await codeOf(postgresStore({ pool: missing }).ready())).toBe("SchedkitError invalid-options pool");
        await missing.end();
      } finally {
        await pool.end();
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
        await admin.end();
      }
    },
  );
});
