/**
 * An indexed binary min-heap of timers, ordered by (dueAt, seq).
 *
 * Each entry remembers its own position so that a cancelled timer is removed
 * in O(log n) instead of being left behind as a tombstone.
 */
export interface HeapEntry {
  dueAt: number;
  readonly seq: number;
  /** Position in the heap, or -1 when the entry is not in a heap. */
  heapIndex: number;
}

const before = (a: HeapEntry, b: HeapEntry): boolean => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);

export class TimerHeap<T extends HeapEntry> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(entry: T): void {
    entry.heapIndex = this.items.length;
    this.items.push(entry);
    this.siftUp(entry.heapIndex);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /**
   * Pops the top and pushes `entry` in one sift: what a fixed-rate timer does
   * at every firing, at half the cost of `pop` then `push`.
   */
  replaceTop(entry: T): void {
    const top = this.items[0];
    if (top === undefined) {
      this.push(entry);
      return;
    }
    top.heapIndex = -1;
    this.items[0] = entry;
    entry.heapIndex = 0;
    this.siftDown(0);
  }

  remove(entry: T): boolean {
    const index = entry.heapIndex;
    if (index < 0 || this.items[index] !== entry) return false;
    this.removeAt(index);
    return true;
  }

  /** Restores the order after an entry's `dueAt` changed (in the heap or not: then it is pushed). */
  reposition(entry: T): void {
    const index = entry.heapIndex;
    if (index < 0 || this.items[index] !== entry) {
      this.push(entry);
      return;
    }
    this.siftDown(index);
    this.siftUp(entry.heapIndex);
  }

  /** Entries in no particular order (for snapshots). */
  values(): readonly T[] {
    return this.items;
  }

  private removeAt(index: number): void {
    const items = this.items;
    const removed = items[index] as T;
    const last = items.pop() as T;
    removed.heapIndex = -1;
    if (index === items.length) return;
    items[index] = last;
    last.heapIndex = index;
    this.siftDown(index);
    this.siftUp(last.heapIndex);
  }

  private siftUp(start: number): void {
    const items = this.items;
    let index = start;
    const entry = items[index] as T;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (!before(entry, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = entry;
    entry.heapIndex = index;
  }

  private siftDown(start: number): void {
    const items = this.items;
    const length = items.length;
    let index = start;
    const entry = items[index] as T;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(items[right] as T, items[left] as T)) child = right;
      const childEntry = items[child] as T;
      if (!before(childEntry, entry)) break;
      items[index] = childEntry;
      childEntry.heapIndex = index;
      index = child;
    }
    items[index] = entry;
    entry.heapIndex = index;
  }
}
