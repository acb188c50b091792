/**
 * A spawn's latest result, kept as fields and made into a `ResultRecord`
 * only when read.
 *
 * Why: a record made per job lives a whole period, until the next result. At
 * high rates thousands of them are alive at every young-generation GC and
 * are copied (the pause grows with them); fields of this long-lived object are
 * overwritten in place instead.
 */
export class LatestResult {
  /** The job's number (`job-<seq>` is made when read: a string kept a whole period would be copied at every young GC). */
  seq = 0;
  failed = false;
  payload = undefined;
  scheduledAt = 0;
  startedAt = 0;
  endedAt = 0;
  record = undefined;
  /** A job's result: `payload` is its value, or its error when `failed`. */
  set(seq, failed, payload, scheduledAt, startedAt, endedAt) {
    this.seq = seq;
    this.failed = failed;
    this.payload = payload;
    this.scheduledAt = scheduledAt;
    this.startedAt = startedAt;
    this.endedAt = endedAt;
    this.record = undefined;
  }
  /** A record made elsewhere (a restored snapshot, the `output: "all"` history): it is the one returned. */
  setRecord(record) {
    this.seq = 0;
    this.payload = undefined;
    this.record = record;
  }
  get() {
    if (this.record === undefined && this.seq > 0) {
      const { scheduledAt, startedAt, endedAt } = this;
      const jobId = `job-${this.seq}`;
      this.record = this.failed
        ? { jobId, status: "errored", error: this.payload, scheduledAt, startedAt, endedAt }
        : { jobId, status: "succeeded", value: this.payload, scheduledAt, startedAt, endedAt };
    }
    return this.record;
  }
}
