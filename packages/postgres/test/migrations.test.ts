import { PGlite } from "@electric-sql/pglite";
import { isSchedkitError } from "@schedkit/kernel";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { pgliteDatabase, poolDatabase } from "../src/internal/clients.js";
import { migrate, schemaVersion } from "../src/internal/sql.js";
import { createSqlStore } from "../src/store.js";
import { itWithPostgres, pgUrl } from "./support/backends.js";

const tablesIn = async (db: { query: PGlite["query"] }, schema: string): Promise<string[]> => {
  const result = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
    [schema],
  );
  return result.rows.map((row) => row.table_name);
};

const expectSchemaError = async (promise: Promise<unknown>, pattern: RegExp): Promise<void> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isSchedkitError(error)).toBe(true);
  expect(error).toMatchObject({ code: "invalid-options", field: "schema" });
  expect(String((error as Error).message)).toMatch(pattern);
};

describe("migrations", () => {
  const everyVersion = Array.from({ length: schemaVersion }, (_, index) => ({ version: index + 1 }));

  it("apply once: twice in a row and three at once leave one row per version", async () => {
    const pglite = new PGlite();
    try {
      const db = pgliteDatabase(pglite);
      expect(await migrate(db, "schedkit")).toEqual({ from: 0, to: schemaVersion });
      expect(await migrate(db, "schedkit")).toEqual({ from: schemaVersion, to: schemaVersion });
      await Promise.all([migrate(db, "other"), migrate(db, "other"), migrate(db, "other")]);
      for (const schema of ["schedkit", "other"]) {
        const versions = await pglite.query(`SELECT version FROM "${schema}".schema_version`);
        expect(versions.rows).toEqual(everyVersion);
        expect(await tablesIn(pglite, schema)).toContain("leases");
      }
    } finally {
      await pglite.close();
    }
  });

  it("upgrade - a schema at version 1, with a shard held in it, is upgraded to the server-side functions and goes on", async () => {
    const pglite = new PGlite();
    try {
      const store = createSqlStore(pgliteDatabase(pglite));
      const acquired = await store.execute({
        type: "acquire",
        shard: 0,
        node: "n0",
        session: "s",
        ttl: 60_000,
        fingerprints: {},
      });
      expect(acquired.type).toBe("acquired");
      // Back to what version 1 left: no functions, one version row.
      await pglite.exec(`DROP FUNCTION schedkit.sk_append, schedkit.sk_renew, schedkit.sk_inbox, schedkit.sk_lock,
        schedkit.sk_now, schedkit.sk_lease_json; DELETE FROM schedkit.schema_version WHERE version > 1;`);
      expect(await migrate(pgliteDatabase(pglite), "schedkit")).toEqual({ from: 1, to: schemaVersion });
      const upgraded = createSqlStore(pgliteDatabase(pglite));
      expect(await upgraded.execute({ type: "renew", shard: 0, node: "n0", epoch: 1, ttl: 60_000 })).toMatchObject({
        type: "renewed",
        lease: { shard: 0, owner: "n0", epoch: 1 },
      });
    } finally {
      await pglite.close();
    }
  });

  it("a schema from a newer version: a coded error naming it, nothing written", async () => {
    const pglite = new PGlite();
    try {
      await pglite.exec(`CREATE SCHEMA future; CREATE TABLE future.schema_version (version integer PRIMARY KEY);
        INSERT INTO future.schema_version VALUES (1), (99);`);
      const store = createSqlStore(pgliteDatabase(pglite), { schema: "future" });
      await expectSchemaError(store.ready(), /version 99, newer than/);
      await expectSchemaError(store.execute({ type: "scan", node: "n", ttl: 1 }), /newer/);
      expect(await tablesIn(pglite, "future")).toEqual(["schema_version"]);
    } finally {
      await pglite.close();
    }
  });

  it("a foreign table of one of our names: a coded error, nothing written", async () => {
    const pglite = new PGlite();
    try {
      await pglite.exec("CREATE SCHEMA theirs; CREATE TABLE theirs.leases (id integer);");
      await expectSchemaError(migrate(pgliteDatabase(pglite), "theirs"), /did not create \(leases\)/);
      expect(await tablesIn(pglite, "theirs")).toEqual(["leases"]);
    } finally {
      await pglite.close();
    }
  });

  it("a schema name that is not a plain identifier is refused up front", () => {
    const db = {
      query: () => Promise.reject(new Error("never called")),
      transaction: () => Promise.reject(new Error("never called")),
    };
    expect(() => createSqlStore(db, { schema: 'x"; DROP TABLE y; --' })).toThrow(
      expect.objectContaining({ code: "invalid-options", field: "schema" }),
    );
  });

  itWithPostgres(
    "PostgreSQL: eight nodes starting at once on separate connections apply each migration once",
    async () => {
      const schema = `schedkit_mig_${process.pid}_${Date.now().toString(36)}`;
      const pools = Array.from({ length: 8 }, () => new pg.Pool({ connectionString: pgUrl, max: 1 }));
      try {
        const results = await Promise.all(pools.map((pool) => migrate(poolDatabase(pool), schema)));
        expect(results.filter((result) => result.from === 0)).toHaveLength(1);
        const first = pools[0] as pg.Pool;
        const versions = await first.query(`SELECT version FROM "${schema}".schema_version`);
        expect(versions.rows).toEqual(everyVersion);
        await Promise.all(pools.map((pool) => createSqlStore(poolDatabase(pool), { schema }).ready()));
      } finally {
        await (pools[0] as pg.Pool).query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await Promise.all(pools.map((pool) => pool.end()));
      }
    },
  );
});
