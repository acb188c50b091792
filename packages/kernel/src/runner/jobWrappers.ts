import { SchedkitError } from "../SchedkitError.js";
import type { MainFn } from "./execute.js";

/**
 * A job about to run, as a wrapper sees it: the `run` effect that started it
 * (the same object subscribers get). A fleet runner's jobs also say which
 * shard and lease epoch ran them, and whether this is a rerun of a fire a
 * previous owner never completed.
 * @since 0.3.0
 */
export interface JobStart {
  readonly jobId: string;
  readonly fireId: string;
  readonly programId: string;
  /** `null` for a trigger's or a backfill's job. */
  readonly spawnId: string | null;
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly args: unknown;
  readonly shard?: number;
  readonly epoch?: number;
  readonly rerun?: boolean;
}

/**
 * Runs around every job's `mainFn` (instrumentation: a tracing span's
 * context, a log context). The rules:
 * - call `run` once, synchronously, and return what it returns: that is the
 *   job's result (a value, a Promise, an Effect), read by the runner as if
 *   `mainFn` had returned it; a second call of `run` throws;
 * - a throw (before or after `run`) fails the job with that error, like a
 *   throw from `mainFn`;
 * - `job` is read-only, and the wrapper is called inside the runner's step:
 *   a runner method called from it is queued like one called from `mainFn`.
 * Wrappers added first run outermost. Adding or removing one applies to jobs
 * started afterwards.
 * @since 0.3.0
 */
export type JobWrapper = (job: JobStart, run: () => unknown) => unknown;

/** The wrappers of one runner, and the `mainFn` each job then runs. */
export class JobWrappers {
  private list: readonly JobWrapper[] = [];

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  add(wrapper: JobWrapper): () => void {
    if (typeof wrapper !== "function") {
      throw new SchedkitError("invalid-options", "wrapper: expected a function (job, run) => run()", {
        field: "wrapper",
      });
    }
    this.list = [...this.list, wrapper];
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const at = this.list.indexOf(wrapper);
      if (at >= 0) this.list = [...this.list.slice(0, at), ...this.list.slice(at + 1)];
    };
  }

  /** `mainFn` inside every wrapper, for one job (only called when there are wrappers). */
  around(mainFn: MainFn, job: JobStart): MainFn {
    const wrappers = this.list;
    return (args, t, ctx) => {
      let next: () => unknown = () => mainFn(args, t, ctx);
      for (let i = wrappers.length - 1; i >= 0; i--) {
        const wrapper = wrappers[i] as JobWrapper;
        const inner = onceOnly(next, job);
        next = () => wrapper(job, inner);
      }
      return next();
    };
  }
}

const onceOnly = (run: () => unknown, job: JobStart): (() => unknown) => {
  let called = false;
  return () => {
    if (called) {
      throw new SchedkitError("invalid-command", `job ${job.jobId}: a job wrapper called run() twice`, {
        field: "wrapper",
      });
    }
    called = true;
    return run();
  };
};
