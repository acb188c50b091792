import type { Command } from "../Command.js";
import type { KernelEffect } from "../KernelEffect.js";
import type { UnspawnPolicy } from "../Policy.js";
import { prepareAdopt } from "./adopt.js";
import { prepareBackfill } from "./backfill.js";
import { decodeCommand } from "./commandSchema.js";
import { describe } from "./describe.js";
import { type CompletionBatch, completeBatch, completeHot, fillBatch, readHot } from "./hotCommands.js";
import { prepareInstall } from "./install.js";
import { type ReusableJob, runDue, trigger } from "./jobs.js";
import { JobTable } from "./jobTable.js";
import { type KernelOptions, resolveKernelOptions } from "./kernelOptions.js";
import { removeProgram, stopProgram, stopSpawn } from "./lifecycle.js";
import type { JobRecord, ProgramRecord, SpawnRecord } from "./model.js";
import { preparePause } from "./pause.js";
import { apply, type Plan, reject, unknownProgram, unknownSpawn } from "./plan.js";
import { prepareComplete } from "./settlement.js";
import { prepareSpawn, prepareUnspawn } from "./spawning.js";
import { TimerQueue } from "./timerQueue.js";
import { followWall, prepareSetInterval } from "./timing.js";

export type { KernelOptions } from "./kernelOptions.js";

/**
 * The kernel's state and its one transition: `dispatch(command) -> effects`.
 * Deterministic: no clock, no ambient randomness, no timers, no I/O. All
 * mutation happens inside `dispatch`.
 *
 * This file is the table of contents: the state, `dispatch`, and `prepare`, which sends each
 * command to the module of its concept. Those modules are functions of the machine:
 * `install.ts`, `spawning.ts` (spawn, unspawn), `timing.ts` (each program type's due times),
 * `catchUpDue.ts` (the catch-up window and limit), `jobs.ts` (scheduling and starting),
 * `settlement.ts` (outcomes), `lifecycle.ts` (stopping), `hotCommands.ts` (tick, complete).
 * Their fields here are internal to the kernel.
 */
export class Machine {
  now = 0;
  regressions = 0;
  jobSeq = 0;
  spawnSeq = 0;
  /** Wall clock minus kernel time, from the latest command that carried `wall`; cron due times follow it. */
  wallOffset = 0;
  /** The seed (as 32 bits) each program's generator starts from, mixed with the program's id. */
  readonly seed: number;
  readonly programs = new Map<string, ProgramRecord>();
  /** Jobs waiting for their time (a heap beside FIFO lanes per interval). */
  readonly heap = new TimerQueue<JobRecord>();
  readonly inFlight = new JobTable<JobRecord>();
  readonly policies: ReadonlyMap<string, UnspawnPolicy>;
  readonly defaultPolicy: string | undefined;
  readonly historyLimit: number;
  readonly catchUpLimit: number;
  /**
   * The effects of the command in progress. Most commands have one or two (a `complete`: its
   * `settled` and the `wake`), kept in two fields and returned as an array of exactly that size;
   * from the third on they go into a fresh array. A reused buffer copied out at the end was slower
   * (a write barrier per young effect stored into a long-lived array, and the copy), and a fresh
   * `[]` per command grows a backing store of 17 slots at its first push.
   */
  private outCount = 0;
  private out0: KernelEffect | undefined = undefined;
  private out1: KernelEffect | undefined = undefined;
  private outMore: KernelEffect[] | undefined = undefined;
  dispatching = false;
  /** True while a command is being applied (a hook is running): the state is half changed. */
  get isDispatching(): boolean {
    return this.dispatching;
  }
  /** Counts dispatches, so that each spawn's starts are counted per dispatch (the catch-up limit). */
  dispatchSeq = 0;
  /** Catch-up jobs this dispatch may still start (see `catchUpLimit`). */
  catchUpLeft = 0;
  /** Jobs whose missed due times are still being counted: back in the heap when the dispatch ends. */
  readonly deferred: JobRecord[] = [];
  /** The spawn whose buffer `startBuffered` is starting (see there), and whether it was freed again meanwhile. */
  drainingBuffer: SpawnRecord | null = null;
  bufferFreed = false;
  /**
   * Records of settled jobs, reused by the next jobs. A record lives a whole
   * period (from one start to the next), so at high rates thousands of fresh
   * ones would be alive at every young-generation GC and copied; reused ones
   * stay in the old generation.
   */
  readonly spareJobs: ReusableJob[] = [];
  /** The job `runDue` is starting, still on top of the heap until its spawn's next job replaces it. */
  starting: JobRecord | null = null;
  /** Effects are immutable: an unchanged `wake` is the same object, one allocation fewer per command. */
  lastWake: Extract<KernelEffect, { type: "wake" }> = { type: "wake", at: null };
  /** A hot command (`tick`, `complete`) read once into these fields: no copy per job. */
  hotAt = 0;
  hotWall: number | undefined = undefined;
  hotJobId = "";
  /** The outcome's kind: OK, FAILED or LOST (see `hotCommands.ts`). */
  hotKind = 0;
  hotPayload: unknown = undefined;
  /** A batch `complete`'s results as read (see `hotCommands.ts`); empty once applied. */
  batch: CompletionBatch = [];

  constructor(input: KernelOptions = {}) {
    const options = resolveKernelOptions(input);
    this.policies = options.policies;
    this.defaultPolicy = options.defaultPolicy;
    this.historyLimit = options.historyLimit;
    this.catchUpLimit = options.catchUpLimit;
    this.seed = options.seed;
  }

  /** Never throws: bad input is `rejected`, a failing hook is reported, and every started job's `run` is returned. */
  dispatch(input: Command): KernelEffect[] {
    if (this.dispatching) {
      // A hook (argsFn, mergeFn, a policy, ...) dispatching into its own kernel: the
      // command in progress is half applied, so this one cannot be judged against it.
      return [
        {
          type: "rejected",
          command: input,
          code: "invalid-command",
          field: "command",
          message: "command: dispatched from inside a hook while this kernel is applying a command; dispatch it after",
        },
        { type: "wake", at: this.heap.peek()?.dueAt ?? null },
      ];
    }
    this.dispatching = true;
    this.outCount = 0;
    this.beginCommand();
    try {
      this.applyInput(input);
    } catch (error) {
      // Not the input's fault but the kernel's: every hook call is guarded. What
      // happened before (jobs started) is still returned, so no job is lost.
      this.emit({
        type: "rejected",
        command: input,
        code: "internal-error",
        field: "command",
        message: `command: the kernel failed while applying it (a bug in schedkit; please report it): ${describe(error)}`,
      });
    } finally {
      this.hotPayload = undefined;
      this.dispatching = false;
    }
    this.endCommand();
    const wakeAt = this.heap.peek()?.dueAt ?? null;
    if (this.lastWake.at !== wakeAt) this.lastWake = { type: "wake", at: wakeAt };
    this.emit(this.lastWake);
    const count = this.outCount;
    const effects =
      count === 1
        ? [this.out0 as KernelEffect]
        : count === 2
          ? [this.out0 as KernelEffect, this.out1 as KernelEffect]
          : (this.outMore as KernelEffect[]);
    // Nothing of this command is kept alive by the machine once it is returned.
    this.out0 = undefined;
    this.out1 = undefined;
    this.outMore = undefined;
    this.outCount = 0;
    return effects;
  }

  /** What every command starts with: the catch-up limit is per command. */
  private beginCommand(): void {
    this.dispatchSeq++;
    this.catchUpLeft = this.catchUpLimit;
  }

  /** What every command ends with: jobs held back by the catch-up limit go back on the heap. */
  private endCommand(): void {
    // A deferred job goes back only if it is still its spawn's waiting job: one cancelled meanwhile
    // (a stop, a kill, an uninstall in the same dispatch) must never run.
    const deferred = this.deferred;
    if (deferred.length === 0) return;
    for (const job of deferred) if (job.spawn !== null && job.spawn.pending === job) this.heap.push(job);
    deferred.length = 0;
  }

  /**
   * Between two results of a batch `complete`: one command ends and the next begins, so that a
   * batch is exactly its single `complete`s in order (only the `wake` effects between them are left out).
   */
  betweenCommands(): void {
    this.endCommand();
    this.beginCommand();
  }

  private applyInput(input: unknown): void {
    // The hot commands (tick, complete) are read once into fields, without a copy or the schema.
    const hot = readHot(this, input);
    if (hot === "tick") {
      this.arrive(this.hotAt, this.hotWall);
      return;
    }
    if (hot === "complete") {
      completeHot(this, input as Command);
      return;
    }
    if (hot === "complete-batch") {
      completeBatch(this, input as Command);
      return;
    }
    const check = decodeCommand(input);
    if (!check.ok) {
      this.emit({
        type: "rejected",
        command: input,
        code: "invalid-command",
        field: check.field,
        message: check.message,
      });
      return;
    }
    const command = check.command;
    if (command.type === "complete" && "results" in command) {
      // A batch the hot path passed over, yet well formed (a getter that threw on the hot path's read, say).
      fillBatch(this, command);
      completeBatch(this, input as Command);
      return;
    }
    // Judged against the kernel as it is: a rejected command changes nothing, not even the time.
    const plan = this.prepare(command, Math.max(this.now, command.at));
    if (plan.kind === "reject") {
      this.emit({ type: "rejected", command: input, code: plan.code, field: plan.field, message: plan.message });
      return;
    }
    // Accepted: time arrives first, so whatever was due by `at` starts before the command applies.
    this.arrive(command.at, command.wall);
    plan.apply();
    runDue(this);
  }

  /**
   * Time arrives with an accepted command: the clock moves (or a regression is counted), then due jobs start.
   * Internal (`adopt.ts` brings an export's time).
   */
  arrive(at: number, wall: number | undefined): void {
    if (at < this.now) this.regressions++;
    else this.now = at;
    if (wall !== undefined) followWall(this, wall - at);
    runDue(this);
  }

  /** Every effect of the command in progress goes through here, in order. */
  emit(effect: KernelEffect): void {
    const count = this.outCount++;
    if (count === 0) this.out0 = effect;
    else if (count === 1) this.out1 = effect;
    else if (count === 2) this.outMore = [this.out0 as KernelEffect, this.out1 as KernelEffect, effect];
    else (this.outMore as KernelEffect[]).push(effect);
  }

  // ---------------------------------------------------------------------------
  // Validation: against the kernel as it is, decide everything that can fail before the command changes anything.

  /** `at` is the time the command will apply at: its own, or now when it is late (a regression). */
  private prepare(command: Command, at: number): Plan {
    switch (command.type) {
      case "tick":
        return apply(() => {});
      case "install":
        return prepareInstall(this, command.program);
      case "complete":
        // The batch form never comes here (see `applyInput`).
        return "results" in command ? apply(() => {}) : prepareComplete(this, command.jobId, command.outcome);
      case "trigger": {
        const program = this.programs.get(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        const scheduledAt = command.scheduledAt ?? at;
        const fireId = command.fireId;
        return apply(() => trigger(this, program, scheduledAt, fireId));
      }
      case "adopt": {
        const plan = prepareAdopt(this, command);
        return plan.ok ? apply(plan.apply) : reject(plan.code, plan.field, plan.message);
      }
      case "spawn":
        return prepareSpawn(this, command.programId, command.opts, at, command);
      case "unspawn":
        return prepareUnspawn(this, command.programId, command);
      case "set-interval":
        return prepareSetInterval(this, command.programId, command.spawnId, command.interval);
      case "stop-spawn":
      case "kill-spawn": {
        const program = this.programs.get(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        const spawn = program.spawns.get(command.spawnId);
        if (spawn === undefined) return unknownSpawn(program, command.spawnId, "command.spawnId");
        const kill = command.type === "kill-spawn";
        return apply(() => stopSpawn(this, spawn, kill ? "kill" : "stop", kill));
      }
      case "stop-all":
      case "kill-all": {
        const kill = command.type === "kill-all";
        if (command.programId === undefined) {
          return apply(() => {
            for (const program of [...this.programs.values()]) stopProgram(this, program, kill);
          });
        }
        const program = this.programs.get(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        return apply(() => stopProgram(this, program, kill));
      }
      case "backfill":
        return prepareBackfill(this, command, at);
      case "pause":
      case "resume":
        return preparePause(this, command);
      case "clear":
      case "uninstall": {
        const program = this.programs.get(command.programId);
        if (program === undefined) return unknownProgram(command.programId);
        return apply(() => removeProgram(this, program, command.type));
      }
    }
  }
}
