/**
 * The reference model's jobs waiting for their time or in flight, with the indexes the model
 * asks every dispatch: the first waiting job by (wake time, creation order), a job by id, a
 * spawn's waiting job, a program's own jobs. Written for the model (it shares nothing with the
 * kernel's structures); `verify` checks every answer against the plain scan it replaces.
 *
 * A job's wake time and whether it waits change only through this queue's setters, so the
 * heap always hears of a change. The heap holds the waiting jobs themselves, each knowing its
 * place in it (`Job.heapIndex`): a change moves the job up or down where it is, and a job that
 * stops waiting leaves at once (no stale entries, nothing allocated per change).
 */
import { JobIndex, numberOfId } from "./jobIndex.js";
import type { Job, Program, Spawn } from "./state.js";

/** When a waiting job is next looked at: its due time, or the end of its jitter hold. */
export const wakeOf = (job: Job): number => job.heldUntil ?? job.dueAt;

/**
 * (wake, creation order): the order the model starts due jobs in. A total order: wakes are
 * finite numbers and creation numbers are unique.
 */
const before = (a: Job, b: Job): boolean => {
  const wakeA = a.heldUntil ?? a.dueAt;
  const wakeB = b.heldUntil ?? b.dueAt;
  return wakeA === wakeB ? a.seq < b.seq : wakeA < wakeB;
};

/** `Job.heapIndex` of a job not in the heap (a job made elsewhere may not have the field at all). */
const OUT = -1;

const indexOf = (job: Job): number => job.heapIndex ?? OUT;

export class JobQueue {
  /** Every listed job, by id (ids are unique). */
  private readonly byId = new JobIndex();
  /**
   * For `verify` only: every listed job in the order it was listed (a job listed again moves
   * to the end, as a push would), the list the scans walk.
   */
  private readonly listed = new Set<Job>();
  private readonly deferredJobs = new Set<Job>();
  private readonly parkedJobs = new Set<Job>();
  /** The waiting jobs (listed, not started, not deferred, not parked), a binary heap by `before`. */
  private readonly heap: Job[] = [];

  constructor(private readonly verify = false) {}

  has(job: Job): boolean {
    const found = job.queued === true;
    if (this.verify) this.check(found === (this.byId.get(job.id) === job), "has");
    return found;
  }

  /** The listed job with this id, if it is in flight. */
  inFlight(id: string): Job | undefined {
    const job = this.byId.get(id);
    const found = job?.running === true ? job : undefined;
    if (this.verify) this.check(found === [...this.listed].find((each) => each.id === id && each.running), "inFlight");
    return found;
  }

  add(job: Job): void {
    if (this.verify) {
      this.listed.add(job);
      this.check(numberOfId(job.id) === job.seq, "job id");
    }
    this.byId.set(job);
    job.queued = true;
    if (job.spawn === null) job.program.ownJobs.add(job);
    else if (!job.running) job.spawn.waiting.push(job);
    if (job.parked) this.parkedJobs.add(job);
    if (job.deferred) this.deferredJobs.add(job);
    this.refile(job);
  }

  drop(job: Job): void {
    if (!this.has(job)) return;
    this.listed.delete(job);
    this.byId.delete(job);
    job.queued = false;
    if (job.spawn === null) job.program.ownJobs.delete(job);
    else if (job.spawn.waiting.length > 0) remove(job.spawn.waiting, job);
    // Only a parked (deferred) job can be in the parked (deferred) set.
    if (job.parked) this.parkedJobs.delete(job);
    if (job.deferred) this.deferredJobs.delete(job);
    this.leave(job);
  }

  start(job: Job): void {
    job.running = true;
    if (job.spawn !== null && job.spawn.waiting.length > 0) remove(job.spawn.waiting, job);
    this.refile(job);
  }

  setDue(job: Job, dueAt: number): void {
    job.dueAt = dueAt;
    this.refile(job);
  }

  hold(job: Job, until: number | undefined): void {
    job.heldUntil = until;
    this.refile(job);
  }

  defer(job: Job): void {
    job.deferred = true;
    if (this.has(job)) this.deferredJobs.add(job);
    this.refile(job);
  }

  /** The end of a dispatch: jobs whose missed due times were being counted wait again. */
  undeferAll(): void {
    if (this.deferredJobs.size === 0 && !this.verify) return;
    for (const job of this.deferredJobs) {
      job.deferred = false;
      this.refile(job);
    }
    this.deferredJobs.clear();
    if (this.verify) this.check(![...this.listed].some((job) => job.deferred), "undeferAll");
  }

  park(job: Job, parked: boolean): void {
    job.parked = parked;
    if (parked && this.has(job)) this.parkedJobs.add(job);
    else this.parkedJobs.delete(job);
    this.refile(job);
  }

  /** The listed parked jobs (a snapshot: the caller may unpark them). */
  parked(): Job[] {
    return [...this.parkedJobs];
  }

  /** Whether any listed job is parked (what `parked()` would list). */
  anyParked(): boolean {
    return this.parkedJobs.size > 0;
  }

  /** The spawn's first listed job not started (there is at most one in practice). */
  waitingOf(spawn: Spawn): Job | undefined {
    const found = spawn.waiting[0];
    if (this.verify) {
      this.check(found === [...this.listed].find((job) => job.spawn === spawn && !job.running), "waitingOf");
    }
    return found;
  }

  /** The program's listed own jobs (triggers, backfill runs), in listing order. */
  ownJobs(program: Program): Job[] {
    const found = [...program.ownJobs];
    if (this.verify) {
      const scan = [...this.listed].filter((job) => job.program === program && job.spawn === null);
      this.check(found.length === scan.length && found.every((job, index) => job === scan[index]), "ownJobs");
    }
    return found;
  }

  /** The first waiting job by (wake time, creation order), not deferred, not parked. */
  first(): Job | undefined {
    const found = this.heap[0];
    if (this.verify) {
      this.check(found === this.scanFirst(), "first");
      this.heap.forEach((job, index) => {
        this.check(job.heapIndex === index, "heap index");
        const parent = this.heap[(index - 1) >> 1] as Job;
        if (index > 0) this.check(!before(job, parent), "heap order");
      });
    }
    return found;
  }

  /** The plain scan `first` replaces (for `verify`). */
  private scanFirst(): Job | undefined {
    let best: Job | undefined;
    for (const job of this.listed) {
      if (job.running || job.deferred || job.parked) continue;
      if (best === undefined || before(job, best)) best = job;
    }
    return best;
  }

  private check(ok: boolean, what: string): void {
    if (!ok) throw new Error(`reference model job queue: ${what} disagrees with a scan`);
  }

  /** Files the job's current wake: into the heap, or out of it when it does not wait. */
  private refile(job: Job): void {
    if (job.queued !== true || job.running || job.deferred || job.parked) {
      this.leave(job);
      return;
    }
    const index = indexOf(job);
    if (index === OUT) {
      const heap = this.heap;
      heap.push(job);
      this.up(job, heap.length - 1);
      return;
    }
    // Its key changed (or not): it moves up, or else down.
    if (index > 0 && before(job, this.heap[(index - 1) >> 1] as Job)) this.up(job, index);
    else this.down(job, index);
  }

  /** Takes the job out of the heap, if it is in it. */
  private leave(job: Job): void {
    const index = indexOf(job);
    if (index === OUT) return;
    job.heapIndex = OUT;
    const heap = this.heap;
    const last = heap.pop() as Job;
    if (last === job) return;
    // The last job fills the hole and moves to its place from there.
    if (index > 0 && before(last, heap[(index - 1) >> 1] as Job)) this.up(last, index);
    else this.down(last, index);
  }

  /** Places `job` at `index` or above it. */
  private up(job: Job, index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as Job;
      if (!before(job, above)) break;
      heap[index] = above;
      above.heapIndex = index;
      index = parent;
    }
    heap[index] = job;
    job.heapIndex = index;
  }

  /** Places `job` at `index` or below it. */
  private down(job: Job, index: number): void {
    const heap = this.heap;
    const length = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      let below = heap[left] as Job;
      if (right < length) {
        const other = heap[right] as Job;
        if (before(other, below)) {
          child = right;
          below = other;
        }
      }
      if (!before(below, job)) break;
      heap[index] = below;
      below.heapIndex = index;
      index = child;
    }
    heap[index] = job;
    job.heapIndex = index;
  }
}

/** Removes a job from a short list (a spawn has one waiting job in practice). */
const remove = (list: Job[], job: Job): void => {
  const index = list.indexOf(job);
  if (index < 0) return;
  for (let at = index + 1; at < list.length; at++) list[at - 1] = list[at] as Job;
  list.pop();
};
