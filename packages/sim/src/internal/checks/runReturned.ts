import type { KernelEffect } from "@schedkit/kernel";
import { JobSet } from "../jobSet.js";
import { noMessage, type Verify } from "./verify.js";

interface SnapshotJobs {
  readonly programs: readonly {
    readonly id: string;
    readonly spawns: readonly { readonly id: string; readonly inFlight: readonly { readonly id: string }[] }[];
    readonly triggers: readonly { readonly id: string; readonly startedAt: number | null }[];
  }[];
}

/**
 * `run-returned`: every job the kernel started came with a `run` effect, so
 * no job is in flight without one. Checked two ways: an effect that ends a job
 * in flight (`settled`, an in-flight `cancel`) must follow its `run` (a job
 * whose argsFn threw settles at once without one, where the program has such
 * an argsFn); and the jobs in flight in a snapshot must all have had a `run`.
 */
export class RunReturned {
  /** Jobs with a `run` effect that have not ended yet. */
  private readonly running = new JobSet();
  /** Jobs that ended (settled, cancelled in flight, reported lost): a bit per job, not a Set entry. */
  private readonly ended = new JobSet();

  constructor(
    private readonly verify: Verify,
    /** Whether a job of this program (or spawn) may settle without a run: its argsFn throws. */
    private readonly mayFailBeforeRun: (programId: string, spawnId: string | null) => boolean,
  ) {}

  effect(effect: KernelEffect): void {
    switch (effect.type) {
      case "run":
        this.running.add(effect.jobId);
        return;
      case "settled": {
        const ran = this.running.delete(effect.jobId);
        // Once per job: a pass makes no message closure.
        if (ran) this.verify("run-returned", true, noMessage);
        else {
          this.verify(
            "run-returned",
            this.mayFailBeforeRun(effect.programId, effect.spawnId),
            () => `job ${effect.jobId} settled (${effect.status}) but the kernel never returned its run effect`,
          );
        }
        this.ended.add(effect.jobId);
        return;
      }
      case "cancel":
        if (!effect.inFlight) return;
        this.verify(
          "run-returned",
          this.running.delete(effect.jobId) || this.ended.has(effect.jobId),
          () => `job ${effect.jobId} was cancelled in flight but the kernel never returned its run effect`,
        );
        this.ended.add(effect.jobId);
        return;
      default:
        return;
    }
  }

  /** The jobs in flight in a snapshot (`kernel.snapshot()`, read before the next dispatch) must all have had their run. */
  snapshot(snapshot: unknown): void {
    if (typeof snapshot !== "object" || snapshot === null) return;
    const data = snapshot as SnapshotJobs;
    const missing: string[] = [];
    for (const program of data.programs ?? []) {
      for (const spawn of program.spawns ?? []) {
        for (const job of spawn.inFlight ?? []) if (!this.running.has(job.id)) missing.push(job.id);
      }
      for (const job of program.triggers ?? []) {
        if (job.startedAt !== null && !this.running.has(job.id)) missing.push(job.id);
      }
    }
    this.verify(
      "run-returned",
      missing.length === 0,
      () => `jobs in flight in the kernel without a run effect: ${missing.slice(0, 5).join(", ")}`,
    );
  }
}
