import { createKernel, type Kernel, type KernelOptions } from "../../Kernel.js";
import type { KernelEffect } from "../../KernelEffect.js";
import type { ProgramSpec } from "../../Program.js";
import type { CoordinatorEffect } from "../Coordinator.js";
import type {
  Checkpoint,
  CommandAnswer,
  FireRecord,
  InboxEntry,
  LogEntry,
  LoggedCommand,
  StoredAnswer,
  StoreReply,
  StoreRequest,
} from "../protocol.js";
import { kernelCommandOf, triggerFireId } from "./jsonData.js";

/** A job of the shard's kernel that has started (its fire recorded, or about to be). */
export interface JobState {
  readonly jobId: string;
  readonly fireId: string;
  readonly programId: string;
  readonly spawnId: string | null;
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly args: unknown;
  /** Handed to the host (a `run` effect was emitted). */
  running: boolean;
  /** A previous owner recorded it and never completed it. */
  rerun: boolean;
}

export interface InFlightRequest {
  readonly requestId: string;
  readonly sentAt: number;
}

export interface Batch extends InFlightRequest {
  readonly request: Extract<StoreRequest, { type: "append" }>;
  readonly runs: readonly JobState[];
}

type AcquiredReply = Extract<StoreReply, { type: "acquired" }>;

/** What a shard needs from its coordinator. */
export interface ShardHost {
  readonly nodeId: string;
  readonly kernelOptions: KernelOptions;
  readonly checkpointEvery: number;
  readonly skipReplay: boolean;
  readonly recordBeforeCheck: boolean;
  readonly out: CoordinatorEffect[];
  wall(): number;
}

/**
 * One shard this node holds: its kernel, rebuilt from the checkpoint and the
 * log, and what it has applied but the store has not yet acknowledged. Every
 * command the kernel gets is logged, so a replay elsewhere is this very run.
 */
export class ShardRun {
  readonly kernel: Kernel;
  readonly jobs = new Map<string, JobState>();
  readonly byFire = new Map<string, string>();
  /** This kernel's job id for a fire id (one function for every command, not one per command). */
  private readonly jobOf = (fireId: string): string | undefined => this.byFire.get(fireId);
  /** Triggers whose callers wait for the job's output, by fire id. */
  readonly triggerCommands = new Map<string, string>();
  head: number;
  nextSeq: number;
  /** Kernel time at install: a shard without programs checkpoints at it. */
  private readonly installAt: number;
  sinceCheckpoint = 0;
  wantCheckpoint = true;
  kernelWake: number | null = null;
  pendingEntries: LogEntry[] = [];
  pendingFires: FireRecord[] = [];
  pendingAnswers: StoredAnswer[] = [];
  pendingCancelled: string[] = [];
  pendingRuns: JobState[] = [];
  batch: Batch | null = null;
  /** Acknowledged fires waiting for a valid lease to start. */
  held: JobState[] = [];
  inboxCursor: number;
  inboxRequest: InFlightRequest | null = null;
  nextInboxAt = Number.NEGATIVE_INFINITY;
  renew: InFlightRequest | null = null;
  lastRenewSentAt: number;
  /** Monotonic time the acquire was sent. */
  readonly acquiredAt: number;
  deadline: number;
  paused = false;
  releasing = false;
  /**
   * A handoff to balance the fleet waits this long (monotonic) for in-flight
   * jobs, then hands them over unfinished: a stalled schedule is worse than a
   * rerun. A graceful stop waits for them all (`Infinity`).
   */
  handoffBy = Number.POSITIVE_INFINITY;
  /** The kernel time a release froze at (the latest command's), or `null`. */
  frozenAt: number | null = null;
  /** The latest `at` this kernel was given. */
  private appliedAt = Number.NEGATIVE_INFINITY;
  /** Taken above the node's share because nobody else could (see the coordinator's scan): never handed over to balance. */
  sticky = false;
  finalCheckpointSent = false;
  release: InFlightRequest | null = null;
  readonly replayed: number;
  readonly adopted: number;
  readonly unfinished: number;

  constructor(
    private readonly host: ShardHost,
    readonly shard: number,
    readonly epoch: number,
    readonly specs: ReadonlyMap<string, ProgramSpec>,
    acquiredAt: number,
    deadline: number,
    reply: AcquiredReply,
  ) {
    this.deadline = deadline;
    this.acquiredAt = acquiredAt;
    this.lastRenewSentAt = acquiredAt;
    this.kernel = createKernel(host.kernelOptions);
    const { checkpoint, log } = reply;
    const installAt = checkpoint?.at ?? log[0]?.at ?? host.wall();
    const removed = new Set(checkpoint?.removed ?? []);
    for (const program of specs.values()) {
      if (!removed.has(program.id)) this.kernel.dispatch({ type: "install", at: installAt, program });
    }
    let adopted = 0;
    if (checkpoint !== null) {
      for (const [programId, exported] of Object.entries(checkpoint.programs)) {
        if (!specs.has(programId)) continue;
        const effects = this.kernel.dispatch({ type: "adopt", at: installAt, export: exported } as never);
        this.track(effects, false);
        // A program changed beyond what its state fits (a new version of another type): say so.
        for (const effect of effects) if (effect.type === "rejected") host.out.push({ type: "kernel", shard, effect });
        adopted += 1;
      }
    }
    this.adopted = adopted;
    if (checkpoint !== null) {
      for (const [fireId, commandId] of Object.entries(checkpoint.waiting)) this.triggerCommands.set(fireId, commandId);
    }
    this.head = Math.max(checkpoint?.seq ?? 0, log.at(-1)?.seq ?? 0);
    this.nextSeq = this.head + 1;
    this.installAt = installAt;
    this.inboxCursor = reply.inboxCursor;
    let replayed = 0;
    if (!host.skipReplay) {
      for (const entry of log) {
        this.replay(entry);
        replayed += 1;
      }
    }
    this.replayed = replayed;
    this.unfinished = this.jobs.size;
  }

  /** Stop ticking and taking commands; finish (or, for a handoff, wait until `handoffBy` for) the running jobs. */
  startReleasing(handoffBy: number): void {
    if (!this.releasing) this.frozenAt = Number.isFinite(this.appliedAt) ? this.appliedAt : this.host.wall();
    this.releasing = true;
    this.handoffBy = Math.min(this.handoffBy, handoffBy);
  }

  /** A new owner's duty to the fires its predecessor recorded but never completed. */
  settleUnfinished(): void {
    for (const job of [...this.jobs.values()]) {
      if (this.host.recordBeforeCheck) {
        this.pendingFires.push(this.fireRecord(job));
        this.pendingRuns.push(job);
        continue;
      }
      const delivery = this.specs.get(job.programId)?.delivery ?? "at-least-once";
      if (delivery === "at-least-once") {
        job.rerun = true;
        this.held.push(job);
      } else this.apply({ type: "complete", fireId: job.fireId, outcome: { lost: true } });
    }
  }

  private replay(entry: LogEntry): void {
    const command = kernelCommandOf(entry, this.jobOf);
    if (command !== undefined) {
      const effects = this.kernel.dispatch(command);
      this.noteTrigger(entry, effects);
      this.track(effects, false);
    }
    this.appliedAt = Math.max(this.appliedAt, entry.at);
  }

  /** Applies a command now and logs it; returns the kernel's effects. */
  apply(command: LoggedCommand, commandId?: string): readonly KernelEffect[] {
    // While releasing, time stands still for the kernel: a completion must not start the jobs due since.
    const at = this.frozenAt ?? this.host.wall();
    const entry: LogEntry =
      commandId === undefined
        ? { seq: this.nextSeq, at, epoch: this.epoch, command }
        : { seq: this.nextSeq, at, epoch: this.epoch, command, commandId };
    const kernelCommand = kernelCommandOf(entry, this.jobOf);
    if (kernelCommand === undefined) return [];
    this.nextSeq += 1;
    this.appliedAt = Math.max(this.appliedAt, at);
    this.pendingEntries.push(entry);
    this.sinceCheckpoint += 1;
    const effects = this.kernel.dispatch(kernelCommand);
    this.noteTrigger(entry, effects);
    this.track(effects, true);
    return effects;
  }

  /** An accepted trigger from the inbox: its caller waits for the job's output. */
  private noteTrigger(entry: LogEntry, effects: readonly KernelEffect[]): void {
    if (entry.command.type !== "trigger" || entry.commandId === undefined) return;
    if (!effects.some((effect) => effect.type === "triggered")) return;
    this.triggerCommands.set(triggerFireId(entry.command.programId, entry.seq), entry.commandId);
  }

  /** Applies the commands an inbox read brought, answering each. */
  applyInbox(entries: readonly InboxEntry[], through: number): void {
    for (const entry of entries) {
      const effects = this.apply(entry.command, entry.commandId);
      const answer = answerOf(entry.command.type, effects);
      if (answer !== undefined) this.pendingAnswers.push({ commandId: entry.commandId, answer });
    }
    this.inboxCursor = Math.max(this.inboxCursor, through);
  }

  private fireRecord(job: JobState): FireRecord {
    return {
      fireId: job.fireId,
      shard: this.shard,
      programId: job.programId,
      spawnId: job.spawnId,
      scheduledAt: job.scheduledAt,
      startedAt: job.startedAt,
      epoch: this.epoch,
      node: this.host.nodeId,
    };
  }

  private answerTrigger(fireId: string, answer: CommandAnswer, live: boolean): void {
    const commandId = this.triggerCommands.get(fireId);
    if (commandId === undefined) return;
    this.triggerCommands.delete(fireId);
    if (live) this.pendingAnswers.push({ commandId, answer });
  }

  private track(effects: readonly KernelEffect[], live: boolean): void {
    const { out } = this.host;
    for (const effect of effects) {
      switch (effect.type) {
        case "run": {
          const job: JobState = {
            jobId: effect.jobId,
            fireId: effect.fireId,
            programId: effect.programId,
            spawnId: effect.spawnId,
            scheduledAt: effect.scheduledAt,
            startedAt: effect.startedAt,
            args: effect.args,
            running: false,
            rerun: false,
          };
          this.jobs.set(job.jobId, job);
          this.byFire.set(job.fireId, job.jobId);
          if (live) {
            this.pendingFires.push(this.fireRecord(job));
            this.pendingRuns.push(job);
          }
          continue;
        }
        case "adopted":
          for (const adopted of effect.jobs) {
            const job: JobState = { ...adopted, programId: effect.programId, running: false, rerun: false };
            this.jobs.set(job.jobId, job);
            this.byFire.set(job.fireId, job.jobId);
          }
          continue;
        case "settled": {
          this.forget(effect.jobId);
          const answer: CommandAnswer =
            effect.status === "succeeded"
              ? effect.value === undefined
                ? { status: "done" }
                : { status: "done", value: effect.value }
              : effect.status === "lost"
                ? { status: "failed", code: "job-lost", message: "the trigger's job was lost with its owner" }
                : { status: "failed", code: "job-failed", message: messageOf(effect.error) };
          this.answerTrigger(effect.fireId, answer, live);
          break;
        }
        case "cancel": {
          const job = this.jobs.get(effect.jobId);
          this.forget(effect.jobId);
          if (live && job !== undefined) this.pendingCancelled.push(job.fireId);
          if (live && job?.running === true) {
            out.push({
              type: "cancel",
              shard: this.shard,
              epoch: this.epoch,
              jobId: effect.jobId,
              fireId: job.fireId,
              reason: effect.reason,
            });
          }
          this.answerTrigger(
            effect.fireId,
            { status: "failed", code: "cancelled", message: `the trigger's job was cancelled (${effect.reason})` },
            live,
          );
          break;
        }
        case "wake":
          this.kernelWake = effect.at;
          continue;
        default:
          break;
      }
      if (live) out.push({ type: "kernel", shard: this.shard, effect });
    }
  }

  private forget(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job === undefined) return;
    this.jobs.delete(jobId);
    this.byFire.delete(job.fireId);
  }

  get runningJobs(): number {
    let count = 0;
    for (const job of this.jobs.values()) if (job.running) count += 1;
    return count;
  }

  /** The next append, or `null` when there is nothing to write. */
  takeBatch(final: boolean): Omit<Batch, "requestId" | "sentAt"> | null {
    const checkpoint = this.wantCheckpoint || final || this.sinceCheckpoint >= this.host.checkpointEvery;
    if (this.pendingEntries.length === 0 && this.pendingAnswers.length === 0 && !checkpoint) return null;
    const seq = this.nextSeq - 1;
    const request: Batch["request"] = {
      type: "append",
      shard: this.shard,
      node: this.host.nodeId,
      epoch: this.epoch,
      entries: this.pendingEntries,
      fires: this.pendingFires,
      answers: this.pendingAnswers,
      cancelled: this.pendingCancelled,
      inboxCursor: this.inboxCursor,
      checkpoint: checkpoint ? this.tryCheckpoint(seq) : null,
    };
    const runs = this.pendingRuns;
    this.pendingEntries = [];
    this.pendingFires = [];
    this.pendingAnswers = [];
    this.pendingCancelled = [];
    this.pendingRuns = [];
    if (checkpoint) {
      this.wantCheckpoint = false;
      this.sinceCheckpoint = 0;
    }
    return { request, runs };
  }

  /**
   * A program whose state or results are not JSON data cannot be checkpointed: the shard goes
   * on with the older checkpoint and a longer log (which holds only JSON), and says so.
   */
  private tryCheckpoint(seq: number): Checkpoint | null {
    try {
      return this.checkpointAt(seq);
    } catch (error) {
      this.host.out.push({
        type: "checkpoint-failed",
        shard: this.shard,
        epoch: this.epoch,
        message: error instanceof Error ? error.message : String(error),
      });
      return null;
    }
  }

  /** The state after entry `seq`, at the kernel's own time (a rejected command moves no time, so not the last entry's). */
  private checkpointAt(seq: number): Checkpoint {
    const programs = this.exportPrograms();
    const first = Object.values(programs)[0] as { readonly now?: unknown } | undefined;
    const at = typeof first?.now === "number" ? first.now : this.installAt;
    const removed = [...this.specs.keys()].filter((programId) => !Object.hasOwn(programs, programId));
    return { seq, at, epoch: this.epoch, programs, waiting: Object.fromEntries(this.triggerCommands), removed };
  }

  exportPrograms(): Record<string, unknown> {
    const programs: Record<string, unknown> = {};
    for (const programId of this.specs.keys()) {
      const exported = this.kernel.exportProgram(programId);
      if (exported !== undefined) programs[programId] = exported;
    }
    return programs;
  }
}

const messageOf = (error: unknown): string => {
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message;
  }
  return typeof error === "string" ? error : "the job failed";
};

/** The owner's answer to an inbox command, from the effects of applying it; `undefined` for a trigger that waits for its job. */
const answerOf = (type: string, effects: readonly KernelEffect[]): CommandAnswer | undefined => {
  for (const effect of effects) {
    if (effect.type === "rejected") {
      return { status: "failed", code: effect.code, field: effect.field, message: effect.message };
    }
    if (effect.type === "refused") return { status: "refused", code: effect.code, message: effect.message };
  }
  for (const effect of effects) {
    if ((type === "spawn" && effect.type === "spawned") || (type === "unspawn" && effect.type === "unspawned")) {
      return { status: "done", value: effect.spawnId };
    }
  }
  return type === "trigger" ? undefined : { status: "done" };
};
