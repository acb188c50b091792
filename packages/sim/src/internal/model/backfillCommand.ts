/**
 * Spec 18's `backfill` in the reference model: the command (the program's due times in
 * [from, to) run now, as program jobs, under an overlap policy) and the life of its runs
 * (the next queued run becomes due when one settles; `cancel-other` cancels those in flight).
 */
import type { Command } from "@schedkit/kernel";
import { backfillAllAtOnce, backfillDueTimes, backfillSkips, DEFAULT_BUFFER_LIMIT } from "./backfill.js";
import { findProgram } from "./lookups.js";
import { emit, emit18, type ModelState } from "./modelState.js";
import { cronAfter, newJob } from "./schedule.js";
import type { Backfill, Job } from "./state.js";
import { emitCancel } from "./stopping.js";
import { accept, refuseWith, unknownProgram, type Verdict } from "./verdict.js";

/** A backfill run ended (settled, or cancelled in flight): the next queued one becomes due. */
export const backfillRunEnded = (m: ModelState, job: Job, settled: boolean): void => {
  const run = job.backfill;
  if (run === undefined) return;
  run.live.delete(job);
  if (settled) {
    const next = run.queue.shift();
    if (next !== undefined) m.queue.add(next);
  }
  if (run.live.size === 0 && job.program.backfill === run) job.program.backfill = undefined;
};

/** A `cancel-other` backfill's run is due: the backfill's runs in flight are cancelled first. */
export const cancelBackfillInFlight = (m: ModelState, run: Backfill): void => {
  for (const job of [...run.live]) {
    if (!job.running) continue;
    m.queue.drop(job);
    emitCancel(m, job, "overlap", true);
    backfillRunEnded(m, job, false);
  }
};

/** `backfill`: checked now; its runs are made (or queued, or skipped) once time arrived. */
export const backfill = (m: ModelState, command: Extract<Command, { type: "backfill" }>, at: number): Verdict => {
  const program = findProgram(m, command.programId);
  if (program === undefined) return unknownProgram(command.programId);
  const refused = (field: string, message: string) => refuseWith("invalid-command", field, message);
  if (program.hooks.type === "basic") return refused("backfill.programId", "a basic program has no due times");
  if (program.backfill !== undefined) return refused("backfill.programId", "a backfill is in progress");
  const { from, to } = command;
  if (!(to > from)) return refused("backfill.to", "to must be after from");
  if (to > at) return refused("backfill.to", "to must not be in the future");
  if (program.cronMatch === undefined && typeof program.interval !== "number") {
    return refused("backfill.programId", "the program's interval is a function");
  }
  const limit = program.limits.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
  const times = backfillDueTimes(
    program.cronMatch === undefined
      ? { interval: program.interval as number }
      : { cron: (t: number) => cronAfter(m, program, t) },
    from,
    to,
    limit,
  );
  if (times.length > limit) return refused("backfill.to", `more than ${limit} due times`);
  const overlap = command.overlap ?? "buffer-all";
  return accept(() => {
    const fires = times.map((t) => ({ fireId: `${program.id}/backfill/${t}`, scheduledAt: t }));
    emit(m, { type: "backfilled", programId: program.id, from, to, runs: fires });
    const skips = backfillSkips(overlap, times.length);
    fires.forEach((fire, index) => {
      const reason = skips[index];
      if (reason !== undefined) emit18(m, { type: "skipped", programId: program.id, spawnId: null, ...fire, reason });
    });
    const run: Backfill = { overlap, queue: [], live: new Set() };
    fires.forEach((fire, index) => {
      if (skips[index] !== undefined) return;
      const job = newJob(m, program, null, fire.scheduledAt, fire.fireId);
      job.backfill = run;
      run.live.add(job);
      if (run.live.size > 1 && !backfillAllAtOnce(overlap)) {
        m.queue.drop(job);
        run.queue.push(job);
      }
    });
    if (run.live.size > 0) program.backfill = run;
  });
};
