import type {
  Attributes,
  Counter,
  Histogram,
  Meter,
  MeterProvider,
  ObservableResult,
  ObservableUpDownCounter,
} from "@opentelemetry/api";
import { attr, BUCKETS_MS, INSTRUMENTATION_NAME, metric } from "./names.js";

interface ProgramMetrics {
  inFlight: number;
  readonly started: Map<string, Attributes>;
  readonly ended: Map<string, Map<string, Attributes>>;
}

/**
 * The instruments. Cost per job matters (a runner may start 100,000 a second): each job makes
 * three measurements (lateness at its start; its count and duration at its end), with attribute
 * objects made once per program, kind and status and reused. What is running (spawns, jobs in
 * flight, shards) is counted here and observed by the SDK when it collects, not added per job.
 */
export class JobMetrics {
  private lateness!: Histogram;
  private duration!: Histogram;
  private settled!: Counter;
  private missed!: Counter;
  private skipped!: Counter;
  private refused!: Counter;
  private discarded!: Counter;
  private takeovers!: Counter;
  /** The provider the instruments come from, and (with the global default) where to look for a newer one. */
  private provider: MeterProvider;
  /** Per program: jobs in flight and the attributes of job measurements. Spawns running; shards held. */
  private readonly programs = new Map<string, ProgramMetrics>();
  private readonly spawns = new Map<string, number>();
  private shards = 0;
  /** Attribute objects by program, then by the rest of the key: made once, never changed. */
  private readonly attributes = new Map<string, Map<string, Attributes>>();
  private readonly none: Attributes;
  private removeCallbacks: () => void = () => undefined;
  private closing = false;
  private closed = false;

  constructor(
    provider: MeterProvider,
    /**
     * The global provider now, when none was given: the API has no proxy meter provider (unlike
     * tracers), so a meter taken before the SDK registers one would stay a no-op for good.
     */
    private readonly currentGlobal: (() => MeterProvider) | undefined,
    /** Attributes every measurement carries (the runner's id). */
    private readonly base: Attributes,
    /** Whether spawns are observed (not on a fleet runner). */
    private readonly countSpawns: boolean,
    /** Whether shards are observed (a fleet runner). */
    private readonly countShards: boolean,
  ) {
    this.none = Object.freeze(Object.assign({}, base));
    this.provider = provider;
    this.build(provider.getMeter(INSTRUMENTATION_NAME));
  }

  /** Takes the instruments from a newer global provider, if one was registered meanwhile. */
  private follow(): void {
    const current = (this.currentGlobal as () => MeterProvider)();
    if (current === this.provider) return;
    this.removeCallbacks();
    this.provider = current;
    this.build(current.getMeter(INSTRUMENTATION_NAME));
  }

  private build(meter: Meter): void {
    const countSpawns = this.countSpawns;
    const countShards = this.countShards;
    const advice = { explicitBucketBoundaries: [...BUCKETS_MS] };
    this.lateness = meter.createHistogram(metric.lateness, {
      unit: "ms",
      description: "How late jobs started: start time minus due time.",
      advice,
    });
    this.duration = meter.createHistogram(metric.duration, {
      unit: "ms",
      description: "How long jobs ran, from start to settled.",
      advice,
    });
    this.settled = meter.createCounter(metric.settled, {
      unit: "{job}",
      description: "Jobs that ended, by status (succeeded, errored, lost, cancelled, abandoned).",
    });
    this.missed = meter.createCounter(metric.missed, {
      unit: "{run}",
      description: "Due times not run: past the catch-up window or limit.",
    });
    this.skipped = meter.createCounter(metric.skipped, {
      unit: "{run}",
      description: "Due times not run because the spawn was busy (overlap skip, full buffer).",
    });
    this.refused = meter.createCounter(metric.refused, {
      unit: "{command}",
      description: "Commands refused by a bound (max, min) or an empty pool.",
    });
    this.discarded = meter.createCounter(metric.discarded, {
      unit: "{job}",
      description: "Results that arrived for a job no longer in flight.",
    });
    this.takeovers = meter.createCounter(metric.takeovers, {
      unit: "{shard}",
      description: "Shards this replica took from another replica.",
    });
    const jobsInFlight = meter.createObservableUpDownCounter(metric.jobsInFlight, {
      unit: "{job}",
      description: "Jobs whose mainFn is running.",
    });
    const spawnsRunning = countSpawns
      ? meter.createObservableUpDownCounter(metric.spawnsRunning, {
          unit: "{spawn}",
          description: "Spawns started and not yet stopped.",
        })
      : undefined;
    const shardsOwned = countShards
      ? meter.createObservableUpDownCounter(metric.shardsOwned, {
          unit: "{shard}",
          description: "Fleet shards this replica holds the lease of.",
        })
      : undefined;
    const callbacks: [ObservableUpDownCounter, (result: ObservableResult) => void][] = [
      [
        jobsInFlight,
        (result) => {
          for (const [programId, program] of this.programs) result.observe(program.inFlight, this.with(programId));
          this.afterCollect();
        },
      ],
    ];
    if (spawnsRunning !== undefined) {
      callbacks.push([
        spawnsRunning,
        (result) => {
          for (const [programId, count] of this.spawns) result.observe(count, this.with(programId));
        },
      ]);
    }
    if (shardsOwned !== undefined) callbacks.push([shardsOwned, (result) => result.observe(this.shards, this.none)]);
    for (const [instrument, callback] of callbacks) instrument.addCallback(callback);
    this.removeCallbacks = () => {
      for (const [instrument, callback] of callbacks) instrument.removeCallback(callback);
    };
  }

  /**
   * After removal, the SDK keeps a cumulative series at its last value: the next collection must
   * see zeros, and only then are the callbacks removed (after it, not while the SDK iterates them).
   */
  private afterCollect(): void {
    if (this.closing && !this.closed) {
      this.closed = true;
      queueMicrotask(this.removeCallbacks);
    }
  }

  /** The attributes of a measurement: the base, the program, and up to two more; made once per key. */
  private with(programId: string | undefined, key1?: string, value1?: string, key2?: string, value2?: string) {
    if (programId === undefined && key1 === undefined) return this.none;
    const program = programId ?? "";
    let byRest = this.attributes.get(program);
    if (byRest === undefined) {
      byRest = new Map();
      this.attributes.set(program, byRest);
    }
    const rest = key1 === undefined ? "" : `${key1}=${value1}\u0000${key2 ?? ""}=${value2 ?? ""}`;
    let attributes = byRest.get(rest);
    if (attributes === undefined) {
      const made: Attributes = Object.assign({}, this.base);
      if (programId !== undefined) made[attr.programId] = programId;
      if (key1 !== undefined) made[key1] = value1;
      if (key2 !== undefined) made[key2] = value2;
      attributes = Object.freeze(made);
      byRest.set(rest, attributes);
    }
    return attributes;
  }

  /** One program's counts and its per-job attribute objects (made once per kind and status). */
  private program(programId: string): ProgramMetrics {
    let program = this.programs.get(programId);
    if (program === undefined) {
      program = { inFlight: 0, started: new Map(), ended: new Map() };
      this.programs.set(programId, program);
    }
    return program;
  }

  jobStarted(programId: string, kind: string, latenessMs: number): void {
    if (this.currentGlobal !== undefined) this.follow();
    const program = this.program(programId);
    let attributes = program.started.get(kind);
    if (attributes === undefined) {
      attributes = this.with(programId, attr.kind, kind);
      program.started.set(kind, attributes);
    }
    this.lateness.record(Math.max(0, latenessMs), attributes);
    program.inFlight += 1;
  }

  /** A job ended (`ran`: its mainFn ran here, so it had a duration and was in flight). */
  jobEnded(programId: string, kind: string, status: string, durationMs: number | undefined, ran: boolean): void {
    const program = this.program(programId);
    let byStatus = program.ended.get(kind);
    if (byStatus === undefined) {
      byStatus = new Map();
      program.ended.set(kind, byStatus);
    }
    let attributes = byStatus.get(status);
    if (attributes === undefined) {
      attributes = this.with(programId, attr.kind, kind, attr.status, status);
      byStatus.set(status, attributes);
    }
    this.settled.add(1, attributes);
    if (durationMs !== undefined) this.duration.record(Math.max(0, durationMs), attributes);
    if (ran && program.inFlight > 0) program.inFlight -= 1;
  }

  missedRuns(programId: string, count: number, reason: string): void {
    if (this.currentGlobal !== undefined) this.follow();
    this.missed.add(count, this.with(programId, attr.reason, reason));
  }

  skippedRun(programId: string, reason: string): void {
    if (this.currentGlobal !== undefined) this.follow();
    this.skipped.add(1, this.with(programId, attr.reason, reason));
  }

  refusedCommand(programId: string | undefined, code: string): void {
    if (this.currentGlobal !== undefined) this.follow();
    this.refused.add(1, this.with(programId, attr.code, code));
  }

  discardedResult(programId: string | undefined): void {
    if (this.currentGlobal !== undefined) this.follow();
    this.discarded.add(1, this.with(programId));
  }

  spawnMoved(programId: string, by: 1 | -1): void {
    if (this.currentGlobal !== undefined) this.follow();
    this.spawns.set(programId, Math.max(0, (this.spawns.get(programId) ?? 0) + by));
  }

  shardMoved(by: 1 | -1): void {
    if (this.currentGlobal !== undefined) this.follow();
    this.shards = Math.max(0, this.shards + by);
  }

  takeover(): void {
    if (this.currentGlobal !== undefined) this.follow();
    this.takeovers.add(1, this.none);
  }

  /** What this instrumentation counted as running goes back to zero; observed once more, then no longer. */
  takeBack(): void {
    for (const program of this.programs.values()) program.inFlight = 0;
    for (const programId of this.spawns.keys()) this.spawns.set(programId, 0);
    this.shards = 0;
    this.closing = true;
  }
}
