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
import { TimerHeap } from "./heap.js";
/** Entries in (due time, sequence number) order, linked; as a heap entry it carries its head's keys. */
export class Lane {
  key;
  dueAt = 0;
  seq = 0;
  heapIndex = -1;
  head = null;
  tail = null;
  constructor(key) {
    this.key = key;
  }
}
/** Past this many lanes, one that empties is dropped. */
const MAX_LANES = 256;
const before = (a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
export class TimerQueue {
  heap = new TimerHeap();
  /**
   * Lanes by key (an interval in ms). An empty lane stays for its next entry (a lone fixed-delay
   * spawn empties its lane at every start), unless there are many: interval functions may draw
   * any number of distinct intervals.
   */
  lanes = new Map();
  /** The earliest entry. */
  peek() {
    const top = this.heap.peek();
    return top instanceof Lane ? top.head : top;
  }
  /** Whether the entry is queued (in the heap or in a lane). */
  has(entry) {
    return entry.lane !== null || entry.heapIndex !== -1;
  }
  /**
   * Queues an entry that is not queued. `laneKey`: the interval it was scheduled by, when its
   * lane's order likely holds (NaN: straight into the heap).
   */
  push(entry, laneKey = Number.NaN) {
    if (!Number.isNaN(laneKey) && this.append(entry, laneKey)) return;
    this.heap.push(entry);
  }
  /** Dequeues the earliest entry and queues `entry` (what a fixed-rate timer does as it fires). */
  replaceTop(entry, laneKey = Number.NaN) {
    const top = this.heap.peek();
    if (top instanceof Lane) {
      // Into its lane first, then the head out: a lane of one is re-armed without emptying it.
      const head = top.head;
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
  remove(entry) {
    const lane = entry.lane;
    if (lane === null) return this.heap.remove(entry);
    this.unlink(lane, entry);
    return true;
  }
  /** Restores the order after an entry's due time changed (queued or not: then it is queued). */
  reposition(entry) {
    const lane = entry.lane;
    if (lane === null) {
      this.heap.reposition(entry);
      return;
    }
    this.unlink(lane, entry);
    this.heap.push(entry);
  }
  canAppend(entry, key) {
    const tail = this.lanes.get(key)?.tail;
    return tail === undefined || tail === null || before(tail, entry);
  }
  append(entry, key) {
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = new Lane(key);
      this.lanes.set(key, lane);
    }
    const tail = lane.tail;
    if (tail !== null && !before(tail, entry)) return false;
    entry.lane = lane;
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
  unlink(lane, entry) {
    const prev = entry.lanePrev;
    const next = entry.laneNext;
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
