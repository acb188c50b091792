import { fingerprintVerdict } from "./fingerprint.js";
import type {
  Checkpoint,
  Fingerprints,
  FireRecord,
  InboxEntry,
  Lease,
  LogEntry,
  Store,
  StoredAnswer,
  StoredFire,
  StoreReply,
  StoreRequest,
} from "./protocol.js";

/** One shard as the model store holds it. Read-only for callers. @since 0.1.0 */
export interface ModelShard {
  lease: Lease;
  /** The session that holds the lease (a node's process life). */
  session: string | null;
  fingerprints: Fingerprints;
  checkpoint: Checkpoint | null;
  /** Every entry ever appended (the model keeps the whole history, for checks). */
  readonly log: LogEntry[];
  readonly inbox: InboxEntry[];
  inboxCursor: number;
  /** Inbox entries an owner has read (a withdraw then fails: the command will be applied). */
  readonly claimed: Set<string>;
  readonly withdrawn: Set<string>;
  /** Retries of a landed batch get the first answer: by first seq (those before the previous checkpoint are forgotten). */
  readonly landed: Map<number, { readonly epoch: number; readonly existing: readonly string[] }>;
}

/** Counts of what the store saw, so a simulation can show the hard cases happened. @since 0.1.0 */
export interface ModelStoreStats {
  requests: number;
  acquisitions: number;
  takeovers: number;
  renewals: number;
  releases: number;
  appends: number;
  retriedAppends: number;
  staleWritesRefused: number;
  outOfOrderRefused: number;
  deploySkewRefusals: number;
  duplicateFireInserts: number;
  withdrawals: number;
}

/**
 * A linearizable in-memory store for tests and simulation: each request is
 * applied atomically at the store's own clock. `apply` is the synchronous
 * form the simulator uses (it decides when a request arrives); `execute` is
 * the `Store` interface.
 * @since 0.1.0
 */
export interface ModelStore extends Store {
  apply(request: StoreRequest): StoreReply;
  readonly shards: ReadonlyMap<number, ModelShard>;
  readonly fires: ReadonlyMap<string, StoredFire>;
  readonly answers: ReadonlyMap<string, StoredAnswer>;
  readonly stats: ModelStoreStats;
  /** Store time of each node's last scan. */
  readonly nodes: ReadonlyMap<string, number>;
}

/** @since 0.1.0 */
export interface ModelStoreOptions {
  /** The store's clock (ms). Lease expiry is measured on it and on nothing else. */
  readonly clock: () => number;
  /**
   * @internal For planted-bug tests of the simulator only: accept writes
   * whatever their epoch. Never set this in a real store.
   */
  readonly unsafeSkipEpochCheck?: boolean;
}

/**
 * A fire as stored, with its completion. Built field by field: a spread of the record was a
 * visible share of every append (a new object each time, so one read earlier stays as it was).
 */
const storedFire = (fire: FireRecord, completed: StoredFire["completed"]): StoredFire => ({
  fireId: fire.fireId,
  shard: fire.shard,
  programId: fire.programId,
  spawnId: fire.spawnId,
  scheduledAt: fire.scheduledAt,
  startedAt: fire.startedAt,
  epoch: fire.epoch,
  node: fire.node,
  completed,
});

/** At most this many inbox entries per read. */
const inboxPage = 100;

/** @since 0.1.0 */
export const createModelStore = (options: ModelStoreOptions): ModelStore => {
  const shards = new Map<number, ModelShard>();
  const fires = new Map<string, StoredFire>();
  const answers = new Map<string, StoredAnswer>();
  const nodes = new Map<string, number>();
  const byCommand = new Map<string, InboxEntry>();
  const stats: ModelStoreStats = {
    requests: 0,
    acquisitions: 0,
    takeovers: 0,
    renewals: 0,
    releases: 0,
    appends: 0,
    retriedAppends: 0,
    staleWritesRefused: 0,
    outOfOrderRefused: 0,
    deploySkewRefusals: 0,
    duplicateFireInserts: 0,
    withdrawals: 0,
  };

  /** The shard records by shard number, for scans; sorted again only when a shard is added. */
  let inShardOrder: ModelShard[] | null = null;
  const shardsInOrder = (): readonly ModelShard[] => {
    inShardOrder ??= [...shards.values()].sort((a, b) => a.lease.shard - b.lease.shard);
    return inShardOrder;
  };

  const shardAt = (shard: number): ModelShard => {
    let record = shards.get(shard);
    if (record === undefined) {
      record = {
        lease: { shard, owner: null, epoch: 0, expiresAt: Number.NEGATIVE_INFINITY },
        session: null,
        fingerprints: {},
        checkpoint: null,
        log: [],
        inbox: [],
        inboxCursor: 0,
        claimed: new Set(),
        withdrawn: new Set(),
        landed: new Map(),
      };
      shards.set(shard, record);
      inShardOrder = null;
    }
    return record;
  };

  const fenced = (record: ModelShard, node: string, epoch: number): boolean =>
    options.unsafeSkipEpochCheck === true || (record.lease.epoch === epoch && record.lease.owner === node);

  const apply = (request: StoreRequest): StoreReply => {
    const now = options.clock();
    stats.requests += 1;
    switch (request.type) {
      case "acquire": {
        const record = shardAt(request.shard);
        const { lease } = record;
        const free = lease.owner === null || lease.expiresAt <= now || lease.owner === request.node;
        if (!free) return { type: "busy", now, lease };
        const verdict = fingerprintVerdict(record.fingerprints, request.fingerprints);
        if (!verdict.ok) {
          stats.deploySkewRefusals += 1;
          return { type: "deploy-skew", now, problems: verdict.problems };
        }
        record.fingerprints = verdict.merged;
        const previousOwner = lease.owner !== null && lease.owner !== request.node ? lease.owner : null;
        const same = lease.owner === request.node && lease.expiresAt > now && record.session === request.session;
        record.lease = {
          shard: request.shard,
          owner: request.node,
          epoch: same ? lease.epoch : lease.epoch + 1,
          expiresAt: now + request.ttl,
        };
        record.session = request.session;
        stats.acquisitions += 1;
        if (lease.epoch > 0 && !same) stats.takeovers += 1;
        const from = record.checkpoint?.seq ?? 0;
        return {
          type: "acquired",
          now,
          lease: record.lease,
          previousOwner,
          checkpoint: record.checkpoint,
          log: record.log.slice(from),
          inboxCursor: record.inboxCursor,
        };
      }
      case "renew": {
        const record = shardAt(request.shard);
        const { lease } = record;
        if (lease.owner !== request.node || lease.epoch !== request.epoch || lease.expiresAt <= now) {
          stats.staleWritesRefused += 1;
          return { type: "stale-epoch", now, lease };
        }
        record.lease = { ...lease, expiresAt: now + request.ttl };
        stats.renewals += 1;
        return { type: "renewed", now, lease: record.lease };
      }
      case "release": {
        const record = shardAt(request.shard);
        const ours =
          request.epoch === null
            ? record.lease.owner === request.node && record.session === request.session && record.lease.expiresAt > now
            : fenced(record, request.node, request.epoch);
        if (!ours) {
          stats.staleWritesRefused += 1;
          return { type: "stale-epoch", now, lease: record.lease };
        }
        record.lease = { ...record.lease, expiresAt: now };
        if (request.leaving) nodes.delete(request.node);
        stats.releases += 1;
        return { type: "released", now };
      }
      case "append": {
        const record = shardAt(request.shard);
        if (!fenced(record, request.node, request.epoch)) {
          stats.staleWritesRefused += 1;
          return { type: "stale-epoch", now, lease: record.lease };
        }
        const head = record.log.length;
        if (request.entries.length === 0 && request.checkpoint !== null && request.checkpoint.seq < head) {
          // A late copy of a checkpoint-only batch: the log has moved on since; it changes nothing.
          stats.retriedAppends += 1;
          return { type: "appended", now, head, existing: [] };
        }
        const first = request.entries[0]?.seq ?? head + 1;
        if (first <= head) {
          const landed = record.landed.get(first);
          if (landed !== undefined && landed.epoch === request.epoch) {
            stats.retriedAppends += 1;
            return { type: "appended", now, head, existing: landed.existing };
          }
          stats.outOfOrderRefused += 1;
          return { type: "out-of-order", now, head };
        }
        if (first !== head + 1 || request.entries.some((entry, index) => entry.seq !== first + index)) {
          stats.outOfOrderRefused += 1;
          return { type: "out-of-order", now, head };
        }
        const existing: string[] = [];
        for (const fire of request.fires) {
          if (fires.has(fire.fireId)) {
            existing.push(fire.fireId);
            stats.duplicateFireInserts += 1;
          } else fires.set(fire.fireId, storedFire(fire, null));
        }
        for (const entry of request.entries) {
          record.log.push(entry);
          if (entry.command.type === "complete") {
            const fire = fires.get(entry.command.fireId);
            if (fire !== undefined && fire.completed === null) {
              const outcome = entry.command.outcome;
              const completed = "lost" in outcome ? "lost" : outcome.ok ? "succeeded" : "errored";
              fires.set(fire.fireId, storedFire(fire, completed));
            }
          }
        }
        for (const fireId of request.cancelled) {
          const fire = fires.get(fireId);
          if (fire !== undefined && fire.completed === null) fires.set(fireId, storedFire(fire, "cancelled"));
        }
        for (const stored of request.answers) if (!answers.has(stored.commandId)) answers.set(stored.commandId, stored);
        record.inboxCursor = Math.max(record.inboxCursor, request.inboxCursor);
        // A late duplicate of an old batch must not bring back an older checkpoint.
        if (request.checkpoint !== null && request.checkpoint.seq >= (record.checkpoint?.seq ?? 0)) {
          // Retention (as a SQL store keeps it): the batches before the previous checkpoint are
          // forgotten; none of them can still be waiting for an answer.
          const previous = record.checkpoint?.seq;
          if (previous !== undefined)
            for (const seq of record.landed.keys()) if (seq <= previous) record.landed.delete(seq);
          record.checkpoint = request.checkpoint;
        }
        if (request.entries.length > 0) record.landed.set(first, { epoch: request.epoch, existing });
        stats.appends += 1;
        return { type: "appended", now, head: record.log.length, existing };
      }
      case "submit": {
        const record = shardAt(request.shard);
        const known = byCommand.get(request.commandId);
        if (known !== undefined) return { type: "submitted", now, seq: known.seq };
        const entry: InboxEntry = {
          seq: record.inbox.length + 1,
          commandId: request.commandId,
          origin: request.node,
          command: request.command,
        };
        record.inbox.push(entry);
        byCommand.set(request.commandId, entry);
        return { type: "submitted", now, seq: entry.seq };
      }
      case "inbox": {
        const record = shardAt(request.shard);
        if (!fenced(record, request.node, request.epoch)) {
          stats.staleWritesRefused += 1;
          return { type: "stale-epoch", now, lease: record.lease };
        }
        const after = Math.max(request.after, record.inboxCursor);
        // Inbox seqs start at 1 without gaps, so the entries past `after` are a slice.
        const page = record.inbox.slice(after, after + inboxPage);
        const entries = page.filter((entry) => !record.withdrawn.has(entry.commandId));
        for (const entry of entries) record.claimed.add(entry.commandId);
        return { type: "inbox", now, entries, through: after + page.length };
      }
      case "answers": {
        const found: StoredAnswer[] = [];
        for (const commandId of request.commandIds) {
          const stored = answers.get(commandId);
          if (stored !== undefined) found.push(stored);
        }
        return { type: "answers", now, answers: found };
      }
      case "withdraw": {
        const record = shardAt(request.shard);
        const entry = byCommand.get(request.commandId);
        // A retried withdraw (its answer was lost) is answered as the first one was.
        if (record.withdrawn.has(request.commandId)) return { type: "withdrawn", now, taken: false };
        const taken = entry !== undefined && (record.claimed.has(entry.commandId) || entry.seq <= record.inboxCursor);
        if (!taken) {
          record.withdrawn.add(request.commandId);
          stats.withdrawals += 1;
        }
        return { type: "withdrawn", now, taken };
      }
      case "scan": {
        nodes.set(request.node, now);
        const live: string[] = [];
        const lastSeen: Record<string, number> = {};
        for (const [node, seen] of nodes) {
          if (seen <= now - request.ttl) continue;
          live.push(node);
          lastSeen[node] = seen;
        }
        live.sort();
        const leases = shardsInOrder().map((record) => record.lease);
        return { type: "scanned", now, leases, nodes: live, lastSeen };
      }
    }
  };

  return {
    apply,
    execute: (request) => Promise.resolve().then(() => apply(request)),
    shards,
    fires,
    answers,
    stats,
    nodes,
  };
};
