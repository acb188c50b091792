/**
 * The hot commands, `tick` and `complete`: read once into the machine's fields, without a copy or
 * the schema. Anything odd about them goes the slow way, which words the rejection.
 */

import type { Command } from "../Command.js";
import { MAX_BATCH_RESULTS } from "./commandSchema.js";
import { show } from "./describe.js";
import { runDue } from "./jobs.js";
import { seqOfJobId } from "./jobTable.js";
import { isTime } from "./limits.js";
import type { Machine } from "./machine.js";
import { finishJob, loseJob } from "./settlement.js";

/**
 * A batch `complete`'s results, read once: per result its id, job number, outcome kind and payload,
 * flat in one array made per batch (young, like the effects: storing them into a long-lived array
 * would cost a write barrier each).
 */
export type CompletionBatch = unknown[];
const FIELDS = 4;

/** Outcome kinds as the hot fields keep them. */
export const OK = 1;
export const FAILED = 2;
export const LOST = 3;

/**
 * Reads a well-formed `tick` or `complete` (either form) into the hot fields,
 * each field once. Anything else (or anything odd about these) goes the slow
 * way, which copies, checks with the schema and words the rejection.
 */
export function readHot(m: Machine, input: unknown): "tick" | "complete" | "complete-batch" | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  m.hotAt = Number.NaN;
  try {
    const record = input as Record<string, unknown>;
    const type = record.type;
    if (type !== "tick" && type !== "complete") return undefined;
    let wall: unknown;
    let jobId: unknown;
    let outcome: unknown;
    let results: unknown;
    // Which form's keys are present, even with the value undefined (the slow way counts them too).
    let single = false;
    let batch = false;
    for (const key in record) {
      if (key === "type") continue;
      if (key === "at") m.hotAt = record.at as number;
      else if (key === "wall") wall = record.wall;
      else if (type === "complete" && key === "jobId") {
        jobId = record.jobId;
        single = true;
      } else if (type === "complete" && key === "outcome") {
        outcome = record.outcome;
        single = true;
      } else if (type === "complete" && key === "results") {
        results = record.results;
        batch = true;
      } else return undefined;
    }
    if (!isTime(m.hotAt)) return undefined;
    if (wall !== undefined && !isTime(wall)) return undefined;
    m.hotWall = wall as number | undefined;
    if (type === "tick") return "tick";
    if (batch) return !single && readBatch(m, results) ? "complete-batch" : undefined;
    if (typeof jobId !== "string" || jobId === "") return undefined;
    const kind = readOutcome(m, outcome);
    if (kind === 0) return undefined;
    m.hotJobId = jobId;
    m.hotKind = kind;
    return "complete";
  } catch {
    return undefined;
  }
}

/** An outcome's kind (0 when it is not well formed), its value or error into `hotPayload`. */
function readOutcome(m: Machine, outcome: unknown): number {
  if (typeof outcome !== "object" || outcome === null) return 0;
  const result = outcome as Record<string, unknown>;
  let ok: unknown;
  let payload: unknown;
  let hasError = false;
  let lost = false;
  let keys = 0;
  for (const key in result) {
    keys++;
    if (key === "ok") ok = result.ok;
    else if (key === "value") payload = result.value;
    else if (key === "error") {
      payload = result.error;
      hasError = true;
    } else if (key === "lost") {
      // `{ lost: true }` exactly: the job's result is unknown.
      if (result.lost !== true) return 0;
      lost = true;
    } else return 0;
  }
  m.hotPayload = payload;
  if (lost) return keys === 1 ? LOST : 0;
  if (ok === true) return hasError ? 0 : OK;
  return ok === false && hasError ? FAILED : 0;
}

/** A batch's results into `m.batch`; false when any is odd (the slow way then words it). */
function readBatch(m: Machine, results: unknown): boolean {
  if (!Array.isArray(results)) return false;
  const length = results.length;
  if (length === 0 || length > MAX_BATCH_RESULTS) return false;
  const batch: CompletionBatch = new Array(length * FIELDS);
  for (let index = 0; index < length; index++) {
    const entry: unknown = results[index];
    if (typeof entry !== "object" || entry === null) return false;
    let jobId: unknown;
    let outcome: unknown;
    for (const key in entry) {
      if (key === "jobId") jobId = (entry as { jobId: unknown }).jobId;
      else if (key === "outcome") outcome = (entry as { outcome: unknown }).outcome;
      else return false;
    }
    if (typeof jobId !== "string" || jobId === "") return false;
    const kind = readOutcome(m, outcome);
    if (kind === 0) return false;
    const at = index * FIELDS;
    batch[at] = jobId;
    batch[at + 1] = seqOfJobId(jobId);
    batch[at + 2] = kind;
    batch[at + 3] = m.hotPayload;
  }
  m.batch = batch;
  return true;
}

/** A `complete` read by `readHot`: a job in flight settles; an issued one is discarded; any other id is rejected. */
export function completeHot(m: Machine, input: Command): void {
  const jobId = m.hotJobId;
  const seq = seqOfJobId(jobId);
  if (seq < 1 || seq > m.jobSeq) rejectUnknownJob(m, input, jobId, "command.jobId");
  else completeOne(m, seq, jobId, m.hotKind, m.hotPayload);
}

/**
 * A batch read into `m.batch` (by `readHot`, or after the schema the slow way): every id is checked
 * first, so that a batch naming a job never issued changes nothing; then each result is exactly a
 * single `complete` at the batch's time, one after another (see `Machine.betweenCommands`).
 */
export function completeBatch(m: Machine, input: Command): void {
  const batch = m.batch;
  m.batch = NO_BATCH;
  for (let at = 0; at < batch.length; at += FIELDS) {
    const seq = batch[at + 1] as number;
    if (seq < 1 || seq > m.jobSeq) {
      rejectUnknownJob(m, input, batch[at] as string, `command.results[${at / FIELDS}].jobId`);
      return;
    }
  }
  for (let at = 0; at < batch.length; at += FIELDS) {
    if (at > 0) m.betweenCommands();
    completeOne(m, batch[at + 1] as number, batch[at] as string, batch[at + 2] as number, batch[at + 3]);
  }
}

const NO_BATCH: CompletionBatch = Object.freeze([]) as unknown as CompletionBatch;

/** One result of an issued job: time arrives, then it settles (or is discarded), then whatever is due starts. */
function completeOne(m: Machine, seq: number, jobId: string, kind: number, payload: unknown): void {
  // Looked up before time arrives: a job that only starts as time arrives was not the one reported.
  const job = m.inFlight.get(seq);
  m.arrive(m.hotAt, m.hotWall);
  // Killed, cleared or already settled, or cancelled as time arrived (a due time of its spawn with
  // `overlap: "cancel-other"`): a late result is expected, not an error.
  // (The job found has number `seq`, and `jobId` is `job-<seq>` exactly, as `seqOfJobId` reads only
  // canonical ids: its own id, so no string is compared.)
  if (job === undefined || m.inFlight.get(seq) !== job) m.emit({ type: "discarded", jobId });
  else if (kind === LOST) loseJob(m, job);
  else finishJob(m, job, kind === FAILED, payload);
  runDue(m);
}

/** A batch checked by the schema (the slow way) into `m.batch` and the hot time fields. */
export function fillBatch(m: Machine, command: Extract<Command, { results: unknown }>): void {
  m.hotAt = command.at;
  m.hotWall = command.wall;
  m.batch = command.results.flatMap(({ jobId, outcome }) => [
    jobId,
    seqOfJobId(jobId),
    "lost" in outcome ? LOST : outcome.ok ? OK : FAILED,
    "lost" in outcome ? undefined : outcome.ok ? outcome.value : outcome.error,
  ]);
}

function rejectUnknownJob(m: Machine, input: Command, jobId: string, field: string): void {
  m.emit({
    type: "rejected",
    command: input,
    code: "unknown-job",
    field,
    message: `${field}: no job ${show(jobId)} was issued by this kernel`,
  });
}
