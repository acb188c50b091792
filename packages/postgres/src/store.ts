import { SchedkitError } from "@schedkit/kernel";
import {
  type Checkpoint,
  type Fingerprints,
  fingerprintVerdict,
  type Lease,
  type LogEntry,
  type Store,
  type StoredAnswer,
  type StoreReply,
  type StoreRequest,
} from "@schedkit/kernel/fleet";
import { migrate, type Queryable, quoteSchema, type Row, type SqlDatabase } from "./internal/sql.js";

/** @since 0.1.0 */
export interface SqlStoreOptions {
  /** The PostgreSQL schema that holds the store's tables. Default `"schedkit"`. */
  readonly schema?: string;
  /**
   * The store's clock (epoch ms). Default: the database's (`clock_timestamp()`),
   * which is what every node must share; inject one only for tests.
   */
  readonly clock?: () => number;
}

/** A `Store` on SQL tables. @since 0.1.0 */
export interface SqlStore extends Store {
  /** Applies the migrations (once; `execute` waits for it too). Rejects with a SchedkitError on a foreign or newer schema. */
  ready(): Promise<void>;
  /** The schema the tables live in. */
  readonly schema: string;
}

const storeNow = "SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now";

const num = (value: unknown): number => Number(value);

const leaseOf = (row: Row): Lease => ({
  shard: num(row.shard),
  owner: row.owner === null ? null : String(row.owner),
  epoch: num(row.epoch),
  expiresAt: num(row.expires_at),
});

const entryOf = (row: Row): LogEntry => {
  const entry = {
    seq: num(row.seq),
    at: num(row.at),
    epoch: num(row.epoch),
    command: row.command as LogEntry["command"],
  };
  return row.command_id === null ? entry : { ...entry, commandId: String(row.command_id) };
};

const json = (value: unknown): string => JSON.stringify(value);

/** The requests answered by one server-side function call (migration 2); `append` has its own parameters. */
const serverSide = { renew: "sk_renew", inbox: "sk_inbox" } as const;

type TransactionRequest = Exclude<StoreRequest, { type: "append" | "renew" | "inbox" }>;

/**
 * `sk_append`'s parameters from an append request: the fires as parallel arrays, each fire's
 * end (the first complete entry in log order, then the cancellations) worked out here.
 */
const appendParams = (request: Extract<StoreRequest, { type: "append" }>, now: number | null): unknown[] => {
  const ends = new Map<string, string>();
  for (const entry of request.entries) {
    if (entry.command.type !== "complete" || ends.has(entry.command.fireId)) continue;
    const outcome = entry.command.outcome;
    ends.set(entry.command.fireId, "lost" in outcome ? "lost" : outcome.ok ? "succeeded" : "errored");
  }
  for (const fireId of request.cancelled) if (!ends.has(fireId)) ends.set(fireId, "cancelled");
  const { fires, checkpoint } = request;
  return [
    request.shard,
    request.node,
    request.epoch,
    request.inboxCursor,
    now,
    request.entries.map((entry) => entry.seq),
    json(
      request.entries.map((entry) => ({
        seq: entry.seq,
        epoch: entry.epoch,
        at: entry.at,
        command: entry.command,
        commandId: entry.commandId ?? null,
      })),
    ),
    fires.map((fire) => fire.fireId),
    fires.map((fire) => fire.shard),
    fires.map((fire) => fire.programId),
    fires.map((fire) => fire.spawnId),
    fires.map((fire) => fire.scheduledAt),
    fires.map((fire) => fire.startedAt),
    fires.map((fire) => fire.epoch),
    fires.map((fire) => fire.node),
    [...ends.keys()],
    [...ends.values()],
    request.answers.map((stored) => stored.commandId),
    request.answers.map((stored) => json(stored.answer)),
    checkpoint?.seq ?? null,
    checkpoint?.epoch ?? null,
    checkpoint?.at ?? null,
    checkpoint === null ? null : json(checkpoint.programs),
    checkpoint === null ? null : json(checkpoint.waiting),
    checkpoint === null ? null : json(checkpoint.removed),
  ];
};

/** A function's JSON reply as the protocol's: a lease's `expiresAt` may be `-Infinity`, which JSON spells as a string. */
const replyOf = (value: unknown): StoreReply => {
  const reply = (typeof value === "string" ? JSON.parse(value) : value) as StoreReply & {
    lease?: { expiresAt: unknown };
  };
  if (reply === null || typeof reply !== "object") throw new Error("the store function gave no reply");
  if (reply.lease !== undefined)
    return { ...reply, lease: { ...reply.lease, expiresAt: num(reply.lease.expiresAt) } } as StoreReply;
  return reply;
};

interface LeaseRow {
  readonly lease: Lease;
  readonly session: string | null;
  readonly head: number;
  readonly inboxCursor: number;
  readonly inboxHead: number;
}

/**
 * A `Store` with the model store's semantics (`createModelStore`) on the
 * tables the migrations make: one transaction per request, the shard's lease
 * row locked first (`SELECT ... FOR UPDATE`), the epoch checked, then the
 * writes. The store's clock is the database's unless `clock` is given.
 * @since 0.1.0
 */
/**
 * A failure to reach or use the database at start, as a coded error naming the
 * cause (the migration's transaction rolled back: nothing was written).
 */
export const connectionProblem = (error: unknown, schema: string): unknown => {
  if (error instanceof SchedkitError) return error;
  const code = typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : "";
  const message = error instanceof Error ? error.message : String(error);
  const cause = { cause: error };
  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH"].includes(code)) {
    return new SchedkitError(
      "store-unreachable",
      `cannot reach PostgreSQL (${code}): ${message}; check the connection URL`,
      {
        field: "pool",
        ...cause,
      },
    );
  }
  if (code === "28P01" || code === "28000") {
    return new SchedkitError(
      "invalid-options",
      `PostgreSQL refused the login (${code}): ${message}; check the user and password`,
      {
        field: "pool",
        ...cause,
      },
    );
  }
  if (code === "3D000") {
    return new SchedkitError("invalid-options", `no such database (${code}): ${message}; check the connection URL`, {
      field: "pool",
      ...cause,
    });
  }
  if (code === "42501") {
    return new SchedkitError(
      "invalid-options",
      `the database user may not create or use schema "${schema}" (${code}): ${message}; grant CREATE on the database, or create the schema and grant its use`,
      { field: "schema", ...cause },
    );
  }
  return error;
};

/** What the store announces on its channel (`<schema>_events`), for `listen`. @since 0.1.0 */
export interface StoreNotice {
  readonly reason: "inbox" | "released";
  readonly shard: number;
  readonly leaving?: boolean;
}

/** The LISTEN/NOTIFY channel of a schema's store. @since 0.1.0 */
export const noticeChannel = (schema: string): string => `${schema}_events`;

/** A notice as sent on the channel, or `undefined` for anything else. */
export const parseNotice = (payload: string | undefined): StoreNotice | undefined => {
  try {
    const value = JSON.parse(payload ?? "") as Partial<StoreNotice>;
    if ((value.reason === "inbox" || value.reason === "released") && typeof value.shard === "number") {
      return value.leaving === true
        ? { reason: value.reason, shard: value.shard, leaving: true }
        : { reason: value.reason, shard: value.shard };
    }
  } catch {
    // Not ours.
  }
  return undefined;
};

export const createSqlStore = (db: SqlDatabase, options: SqlStoreOptions = {}): SqlStore => {
  const schema = options.schema ?? "schedkit";
  const s = quoteSchema(schema);
  const clock = options.clock;
  if (clock !== undefined && typeof clock !== "function") {
    throw new SchedkitError("invalid-options", "clock must be a function returning epoch ms", { field: "clock" });
  }

  let migrated: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    if (migrated === undefined) {
      migrated = migrate(db, schema).then(
        () => undefined,
        (error: unknown) => {
          migrated = undefined;
          throw connectionProblem(error, schema);
        },
      );
    }
    return migrated;
  };

  const readNow = async (tx: Queryable): Promise<number> => {
    if (clock !== undefined) return clock();
    const result = await tx.query(storeNow);
    return num(result.rows[0]?.now);
  };

  /** Locks the shard's lease row, creating it (never held) when missing. */
  const lockShard = async (tx: Queryable, shard: number): Promise<LeaseRow> => {
    const select = `SELECT shard, owner, session, epoch, expires_at, head, inbox_cursor, inbox_head FROM ${s}.leases WHERE shard = $1 FOR UPDATE`;
    let result = await tx.query(select, [shard]);
    if (result.rows.length === 0) {
      await tx.query(`INSERT INTO ${s}.leases (shard) VALUES ($1) ON CONFLICT (shard) DO NOTHING`, [shard]);
      result = await tx.query(select, [shard]);
    }
    const row = result.rows[0];
    if (row === undefined) throw new Error(`lease row of shard ${shard} is missing`);
    return {
      lease: leaseOf(row),
      session: row.session === null ? null : String(row.session),
      head: num(row.head),
      inboxCursor: num(row.inbox_cursor),
      inboxHead: num(row.inbox_head),
    };
  };

  const channel = noticeChannel(schema);
  const notify = (tx: Queryable, notice: StoreNotice) =>
    tx.query("SELECT pg_notify($1, $2)", [channel, JSON.stringify(notice)]);

  const fenced = (row: LeaseRow, node: string, epoch: number): boolean =>
    row.lease.epoch === epoch && row.lease.owner === node;

  /** The requests served by a transaction of statements (append, renew and inbox are server-side functions). */
  const apply = async (tx: Queryable, request: TransactionRequest): Promise<StoreReply> => {
    switch (request.type) {
      case "acquire": {
        const row = await lockShard(tx, request.shard);
        const now = await readNow(tx);
        const { lease } = row;
        const free = lease.owner === null || lease.expiresAt <= now || lease.owner === request.node;
        if (!free) return { type: "busy", now, lease };
        const stored = await tx.query(
          `SELECT program_id, hash, version FROM ${s}.fingerprints WHERE shard = $1 ORDER BY position`,
          [request.shard],
        );
        const fingerprints: Record<string, Fingerprints[string]> = {};
        for (const fp of stored.rows) {
          fingerprints[String(fp.program_id)] = {
            hash: String(fp.hash),
            version: (fp.version ?? null) as Fingerprints[string]["version"],
          };
        }
        const verdict = fingerprintVerdict(fingerprints, request.fingerprints);
        if (!verdict.ok) return { type: "deploy-skew", now, problems: verdict.problems };
        const changed = Object.entries(request.fingerprints).filter(([programId, fp]) => {
          const old = Object.hasOwn(fingerprints, programId) ? fingerprints[programId] : undefined;
          return old === undefined || old.hash !== fp.hash || old.version !== fp.version;
        });
        if (changed.length > 0) {
          await tx.query(
            `INSERT INTO ${s}.fingerprints (shard, program_id, position, hash, version)
             SELECT $1, f.program_id, $2 + f.ord, f.hash, f.version
             FROM json_to_recordset($3::json) AS f(program_id text, ord integer, hash text, version json)
             ON CONFLICT (shard, program_id) DO UPDATE SET hash = EXCLUDED.hash, version = EXCLUDED.version`,
            [
              request.shard,
              stored.rows.length,
              json(
                changed.map(([programId, fp], ord) => ({
                  program_id: programId,
                  ord,
                  hash: fp.hash,
                  version: fp.version,
                })),
              ),
            ],
          );
        }
        const previousOwner = lease.owner !== null && lease.owner !== request.node ? lease.owner : null;
        const same = lease.owner === request.node && lease.expiresAt > now && row.session === request.session;
        const next: Lease = {
          shard: request.shard,
          owner: request.node,
          epoch: same ? lease.epoch : lease.epoch + 1,
          expiresAt: now + request.ttl,
        };
        await tx.query(
          `UPDATE ${s}.leases SET owner = $2, session = $3, epoch = $4, expires_at = $5 WHERE shard = $1`,
          [request.shard, next.owner, request.session, next.epoch, next.expiresAt],
        );
        const checkpoint = await readCheckpoint(tx, request.shard);
        const from = checkpoint?.seq ?? 0;
        const log = await tx.query(
          `SELECT seq, epoch, at, command, command_id FROM ${s}.log_entries WHERE shard = $1 AND seq > $2 ORDER BY seq`,
          [request.shard, from],
        );
        return {
          type: "acquired",
          now,
          lease: next,
          previousOwner,
          checkpoint,
          log: log.rows.map(entryOf),
          inboxCursor: row.inboxCursor,
        };
      }
      case "release": {
        const row = await lockShard(tx, request.shard);
        const now = await readNow(tx);
        const ours =
          request.epoch === null
            ? row.lease.owner === request.node && row.session === request.session && row.lease.expiresAt > now
            : fenced(row, request.node, request.epoch);
        if (!ours) return { type: "stale-epoch", now, lease: row.lease };
        await tx.query(`UPDATE ${s}.leases SET expires_at = $2 WHERE shard = $1`, [request.shard, now]);
        if (request.leaving) await tx.query(`DELETE FROM ${s}.nodes WHERE node = $1`, [request.node]);
        // Delivered at commit: the others take the shard at once instead of at their next scan.
        await notify(tx, { reason: "released", shard: request.shard, leaving: request.leaving });
        return { type: "released", now };
      }
      case "submit": {
        await lockShard(tx, request.shard);
        const now = await readNow(tx);
        const known = await tx.query(`SELECT seq FROM ${s}.inbox WHERE command_id = $1`, [request.commandId]);
        const knownRow = known.rows[0];
        if (knownRow !== undefined) return { type: "submitted", now, seq: num(knownRow.seq) };
        // The inbox head lives on the lease row we hold locked: seqs have no gaps.
        const bumped = await tx.query(
          `UPDATE ${s}.leases SET inbox_head = inbox_head + 1 WHERE shard = $1 RETURNING inbox_head`,
          [request.shard],
        );
        const seq = num(bumped.rows[0]?.inbox_head);
        await tx.query(
          `INSERT INTO ${s}.inbox (shard, seq, command_id, origin, command) VALUES ($1, $2, $3, $4, $5::json)`,
          [request.shard, seq, request.commandId, request.node, json(request.command)],
        );
        // Delivered at commit: the owner reads its inbox now instead of at its next poll.
        await notify(tx, { reason: "inbox", shard: request.shard });
        return { type: "submitted", now, seq };
      }
      case "answers": {
        const now = await readNow(tx);
        const found = await tx.query(`SELECT command_id, answer FROM ${s}.answers WHERE command_id = ANY($1::text[])`, [
          [...request.commandIds],
        ]);
        const byId = new Map(found.rows.map((row) => [String(row.command_id), row.answer]));
        const answers: StoredAnswer[] = [];
        for (const commandId of request.commandIds) {
          if (byId.has(commandId)) answers.push({ commandId, answer: byId.get(commandId) as StoredAnswer["answer"] });
        }
        return { type: "answers", now, answers };
      }
      case "withdraw": {
        const row = await lockShard(tx, request.shard);
        const now = await readNow(tx);
        const done = await tx.query(`SELECT 1 FROM ${s}.withdrawn WHERE shard = $1 AND command_id = $2`, [
          request.shard,
          request.commandId,
        ]);
        // A retried withdraw (its answer was lost) is answered as the first one was.
        if (done.rows.length > 0) return { type: "withdrawn", now, taken: false };
        const found = await tx.query(`SELECT shard, seq, claimed FROM ${s}.inbox WHERE command_id = $1`, [
          request.commandId,
        ]);
        const entry = found.rows[0];
        const taken =
          entry !== undefined &&
          ((num(entry.shard) === request.shard && entry.claimed === true) || num(entry.seq) <= row.inboxCursor);
        if (!taken) {
          await tx.query(`INSERT INTO ${s}.withdrawn (shard, command_id) VALUES ($1, $2)`, [
            request.shard,
            request.commandId,
          ]);
        }
        return { type: "withdrawn", now, taken };
      }
      case "scan": {
        const now = await readNow(tx);
        await tx.query(
          `INSERT INTO ${s}.nodes (node, last_seen) VALUES ($1, $2) ON CONFLICT (node) DO UPDATE SET last_seen = EXCLUDED.last_seen`,
          [request.node, now],
        );
        const seen = await tx.query(`SELECT node, last_seen FROM ${s}.nodes WHERE last_seen > $1`, [now - request.ttl]);
        const live = seen.rows.map((row) => String(row.node)).sort();
        const lastSeen: Record<string, number> = {};
        for (const row of seen.rows) lastSeen[String(row.node)] = num(row.last_seen);
        const sorted: Record<string, number> = {};
        for (const node of live) sorted[node] = lastSeen[node] ?? now;
        const leases = await tx.query(`SELECT shard, owner, epoch, expires_at FROM ${s}.leases ORDER BY shard`);
        return { type: "scanned", now, leases: leases.rows.map(leaseOf), nodes: live, lastSeen: sorted };
      }
    }
  };

  const readCheckpoint = async (tx: Queryable, shard: number): Promise<Checkpoint | null> => {
    const result = await tx.query(
      `SELECT seq, epoch, at, programs, waiting, removed FROM ${s}.checkpoints WHERE shard = $1`,
      [shard],
    );
    const row = result.rows[0];
    if (row === undefined) return null;
    return {
      seq: num(row.seq),
      at: num(row.at),
      epoch: num(row.epoch),
      programs: row.programs as Checkpoint["programs"],
      waiting: row.waiting as Checkpoint["waiting"],
      removed: row.removed as Checkpoint["removed"],
    };
  };

  const appendCall = `SELECT ${s}.sk_append(${Array.from({ length: 25 }, (_, index) => `$${index + 1}`).join(", ")}) AS reply`;

  return {
    schema,
    ready,
    execute: async (request) => {
      await ready();
      if (request.type === "append") {
        const result = await db.query(appendCall, appendParams(request, clock === undefined ? null : clock()));
        return replyOf(result.rows[0]?.reply);
      }
      if (request.type === "renew" || request.type === "inbox") {
        const oneCall = serverSide[request.type];
        // One statement, its own transaction: one round trip (see internal/functions.ts).
        const result = await db.query(`SELECT ${s}.${oneCall}($1::json, $2::float8) AS reply`, [
          json(request),
          clock === undefined ? null : clock(),
        ]);
        return replyOf(result.rows[0]?.reply);
      }
      return db.transaction((tx) => apply(tx, request));
    },
  };
};
