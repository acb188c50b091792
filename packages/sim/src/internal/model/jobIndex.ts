/**
 * The reference model's jobs by id, without hashing strings: an id the model issues is
 * `job-<n>` with `n` its creation number, so the index is an open-addressing table keyed by
 * that number (creation numbers are consecutive, so the low bits spread them well), with
 * linear probing and backward-shift deletion (no tombstones: a table of a few live jobs never
 * fills with deleted ones). A lookup by any other text finds nothing, and a found job must
 * have exactly the id asked for (`job-007` is not `job-7`).
 */
import type { Job } from "./state.js";

/** The creation number an id names (`job-` and decimal digits), or -1 when it names none. */
export const numberOfId = (id: string): number => {
  const length = id.length;
  // "job-" (j o b -) and 1 to 15 digits: within the safe integers.
  if (length < 5 || length > 19) return -1;
  if (id.charCodeAt(0) !== 106 || id.charCodeAt(1) !== 111 || id.charCodeAt(2) !== 98 || id.charCodeAt(3) !== 45) {
    return -1;
  }
  let n = 0;
  for (let index = 4; index < length; index++) {
    const digit = id.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
};

/**
 * A job's key: its creation number, which its id names (the model makes every id as
 * `job-<seq>`; the job queue's `verify` checks it).
 */
const keyOf = (job: Job): number => job.seq;

export class JobIndex {
  private keys: number[] = new Array<number>(16).fill(-1);
  private jobs: (Job | undefined)[] = new Array<Job | undefined>(16).fill(undefined);
  private mask = 15;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: string): Job | undefined {
    const n = numberOfId(id);
    if (n < 0) return undefined;
    const keys = this.keys;
    const mask = this.mask;
    for (let slot = n & mask; ; slot = (slot + 1) & mask) {
      const key = keys[slot] as number;
      if (key === -1) return undefined;
      if (key === n) {
        const job = this.jobs[slot] as Job;
        return job.id === id ? job : undefined;
      }
    }
  }

  /** Lists a job under its id; a job listed again replaces the one before. */
  set(job: Job): void {
    const n = keyOf(job);
    if (2 * (this.count + 1) > this.keys.length) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let slot = n & mask;
    for (;;) {
      const key = keys[slot] as number;
      if (key === -1) break;
      if (key === n) {
        this.jobs[slot] = job;
        return;
      }
      slot = (slot + 1) & mask;
    }
    keys[slot] = n;
    this.jobs[slot] = job;
    this.count += 1;
  }

  delete(job: Job): void {
    const n = keyOf(job);
    const keys = this.keys;
    const jobs = this.jobs;
    const mask = this.mask;
    let slot = n & mask;
    for (;;) {
      const key = keys[slot] as number;
      if (key === -1) return;
      if (key === n) break;
      slot = (slot + 1) & mask;
    }
    this.count -= 1;
    // Backward shift: each later entry of the run moves into the hole if its home slot allows.
    let hole = slot;
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const key = keys[next] as number;
      if (key === -1) break;
      const home = key & mask;
      // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      keys[hole] = key;
      jobs[hole] = jobs[next];
      hole = next;
    }
    keys[hole] = -1;
    jobs[hole] = undefined;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldJobs = this.jobs;
    const capacity = oldKeys.length * 2;
    this.keys = new Array<number>(capacity).fill(-1);
    this.jobs = new Array<Job | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.count = 0;
    for (let slot = 0; slot < oldKeys.length; slot++) {
      const job = oldJobs[slot];
      if (job !== undefined) this.set(job);
    }
  }
}
