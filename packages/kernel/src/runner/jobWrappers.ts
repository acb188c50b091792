import { SchedkitError } from "../SchedkitError.js";

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
 * Runs around every job's start (instrumentation: a tracing span's context,
 * a log context). `run()` starts the job inside the wrapper: it calls
 * `mainFn`, and when `mainFn` returns a Promise or an Effect, follows it or
 * starts its fiber, so the whole job (its continuations too, with an
 * AsyncLocalStorage-based context) runs in whatever context the wrapper set.
 * The rules:
 * - call `run` once, synchronously; a second call throws, and returning
 *   without calling it fails the job (`hook-failed`);
 * - a throw before `run` fails the job with that error (`mainFn` never runs);
 *   a throw after it is reported to `onError` and the job's result stands;
 * - the wrapper sees the job, not its result (that comes as the `settled`
 *   effect); `job` is read-only, and a runner method called from the wrapper
 *   is queued like one called from `mainFn`.
 * Wrappers added first run outermost. Adding or removing one applies to jobs
 * started afterwards.
 * @since 0.3.0
 */
export type JobWrapper = (job: JobStart, run: () => void) => void;

/** The wrappers of one runner, and how a job starts inside them. */
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

  /**
   * Starts a job (`start`, which never throws: it returns the job's outcome now, or undefined for
   * later) inside every wrapper. A wrapper's failure before the start is the job's (`failed`);
   * after it, it goes to `report`. Only called when there are wrappers.
   */
  start<T>(job: JobStart, start: () => T, failed: (error: unknown) => T, report: (error: unknown) => void): T {
    const wrappers = this.list;
    let started = false;
    let result: T | undefined;
    let next: () => void = () => {
      started = true;
      result = start();
    };
    for (let i = wrappers.length - 1; i >= 0; i--) {
      const wrapper = wrappers[i] as JobWrapper;
      const inner = onceOnly(next, job);
      next = () => wrapper(job, inner);
    }
    try {
      next();
    } catch (error) {
      if (!started) return failed(error);
      report(error);
    }
    if (!started) {
      return failed(
        new SchedkitError("hook-failed", `job ${job.jobId}: a job wrapper returned without calling run()`, {
          field: "wrapper",
        }),
      );
    }
    return result as T;
  }
}

const onceOnly = (run: () => void, job: JobStart): (() => void) => {
  let called = false;
  return () => {
    if (called) {
      throw new SchedkitError("invalid-command", `job ${job.jobId}: a job wrapper called run() twice`, {
        field: "wrapper",
      });
    }
    called = true;
    run();
  };
};
