/** Fault families the simulator can inject. @since 0.1.0 */
export type FaultFamily = "lag" | "jumps" | "regressions" | "slowJobs" | "failures" | "bursts" | "crashes";

/** Every fault family, in a stable order. @since 0.1.0 */
export const faultFamilies: readonly FaultFamily[] = [
  "lag",
  "jumps",
  "regressions",
  "slowJobs",
  "failures",
  "bursts",
  "crashes",
];

/** `"none"`, `"swarm"` (each seed switches families on or off), or families switched by name. @since 0.1.0 */
export type FaultsOption = "none" | "swarm" | Partial<Record<FaultFamily, boolean>>;

/**
 * The guide's five scenarios, a random mix of programs and commands, the hostile
 * scenario, and `policy-churn` (hundreds of spawns, heavy spawn/unspawn churn: what
 * exercises an unspawn policy; never drawn by default, the command line runs it
 * whenever `--policies` is given).
 * @since 0.1.0
 */
export type ScenarioName =
  | "cron-cleanup"
  | "worker-pool"
  | "dynamic-scaling"
  | "manual-trigger"
  | "stats"
  | "mix"
  | "hostile"
  | "policy-churn";

/** @since 0.1.0 */
export const scenarioNames: readonly ScenarioName[] = [
  "cron-cleanup",
  "worker-pool",
  "dynamic-scaling",
  "manual-trigger",
  "stats",
  "mix",
  "hostile",
  "policy-churn",
];

/**
 * How the simulated host behaves for one program's jobs. Each job's duration
 * and outcome are drawn from a hash of the timeline's seed and the job id, so
 * a timeline replays exactly.
 * @since 0.1.0
 */
export interface JobBehaviour {
  readonly minDuration: number;
  readonly maxDuration: number;
  /** Chance a job fails (its mainFn throws). */
  readonly failRate: number;
  /** Chance a job is slow: its duration is multiplied by `slowFactor`. */
  readonly slowRate: number;
  readonly slowFactor: number;
  /** Chance a job hangs until it is killed (never completes on its own). */
  readonly hangRate: number;
  /** Chance the program's mergeFn throws for a job's output. */
  readonly mergeThrowRate: number;
}

/**
 * A hostile value, by name (timelines stay JSON data; the engine builds the value):
 * an Error, `Object.create(null)`, an object whose `toString` throws, an Error whose
 * `message` getter throws, a string, a number, `undefined`.
 * @since 0.1.0
 */
export type HostileValue =
  | "error"
  | "null-proto"
  | "throwing-to-string"
  | "throwing-message"
  | "string"
  | "number"
  | "undefined";

/** @since 0.1.0 */
export const hostileValues: readonly HostileValue[] = [
  "error",
  "null-proto",
  "throwing-to-string",
  "throwing-message",
  "string",
  "number",
  "undefined",
];

/** A number JSON cannot hold, or a wrong type, by name: what a hostile interval function returns. @since 0.1.0 */
export type BadNumber = "nan" | "infinity" | "zero" | "negative" | "min-value" | "beyond-max" | "string" | "null";

/**
 * A function interval as data: call `k` (1-based, counted per program or spawn) returns
 * `values[(k - 1) % values.length]`, or throws `thrown` when `throwEvery` divides `k`.
 * A backoff is a rising list, e.g. `[10, 20, 40, 80]`.
 * @since 0.1.0
 */
export interface IntervalFnDescriptor {
  readonly values: readonly (number | BadNumber)[];
  readonly throwEvery?: number;
  readonly thrown?: HostileValue;
}

/** The hooks a descriptor can make throw. @since 0.1.0 */
export type HookName = "createFn" | "argsFn" | "successFn" | "errorFn" | "mergeFn" | "continueFn" | "timeFn";

/** A hook that throws `value` on every `every`-th call (counted per program or spawn). @since 0.1.0 */
export interface HookThrow {
  readonly every: number;
  readonly value: HostileValue;
}

/** Spawn options as data (`spawn(programId, opts)`); `unknownKey` adds a misspelt key. @since 0.1.0 */
export interface SpawnOptsDescriptor {
  readonly spawnId?: string;
  readonly interval?: number | BadNumber;
  readonly intervalFn?: IntervalFnDescriptor;
  readonly delay?: number | "random";
  readonly misfire?: "catch-up" | "skip";
  readonly output?: "latest" | "all";
  readonly catchUpWindow?: number;
  readonly throws?: Partial<Record<HookName, HookThrow>>;
  readonly unknownKey?: boolean;
  /** Spec 18: the spawn's overlap policy and buffer bound. @since 0.2.0 */
  readonly overlap?: OverlapPolicy;
  readonly bufferLimit?: number;
  /** Spec 18: the spawn stops after this many runs. @since 0.2.0 */
  readonly maxRuns?: number;
  /** Spec 18: `startAt` / `endAt` this many ms after the spawn command's time (negative: before it). @since 0.2.0 */
  readonly startIn?: number;
  readonly endIn?: number;
  /** Spec 18: each due job starts up to this many ms late (drawn by the kernel). @since 0.2.0 */
  readonly jitter?: number;
}

/** What a due time does while the spawn's previous job is still running (spec 18). @since 0.2.0 */
export type OverlapPolicy = "allow" | "skip" | "buffer-one" | "buffer-all" | "cancel-other";

/**
 * A malformed or hostile command, by name; the engine builds it (and expects the
 * kernel to reject it, leaving its snapshot unchanged).
 * @since 0.1.0
 */
export type BadCommand =
  | "unknown-type"
  | "bigint-type"
  | "circular-type"
  | "nan-at"
  | "infinity-at"
  | "huge-at"
  | "beyond-max-at"
  | "unknown-key"
  | "unknown-program"
  | "unknown-spawn"
  | "job-0"
  | "job-01"
  | "job-never"
  | "bad-outcome"
  | "duplicate-spawn"
  | "bad-opts"
  | "getter-opts"
  | "bad-interval"
  | "tiny-interval"
  | "trigger-beyond-max"
  | "spec-unknown-key"
  | "spec-min-max"
  | "spec-zero-interval"
  | "spec-huge-interval"
  | "spec-unknown-policy"
  | "spec-cron-never"
  | "spec-cron-garbage"
  | "spec-no-main"
  | "spec-throwing-create"
  | "spec-getter"
  | Spec18BadCommand;

/**
 * Spec 18's malformed commands (drawn by the mix when those features are on, never by the
 * hostile scenario, whose draws stay as they were).
 * @since 0.2.0
 */
export type Spec18BadCommand =
  | "spec-basic-overlap"
  | "spec-bad-overlap"
  | "spec-zero-buffer-limit"
  | "spec-fractional-max-runs"
  | "spec-end-before-start"
  | "spec-nan-start"
  | "opts-basic-overlap"
  | "opts-zero-max-runs"
  | "opts-end-before-start"
  | "opts-huge-end"
  | "pause-unknown-program"
  | "pause-unknown-spawn"
  | "pause-stopped-spawn"
  | "pause-bad-note"
  | "resume-unknown-spawn"
  | "batch-never"
  | "batch-bad-entry"
  | "batch-empty";

/** @since 0.2.0 */
export const spec18BadCommands: readonly Spec18BadCommand[] = [
  "spec-basic-overlap",
  "spec-bad-overlap",
  "spec-zero-buffer-limit",
  "spec-fractional-max-runs",
  "spec-end-before-start",
  "spec-nan-start",
  "opts-basic-overlap",
  "opts-zero-max-runs",
  "opts-end-before-start",
  "opts-huge-end",
  "pause-unknown-program",
  "pause-unknown-spawn",
  "pause-stopped-spawn",
  "pause-bad-note",
  "resume-unknown-spawn",
  // The batch `complete` (0.3): refused whole, so the job in flight it names stays in flight.
  "batch-never",
  "batch-bad-entry",
  "batch-empty",
];

/** @since 0.1.0 */
export const badCommands: readonly BadCommand[] = [
  "unknown-type",
  "bigint-type",
  "circular-type",
  "nan-at",
  "infinity-at",
  "huge-at",
  "beyond-max-at",
  "unknown-key",
  "unknown-program",
  "unknown-spawn",
  "job-0",
  "job-01",
  "job-never",
  "bad-outcome",
  "duplicate-spawn",
  "bad-opts",
  "getter-opts",
  "bad-interval",
  "tiny-interval",
  "trigger-beyond-max",
  "spec-unknown-key",
  "spec-min-max",
  "spec-zero-interval",
  "spec-huge-interval",
  "spec-unknown-policy",
  "spec-cron-never",
  "spec-cron-garbage",
  "spec-no-main",
  "spec-throwing-create",
  "spec-getter",
];

/** A program as data: the simulator builds the spec (and its pure hooks) from it. @since 0.1.0 */
export interface ProgramDescriptor {
  readonly id: string;
  readonly type: "basic" | "constant" | "cron";
  /** ms; for a cron program, the longest gap between two matches (the liveness check's bound). */
  readonly interval: number;
  /** For type "cron": the expression (6 fields in the mix: seconds first) and its IANA zone. */
  readonly cron?: string;
  readonly timezone?: string;
  readonly delay?: number | "random";
  readonly misfire?: "catch-up" | "skip";
  readonly min?: number;
  readonly max?: number;
  readonly scope?: "program" | "spawn";
  readonly output?: "latest" | "all";
  readonly policy?: string;
  /** `timeFn: t => floor(t / align) * align` (constant programs). */
  readonly align?: number;
  /** `continueFn: props => props.completed < stopAfter`. */
  readonly stopAfter?: number;
  /** A function interval instead of `interval` (basic and constant programs). @since 0.1.0 */
  readonly intervalFn?: IntervalFnDescriptor;
  /** Hooks that throw now and then. @since 0.1.0 */
  readonly throws?: Partial<Record<HookName, HookThrow>>;
  /** `createFn` returns `null`, or `mergeFn` returns `null` for every third output. @since 0.1.0 */
  readonly nullState?: "create" | "merge";
  /** ms: the program's `catchUpWindow`. @since 0.1.0 */
  readonly catchUpWindow?: number;
  /** Spec 18: overlap policy and buffer bound (constant and cron programs). @since 0.2.0 */
  readonly overlap?: OverlapPolicy;
  readonly bufferLimit?: number;
  /** Spec 18: each spawn stops after this many runs. @since 0.2.0 */
  readonly maxRuns?: number;
  /** Spec 18: no job before `startAt`, each spawn stops at `endAt` (kernel times, ms). @since 0.2.0 */
  readonly startAt?: number;
  readonly endAt?: number;
  /** Spec 18: each due job starts up to this many ms late (drawn by the kernel). @since 0.2.0 */
  readonly jitter?: number;
  readonly behaviour: JobBehaviour;
}

/** One thing that happens to the host at a virtual time. @since 0.1.0 */
export type TimelineEvent =
  | { readonly at: number; readonly kind: "install"; readonly program: ProgramDescriptor }
  | {
      readonly at: number;
      readonly kind: "uninstall" | "clear" | "unspawn" | "stop-all" | "kill-all";
      readonly programId: string;
    }
  /** A spawn, with options when `opts` is given. */
  | { readonly at: number; readonly kind: "spawn"; readonly programId: string; readonly opts?: SpawnOptsDescriptor }
  /** A trigger; `scheduledIn` sets `scheduledAt` that many ms from now (negative: in the past). */
  | { readonly at: number; readonly kind: "trigger"; readonly programId: string; readonly scheduledIn?: number }
  /** A malformed or hostile command, for the program `programId` where it needs one. */
  | { readonly at: number; readonly kind: "bad"; readonly bad: BadCommand; readonly programId: string }
  | {
      readonly at: number;
      readonly kind: "set-interval";
      readonly programId: string;
      readonly interval: number;
      /** A function interval instead (`interval` then bounds the liveness check). @since 0.1.0 */
      readonly intervalFn?: IntervalFnDescriptor;
    }
  /** Stops or kills the running spawn at index `pick` (modulo the count) at that time. */
  | {
      readonly at: number;
      readonly kind: "stop-spawn" | "kill-spawn";
      readonly programId: string;
      readonly pick: number;
    }
  /** The host slept: its clock jumps forward `by` ms. */
  | { readonly at: number; readonly kind: "jump"; readonly by: number }
  /**
   * The host's wall clock steps by `by` ms against its monotonic clock (an NTP step, a
   * suspend). A timeline with such an event sends `wall` (epoch ms) with every command.
   * @since 0.1.0
   */
  | { readonly at: number; readonly kind: "wall"; readonly by: number }
  /** The next command carries a clock reading `by` ms in the past. */
  | { readonly at: number; readonly kind: "regress"; readonly by: number }
  /** The host crashes and restarts from `kernel.snapshot()`; jobs in flight are reported lost. */
  | { readonly at: number; readonly kind: "crash" }
  /**
   * Spec 18: pauses the program, or (with `pick`) its running spawn at index `pick` (modulo the
   * count), with `note` when given. @since 0.2.0
   */
  | {
      readonly at: number;
      readonly kind: "pause";
      readonly programId: string;
      readonly pick?: number;
      readonly note?: string;
    }
  /**
   * Spec 18: resumes the program, or (with `pick`) one of its spawns: the paused one at index
   * `pick` (modulo the count) if any is paused on its own, else the running one. @since 0.2.0
   */
  | { readonly at: number; readonly kind: "resume"; readonly programId: string; readonly pick?: number }
  /**
   * Spec 18: a backfill of the program's due times in `[to - span, to)`, where `to` is `ago` ms
   * before the command's time (negative: after it, which is refused), under `overlap` (the
   * kernel's default when left out). @since 0.2.0
   */
  | {
      readonly at: number;
      readonly kind: "backfill";
      readonly programId: string;
      readonly ago: number;
      readonly span: number;
      readonly overlap?: OverlapPolicy;
    };

/** The fault settings of one run, as drawn from the seed (swarm) or given. @since 0.1.0 */
export interface FaultPlan {
  readonly families: Readonly<Record<FaultFamily, boolean>>;
  /** Largest delay of a late wake (lag), ms. */
  readonly lagMax: number;
  /** Chance a wake is delivered late. */
  readonly lagRate: number;
}

/** Plain JSON: everything needed to replay a run. @since 0.1.0 */
export interface Timeline {
  readonly version: 1;
  readonly seed: number;
  readonly scenario: ScenarioName;
  /** The run stops after this many kernel dispatches. */
  readonly steps: number;
  readonly faults: FaultPlan;
  /** Names of the policies the run used; the first is every program's default. */
  readonly policies: readonly string[];
  readonly events: readonly TimelineEvent[];
  /**
   * The trace hash of the run this timeline was saved from (failure files written by
   * `writeFailure` and the command line carry it). `replay` compares it with its own
   * trace and reports a `trace-hash` violation when they differ: the timeline was
   * recorded with a different policy or kernel. Older files without it still replay.
   */
  readonly traceHash?: string;
  /**
   * How `traceHash` was computed: 2 (a numeric hash over every effect field, since 0.3.0),
   * written beside every recorded hash. A file with a `traceHash` and no version was
   * recorded by an older simulator (SHA-256 of each effect's JSON); `replay` computes that
   * older hash for it, so its recorded hash still compares.
   * @since 0.3.0
   */
  readonly traceHashVersion?: 2;
}

/**
 * Which checks a run makes: `"full"` (the default: the reference model, every invariant,
 * the snapshot checks, and a second run compared for determinism) or `"determinism-only"`
 * (for sweeps of many seeds: every seed still runs twice and the two traces are compared;
 * the reference model and the invariant checks are off).
 * @since 0.3.0
 */
export type ChecksMode = "full" | "determinism-only";

/** A broken check. @since 0.1.0 */
export interface Violation {
  readonly check: string;
  readonly message: string;
  readonly seed: number;
  /** Virtual time (ms) and kernel step at which it broke. */
  readonly at: number;
  readonly step: number;
}

/** Lateness (`startedAt - scheduledAt`) percentiles, ms. @since 0.1.0 */
export interface Jitter {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** A histogram of lateness: `counts[i]` jobs were late by [i * binMs, (i + 1) * binMs). @since 0.1.0 */
export interface Histogram {
  readonly binMs: number;
  readonly counts: readonly number[];
}

/** One spawn's life, for the report's timeline. @since 0.1.0 */
export interface SpawnLife {
  readonly programId: string;
  readonly spawnId: string;
  readonly startedAt: number;
  /** `null` while still running at the end of the run. */
  readonly stoppedAt: number | null;
  readonly jobs: number;
}

/** What one seeded run found. @since 0.1.0 */
export interface SimResult {
  readonly seed: number;
  readonly scenario: ScenarioName;
  /** A hash of every effect, in order. */
  readonly traceHash: string;
  /** Empty when every check held. */
  readonly violations: readonly Violation[];
  readonly jitter: Jitter;
  /** Every job's lateness in ms, in start order (what `jitter` and `histogram` summarise). */
  readonly lateness: readonly number[];
  readonly jitterByType: Readonly<Record<"basic" | "constant", Jitter>>;
  readonly histogram: Histogram;
  /** Largest distance of a constant job's due time from its grid, ms (0 when no grid drifts). */
  readonly drift: number;
  readonly spawns: readonly SpawnLife[];
  /** How many times each check held. */
  readonly checks: Readonly<Record<string, number>>;
  /**
   * Which checks ran: `"full"` unless `checks: "determinism-only"` was asked for (`simulate`
   * and `replay` always set it; a result made by hand may leave it out).
   * @since 0.3.0
   */
  readonly checksMode?: ChecksMode;
  readonly stats: {
    readonly steps: number;
    readonly jobs: number;
    readonly simulatedMs: number;
    readonly wallMs: number;
    readonly eventsPerSecond: number;
  };
  readonly timeline: Timeline;
}
