import type { Outcome } from "../Command.js";
import type { Interval, Overlap } from "../Program.js";

// The fleet's wire vocabulary: what a coordinator asks of its store and what
// the store answers. Everything here is plain JSON data, so a request can
// cross a network (or a simulated one) and a reply can be lost.

/** A shard's ownership record. `expiresAt` is on the store's clock. @since 0.1.0 */
export interface Lease {
  readonly shard: number;
  /** `null` when no node ever held it. */
  readonly owner: string | null;
  /** Grows by one at every acquisition; 0 before the first. */
  readonly epoch: number;
  /** Store time at which the lease lapses (a released lease: the release time). */
  readonly expiresAt: number;
}

/** What identifies a program's behaviour: a hash of its non-function fields, and its `version`. @since 0.1.0 */
export interface Fingerprint {
  readonly hash: string;
  readonly version: string | number | null;
}

/** Fingerprints by program id. @since 0.1.0 */
export type Fingerprints = Readonly<Record<string, Fingerprint>>;

/**
 * A command as the log keeps it. `complete` names its job by fire id, since
 * job ids are each kernel's own; intervals are numbers (a function cannot be
 * logged). @since 0.1.0
 */
export type LoggedCommand =
  | { readonly type: "tick" }
  | { readonly type: "complete"; readonly fireId: string; readonly outcome: Outcome }
  | FleetCommand;

/**
 * The commands a node may issue for any program, wherever its shard is owned.
 * @since 0.1.0
 */
export type FleetCommand =
  | { readonly type: "spawn"; readonly programId: string; readonly opts?: FleetSpawnOptions }
  | { readonly type: "unspawn"; readonly programId: string }
  | { readonly type: "trigger"; readonly programId: string; readonly scheduledAt?: number }
  | {
      readonly type: "set-interval";
      readonly programId: string;
      readonly spawnId?: string;
      readonly interval: number;
    }
  | { readonly type: "stop-spawn"; readonly programId: string; readonly spawnId: string }
  | { readonly type: "kill-spawn"; readonly programId: string; readonly spawnId: string }
  | { readonly type: "stop-all"; readonly programId: string }
  | { readonly type: "kill-all"; readonly programId: string }
  | { readonly type: "clear"; readonly programId: string }
  | { readonly type: "pause"; readonly programId: string; readonly spawnId?: string; readonly note?: string }
  | { readonly type: "resume"; readonly programId: string; readonly spawnId?: string }
  | {
      readonly type: "backfill";
      readonly programId: string;
      readonly from: number;
      readonly to: number;
      readonly overlap?: Overlap;
    };

/** Spawn options that can travel: data only (no hooks). @since 0.1.0 */
export interface FleetSpawnOptions {
  readonly spawnId?: string;
  readonly interval?: Exclude<Interval, (...args: never[]) => unknown>;
  readonly delay?: number | "random";
  readonly misfire?: "catch-up" | "skip";
  readonly catchUpWindow?: number;
  readonly overlap?: Overlap;
  readonly bufferLimit?: number;
  readonly jitter?: number;
  readonly maxRuns?: number;
  /** Kernel time: on a fleet, the owner's wall clock (epoch ms). */
  readonly startAt?: number;
  readonly endAt?: number;
}

/** One entry of a shard's command log. `seq` starts at 1 and has no gaps. @since 0.1.0 */
export interface LogEntry {
  readonly seq: number;
  /** Kernel time (the owner's wall clock, epoch ms) at which the owner applied it. */
  readonly at: number;
  readonly epoch: number;
  readonly command: LoggedCommand;
  /** For a command that came through the inbox: its id, so it is applied once. */
  readonly commandId?: string;
}

/** A shard's programs as exported by its owner after applying entry `seq`. @since 0.1.0 */
export interface Checkpoint {
  readonly seq: number;
  readonly at: number;
  readonly epoch: number;
  /** `kernel.exportProgram(id)` of each program the shard's kernel holds. */
  readonly programs: Readonly<Record<string, unknown>>;
  /** Triggers whose callers still wait for the job's output: command id by fire id. */
  readonly waiting: Readonly<Record<string, string>>;
  /** The shard's programs a `clear` removed: a new owner does not install them. */
  readonly removed: readonly string[];
}

/** One recorded fire: written before its job's `mainFn` runs. @since 0.1.0 */
export interface FireRecord {
  readonly fireId: string;
  readonly shard: number;
  readonly programId: string;
  readonly spawnId: string | null;
  readonly scheduledAt: number;
  /** Kernel time at which the job started. */
  readonly startedAt: number;
  readonly epoch: number;
  readonly node: string;
}

/**
 * A fire as the store knows it: recorded; completed once a `complete` entry
 * for it is appended, or `"cancelled"` when a kill or stop ended its job
 * (the append that logs the kill names it). @since 0.1.0
 */
export interface StoredFire extends FireRecord {
  readonly completed: "succeeded" | "errored" | "lost" | "cancelled" | null;
}

/** A command waiting in a shard's inbox. @since 0.1.0 */
export interface InboxEntry {
  /** Position in the shard's inbox; starts at 1. */
  readonly seq: number;
  readonly commandId: string;
  readonly origin: string;
  readonly command: FleetCommand;
}

/** The owner's answer to a command. @since 0.1.0 */
export type CommandAnswer =
  /** Applied. `value`: the spawn id (spawn, unspawn), the trigger's output, else absent. */
  | { readonly status: "done"; readonly value?: unknown }
  /** A bound (`max`, `min`) or an empty pool refused it: not an error. */
  | { readonly status: "refused"; readonly code: string; readonly message: string }
  /** The command failed: bad input, or a fleet error (`not-owned`, `deploy-skew`, ...). */
  | { readonly status: "failed"; readonly code: string; readonly field?: string; readonly message: string };

/** An answer as stored for its caller. @since 0.1.0 */
export interface StoredAnswer {
  readonly commandId: string;
  readonly answer: CommandAnswer;
}

/**
 * What a coordinator asks of the store. Each request is one linearizable
 * operation (one transaction); every write for a shard carries the writer's
 * epoch and is refused unless it is the shard's current one.
 * @since 0.1.0
 */
export type StoreRequest =
  /**
   * Take the shard if its lease is free (never held, released, or expired on
   * the store's clock) or already ours, and if `fingerprints` agree with the
   * stored ones (see `fingerprintVerdict`); answer the shard's durable state.
   * A valid lease this very `session` holds keeps its epoch (a late copy of an
   * acquire must not fence its own sender); the same node in a new session (a
   * restarted process) takes it with a new epoch.
   */
  | {
      readonly type: "acquire";
      readonly shard: number;
      readonly node: string;
      readonly session: string;
      readonly ttl: number;
      readonly fingerprints: Fingerprints;
    }
  /** Extend our lease by `ttl` from the store's now; refused once it lapsed or changed hands. */
  | {
      readonly type: "renew";
      readonly shard: number;
      readonly node: string;
      readonly epoch: number;
      readonly ttl: number;
    }
  /** Give the lease up now (after a checkpoint), so another node can take it at once. */
  /**
   * `leaving`: the node is stopping; the store forgets it at once, so the others
   * count it out. `epoch: null`: release whatever lease this `session` holds (a
   * stopping node that never heard whether its acquire landed).
   */
  | {
      readonly type: "release";
      readonly shard: number;
      readonly node: string;
      readonly epoch: number | null;
      readonly session: string;
      readonly leaving: boolean;
    }
  /**
   * Append log entries (the first must be the log's next seq), record fires
   * (a fire id that exists is left as it is and reported), store answers,
   * move the inbox cursor and optionally a checkpoint: all or nothing, fenced
   * by `epoch`. A retry of a batch that already landed (same first seq, same
   * epoch) is answered as the first attempt was.
   */
  | {
      readonly type: "append";
      readonly shard: number;
      readonly node: string;
      readonly epoch: number;
      readonly entries: readonly LogEntry[];
      readonly fires: readonly FireRecord[];
      readonly answers: readonly StoredAnswer[];
      /** Recorded fires whose jobs a logged command (kill, stop, unspawn) cancelled. */
      readonly cancelled: readonly string[];
      readonly inboxCursor: number;
      readonly checkpoint: Checkpoint | null;
    }
  /** Put a command in a shard's inbox (once per `commandId`). */
  | {
      readonly type: "submit";
      readonly shard: number;
      readonly node: string;
      readonly commandId: string;
      readonly command: FleetCommand;
    }
  /** The owner reads its inbox past `after` (fenced: only the owner reads). */
  | {
      readonly type: "inbox";
      readonly shard: number;
      readonly node: string;
      readonly epoch: number;
      readonly after: number;
    }
  /** A caller reads the answers to its commands. */
  | { readonly type: "answers"; readonly node: string; readonly commandIds: readonly string[] }
  /** A caller gives up on a command: removed unless the owner already took it. */
  | { readonly type: "withdraw"; readonly shard: number; readonly node: string; readonly commandId: string }
  /** Every lease and the live nodes; also says this node is alive. */
  | { readonly type: "scan"; readonly node: string; readonly ttl: number };

/** @since 0.1.0 */
export type StoreRequestType = StoreRequest["type"];

/** The store's answer to a request. `now` is the store's clock when it applied it. @since 0.1.0 */
export type StoreReply =
  | {
      readonly type: "acquired";
      readonly now: number;
      readonly lease: Lease;
      /** The previous owner, if another node held it. */
      readonly previousOwner: string | null;
      readonly checkpoint: Checkpoint | null;
      /** Entries after the checkpoint, in order. */
      readonly log: readonly LogEntry[];
      readonly inboxCursor: number;
    }
  | { readonly type: "busy"; readonly now: number; readonly lease: Lease }
  | {
      readonly type: "deploy-skew";
      readonly now: number;
      readonly problems: readonly FingerprintProblem[];
    }
  | { readonly type: "renewed"; readonly now: number; readonly lease: Lease }
  | { readonly type: "released"; readonly now: number }
  | {
      readonly type: "appended";
      readonly now: number;
      /** The log's last seq after the append. */
      readonly head: number;
      /** Fires that already existed: not recorded again (this batch must not run them). */
      readonly existing: readonly string[];
    }
  /** The write was refused: the shard's epoch is no longer the writer's. */
  | { readonly type: "stale-epoch"; readonly now: number; readonly lease: Lease }
  /** The append's first seq is not the log's next one (and not a retry of a landed batch). */
  | { readonly type: "out-of-order"; readonly now: number; readonly head: number }
  | { readonly type: "submitted"; readonly now: number; readonly seq: number }
  /** `through`: the last inbox seq looked at (withdrawn commands are left out of `entries`). */
  | { readonly type: "inbox"; readonly now: number; readonly entries: readonly InboxEntry[]; readonly through: number }
  | { readonly type: "answers"; readonly now: number; readonly answers: readonly StoredAnswer[] }
  /** `taken`: the owner already took the command (its answer will come). */
  | { readonly type: "withdrawn"; readonly now: number; readonly taken: boolean }
  | {
      readonly type: "scanned";
      readonly now: number;
      readonly leases: readonly Lease[];
      /** Nodes that scanned within the request's `ttl`. */
      readonly nodes: readonly string[];
      /** The store time of each of those nodes' last scan. */
      readonly lastSeen: Readonly<Record<string, number>>;
    };

/** @since 0.1.0 */
export type StoreReplyType = StoreReply["type"];

/** Why a node may not run a shard's program. @since 0.1.0 */
export interface FingerprintProblem {
  readonly programId: string;
  /** `changed`: same id and version, different spec; `older`: the store holds a newer version; `missing`: the store has a program this node does not. */
  readonly reason: "changed" | "older" | "missing";
  readonly stored: Fingerprint | null;
  readonly ours: Fingerprint | null;
}

/**
 * The only I/O boundary of the fleet: one request, one linearizable answer.
 * A rejected Promise means the answer is unknown (the request may or may not
 * have been applied); coordinators are built for that.
 * @since 0.1.0
 */
export interface Store {
  execute(request: StoreRequest): Promise<StoreReply>;
}
