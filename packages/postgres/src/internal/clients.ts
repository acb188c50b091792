import type { PGlite } from "@electric-sql/pglite";
import type { Pool } from "pg";
import { inTransaction, type Queryable, type Row, type SqlDatabase } from "./sql.js";

/** A `pg` Pool as a SqlDatabase: each transaction on one client checked out of the pool. */
export const poolDatabase = (pool: Pool): SqlDatabase => ({
  query: async (text, params) => {
    const result = await pool.query<Row>(text, params);
    return { rows: result.rows };
  },
  transaction: async (fn) => {
    const client = await pool.connect();
    let broken: unknown;
    try {
      const connection: Queryable = {
        query: async (text, params) => {
          const result = await client.query<Row>(text, params);
          return { rows: result.rows };
        },
      };
      return await inTransaction(connection, fn);
    } catch (error) {
      broken = error;
      throw error;
    } finally {
      // A client whose query failed is not trusted again: destroy it rather than return it.
      client.release(broken instanceof Error && !isSqlError(broken) ? broken : undefined);
    }
  },
});

/** An error the server sent (it has a SQLSTATE code): the connection itself is fine. */
const isSqlError = (error: Error): boolean => typeof (error as { code?: unknown }).code === "string";

/** A PGlite database as a SqlDatabase: PGlite runs one transaction at a time. */
export const pgliteDatabase = (db: PGlite): SqlDatabase => ({
  query: async (text, params) => {
    const result = await db.query<Row>(text, params);
    return { rows: result.rows };
  },
  transaction: (fn) =>
    db.transaction((tx) =>
      fn({
        query: async (text, params) => {
          const result = await tx.query<Row>(text, params);
          return { rows: result.rows };
        },
      }),
    ),
});
