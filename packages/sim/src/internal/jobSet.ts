/**
 * A set of job ids that stays small over a long run: the kernel names jobs `job-<n>` with n
 * counting up, so those are kept as bits (one bit per job ever made, no string or Set entry
 * kept alive per job, no hash table churning on every job's add and delete); any other id (a
 * hostile or hand-made one) goes in a plain Set.
 */
const MAX_BITS = 1 << 26;

export class JobSet {
  private bits = new Uint32Array(1024);
  private readonly others = new Set<string>();

  /** The job's number when its id is the kernel's `job-<n>` form (no leading zero), else -1. */
  private static numberOf(jobId: string): number {
    const length = jobId.length;
    if (length < 5 || length > 13 || jobId.charCodeAt(0) !== 106 || !jobId.startsWith("job-")) return -1;
    let n = 0;
    for (let index = 4; index < length; index++) {
      const digit = jobId.charCodeAt(index) - 48;
      if (digit < 0 || digit > 9 || (digit === 0 && index === 4 && length > 5)) return -1;
      n = n * 10 + digit;
    }
    // Bits up to 8 MB; a higher number (a hand-made id) goes in the Set.
    return n < MAX_BITS ? n : -1;
  }

  has(jobId: string): boolean {
    const n = JobSet.numberOf(jobId);
    if (n < 0) return this.others.has(jobId);
    const word = n >>> 5;
    return word < this.bits.length && ((this.bits[word] as number) & (1 << (n & 31))) !== 0;
  }

  /** Removes the job; true when it was there (as `Set.delete`). */
  delete(jobId: string): boolean {
    const n = JobSet.numberOf(jobId);
    if (n < 0) return this.others.delete(jobId);
    const word = n >>> 5;
    if (word >= this.bits.length) return false;
    const bit = 1 << (n & 31);
    const had = ((this.bits[word] as number) & bit) !== 0;
    this.bits[word] = (this.bits[word] as number) & ~bit;
    return had;
  }

  add(jobId: string): void {
    const n = JobSet.numberOf(jobId);
    if (n < 0) {
      this.others.add(jobId);
      return;
    }
    const word = n >>> 5;
    if (word >= this.bits.length) {
      let length = this.bits.length;
      while (length <= word) length *= 2;
      const grown = new Uint32Array(length);
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[word] = (this.bits[word] as number) | (1 << (n & 31));
  }
}
