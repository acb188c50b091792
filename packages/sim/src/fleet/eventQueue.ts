/**
 * A binary min-heap of timed items, ties broken by insertion order: the simulator's one source of "what next".
 * Parallel arrays, and sifts that move a hole rather than swap pairs: no object per push or pop.
 */
export class EventQueue<T> {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: T): void {
    const seq = this.seq++;
    let index = this.items.length;
    // Grow by one, then move parents down into the hole until the new item fits.
    this.times.push(time);
    this.seqs.push(seq);
    this.items.push(item);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTime = this.times[parent] as number;
      if (parentTime < time || (parentTime === time && (this.seqs[parent] as number) < seq)) break;
      this.place(index, parent);
      index = parent;
    }
    this.times[index] = time;
    this.seqs[index] = seq;
    this.items[index] = item;
  }

  /** The earliest item's time, `undefined` when empty. */
  peekTime(): number | undefined {
    return this.times[0];
  }

  /** Removes and returns the earliest item (read its time with `peekTime` first). */
  pop(): T | undefined {
    const size = this.items.length;
    if (size === 0) return undefined;
    const top = this.items[0] as T;
    const time = this.times.pop() as number;
    const seq = this.seqs.pop() as number;
    const item = this.items.pop() as T;
    const last = size - 1;
    if (last === 0) return top;
    // The last item goes in at the root's hole and sinks to its place.
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= last) break;
      const right = left + 1;
      const child = right < last && this.less(right, left) ? right : left;
      const childTime = this.times[child] as number;
      if (time < childTime || (time === childTime && seq < (this.seqs[child] as number))) break;
      this.place(index, child);
      index = child;
    }
    this.times[index] = time;
    this.seqs[index] = seq;
    this.items[index] = item;
    return top;
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a] as number;
    const tb = this.times[b] as number;
    return ta < tb || (ta === tb && (this.seqs[a] as number) < (this.seqs[b] as number));
  }

  /** Moves the item at `from` into slot `to`. */
  private place(to: number, from: number): void {
    this.times[to] = this.times[from] as number;
    this.seqs[to] = this.seqs[from] as number;
    this.items[to] = this.items[from] as T;
  }
}
