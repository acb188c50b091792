/**
 * A reference model of the kernel: the semantics of the kernel's contract (its README) and the
 * kernel's README written a second time, as plainly as possible, so that the
 * simulator can compare it with `createKernel` effect by effect.
 *
 * Plain records (`model/state.ts`) with the model's own indexes where a scan
 * per command would cost (`model/jobQueue.ts`: due jobs in a heap by (wake time,
 * creation order), jobs by id and by spawn; `model/modelState.ts`: the spawns with
 * an `endAt`, the spawns told to stop). Each index can check itself against the scan
 * it replaces (`verify`, used by the tests). It shares no code with the kernel; only
 * the public types of `@schedkit/kernel` are used.
 *
 * This file is the entry point: the model's state (`model/modelState.ts`) and a
 * dispatch over it. The rest is plain functions taking that state, one concept a
 * module: lookups and the end-at index (`model/lookups.ts`), schedule arithmetic
 * (`model/schedule.ts`), time arriving and due jobs starting (`model/dueJobs.ts`),
 * a job's start and settling (`model/jobLife.ts`), stopping (`model/stopping.ts`),
 * and the commands by family (`model/programCommands.ts`, `model/spawnCommands.ts`,
 * `model/jobCommands.ts`, `model/backfillCommand.ts`).
 *
 * The order of effects inside one dispatch is part of what is compared:
 *   1. the command's shape is checked (times within ±8.64e15 ms); a malformed
 *      command gives `rejected` and nothing else;
 *   2. the command is checked against the model as it is, at its time (every
 *      hook the check needs runs here); a failed check gives `rejected` and
 *      changes nothing, not even the time;
 *   3. time moves to `at` (an `at` in the past counts as a regression), the
 *      wall-clock offset follows `wall`, and every job due by then starts, in
 *      (due time, creation order), except due times older than the spawn's
 *      catch-up window or past the catch-up limit, which are `missed`;
 *   4. the command applies (bounds and the policy judge the state time left:
 *      a refusal, or a `policy-failed` rejection);
 *   5. every job the command made due starts;
 *   6. `wake` comes last.
 *
 * Spec 18 (overlap, pause and resume, maxRuns, startAt, endAt) is written from the
 * spec in its own modules (`model/overlap.ts`, `model/pause.ts`, `model/limits.ts`);
 * where the spec left an order open, `/work/notes/sim18-assumptions.md` says which.
 *
 * Lifecycle is derived, not traced: a spawn that was told to stop and has
 * nothing waiting or in flight has stopped, and gets its one `stopped` then;
 * a sweep at the end of every dispatch makes sure no such spawn is left
 * without one (a missing `stopped` cannot hide behind a shared code path).
 */

import type { Command, KernelEffect, KernelOptions, SchedkitErrorCode } from "@schedkit/kernel";
import { backfill } from "./model/backfillCommand.js";
import { batchOf } from "./model/batch.js";
import { arrive, startDueJobs } from "./model/dueJobs.js";
import { checkCommand } from "./model/inputs.js";
import { complete, settleCompletingOf, trigger } from "./model/jobCommands.js";
import { wakeOf } from "./model/jobQueue.js";
import { findProgram, findSpawn, firstEndDeadline, wasIssued } from "./model/lookups.js";
import { createModelState, emit, handOut, type ModelState } from "./model/modelState.js";
import { changeInterval, install } from "./model/programCommands.js";
import { pauseOrResume, spawn, unspawn } from "./model/spawnCommands.js";
import type { SimCommand } from "./model/spec18.js";
import { removeProgram, stopProgram, stopSpawn, sweepStops } from "./model/stopping.js";
import { accept, refuseWith, unknownProgram, unknownSpawn, type Verdict } from "./model/verdict.js";

/** The model's one operation: the same as `Kernel.dispatch` (with spec 18's commands). */
export interface ReferenceModel {
  dispatch(command: Command | SimCommand): KernelEffect[];
}

/** A reference implementation of `createKernel(options)`, for comparison. */
export const createReferenceModel = (
  options: KernelOptions,
  internal: { readonly verify?: boolean } = {},
): ReferenceModel => {
  const m = createModelState(options, internal.verify === true);
  m.settleCompleting = settleCompletingOf(m);
  return {
    dispatch(input: Command | SimCommand): KernelEffect[] {
      const batch = batchOf(input);
      return batch === undefined ? dispatchOne(m, input) : dispatchBatch(m, input, batch);
    },
  };
};

// --- Commands: each checks everything first, then returns what to apply. ------

/** A command accepted that does nothing once time arrived (a tick). */
const acceptNothing = accept(() => {});

/** Checks a well-formed command against the model as it is, at `at` (its time, or now when late). */
const judge = (m: ModelState, command: SimCommand, at: number): Verdict => {
  if (command.type === "pause" || command.type === "resume") return pauseOrResume(m, command);
  switch (command.type) {
    case "tick":
      return acceptNothing;
    case "install":
      return install(m, command.program);
    case "spawn":
      return spawn(m, command, at);
    case "unspawn":
      return unspawn(m, command);
    case "trigger":
      return trigger(m, command, at);
    case "adopt":
      // Not modelled: the simulator sends no adopt (the kernel's own tests cover it).
      return refuseWith("invalid-command", "command.type", "adopt is not modelled");
    case "backfill":
      return backfill(m, command, at);
    case "complete":
      // The batch form never gets here: `dispatch` takes it apart into single completes.
      if ("results" in command) return refuseWith("invalid-command", "command.results", "a batch, unexpected here");
      return complete(m, command.jobId, command.outcome);
    case "set-interval":
      return changeInterval(m, command);
    case "stop-spawn":
    case "kill-spawn": {
      const program = findProgram(m, command.programId);
      if (program === undefined) return unknownProgram(command.programId);
      const target = findSpawn(program, command.spawnId);
      if (target === undefined) return unknownSpawn(program.id, command.spawnId);
      const kill = command.type === "kill-spawn";
      return accept(() => stopSpawn(m, target, kill ? "kill" : "stop", kill));
    }
    case "stop-all":
    case "kill-all": {
      const kill = command.type === "kill-all";
      if (command.programId === undefined) {
        return accept(() => {
          for (const program of [...m.programs]) stopProgram(m, program, kill);
        });
      }
      const program = findProgram(m, command.programId);
      if (program === undefined) return unknownProgram(command.programId);
      return accept(() => stopProgram(m, program, kill));
    }
    case "clear":
    case "uninstall": {
      const program = findProgram(m, command.programId);
      if (program === undefined) return unknownProgram(command.programId);
      const how = command.type;
      return accept(() => removeProgram(m, program, how));
    }
  }
};

// --- Dispatch ------------------------------------------------------------------

/**
 * A batch `complete`: its single completes in order, the wake of the last alone; rejected
 * whole (nothing changes, not even the time) if an entry is malformed or names a job never issued.
 */
const dispatchBatch = (
  m: ModelState,
  input: unknown,
  batch: NonNullable<ReturnType<typeof batchOf>>,
): KernelEffect[] => {
  const rejected = (code: SchedkitErrorCode, field: string): KernelEffect[] => {
    const effects = dispatchOne(m, { type: "tick", at: Number.NaN } as Command);
    // The same wake as any rejected command (a NaN tick is rejected and changes nothing).
    return effects.map((effect) =>
      effect.type === "rejected" ? { type: "rejected", command: input, code, field, message: "invalid" } : effect,
    ) as KernelEffect[];
  };
  if (!batch.ok) return rejected("invalid-command", batch.field);
  const { at, wall, results } = batch.value;
  const unknown = results.findIndex((entry) => !wasIssued(m, entry.jobId));
  if (unknown >= 0) return rejected("unknown-job", `command.results[${unknown}].jobId`);
  if (results.length === 0) return dispatchOne(m, { type: "tick", at, ...(wall === undefined ? {} : { wall }) });
  const all: KernelEffect[] = [];
  results.forEach((entry, index) => {
    const effects = dispatchOne(m, {
      type: "complete",
      at,
      ...(wall === undefined ? {} : { wall }),
      jobId: entry.jobId,
      outcome: entry.outcome,
    });
    const last = index === results.length - 1;
    for (const effect of effects) if (last || effect.type !== "wake") all.push(effect);
  });
  return all;
};

/** One command, in the order of effects above; the effects handed back are a list of their own. */
const dispatchOne = (m: ModelState, input: Command | SimCommand): KernelEffect[] => {
  m.emitted = 0;
  m.dispatchNumber += 1;
  m.catchUpLeft = m.catchUpLimit;
  const checked = checkCommand(input);
  if (!checked.ok) {
    emit(m, { type: "rejected", command: input, code: "invalid-command", field: checked.field, message: "invalid" });
  } else {
    const command = checked.value;
    // Judged against the model as it is: a rejected command changes nothing, not even the time.
    const verdict = judge(m, command, Math.max(m.now, command.at));
    if (verdict.ok) {
      arrive(m, command.at, (command as { wall?: number }).wall);
      verdict.apply();
      startDueJobs(m);
    } else {
      emit(m, {
        type: "rejected",
        command: input,
        code: verdict.code,
        field: verdict.field,
        message: verdict.message,
      });
    }
  }
  m.queue.undeferAll();
  sweepStops(m);
  // The next due job, or the next endAt of a running spawn (paused ones too), whichever comes first.
  const first = m.queue.first();
  const nextDue = first === undefined ? undefined : wakeOf(first);
  const nextEnd = firstEndDeadline(m)?.hooks.endAt;
  const wakeAt = nextDue === undefined ? nextEnd : nextEnd === undefined ? nextDue : Math.min(nextDue, nextEnd);
  emit(m, { type: "wake", at: wakeAt ?? null });
  const effects = handOut(m);
  // A long list is let go of (it would only keep old effects alive).
  if (m.emitted > 256) m.out.length = 0;
  m.emitted = 0;
  return effects;
};
