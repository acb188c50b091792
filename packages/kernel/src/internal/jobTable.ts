/**
 * Jobs in flight by sequence number: an open-addressing hash table with
 * linear probing and backward-shift deletion.
 *
 * Why not a `Map`: a step starts a burst of jobs and their results then empty
 * the table again, and V8 reallocates a `Map`'s table each time it grows or
 * falls below a quarter full. Those tables hang off a long-lived object, so
 * they survive young collections and are promoted: megabytes of old-space
 * garbage per second at 100,000 jobs/s, and longer young-GC pauses. This
 * table grows to twice the jobs in flight, and shrinks only when it is under
 * an eighth full (after a burst), so a steady load never resizes it.
 */
/** Below this many slots the table never shrinks: small tables cost nothing worth giving back. */
const MIN_SHRINK_SLOTS = 1024;

export class JobTable<T extends { readonly seq: number }> {
  private slots: (T | undefined)[] = new Array<T | undefined>(16).fill(undefined);
  private mask = 15;
  private shift = 28;
  private count = 0;

  /**
   * Fibonacci hashing. Sequence numbers are consecutive, and with `seq & mask`
   * the live ones would sit in one contiguous run of slots, so every
   * backward-shift delete would walk the whole run: quadratic at thousands of
   * jobs in flight. Scrambled, the runs stay short.
   */
  private home(seq: number): number {
    return Math.imul(seq, 0x9e3779b1) >>> this.shift;
  }

  get size(): number {
    return this.count;
  }

  get(seq: number): T | undefined {
    const { slots, mask } = this;
    for (let index = this.home(seq); ; index = (index + 1) & mask) {
      const entry = slots[index];
      if (entry === undefined || entry.seq === seq) return entry;
    }
  }

  /** Adds an entry whose seq is not in the table. */
  add(entry: T): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    this.place(entry);
    this.count++;
  }

  delete(seq: number): boolean {
    const { slots, mask } = this;
    let index = this.home(seq);
    for (; ; index = (index + 1) & mask) {
      const entry = slots[index];
      if (entry === undefined) return false;
      if (entry.seq === seq) break;
    }
    // Backward shift: pull later entries of the probe run into the hole, so no tombstones.
    let hole = index;
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const entry = slots[next];
      if (entry === undefined) break;
      const home = this.home(entry.seq);
      // The entry may move into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!stays) {
        slots[hole] = entry;
        hole = next;
      }
    }
    slots[hole] = undefined;
    this.count--;
    if (slots.length > MIN_SHRINK_SLOTS && this.count * 8 < slots.length) this.resize(slots.length / 4);
    return true;
  }

  /** Slots held now (for tests of the shrink). */
  get capacity(): number {
    return this.slots.length;
  }

  /** The longest run of occupied slots: what a delete may walk (for tests). */
  longestRun(): number {
    let longest = 0;
    let run = 0;
    // Twice round, so a run that wraps past the end is counted whole.
    for (let index = 0; index < this.slots.length * 2; index++) {
      run = this.slots[index & this.mask] === undefined ? 0 : run + 1;
      if (run > longest) longest = run;
    }
    return Math.min(longest, this.count);
  }

  private place(entry: T): void {
    const { slots, mask } = this;
    let index = this.home(entry.seq);
    while (slots[index] !== undefined) index = (index + 1) & mask;
    slots[index] = entry;
  }

  private grow(): void {
    this.resize(this.slots.length * 2);
  }

  /** Rehashes into `length` slots (a power of two). */
  private resize(length: number): void {
    const old = this.slots;
    this.slots = new Array<T | undefined>(length).fill(undefined);
    this.mask = length - 1;
    this.shift = 32 - Math.log2(length);
    for (const entry of old) if (entry !== undefined) this.place(entry);
  }
}

/** The sequence number in a kernel job id (`job-<seq>`), or -1 when the id is not one. */
export const seqOfJobId = (jobId: string): number => {
  const length = jobId.length;
  if (length < 5 || length > 20) return -1;
  // "job-", read as char codes (a call of `startsWith` per result cost more than the rest).
  if (jobId.charCodeAt(0) !== 106 || jobId.charCodeAt(1) !== 111 || jobId.charCodeAt(2) !== 98) return -1;
  if (jobId.charCodeAt(3) !== 45) return -1;
  if (jobId.charCodeAt(4) === 48 && length > 5) return -1; // no leading zeros: one id per job
  let seq = 0;
  for (let index = 4; index < length; index++) {
    const digit = jobId.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    seq = seq * 10 + digit;
  }
  // Up to 15 digits (19 characters) the number is below 2^53, so exact.
  return length <= 19 || Number.isSafeInteger(seq) ? seq : -1;
};
