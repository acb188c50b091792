/**
 * The hot commands, `tick` and `complete`: read once into the machine's fields, without a copy or
 * the schema. Anything odd about them goes the slow way, which words the rejection.
 */

import type { Command } from "../Command.js";
import { show } from "./describe.js";
import { runDue } from "./jobs.js";
import { seqOfJobId } from "./jobTable.js";
import { isTime } from "./limits.js";
import type { Machine } from "./machine.js";
import { jobIdOf } from "./model.js";
import { finishJob, loseJob } from "./settlement.js";

/**
 * Reads a well-formed `tick` or `complete` into the hot fields, each field
 * once. Anything else (or anything odd about these) goes the slow way,
 * which copies, checks with the schema and words the rejection.
 */
export function readHot(m: Machine, input: unknown): "tick" | "complete" | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  m.hotAt = Number.NaN;
  m.hotLost = false;
  try {
    const record = input as Record<string, unknown>;
    const type = record.type;
    if (type !== "tick" && type !== "complete") return undefined;
    let wall: unknown;
    let jobId: unknown;
    let outcome: unknown;
    for (const key in record) {
      if (key === "type") continue;
      if (key === "at") m.hotAt = record.at as number;
      else if (key === "wall") wall = record.wall;
      else if (type === "complete" && key === "jobId") jobId = record.jobId;
      else if (type === "complete" && key === "outcome") outcome = record.outcome;
      else return undefined;
    }
    if (!isTime(m.hotAt)) return undefined;
    if (wall !== undefined && !isTime(wall)) return undefined;
    m.hotWall = wall as number | undefined;
    if (type === "tick") return "tick";
    if (typeof jobId !== "string" || jobId === "" || typeof outcome !== "object" || outcome === null) return undefined;
    const result = outcome as Record<string, unknown>;
    let ok: unknown;
    let payload: unknown;
    let hasError = false;
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
        if (result.lost !== true) return undefined;
        m.hotLost = true;
      } else return undefined;
    }
    if (m.hotLost) {
      if (keys !== 1) return undefined;
    } else if (ok === true ? hasError : ok !== false || !hasError) return undefined;
    m.hotJobId = jobId;
    m.hotFailed = ok === false;
    m.hotPayload = payload;
    return "complete";
  } catch {
    return undefined;
  }
}

/** A `complete` read by `readHot`: a job in flight settles; an issued one is discarded; any other id is rejected. */
export function completeHot(m: Machine, input: Command): void {
  const jobId = m.hotJobId;
  const seq = seqOfJobId(jobId);
  const job = seq < 1 ? undefined : m.inFlight.get(seq);
  if (job !== undefined && jobIdOf(job) === jobId) {
    const failed = m.hotFailed;
    const lost = m.hotLost;
    const payload = m.hotPayload;
    m.arrive(m.hotAt, m.hotWall);
    // A due time of its spawn with `overlap: "cancel-other"` may have cancelled it as time arrived.
    if (m.inFlight.get(seq) !== job) m.emit({ type: "discarded", jobId });
    else if (lost) loseJob(m, job);
    else finishJob(m, job, failed, payload);
    runDue(m);
    return;
  }
  if (seq >= 1 && seq <= m.jobSeq) {
    // Killed, cleared or already settled: a late result is expected, not an error.
    m.arrive(m.hotAt, m.hotWall);
    m.emit({ type: "discarded", jobId });
    return;
  }
  m.emit({
    type: "rejected",
    command: input,
    code: "unknown-job",
    field: "command.jobId",
    message: `command.jobId: no job ${show(jobId)} was issued by this kernel`,
  });
}
