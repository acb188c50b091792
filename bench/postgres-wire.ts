/**
 * Counting what goes over the wire to PostgreSQL, for `bench/postgres.ts`.
 *
 * `countedPool` is a real `pg` Pool whose every statement is counted: each
 * client's `query` (inside the store's transactions, BEGIN and COMMIT
 * included) and `pool.query` (run here on a checked-out client, so it is
 * counted once and in the caller's context). Each `query` call is one round
 * trip: node-postgres sends a statement and waits for the server's
 * ReadyForQuery before it sends the next one on that connection. As a check
 * on that, the ReadyForQuery messages the server sends are counted too.
 *
 * `countedStore` wraps a `Store` so each round trip is filed under the store
 * request that made it (an AsyncLocalStorage context around `execute`).
 * Nothing here knows how the store talks to the server: a store that does a
 * request in one function call counts one round trip for it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import type { Store, StoreReply, StoreRequest } from "@schedkit/kernel/fleet";
import type { PostgresStoreOptions } from "../packages/postgres/src/index.js";

export type Pool = PostgresStoreOptions["pool"];

/** `pg`, from the postgres package (the bench has no dependency of its own on it; pnpm has one copy). */
const pg = createRequire(new URL("../packages/postgres/package.json", import.meta.url))("pg") as {
  Pool: new (config: { connectionString: string; max?: number; application_name?: string }) => Pool;
};

/** One store request (or a label such as "listen") while it runs: the round trips it made. */
interface Context {
  readonly label: string;
  roundTrips: number;
}

export interface StatementStats {
  count: number;
  /** Summed time from sending the statement to its result, ms. */
  ms: number;
}

export interface RequestStats {
  requests: number;
  roundTrips: number;
  /** Summed time of `execute`, ms. */
  ms: number;
  /** Round trips per request: how many requests made 0, 1, 2, ... round trips. */
  perRequest: Map<number, number>;
  /** By statement (its SQL text, normalized and shortened). */
  statements: Map<string, StatementStats>;
  replies: Map<string, number>;
}

export interface AppendStats {
  /** Appends that carried fires: the ticks. */
  ticks: number;
  fires: number;
  entries: number;
  checkpoints: number;
  roundTrips: number;
  ms: number;
  /** Round trips per tick: how many ticks made 0, 1, 2, ... round trips. */
  perTick: Map<number, number>;
  /** Every 25th append (with fires or not) is measured as JSON: how many, their bytes, their checkpoints' bytes. */
  sampled: number;
  bytes: number;
  sampledCheckpoints: number;
  checkpointBytes: number;
}

const normalize = (text: string): string => {
  const flat = text
    .replace(/\s+/g, " ")
    .replace(/"[a-z0-9_]+"\./g, "")
    .trim();
  return flat.length > 72 ? `${flat.slice(0, 72)}…` : flat;
};

const newRequestStats = (): RequestStats => ({
  requests: 0,
  roundTrips: 0,
  ms: 0,
  perRequest: new Map(),
  statements: new Map(),
  replies: new Map(),
});
const bump = (map: Map<number, number> | Map<string, number>, key: never) =>
  (map as Map<unknown, number>).set(key, ((map as Map<unknown, number>).get(key) ?? 0) + 1);

/** The counts of one pool (and the stores on it) since the last `reset`. */
export class WireCounter {
  private readonly context = new AsyncLocalStorage<Context>();
  /** Round trips (query calls), all of them. */
  roundTrips = 0;
  /** ReadyForQuery messages the server sent after connecting: one per round trip. */
  readyForQuery = 0;
  byRequest = new Map<string, RequestStats>();
  appends: AppendStats = WireCounter.newAppends();

  private static newAppends(): AppendStats {
    return {
      ticks: 0,
      fires: 0,
      entries: 0,
      checkpoints: 0,
      roundTrips: 0,
      ms: 0,
      perTick: new Map(),
      sampled: 0,
      bytes: 0,
      sampledCheckpoints: 0,
      checkpointBytes: 0,
    };
  }

  reset(): void {
    this.roundTrips = 0;
    this.readyForQuery = 0;
    this.byRequest = new Map();
    this.appends = WireCounter.newAppends();
  }

  private stats(label: string): RequestStats {
    let stats = this.byRequest.get(label);
    if (stats === undefined) {
      stats = newRequestStats();
      this.byRequest.set(label, stats);
    }
    return stats;
  }

  /** Runs `fn` as one request named `label`: its round trips are filed under it. */
  async run<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const context: Context = { label, roundTrips: 0 };
    const started = performance.now();
    let ok = false;
    try {
      const result = await this.context.run(context, fn);
      ok = true;
      return result;
    } finally {
      const stats = this.stats(label);
      stats.requests += 1;
      stats.roundTrips += context.roundTrips;
      stats.ms += performance.now() - started;
      bump(stats.perRequest, context.roundTrips as never);
      bump(stats.replies, (ok ? "ok" : "failed") as never);
    }
  }

  /** One statement sent: counted under the request that runs now. */
  sent(text: unknown): () => void {
    this.roundTrips += 1;
    const context = this.context.getStore();
    if (context !== undefined) context.roundTrips += 1;
    const stats = this.stats(context?.label ?? "other");
    const key = normalize(typeof text === "string" ? text : String((text as { text?: unknown })?.text ?? "?"));
    let statement = stats.statements.get(key);
    if (statement === undefined) {
      statement = { count: 0, ms: 0 };
      stats.statements.set(key, statement);
    }
    statement.count += 1;
    const counted = statement;
    const started = performance.now();
    return () => {
      counted.ms += performance.now() - started;
    };
  }

  private appendSeq = 0;

  /**
   * A store request, executed and counted: by its type, an append with a checkpoint apart
   * ("append+checkpoint").
   */
  async execute(request: StoreRequest, execute: () => Promise<StoreReply>): Promise<StoreReply> {
    const label = request.type === "append" && request.checkpoint !== null ? "append+checkpoint" : request.type;
    if (request.type === "append" && this.appendSeq++ % 25 === 0) {
      const appends = this.appends;
      appends.sampled += 1;
      appends.bytes += JSON.stringify(request).length;
      if (request.checkpoint !== null) {
        appends.sampledCheckpoints += 1;
        appends.checkpointBytes += JSON.stringify(request.checkpoint).length;
      }
    }
    const context: Context = { label, roundTrips: 0 };
    const started = performance.now();
    let reply: StoreReply | undefined;
    try {
      reply = await this.context.run(context, execute);
      return reply;
    } finally {
      const ms = performance.now() - started;
      const stats = this.stats(label);
      stats.requests += 1;
      stats.roundTrips += context.roundTrips;
      stats.ms += ms;
      bump(stats.perRequest, context.roundTrips as never);
      bump(stats.replies, (reply?.type ?? "failed") as never);
      if (request.type === "append" && request.fires.length > 0) {
        const appends = this.appends;
        appends.ticks += 1;
        appends.fires += request.fires.length;
        appends.entries += request.entries.length;
        appends.checkpoints += request.checkpoint === null ? 0 : 1;
        appends.roundTrips += context.roundTrips;
        appends.ms += ms;
        bump(appends.perTick, context.roundTrips as never);
      }
    }
  }
}

interface CountedClient {
  query: (...args: unknown[]) => unknown;
  connection?: { on(event: string, listener: () => void): void };
}

/** A `pg` Pool (same options as `new pg.Pool`) whose statements `counter` counts. */
export const countedPool = (
  counter: WireCounter,
  config: { connectionString: string; max?: number; application_name?: string },
): Pool => {
  const pool = new pg.Pool(config);
  pool.on("connect", (client) => {
    const counted = client as unknown as CountedClient;
    const query = counted.query.bind(client);
    counted.query = (...args: unknown[]) => {
      const done = counter.sent(args[0]);
      const result = query(...args);
      if (result !== undefined && typeof (result as Promise<unknown>).then === "function") {
        (result as Promise<unknown>).then(done, done);
      } else done();
      return result;
    };
    counted.connection?.on("readyForQuery", () => {
      counter.readyForQuery += 1;
    });
  });
  // `pool.query` checks a client out and queries it; done here so the statement is counted once,
  // in the caller's context (pg-pool would call back from whichever release freed a client).
  const poolQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    if (typeof args.at(-1) === "function") return poolQuery(...args);
    return (async () => {
      const client = await pool.connect();
      try {
        const result = await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
        client.release();
        return result;
      } catch (error) {
        client.release(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    })();
  };
  return pool;
};

/** `store` with each `execute` counted by request type (the other members as they are). */
export const countedStore = <S extends Store>(store: S, counter: WireCounter): S => {
  const wrapped = Object.create(store) as S & { execute: Store["execute"] };
  Object.assign(wrapped, store);
  wrapped.execute = (request) => counter.execute(request, () => store.execute(request));
  return wrapped;
};
