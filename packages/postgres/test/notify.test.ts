import pg from "pg";
import { describe, expect, it } from "vitest";
import { type ListeningStore, pgliteStore, postgresStore } from "../src/postgres.js";
import type { StoreNotice } from "../src/store.js";
import { itWithPostgres, pgUrl } from "./support/backends.js";

/** Waits (real time) until `predicate` holds, at most `ms`. */
const eventually = async (predicate: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!predicate() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  return predicate();
};

const noticesOf = async (store: ListeningStore) => {
  const notices: StoreNotice[] = [];
  const unlisten = await store.listen((notice) => notices.push(notice));
  const command = { type: "trigger", programId: "p" } as const;
  expect((await store.execute({ type: "submit", shard: 3, node: "A", commandId: "c1", command })).type).toBe(
    "submitted",
  );
  // A repeated submit (a retry) lands nothing new and announces nothing.
  await store.execute({ type: "submit", shard: 3, node: "A", commandId: "c1", command });
  const acquired = await store.execute({
    type: "acquire",
    shard: 2,
    node: "A",
    session: "s",
    ttl: 5_000,
    fingerprints: {},
  });
  expect(acquired.type).toBe("acquired");
  const epoch = acquired.type === "acquired" ? acquired.lease.epoch : 0;
  await store.execute({ type: "release", shard: 2, node: "A", epoch, session: "s", leaving: true });
  // A refused release (stale) announces nothing.
  await store.execute({ type: "release", shard: 2, node: "A", epoch: epoch + 7, session: "s", leaving: false });
  expect(await eventually(() => notices.length >= 2)).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await unlisten();
  return notices;
};

const expected: StoreNotice[] = [
  { reason: "inbox", shard: 3 },
  { reason: "released", shard: 2, leaving: true },
];

describe("store notices (LISTEN/NOTIFY)", () => {
  it("listen - a new inbox command and a released lease are announced once each, at commit", async () => {
    const store = pgliteStore();
    try {
      expect(await noticesOf(store)).toEqual(expected);
    } finally {
      await store.close();
    }
  });

  itWithPostgres("listen - on a real server too, through a dedicated connection of the pool", async () => {
    const pool = new pg.Pool({ connectionString: pgUrl, max: 4 });
    const schema = `schedkit_notify_${process.pid}_${Date.now().toString(36)}`;
    try {
      expect(await noticesOf(postgresStore({ pool, schema }))).toEqual(expected);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  });

  itWithPostgres(
    "listen - a listening connection the server terminates is replaced, and notices come again",
    async () => {
      const name = `schedkit_relisten_${process.pid}`;
      const pool = new pg.Pool({ connectionString: pgUrl, max: 4, application_name: name });
      const admin = new pg.Pool({ connectionString: pgUrl, max: 1 });
      const schema = `schedkit_relisten_${process.pid}_${Date.now().toString(36)}`;
      const store = postgresStore({ pool, schema });
      const notices: StoreNotice[] = [];
      try {
        await store.ready();
        const unlisten = await store.listen((notice) => notices.push(notice));
        const command = { type: "trigger", programId: "p" } as const;
        for (let round = 1; round <= 2; round++) {
          const killed = await admin.query(
            "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'",
            [name],
          );
          expect(killed.rows).toEqual([{ done: true }]);
          // Back after its backoff (100 ms, then 200 ms): a submit made later is announced.
          await new Promise((resolve) => setTimeout(resolve, 600));
          await store.execute({ type: "submit", shard: round, node: "A", commandId: `c${round}`, command });
          expect(await eventually(() => notices.some((notice) => notice.shard === round))).toBe(true);
        }
        expect(notices).toEqual([
          { reason: "inbox", shard: 1 },
          { reason: "inbox", shard: 2 },
        ]);
        await unlisten();
        // Once stopped, it stays stopped: nothing listens on the channel any more.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const listening = await admin.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%' AND state = 'idle'",
          [name],
        );
        expect(listening.rows[0]?.n).toBe(0);
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
        await pool.end();
      }
    },
  );
});
