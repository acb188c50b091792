/**
 * The kernel's timers: a binary heap (see `heap.ts`) beside FIFO lanes.
 *
 * Why lanes: a fixed-rate or fixed-delay spawn re-arms one interval after its
 * last due time (or after now), so the jobs of all spawns that share an
 * interval come due in the order they were scheduled. Such jobs are appended
 * to their interval's lane in O(1), and the heap orders only the lanes' heads
 * (Node's own timers keep one list per duration for the same reason). A job
 * that would break its lane's order goes into the heap itself, so the order
 * of the whole is always (due time, sequence number), lanes or not.
 */
import { type HeapEntry, TimerHeap } from "./heap.js";

/** A job as the queue holds it: in the heap (`heapIndex`), in a lane (`lane`), or neither. */
export interface QueuedEntry extends HeapEntry {
  lane: Lane<QueuedEntry> | null;
  lanePrev: QueuedEntry | null;
  laneNext: QueuedEntry | null;
}

/** Entries in (due time, sequence number) order, linked; as a heap entry it carries its head's keys. */
export class Lane<T extends QueuedEntry> implements HeapEntry {
  dueAt = 0;
  seq = 0;
  heapIndex = -1;
  head: T | null = null;
  tail: T | null = null;

  constructor(readonly key: number) {}
}

/** Past this many lanes, one that empties is dropped. */
const MAX_LANES = 256;

const before = (a: HeapEntry, b: HeapEntry): boolean => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);

export class TimerQueue<T extends QueuedEntry> {
  private readonly heap = new TimerHeap<T | Lane<T>>();
  /**
   * Lanes by key (an interval in ms). An empty lane stays for its next entry (a lone fixed-delay
   * spawn empties its lane at every start), unless there are many: interval functions may draw
   * any number of distinct intervals.
   */
  private readonly lanes = new Map<number, Lane<T>>();

  /** The earliest entry. */
  peek(): T | undefined {
    const top = this.heap.peek();
    return top instanceof Lane ? (top.head as T) : top;
  }

  /** Whether the entry is queued (in the heap or in a lane). */
  has(entry: T): boolean {
    return entry.lane !== null || entry.heapIndex !== -1;
  }

  /**
   * Queues an entry that is not queued. `laneKey`: the interval it was scheduled by, when its
   * lane's order likely holds (NaN: straight into the heap).
   */
  push(entry: T, laneKey = Number.NaN): void {
    if (!Number.isNaN(laneKey) && this.append(entry, laneKey)) return;
    this.heap.push(entry);
  }

  /** Dequeues the earliest entry and queues `entry` (what a fixed-rate timer does as it fires). */
  replaceTop(entry: T, laneKey = Number.NaN): void {
    const top = this.heap.peek();
    if (top instanceof Lane) {
      // Into its lane first, then the head out: a lane of one is re-armed without emptying it.
      const head = top.head as T;
      this.push(entry, laneKey);
      this.remove(head);
    } else if (top !== undefined && !Number.isNaN(laneKey) && this.canAppend(entry, laneKey)) {
      this.heap.pop();
      this.append(entry, laneKey);
    } else {
      this.heap.replaceTop(entry);
    }
  }

  /** Dequeues an entry; false when it was not queued. */
  remove(entry: T): boolean {
    const lane = entry.lane as Lane<T> | null;
    if (lane === null) return this.heap.remove(entry);
    this.unlink(lane, entry);
    return true;
  }

  /** Restores the order after an entry's due time changed (queued or not: then it is queued). */
  reposition(entry: T): void {
    const lane = entry.lane as Lane<T> | null;
    if (lane === null) {
      this.heap.reposition(entry);
      return;
    }
    this.unlink(lane, entry);
    this.heap.push(entry);
  }

  private canAppend(entry: T, key: number): boolean {
    const tail = this.lanes.get(key)?.tail;
    return tail === undefined || tail === null || before(tail, entry);
  }

  private append(entry: T, key: number): boolean {
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = new Lane<T>(key);
      this.lanes.set(key, lane);
    }
    const tail = lane.tail;
    if (tail !== null && !before(tail, entry)) return false;
    entry.lane = lane as Lane<QueuedEntry>;
    entry.lanePrev = tail;
    entry.laneNext = null;
    lane.tail = entry;
    if (tail === null) {
      lane.head = entry;
      lane.dueAt = entry.dueAt;
      lane.seq = entry.seq;
      this.heap.push(lane);
    } else {
      tail.laneNext = entry;
    }
    return true;
  }

  private unlink(lane: Lane<T>, entry: T): void {
    const prev = entry.lanePrev as T | null;
    const next = entry.laneNext as T | null;
    if (prev === null) lane.head = next;
    else prev.laneNext = next;
    if (next === null) lane.tail = prev;
    else next.lanePrev = prev;
    entry.lane = null;
    entry.lanePrev = null;
    entry.laneNext = null;
    if (prev !== null) return;
    // The head left: the lane's place in the heap is its new head's (later, so it only sinks).
    if (next === null) {
      this.heap.remove(lane);
      if (this.lanes.size > MAX_LANES) this.lanes.delete(lane.key);
    } else {
      lane.dueAt = next.dueAt;
      lane.seq = next.seq;
      this.heap.reposition(lane);
    }
  }
}
