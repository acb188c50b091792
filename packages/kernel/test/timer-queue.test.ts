import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type QueuedEntry, TimerQueue } from "../src/internal/timerQueue.js";

interface Entry extends QueuedEntry {
  dueAt: number;
  readonly seq: number;
  heapIndex: number;
}

const entry = (seq: number, dueAt: number): Entry => ({
  seq,
  dueAt,
  heapIndex: -1,
  lane: null,
  lanePrev: null,
  laneNext: null,
});
const order = (a: Entry, b: Entry) => a.dueAt - b.dueAt || a.seq - b.seq;

/** Lane keys: a few shared intervals, none, or one of many (past 256 lanes, one that empties is dropped). */
const keyArb = fc.oneof(fc.constantFrom(Number.NaN, 5, 10, 20), fc.integer({ min: 1, max: 400 }));

/** Operations a kernel does: schedule (with a lane key or none), fire the earliest (re-arming it or not), cancel, move. */
const opArb = fc.oneof(
  fc.record({
    op: fc.constant("push" as const),
    due: fc.integer({ min: 0, max: 50 }),
    key: keyArb,
  }),
  fc.record({
    op: fc.constant("fire" as const),
    gap: fc.integer({ min: 0, max: 30 }),
    key: keyArb,
    rearm: fc.boolean(),
  }),
  fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("move" as const), pick: fc.nat(), due: fc.integer({ min: 0, max: 60 }) }),
);

describe("TimerQueue", () => {
  it("TimerQueue - orders by (due time, sequence number) like a sorted list, lanes or not", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const queue = new TimerQueue<Entry>();
        let model: Entry[] = [];
        let seq = 0;
        for (const step of ops) {
          if (step.op === "push") {
            const added = entry(++seq, step.due);
            queue.push(added, step.key);
            model.push(added);
          } else if (step.op === "fire") {
            const top = queue.peek();
            model.sort(order);
            expect(top).toBe(model[0]);
            if (top === undefined) continue;
            if (step.rearm) {
              // A fixed-rate re-arm: the next job replaces the one firing, in one operation.
              const next = entry(++seq, top.dueAt + step.gap);
              queue.replaceTop(next, step.key);
              model = [...model.slice(1), next];
            } else {
              expect(queue.remove(top)).toBe(true);
              model = model.slice(1);
            }
            expect(queue.has(top)).toBe(false);
          } else if (model.length > 0) {
            const target = model[step.pick % model.length] as Entry;
            if (step.op === "remove") {
              expect(queue.remove(target)).toBe(true);
              expect(queue.remove(target)).toBe(false);
              model = model.filter((each) => each !== target);
            } else {
              target.dueAt = step.due;
              queue.reposition(target);
            }
          }
          model.sort(order);
          expect(queue.peek()).toBe(model[0]);
          for (const each of model) expect(queue.has(each)).toBe(true);
        }
        // Drained in order.
        for (const expected of model) {
          expect(queue.peek()).toBe(expected);
          queue.remove(expected);
        }
        expect(queue.peek()).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it("TimerQueue - with more lanes than it keeps, emptied lanes go and the order holds", () => {
    const queue = new TimerQueue<Entry>();
    let seq = 0;
    const all: Entry[] = [];
    // 600 intervals: more than the lanes kept once empty (256).
    for (let round = 0; round < 3; round++) {
      for (let key = 1; key <= 600; key++) {
        const added = entry(++seq, (key * 7919 + round * 13) % 1000);
        queue.push(added, key);
        all.push(added);
      }
      // Fire half of them (emptying their lanes), in order.
      all.sort(order);
      for (let n = 0; n < 300; n++) {
        expect(queue.peek()).toBe(all[0]);
        queue.remove(all.shift() as Entry);
      }
    }
    for (const expected of all) {
      expect(queue.peek()).toBe(expected);
      queue.remove(expected);
    }
    expect(queue.peek()).toBeUndefined();
  });
});
