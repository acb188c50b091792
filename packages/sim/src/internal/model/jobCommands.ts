/**
 * The reference model's job commands: `trigger` (a program job, due at once or at its
 * `scheduledAt`) and a single `complete` (a result for a job in flight settles it; for one
 * issued earlier it is discarded; any other id is unknown).
 */
import type { Command, Outcome } from "@schedkit/kernel";
import { finishJob } from "./jobLife.js";
import { findProgram, wasIssued } from "./lookups.js";
import { emit, type ModelState } from "./modelState.js";
import { newJob } from "./schedule.js";
import type { Job } from "./state.js";
import { accept, refuseWith, unknownProgram, type Verdict } from "./verdict.js";

export const trigger = (m: ModelState, command: Extract<Command, { type: "trigger" }>, at: number): Verdict => {
  const program = findProgram(m, command.programId);
  if (program === undefined) return unknownProgram(command.programId);
  const scheduledAt = command.scheduledAt ?? at;
  return accept(() => {
    const job = newJob(m, program, null, scheduledAt, command.fireId);
    emit(m, { type: "triggered", jobId: job.id, programId: program.id, scheduledAt });
  });
};

export const complete = (m: ModelState, jobId: string, outcome: Outcome): Verdict => {
  const job = m.queue.inFlight(jobId);
  if (job !== undefined) {
    m.completing = job;
    m.completingOutcome = outcome;
    return m.settleCompleting;
  }
  if (wasIssued(m, jobId)) return accept(() => emit(m, { type: "discarded", jobId }));
  return refuseWith("unknown-job", "command.jobId", `no job "${jobId}" was issued`);
};

/**
 * The model's one verdict for a `complete` of a job in flight, made once at creation (the job
 * and outcome are set aside in the state): a complete, the commonest command, allocates none.
 */
export const settleCompletingOf = (m: ModelState): Verdict =>
  accept(() => {
    const job = m.completing as Job;
    const outcome = m.completingOutcome as Outcome;
    m.completing = undefined;
    m.completingOutcome = undefined;
    // Time arrives first: a due job of a `cancel-other` spawn may have cancelled this one meanwhile.
    if (m.queue.has(job)) finishJob(m, job, outcome);
    else emit(m, { type: "discarded", jobId: job.id });
  });
