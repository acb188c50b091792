/**
 * The reference model's jobs waiting for their time or in flight, with the indexes the model
 * asks every dispatch: the first waiting job by (wake time, creation order), a job by id, a
 * spawn's waiting job, a program's own jobs. Written for the model (it shares nothing with the
 * kernel's structures); `verify` checks every answer against the plain scan it replaces.
 *
 * A job's wake time and whether it waits change only through this queue's setters, so the
 * heap always hears of a change: each change files a fresh heap entry and the old one is
 * dropped lazily when it reaches the top.
 */
import type { Job, Program, Spawn } from "./state.js";

/** When a waiting job is next looked at: its due time, or the end of its jitter hold. */
export const wakeOf = (job: Job): number => job.heldUntil ?? job.dueAt;

interface Entry {
  readonly wake: number;
  readonly seq: number;
  readonly job: Job;
}

/** (wake, creation order): the order the model starts due jobs in. */
const before = (a: Entry, b: Entry): boolean => (a.wake === b.wake ? a.seq < b.seq : a.wake < b.wake);

export class JobQueue {
  /** Every listed job, by id (ids are unique). */
  private readonly byId = new Map<string, Job>();
  /**
   * For `verify` only: every listed job in the order it was listed (a job listed again moves
   * to the end, as a push would), the list the scans walk.
   */
  private readonly listed = new Set<Job>();
  private readonly deferredJobs = new Set<Job>();
  private readonly parkedJobs = new Set<Job>();
  private heap: Entry[] = [];
  /** Each eligible job's live heap entry; any other entry of it is stale. */
  private readonly current = new Map<Job, Entry>();

  constructor(private readonly verify = false) {}

  has(job: Job): boolean {
    return this.byId.get(job.id) === job;
  }

  /** The listed job with this id, if it is in flight. */
  inFlight(id: string): Job | undefined {
    const job = this.byId.get(id);
    const found = job?.running === true ? job : undefined;
    if (this.verify) this.check(found === [...this.listed].find((each) => each.id === id && each.running), "inFlight");
    return found;
  }

  add(job: Job): void {
    if (this.verify) this.listed.add(job);
    this.byId.set(job.id, job);
    if (job.spawn === null) job.program.ownJobs.add(job);
    else if (!job.running) job.spawn.waiting.push(job);
    if (job.parked) this.parkedJobs.add(job);
    if (job.deferred) this.deferredJobs.add(job);
    this.refile(job);
  }

  drop(job: Job): void {
    if (!this.has(job)) return;
    this.listed.delete(job);
    this.byId.delete(job.id);
    if (job.spawn === null) job.program.ownJobs.delete(job);
    else remove(job.spawn.waiting, job);
    this.parkedJobs.delete(job);
    this.deferredJobs.delete(job);
    this.current.delete(job);
  }

  start(job: Job): void {
    job.running = true;
    if (job.spawn !== null) remove(job.spawn.waiting, job);
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
    const heap = this.heap;
    while (heap.length > 0 && this.current.get((heap[0] as Entry).job) !== heap[0]) this.pop();
    const found = heap[0]?.job;
    if (this.verify) this.check(found === this.scanFirst(), "first");
    return found;
  }

  /** The plain scan `first` replaces (for `verify`). */
  private scanFirst(): Job | undefined {
    let best: Job | undefined;
    for (const job of this.listed) {
      if (job.running || job.deferred || job.parked) continue;
      if (best === undefined || before(entryOf(job), entryOf(best))) best = job;
    }
    return best;
  }

  private check(ok: boolean, what: string): void {
    if (!ok) throw new Error(`reference model job queue: ${what} disagrees with a scan`);
  }

  /** Files the job's current wake (or forgets it when it does not wait). */
  private refile(job: Job): void {
    if (!this.has(job) || job.running || job.deferred || job.parked) {
      this.current.delete(job);
      return;
    }
    const entry = entryOf(job);
    this.current.set(job, entry);
    this.push(entry);
    // Stale entries sink out at the top; rebuild when they outnumber the live ones.
    if (this.heap.length > 64 && this.heap.length > 4 * this.current.size) this.rebuild();
  }

  private rebuild(): void {
    this.heap = [];
    for (const entry of this.current.values()) this.push(entry);
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    let index = heap.length;
    heap.push(entry);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as Entry;
      if (!before(entry, above)) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Entry, heap[left] as Entry) ? right : left;
      if (!before(heap[child] as Entry, last)) break;
      heap[index] = heap[child] as Entry;
      index = child;
    }
    heap[index] = last;
  }
}

const entryOf = (job: Job): Entry => ({ wake: wakeOf(job), seq: job.seq, job });

/** Removes a job from a short list (a spawn has one waiting job in practice). */
const remove = (list: Job[], job: Job): void => {
  const index = list.indexOf(job);
  if (index >= 0) list.splice(index, 1);
};
