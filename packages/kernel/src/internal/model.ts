import type { Interval, Overlap, ProgramSpec, ResultRecord, SpawnOptions } from "../Program.js";
import type { CronSchedule } from "./cron.js";
import { DecimalNames } from "./decimal.js";
import type { LatestResultFields } from "./latestResult.js";
import { DEFAULT_BUFFER_LIMIT, DEFAULT_CATCH_UP_WINDOW } from "./limits.js";
import type { RandomState } from "./random.js";
import type { SpawnList } from "./spawnList.js";
import type { Lane, QueuedEntry } from "./timerQueue.js";

export type ProgramType = "basic" | "constant" | "cron";

/** What `createFn` is told: the program, and the spawn (`null` for a program's own state). */
export interface CreateContext {
  readonly programId: string;
  readonly spawnId: string | null;
}
export type SpawnStatus = "created" | "running" | "terminating" | "stopped";

/** The hooks and options a spawn runs with: the program's, or the program's with overrides. */
export interface SpawnConfig {
  readonly type: ProgramType;
  readonly delay: number | "random" | undefined;
  readonly timeFn: ((t: number) => number) | undefined;
  readonly argsFn: (() => unknown) | undefined;
  readonly createFn: ((context: CreateContext) => unknown) | undefined;
  readonly mergeFn: ((state: unknown, output: unknown) => unknown) | undefined;
  readonly successFn: ((value: unknown) => unknown) | undefined;
  readonly errorFn: ((error: unknown) => unknown) | undefined;
  readonly continueFn: ((props: never) => boolean) | undefined;
  readonly misfire: "catch-up" | "skip";
  readonly output: "latest" | "all";
  /** Ms: due times older than `now - catchUpWindow` are reported missed, not run. */
  readonly catchUpWindow: number;
  /** What a due time does while the spawn is busy (see `overlap.ts`). */
  readonly overlap: Overlap;
  readonly bufferLimit: number;
  /** Ms (0: none): the most a job's start is delayed after its due time. */
  readonly jitter: number;
  readonly maxRuns: number | undefined;
  readonly startAt: number | undefined;
  readonly endAt: number | undefined;
}

/** A pause of a spawn or a program, with its note. */
export interface Pause {
  readonly note: string | undefined;
}

export interface Counts {
  submitted: number;
  succeeded: number;
  errored: number;
}

export interface ProgramRecord {
  readonly id: string;
  readonly spec: ProgramSpec;
  readonly config: SpawnConfig;
  readonly scope: "program" | "spawn";
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** The policy named by the program, if any; else the kernel default applies. */
  readonly policy: string | undefined;
  /** For type "cron": the schedule its due times come from. */
  readonly cron: CronSchedule | undefined;
  interval: Interval;
  state: unknown;
  readonly running: SpawnList;
  /** Every spawn still known: running, terminating, or in the stopped history. */
  readonly spawns: Map<string, SpawnRecord>;
  /** Stopped (or terminating) spawns, oldest first; trimmed to the history limit. */
  readonly history: SpawnRecord[];
  /** Totals over every spawn this program has had, running or stopped. */
  readonly counts: Counts;
  /** Trigger jobs waiting or in flight. */
  readonly triggers: Set<JobRecord>;
  spawnCounter: number;
  /** The program's own generator (`delay: "random"`), seeded from the kernel's seed and the program's id. */
  readonly random: RandomState;
  /** Nothing has happened to it since install (no spawn, no trigger, no adopt): it may adopt an export. */
  fresh: boolean;
  /** Set while the program is paused: each of its spawns is then paused too. */
  paused: Pause | null;
  /** The backfill in progress, if any (one at a time). */
  backfill: Backfill | null;
}

/** A backfill in progress: its overlap policy and its runs still held back (they start in order). */
export interface Backfill {
  readonly overlap: Overlap;
  readonly queue: JobRecord[];
}

export interface SpawnRecord extends LatestResultFields {
  readonly id: string;
  readonly programId: string;
  readonly program: ProgramRecord;
  readonly seq: number;
  readonly startedAt: number;
  readonly config: SpawnConfig;
  /** Overrides given at spawn time, kept for snapshots. */
  readonly overrides: SpawnOptions | undefined;
  status: SpawnStatus;
  stopReason: StopReason | undefined;
  inHistory: boolean;
  updatedAt: number;
  interval: Interval;
  lastInterval: number;
  state: unknown;
  submitted: number;
  succeeded: number;
  errored: number;
  /** Jobs completed with the outcome `{ lost: true }` (their result is unknown). */
  lost: number;
  lastError: unknown;
  /** Due times reported in `missed` effects. */
  missed: number;
  /** The dispatch in which `dispatchStarts` jobs of this spawn started (for the catch-up limit). */
  dispatchMark: number;
  dispatchStarts: number;
  pending: JobRecord | null;
  /** The waiting job came due while the spawn was paused: it is out of the heap until resume. */
  parked: boolean;
  /** Jobs in flight (see `inFlight.ts`): how many, the first, and the others. */
  inFlightCount: number;
  inFlightFirst: JobRecord | null;
  inFlightRest: JobRecord[] | null;
  /**
   * Runs waiting for the spawn to be free (`overlap: "buffer-one" | "buffer-all"`), oldest first.
   * `NO_BUFFER` until the first run is buffered (see `bufferRun`).
   */
  buffer: JobRecord[];
  /** Due times reported `skipped`. */
  skipped: number;
  /** Runs started: what `maxRuns` counts. */
  runs: number;
  /** Set while the spawn itself is paused (its program may be paused as well). */
  paused: Pause | null;
  /** With `endAt`: the heap entry that stops the spawn at that time (never started as a job). */
  endMarker: JobRecord | null;
  /**
   * `<programId>/<spawnId>/`, its fire ids' prefix: one string made per job instead of four. Made
   * with the record (next to it in memory, so that reading it at a start is less often a cache miss).
   */
  firePrefix: string;
  results: ResultRecord[] | undefined;
  prev: SpawnRecord | null;
  next: SpawnRecord | null;
}

export interface JobRecord extends QueuedEntry {
  lane: Lane<QueuedEntry> | null;
  lanePrev: JobRecord | null;
  laneNext: JobRecord | null;
  /** `""`, unless restored from a snapshot: `jobIdOf` makes the id each time (see there). */
  id: string;
  readonly program: ProgramRecord;
  readonly spawn: SpawnRecord | null;
  startedAt: number;
  /** Position in its spawn's `inFlight` list while in flight, so that settling removes it in O(1). */
  inFlightIndex: number;
  /**
   * A trigger's fire id, from its command or `<programId>/trigger/<jobId>`. A spawn's job has `""`
   * (`fireIdOf` makes `<programId>/<spawnId>/<scheduledAt>` from its due time, final once it
   * started), unless it was buffered or restored, which keep theirs here.
   */
  fireId: string;
  /**
   * A spawn's job: its spawn's fire-id prefix (see `SpawnRecord.firePrefix`), copied when it is made, so that
   * starting it reads the prefix beside its other fields, not after the spawn record; else `""`.
   */
  firePrefix: string;
  /** The arguments it started with, while in flight (an export carries them); else undefined. */
  args: unknown;
  /**
   * A job held back by jitter: its due time, while `dueAt` is when it starts; else undefined. Set
   * when its start was decided, cleared when it starts (or is parked by a pause). Not NaN for "not
   * held": a field that ever holds NaN keeps every value in a box of its own, one more cold object
   * read at every start.
   */
  heldFrom: number | undefined;
  /** One of a backfill's runs (a job of the program, like a trigger's). */
  backfill: boolean;
}

export type StopReason =
  | "stop"
  | "kill"
  | "unspawn"
  | "continue"
  | "fault"
  | "uninstall"
  | "clear"
  | "max-runs"
  | "end-at";

/**
 * The buffer of a spawn that never buffered a run: one shared empty array (frozen: it is never
 * written), not an empty array per spawn, which was one more cold object read at every settle.
 */
export const NO_BUFFER: JobRecord[] = Object.freeze([]) as unknown as JobRecord[];

/** Appends a run to its spawn's buffer (made at the first). */
export const bufferRun = (spawn: SpawnRecord, job: JobRecord): void => {
  if (spawn.buffer === NO_BUFFER) spawn.buffer = [];
  spawn.buffer.push(job);
};

/** Paused now: the spawn itself, or its program. */
export const isPaused = (spawn: SpawnRecord): boolean => spawn.paused !== null || spawn.program.paused !== null;

/** Busy, for overlap: a job of the spawn is in flight, or runs wait in its buffer. */
export const isBusy = (spawn: SpawnRecord): boolean => spawn.inFlightCount > 0 || spawn.buffer.length > 0;

export const isRunning = (spawn: SpawnRecord): boolean => spawn.status === "created" || spawn.status === "running";

export const stateOf = (spawn: SpawnRecord): unknown =>
  spawn.program.scope === "spawn" ? spawn.state : spawn.program.state;

/** Job ids by number (see `decimal.ts`: a memo, the same string `job-${seq}` would give). */
const JOB_IDS = new DecimalNames("job-");
/** Due times in fire ids, likewise (`${scheduledAt}`, without the number-to-string cache). */
const DUE_TIMES = new DecimalNames("");

/**
 * A job's id, `job-<seq>`, made each time it is needed, not kept in the record. A string made at
 * scheduling would live a whole period and be copied at every young GC; one kept from the start
 * (a young string in the long-lived, reused record) was a remembered-set entry that every young
 * GC visited, a cache miss each at 100,000 spawns.
 */
export const jobIdOf = (job: JobRecord): string => (job.id !== "" ? job.id : JOB_IDS.name(job.seq));

/** The id of job number `seq`, `job-<seq>` (as `jobIdOf` makes it). */
export const jobIdOfSeq = (seq: number): string => JOB_IDS.name(seq);

/** A spawn's fire id for a due time: the same fire has the same id on every kernel. */
export const spawnFireId = (programId: string, spawnId: string, scheduledAt: number): string =>
  `${programId}/${spawnId}/${scheduledAt}`;

/**
 * A job's fire id: a trigger's, a buffered or restored job's as kept; a spawn's job's from its due
 * time (final once it started: a job in flight never moves), made each time like `jobIdOf`'s.
 */
export const fireIdOf = (job: JobRecord): string =>
  job.fireId !== "" || job.spawn === null ? job.fireId : job.firePrefix + DUE_TIMES.name(dueTimeOf(job));

/** A waiting job's due time: `dueAt`, unless jitter holds it back (then `dueAt` is when it starts). */
export const dueTimeOf = (job: JobRecord): number => job.heldFrom ?? job.dueAt;

/** The hooks and options of a spec, or of spawn options over a program's (`base`). */
export const configOf = (spec: ProgramSpec, base?: SpawnConfig): SpawnConfig => ({
  type: base?.type ?? spec.type ?? "basic",
  delay: spec.delay ?? base?.delay,
  timeFn: spec.timeFn ?? base?.timeFn,
  argsFn: spec.argsFn ?? base?.argsFn,
  createFn: spec.createFn ?? base?.createFn,
  mergeFn: spec.mergeFn ?? base?.mergeFn,
  successFn: spec.successFn ?? base?.successFn,
  errorFn: spec.errorFn ?? base?.errorFn,
  continueFn: (spec.continueFn as SpawnConfig["continueFn"]) ?? base?.continueFn,
  misfire: spec.misfire ?? base?.misfire ?? "catch-up",
  output: spec.output ?? base?.output ?? "latest",
  catchUpWindow: spec.catchUpWindow ?? base?.catchUpWindow ?? DEFAULT_CATCH_UP_WINDOW,
  overlap: spec.overlap ?? base?.overlap ?? "allow",
  bufferLimit: spec.bufferLimit ?? base?.bufferLimit ?? DEFAULT_BUFFER_LIMIT,
  jitter: spec.jitter ?? base?.jitter ?? 0,
  maxRuns: spec.maxRuns ?? base?.maxRuns,
  startAt: spec.startAt ?? base?.startAt,
  endAt: spec.endAt ?? base?.endAt,
});

/**
 * A spawn's config: its program's own object when the overrides change nothing but `delay` (read
 * once, when the spawn is made, from the config `configOf` returned). Spawns that only spread their
 * first due times then share one config, which stays in cache, instead of one cold object each.
 */
export const sharedConfigOf = (config: SpawnConfig, base: SpawnConfig): SpawnConfig => {
  for (const key in base) {
    if (key !== "delay" && config[key as keyof SpawnConfig] !== base[key as keyof SpawnConfig]) return config;
  }
  return base;
};

/** A spawn's counters as `getProps` and `continueFn` see them. */
export const propsOf = (spawn: SpawnRecord) => ({
  startedAt: spawn.startedAt,
  updatedAt: spawn.updatedAt,
  submitted: spawn.submitted,
  succeeded: spawn.succeeded,
  errored: spawn.errored,
  completed: spawn.succeeded + spawn.errored,
  terminating: spawn.status === "terminating",
  interval: spawn.lastInterval,
  lastError: spawn.lastError,
  missed: spawn.missed,
  lost: spawn.lost,
  skipped: spawn.skipped,
  buffered: spawn.buffer.length,
  runs: spawn.runs,
  paused: isPaused(spawn),
  pauseNote: spawn.paused?.note ?? spawn.program.paused?.note ?? null,
});
