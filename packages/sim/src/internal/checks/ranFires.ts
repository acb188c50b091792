/**
 * The fire ids one spawn ran, for `skipped-once` ("a skipped due time never ran"). A spawn's own
 * due times are named `<programId>/<spawnId>/<scheduledAt>`: those are kept as their times, in a
 * sorted array (a long-lived spawn runs hundreds of thousands of jobs: a number each, appended in
 * order, instead of a fresh string hashed into a Set that keeps growing); any other fire id is
 * kept as its text. `has` answers exactly as a Set of the texts would.
 */
export class RanFires {
  private readonly prefix: string;
  private readonly times: number[] = [];
  private readonly others = new Set<string>();

  constructor(programId: string, spawnId: string) {
    this.prefix = `${programId}/${spawnId}/`;
  }

  add(fireId: string, scheduledAt: number): void {
    if (this.isOwn(fireId, scheduledAt)) this.insert(scheduledAt);
    else this.others.add(fireId);
  }

  has(fireId: string): boolean {
    if (this.others.has(fireId)) return true;
    if (!fireId.startsWith(this.prefix)) return false;
    const rest = fireId.slice(this.prefix.length);
    const time = Number(rest);
    return Number.isFinite(time) && String(time) === rest && this.find(time) >= 0;
  }

  /** `fireId` is the spawn's own name for the due time `scheduledAt`. */
  private isOwn(fireId: string, scheduledAt: number): boolean {
    if (!Number.isFinite(scheduledAt)) return false;
    // Once per job: a whole due time's digits are read in place, no text made for it.
    if (Number.isSafeInteger(scheduledAt) && scheduledAt >= 0) return this.endsWithDigitsOf(fireId, scheduledAt);
    const text = String(scheduledAt);
    return (
      fireId.length === this.prefix.length + text.length && fireId.endsWith(text) && fireId.startsWith(this.prefix)
    );
  }

  /** `fireId` is the prefix and then `String(time)` of a whole `time` >= 0. */
  private endsWithDigitsOf(fireId: string, time: number): boolean {
    const start = this.prefix.length;
    const end = fireId.length;
    if (end <= start || !fireId.startsWith(this.prefix)) return false;
    // String(time) has no leading zero, but "0" itself.
    if (fireId.charCodeAt(start) === 48 && end - start > 1) return false;
    let value = 0;
    for (let index = start; index < end; index++) {
      const digit = fireId.charCodeAt(index) - 48;
      if (digit < 0 || digit > 9) return false;
      value = value * 10 + digit;
      if (value > time) return false;
    }
    return value === time;
  }

  private insert(time: number): void {
    const times = this.times;
    const last = times[times.length - 1];
    if (last === undefined || time > last) {
      times.push(time);
      return;
    }
    if (this.find(time) >= 0) return;
    let index = times.length;
    while (index > 0 && (times[index - 1] as number) > time) index--;
    times.splice(index, 0, time);
  }

  /** The index of `time` in the sorted times, or -1. */
  private find(time: number): number {
    let low = 0;
    let high = this.times.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.times[middle] as number;
      if (value === time) return middle;
      if (value < time) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}
