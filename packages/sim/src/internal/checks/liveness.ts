import { MAX_TIME } from "../hostile.js";
import { describeKey, noMessage, type Verify } from "./verify.js";

/** What a running spawn is owed: its type and the longest wait between two of its jobs. */
export interface Owed {
  readonly programId: string;
  readonly type: "basic" | "constant" | "cron";
  /** ms: the longest interval (a cron program: its longest gap between two matches), with `jitter`. */
  readonly interval: number;
  /** ms: spec 18's `jitter`, how late after its due time a job of the spawn may start (in `interval`). */
  readonly jitter: number;
  /**
   * Spec 18: the spawn runs one job at a time (overlap `skip`, `buffer-one`, `buffer-all`):
   * like a basic spawn, it is owed its next run an interval after its job ends, and nothing
   * while a job of it hangs.
   */
  readonly waitsForJobs?: boolean;
}

/**
 * `liveness`: every running spawn runs within its interval. Without faults
 * from the start; with faults, from the moment the last discrete fault (jump,
 * regression, crash) has passed (`quiet`), when every deadline is set afresh
 * from that moment. Continuous faults are allowed for: a late wake (lag) by up
 * to `tolerance` ms, a slow job by its real duration (a basic spawn's next job
 * is owed an interval after it completes), a hanging job of a basic spawn by
 * owing nothing until it ends. Deadlines past the kernel's time limit are
 * never owed. A wall-clock step (cron jobs keep their wall-clock times) counts
 * as a discrete fault. A paused spawn (spec 18: it, or its program) is owed nothing while
 * paused; on resume it is owed a job afresh, as after a fault.
 */
export class Liveness {
  private readonly deadlines = new Map<string, number>();
  private readonly owed = new Map<string, Owed>();
  /** Basic spawns whose job hangs: owed nothing until it ends. */
  private readonly hung = new Set<string>();
  private armed: boolean;
  /** Spec 18: paused programs, and spawns paused on their own (by key). */
  private readonly pausedPrograms = new Set<string>();
  private readonly pausedSpawns = new Set<string>();

  constructor(
    private readonly verify: Verify,
    options: {
      readonly quietFromStart: boolean;
      readonly tolerance: number;
      /** Test only: read every deadline at every check (the old scan, the reference). */
      readonly scanAlways?: boolean;
    },
  ) {
    this.armed = options.quietFromStart;
    this.tolerance = options.tolerance;
    this.scanAlways = options.scanAlways === true;
  }

  private readonly scanAlways: boolean;

  private readonly tolerance: number;

  /**
   * At most every deadline that `check` reads (not paused, not past the time limit): while the
   * kernel's time is not past it, no deadline is due and `check` reads none (each dispatch checked
   * them all before). Lowered by every deadline set; raised only by a full pass of `check`.
   */
  private low = Number.POSITIVE_INFINITY;

  private setDeadline(key: string, deadline: number): void {
    this.deadlines.set(key, deadline);
    if (deadline < this.low) this.low = deadline;
  }

  /** A spawn started at `startedAt`; its first job is owed `first` ms later. */
  spawned(key: string, owed: Owed, startedAt: number, first: number): void {
    this.owed.set(key, owed);
    this.hung.delete(key);
    this.pausedSpawns.delete(key);
    this.setDeadline(key, startedAt + first + this.tolerance);
  }

  /** A job of the spawn started; `duration` is how long it takes, or "hang". */
  ran(key: string, startedAt: number, duration: number | "hang"): void {
    const owed = this.owed.get(key);
    if (owed === undefined || !this.deadlines.has(key)) return;
    if (owed.type === "basic" || owed.waitsForJobs === true) {
      if (duration === "hang") {
        this.hung.add(key);
        this.deadlines.delete(key);
        return;
      }
      this.setDeadline(key, startedAt + duration + owed.interval + this.tolerance);
      return;
    }
    this.setDeadline(key, startedAt + owed.interval + this.tolerance);
  }

  /** A job of the spawn settled (also one whose argsFn threw before it ran). */
  settled(key: string, endedAt: number): void {
    const owed = this.owed.get(key);
    if (owed === undefined) return;
    const was = this.deadlines.get(key);
    if (was === undefined && !this.hung.has(key)) return;
    this.hung.delete(key);
    this.setDeadline(key, Math.max(was ?? 0, endedAt + owed.interval + this.tolerance));
  }

  /**
   * Due times of the spawn were missed at `now` (catch-up window or limit): its job moved on,
   * at most one interval after now (a basic spawn's, or a skip's; a catch-up's is due at once).
   */
  missed(key: string, now: number): void {
    const owed = this.owed.get(key);
    const deadline = this.deadlines.get(key);
    if (owed === undefined || deadline === undefined) return;
    this.setDeadline(key, Math.max(deadline, now + owed.interval + this.tolerance));
  }

  /** The program's interval changed at `now`: a spawn may wait the new one after its current job. */
  intervalChanged(programId: string, interval: number, now: number, maxDuration: number): void {
    for (const [key, owed] of this.owed) {
      if (owed.programId !== programId) continue;
      // A jittered job may start its jitter after a due time on the new interval too.
      const longer = { ...owed, interval: Math.max(owed.interval, interval + owed.jitter) };
      this.owed.set(key, longer);
      const deadline = this.deadlines.get(key);
      if (deadline !== undefined) {
        this.setDeadline(key, Math.max(deadline, now + maxDuration + longer.interval + this.tolerance));
      }
    }
  }

  /** Keeps only the spawns of `programId` that are still running (`running` holds their keys). */
  retain(programId: string, running: ReadonlySet<string>): void {
    for (const [key, owed] of this.owed) {
      if (owed.programId === programId && !running.has(key)) this.forget(key);
    }
  }

  forgetProgram(programId: string): void {
    for (const [key, owed] of this.owed) if (owed.programId === programId) this.forget(key);
    this.pausedPrograms.delete(programId);
  }

  private forget(key: string): void {
    this.owed.delete(key);
    this.deadlines.delete(key);
    this.hung.delete(key);
    this.pausedSpawns.delete(key);
  }

  private isPaused(key: string, owed: Owed): boolean {
    return this.pausedSpawns.has(key) || this.pausedPrograms.has(owed.programId);
  }

  /** How long a spawn may wait from a fresh start (a fault behind it, a resume) for its next job. */
  private wait(owed: Owed, maxDuration: (programId: string) => number, wallBack: number): number {
    return (
      (owed.type === "basic" || owed.waitsForJobs === true ? maxDuration(owed.programId) : 0) +
      owed.interval +
      this.tolerance +
      (owed.type === "cron" ? wallBack : 0)
    );
  }

  /** Spec 18: a program (`key` undefined) or one spawn was paused: owed nothing meanwhile. */
  paused(programId: string, key: string | undefined): void {
    if (key === undefined) this.pausedPrograms.add(programId);
    else this.pausedSpawns.add(key);
  }

  /** Spec 18: a resume at `now`: each spawn no longer paused is owed a job afresh. */
  resumed(programId: string, key: string | undefined, now: number, maxDuration: (programId: string) => number): void {
    if (key === undefined) this.pausedPrograms.delete(programId);
    else this.pausedSpawns.delete(key);
    for (const [each, owed] of this.owed) {
      if (owed.programId !== programId || (key !== undefined && each !== key)) continue;
      if (this.isPaused(each, owed) || this.hung.has(each)) continue;
      this.setDeadline(each, Math.max(this.deadlines.get(each) ?? 0, now + this.wait(owed, maxDuration, 0)));
    }
  }

  /**
   * Faults may have moved time (or lost jobs): every spawn is owed afresh from `now`,
   * as after a job that takes up to `maxDuration(programId)`. With `arm`, checking starts.
   */
  rearm(now: number, maxDuration: (programId: string) => number, arm: boolean, wallBack = 0): void {
    for (const [key, owed] of this.owed) {
      // A job that hangs still hangs (a crash reports it lost, and its settling ends the wait).
      if (this.hung.has(key)) continue;
      // A wall clock set back by `wallBack` ms moves cron jobs that much later (they keep their wall time).
      this.setDeadline(key, Math.max(this.deadlines.get(key) ?? 0, now + this.wait(owed, maxDuration, wallBack)));
    }
    if (arm) this.armed = true;
  }

  /**
   * Checks every deadline at `now` (once armed). When none can be due (`now` is not past the
   * lowest), that is one pass for them all; else each is read, as the scan always did.
   */
  check(now: number): void {
    if (!this.armed) return;
    if (now <= this.low && !this.scanAlways) {
      if (this.deadlines.size > 0) this.verify("liveness", true, noMessage);
      return;
    }
    let low = Number.POSITIVE_INFINITY;
    for (const [key, deadline] of this.deadlines) {
      if (deadline > MAX_TIME) continue;
      const owed = this.owed.get(key);
      if (owed !== undefined && this.isPaused(key, owed)) continue;
      this.verify(
        "liveness",
        now <= deadline,
        () => `spawn ${describeKey(key)} has not run since it was owed a job at ${deadline}`,
      );
      if (now > deadline) this.deadlines.delete(key);
      else if (deadline < low) low = deadline;
    }
    this.low = low;
  }
}
