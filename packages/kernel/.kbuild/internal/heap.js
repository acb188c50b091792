const before = (a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
export class TimerHeap {
  items = [];
  get size() {
    return this.items.length;
  }
  peek() {
    return this.items[0];
  }
  push(entry) {
    entry.heapIndex = this.items.length;
    this.items.push(entry);
    this.siftUp(entry.heapIndex);
  }
  pop() {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }
  /**
   * Pops the top and pushes `entry` in one sift: what a fixed-rate timer does
   * at every firing, at half the cost of `pop` then `push`.
   */
  replaceTop(entry) {
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
  remove(entry) {
    const index = entry.heapIndex;
    if (index < 0 || this.items[index] !== entry) return false;
    this.removeAt(index);
    return true;
  }
  /** Restores the order after an entry's `dueAt` changed (in the heap or not: then it is pushed). */
  reposition(entry) {
    const index = entry.heapIndex;
    if (index < 0 || this.items[index] !== entry) {
      this.push(entry);
      return;
    }
    this.siftDown(index);
    this.siftUp(entry.heapIndex);
  }
  /** Entries in no particular order (for snapshots). */
  values() {
    return this.items;
  }
  removeAt(index) {
    const items = this.items;
    const removed = items[index];
    const last = items.pop();
    removed.heapIndex = -1;
    if (index === items.length) return;
    items[index] = last;
    last.heapIndex = index;
    this.siftDown(index);
    this.siftUp(last.heapIndex);
  }
  siftUp(start) {
    const items = this.items;
    let index = start;
    const entry = items[index];
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex];
      if (!before(entry, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = entry;
    entry.heapIndex = index;
  }
  siftDown(start) {
    const items = this.items;
    const length = items.length;
    let index = start;
    const entry = items[index];
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(items[right], items[left])) child = right;
      const childEntry = items[child];
      if (!before(childEntry, entry)) break;
      items[index] = childEntry;
      childEntry.heapIndex = index;
      index = child;
    }
    items[index] = entry;
    entry.heapIndex = index;
  }
}
