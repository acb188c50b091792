import type { ResultRecord } from "../Program.js";
import { jobIdOfSeq } from "./model.js";

/**
 * A spawn's latest result, kept as fields of the spawn record itself and made into a
 * `ResultRecord` only when read.
 *
 * Why: a record made per job lives a whole period, until the next result. At high rates thousands
 * of them are alive at every young-generation GC and are copied (the pause grows with them);
 * fields of the long-lived spawn record are overwritten in place instead. And in the spawn record,
 * not an object of their own: a separate holder was one more cold object touched at every settle.
 */
export interface LatestResultFields {
  /** The job's number (`job-<seq>` is made when read: a string kept a whole period would be copied at every young GC); 0: none. */
  latestSeq: number;
  latestFailed: boolean;
  /** Its value, or its error when `latestFailed`. */
  latestPayload: unknown;
  latestScheduledAt: number;
  latestStartedAt: number;
  latestEndedAt: number;
  /** The record once made (or one made elsewhere: a restored snapshot, an adopted export). */
  latestRecord: ResultRecord | undefined;
}

/** A job's result: `payload` is its value, or its error when `failed`. */
export function setLatestResult(
  spawn: LatestResultFields,
  seq: number,
  failed: boolean,
  payload: unknown,
  scheduledAt: number,
  startedAt: number,
  endedAt: number,
): void {
  spawn.latestSeq = seq;
  spawn.latestFailed = failed;
  spawn.latestPayload = payload;
  spawn.latestScheduledAt = scheduledAt;
  spawn.latestStartedAt = startedAt;
  spawn.latestEndedAt = endedAt;
  spawn.latestRecord = undefined;
}

/** A record made elsewhere (a restored snapshot, the `output: "all"` history): it is the one returned. */
export function setLatestRecord(spawn: LatestResultFields, record: ResultRecord | undefined): void {
  spawn.latestSeq = 0;
  spawn.latestPayload = undefined;
  spawn.latestRecord = record;
}

export function latestResultOf(spawn: LatestResultFields): ResultRecord | undefined {
  if (spawn.latestRecord === undefined && spawn.latestSeq > 0) {
    const scheduledAt = spawn.latestScheduledAt;
    const startedAt = spawn.latestStartedAt;
    const endedAt = spawn.latestEndedAt;
    const jobId = jobIdOfSeq(spawn.latestSeq);
    spawn.latestRecord = spawn.latestFailed
      ? { jobId, status: "errored", error: spawn.latestPayload, scheduledAt, startedAt, endedAt }
      : { jobId, status: "succeeded", value: spawn.latestPayload, scheduledAt, startedAt, endedAt };
  }
  return spawn.latestRecord;
}
