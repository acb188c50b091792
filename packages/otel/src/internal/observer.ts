import {
  type Attributes,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { JobStart, KernelEffect, SettledJob } from "@schedkit/kernel";
import type { JobMetrics } from "./jobMetrics.js";
import { attr, type JobEnd, type JobKind } from "./names.js";
import { hrTimeOf } from "./time.js";

/** A job whose `mainFn` this instrumentation saw start, until it settles or is cancelled. */
interface OpenJob {
  readonly span: Span;
  readonly programId: string;
  readonly kind: JobKind;
  readonly shard: number | undefined;
  readonly startedAt: number;
  /** When `mainFn` returned (or its Promise or Effect was started): a synchronous job ends no earlier. */
  returnedAt: number;
}

/** Results of cancelled jobs may still be discarded later: their programs, the newest kept. */
const CANCELLED_KEPT = 1_024;

/** The events of a fleet runner this instrumentation reads (the rest are ignored). */
type FleetEvent =
  | { readonly type: "kernel"; readonly shard: number; readonly effect: KernelEffect }
  | { readonly type: "acquired"; readonly shard: number; readonly previousOwner: string | null }
  | { readonly type: "released" | "lost"; readonly shard: number }
  /** `health().status` changed; `"stopped"` after `stop()` (nothing left running) or `kill()`. */
  | { readonly type: "health"; readonly status: string }
  | {
      readonly type: "cancel";
      readonly shard: number;
      readonly jobId: string;
      readonly epoch: number;
    };

/**
 * Reads a runner's (or a fleet runner's) effects and jobs into spans and metrics. A job's span
 * starts in the job wrapper, just before its `mainFn` runs, and ends with its `settled` (or its
 * `cancel`, or the loss of its shard). Keys: the job id, with its shard on a fleet runner.
 */
export class JobObserver {
  private readonly open = new Map<string, OpenJob>();
  /** Triggers' jobs announced and not started yet, by key. */
  private readonly triggers = new Set<string>();
  /** Backfills' fires announced and not started yet, by shard and fire id. */
  private readonly backfills = new Set<string>();
  /** Spawns counted as running, by program and spawn id (with the shard on a fleet). */
  private readonly spawns = new Map<string, string>();
  private readonly shards = new Set<number>();
  /** Shards held when instrumented (see `seedShards`) and not yet released or lost. */
  private unseenShards = 0;
  private readonly cancelled = new Map<string, string>();

  constructor(
    private readonly tracer: Tracer,
    private readonly metrics: JobMetrics,
    /** Attributes every span carries (runner or node id). */
    private readonly base: Attributes,
    /** The runner's clock now, for an end that carries no time (a cancel, a lost shard, removal). */
    private readonly now: () => number,
    /** A fleet runner's node id: an acquired shard from another node is a takeover. */
    private readonly nodeId: string | undefined,
    /** Whether spawns are counted (not on a fleet: a shard's spawns move with it, unannounced). */
    private readonly countSpawns: boolean,
  ) {}

  /** Spawns running before the instrumentation was added (read from the runner's `info()`). */
  seedSpawns(
    programs: Readonly<Record<string, { readonly current: Readonly<Record<string, { readonly status: string }>> }>>,
  ): void {
    for (const [programId, program] of Object.entries(programs)) {
      for (const [spawnId, spawn] of Object.entries(program.current)) {
        if (spawn.status === "stopped") continue;
        this.spawns.set(`${programId}\u0000${spawnId}`, programId);
        this.metrics.spawnMoved(programId, 1);
      }
    }
  }

  /**
   * Shards a fleet replica held before the instrumentation was added (a count from its `health()`:
   * which ones is not known, so the first releases or losses of shards not seen acquired take them off).
   */
  seedShards(count: number): void {
    for (let i = 0; i < count; i++) {
      this.unseenShards += 1;
      this.metrics.shardMoved(1);
    }
  }

  /** The job wrapper: the span starts, and `mainFn` runs inside its context. */
  readonly wrap = (job: JobStart, run: () => void): void => {
    const key = keyOf(job.shard, job.jobId);
    const kind = this.kindOf(job, key);
    // The span starts when mainFn does: after the jobs before it in the runner's step, and on a
    // fleet once its fire is recorded (a store round trip), or long after for a takeover's rerun
    // (which keeps its first start). Under a fake clock that is the job's start time exactly.
    const startedAt = Math.max(job.startedAt, this.now());
    const lateness = startedAt - job.scheduledAt;
    // A literal, then the base: a spread first makes every later key slow to add (V8 on Node 20).
    const attributes: Attributes = {
      [attr.programId]: job.programId,
      [attr.fireId]: job.fireId,
      [attr.jobId]: job.jobId,
      [attr.kind]: kind,
      [attr.scheduledAt]: job.scheduledAt,
      [attr.latenessMs]: lateness,
    };
    for (const key in this.base) attributes[key] = this.base[key];
    if (job.spawnId !== null) attributes[attr.spawnId] = job.spawnId;
    if (job.shard !== undefined) attributes[attr.shard] = job.shard;
    if (job.epoch !== undefined) attributes[attr.epoch] = job.epoch;
    if (job.rerun !== undefined) attributes[attr.rerun] = job.rerun;
    // Every job is a trace of its own: the context active here is whatever armed the runner's timer.
    const span = this.tracer.startSpan(
      `schedkit.job ${job.programId}`,
      { kind: SpanKind.INTERNAL, startTime: hrTimeOf(startedAt), attributes },
      ROOT_CONTEXT,
    );
    const open: OpenJob = { span, programId: job.programId, kind, shard: job.shard, startedAt, returnedAt: startedAt };
    this.open.set(key, open);
    this.metrics.jobStarted(job.programId, kind, lateness);
    try {
      context.with(trace.setSpan(ROOT_CONTEXT, span), run);
    } finally {
      open.returnedAt = this.now();
    }
  };

  /** A runner's effect. */
  readonly onEffect = (effect: KernelEffect): void => {
    this.kernelEffect(effect, undefined);
  };

  /** A fleet runner's event. */
  readonly onFleetEvent = (event: { readonly type: string }): void => {
    const known = event as FleetEvent;
    switch (known.type) {
      case "kernel":
        this.kernelEffect(known.effect, known.shard);
        return;
      case "cancel":
        this.cancelJob(keyOf(known.shard, known.jobId));
        return;
      case "acquired":
        if (this.shards.has(known.shard)) return;
        this.shards.add(known.shard);
        this.metrics.shardMoved(1);
        if (known.previousOwner !== null && known.previousOwner !== this.nodeId) this.metrics.takeover();
        return;
      case "released":
      case "lost":
        this.endShard(known.shard);
        return;
      case "health":
        // A killed replica aborts its jobs and reports nothing of them (no cancel, no settled): their
        // spans end here, as the runner's kill ends its own (a graceful stop has none left by now).
        if (known.status === "stopped") this.endAll("cancelled");
        return;
      default:
        return;
    }
  };

  /** Ends what is open (spans as `abandoned`), and takes back the up-down counts. */
  close(): void {
    this.endAll("abandoned");
    this.metrics.takeBack();
    this.spawns.clear();
    this.shards.clear();
    this.unseenShards = 0;
    this.triggers.clear();
    this.backfills.clear();
  }

  private kernelEffect(effect: KernelEffect, shard: number | undefined): void {
    switch (effect.type) {
      case "settled":
        this.settle(effect, shard);
        return;
      case "cancel":
        this.triggers.delete(keyOf(shard, effect.jobId));
        this.backfills.delete(keyOf(shard, effect.fireId));
        if (effect.inFlight) this.cancelJob(keyOf(shard, effect.jobId));
        return;
      case "triggered":
        this.triggers.add(keyOf(shard, effect.jobId));
        return;
      case "backfilled":
        for (const each of effect.runs) this.backfills.add(keyOf(shard, each.fireId));
        return;
      case "skipped":
        this.backfills.delete(keyOf(shard, effect.fireId));
        this.metrics.skippedRun(effect.programId, effect.reason);
        return;
      case "missed":
        this.metrics.missedRuns(effect.programId, effect.count, effect.reason);
        return;
      case "refused":
        this.metrics.refusedCommand(programOf(effect.command), effect.code);
        return;
      case "discarded":
        this.metrics.discardedResult(this.cancelled.get(keyOf(shard, effect.jobId)));
        return;
      case "spawned":
        if (this.countSpawns) {
          this.spawns.set(`${effect.programId}\u0000${effect.spawnId}`, effect.programId);
          this.metrics.spawnMoved(effect.programId, 1);
        }
        return;
      case "stopped": {
        const key = `${effect.programId}\u0000${effect.spawnId}`;
        if (this.spawns.delete(key)) this.metrics.spawnMoved(effect.programId, -1);
        return;
      }
      default:
        return;
    }
  }

  private kindOf(job: JobStart, key: string): JobKind {
    if (job.spawnId !== null) return "spawn";
    if (this.triggers.delete(key)) return "trigger";
    if (this.backfills.delete(keyOf(job.shard, job.fireId))) return "backfill";
    return unannouncedKind(job);
  }

  private settle(effect: SettledJob, shard: number | undefined): void {
    const key = keyOf(shard, effect.jobId);
    const job = this.open.get(key);
    if (job === undefined) {
      // Settled without running here (refused while stopping, or started before instrumenting).
      const announced = this.triggers.delete(key) ? "trigger" : undefined;
      const backfill = this.backfills.delete(keyOf(shard, effect.fireId)) ? "backfill" : undefined;
      this.metrics.jobEnded(
        effect.programId,
        announced ?? backfill ?? unannouncedKind(effect),
        effect.status,
        undefined,
        false,
      );
      return;
    }
    // A synchronous job's result is stamped with its step's time, so it ends when mainFn returned.
    // A fleet shard's kernel time stands still while the shard is released (a graceful stop, a
    // handoff): a job settled meanwhile says it ended when the release began. It ended now.
    const endedAt =
      shard === undefined ? Math.max(effect.endedAt, job.returnedAt) : Math.max(effect.endedAt, this.now());
    this.finish(key, job, effect.status, endedAt, effect.status === "errored" ? { error: effect.error } : undefined);
  }

  private cancelJob(key: string): void {
    const job = this.open.get(key);
    if (job === undefined) return;
    this.remember(key, job.programId);
    this.finish(key, job, "cancelled", this.now(), undefined);
  }

  /** Every open span ends now, with no result. */
  private endAll(end: JobEnd): void {
    const at = this.now();
    for (const [key, job] of this.open) this.finish(key, job, end, at, undefined);
  }

  /** A shard released or lost: its jobs' results will not be taken here. */
  private endShard(shard: number): void {
    if (this.shards.delete(shard)) this.metrics.shardMoved(-1);
    else if (this.unseenShards > 0) {
      this.unseenShards -= 1;
      this.metrics.shardMoved(-1);
    }
    const at = this.now();
    for (const [key, job] of this.open) if (job.shard === shard) this.finish(key, job, "abandoned", at, undefined);
  }

  private finish(key: string, job: OpenJob, end: JobEnd, at: number, failure: { error: unknown } | undefined): void {
    this.open.delete(key);
    const span = job.span;
    span.setAttribute(attr.status, end);
    if (failure !== undefined) {
      recordError(span, failure.error, at);
    }
    span.end(hrTimeOf(at));
    this.metrics.jobEnded(job.programId, job.kind, end, at - job.startedAt, true);
  }

  private remember(key: string, programId: string): void {
    this.cancelled.set(key, programId);
    if (this.cancelled.size > CANCELLED_KEPT) {
      const oldest = this.cancelled.keys().next();
      if (oldest.done !== true) this.cancelled.delete(oldest.value);
    }
  }
}

const keyOf = (shard: number | undefined, id: string): string => (shard === undefined ? id : `${shard}:${id}`);

/**
 * The kind of a job nobody announced here: one announced before instrumenting, or a fleet's rerun
 * after a takeover (its shard's log is replayed, not announced). A backfill's fire id says so (the
 * kernel's `<programId>/backfill/<scheduledAt>`); any other program-level job is a trigger.
 */
const unannouncedKind = (job: {
  readonly programId: string;
  readonly spawnId: string | null;
  readonly fireId: string;
  readonly scheduledAt: number;
}): JobKind => {
  if (job.spawnId !== null) return "spawn";
  return job.fireId === `${job.programId}/backfill/${job.scheduledAt}` ? "backfill" : "trigger";
};

const programOf = (command: unknown): string | undefined => {
  const programId = (command as { programId?: unknown } | null)?.programId;
  return typeof programId === "string" ? programId : undefined;
};

/** An error's name and message: an Error's, an error as data's (a fleet logs outcomes as JSON), else the value's text. */
const describeError = (error: unknown): { name: string; message: string } => {
  if (typeof error === "object" && error !== null) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (typeof message === "string") return { name: typeof name === "string" && name !== "" ? name : "Error", message };
    if (!(error instanceof Error)) {
      try {
        return { name: "Error", message: JSON.stringify(error) ?? String(error) };
      } catch {
        // Not JSON (a cycle, a BigInt): its text below.
      }
    }
  }
  return { name: "Error", message: String(error) };
};

/** The error as an exception event and the span's status; never throws (a hostile error stays an error). */
const recordError = (span: Span, error: unknown, at: number): void => {
  let described: { name: string; message: string };
  try {
    described = describeError(error);
  } catch {
    described = { name: "Error", message: "(an error that could not be shown)" };
  }
  const message = described.message;
  try {
    if (error instanceof Error) span.recordException(error, hrTimeOf(at));
    else span.recordException(described, hrTimeOf(at));
  } catch {
    // An error whose fields throw: its status below still says it failed.
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message });
};
