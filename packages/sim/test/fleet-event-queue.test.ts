import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue } from "../src/fleet/eventQueue.js";

/** Pops everything: [time, item] in the order the queue gives them. */
const drain = <T>(queue: EventQueue<T>): [number, T][] => {
  const out: [number, T][] = [];
  for (;;) {
    const time = queue.peekTime();
    const item = queue.pop();
    if (time === undefined || item === undefined) return out;
    out.push([time, item]);
  }
};

describe("fleet EventQueue", () => {
  it("pop - an empty queue gives undefined, and peekTime too", () => {
    const queue = new EventQueue<string>();
    expect(queue.peekTime()).toBeUndefined();
    expect(queue.pop()).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it("pop - earliest time first, equal times in the order pushed", () => {
    const queue = new EventQueue<string>();
    queue.push(5, "c");
    queue.push(1, "a");
    queue.push(5, "d");
    queue.push(3, "b");
    queue.push(1, "a2");
    expect(queue.size).toBe(5);
    expect(drain(queue)).toEqual([
      [1, "a"],
      [1, "a2"],
      [3, "b"],
      [5, "c"],
      [5, "d"],
    ]);
    expect(queue.size).toBe(0);
  });

  it("push and pop - any interleaving gives what a stable sort by time gives", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 20 }).map((time) => ({ time })),
            fc.constant("pop" as const),
          ),
          {
            maxLength: 200,
          },
        ),
        (ops) => {
          const queue = new EventQueue<number>();
          // The reference: a list kept sorted by (time, push order).
          const reference: { time: number; id: number }[] = [];
          let id = 0;
          for (const op of ops) {
            if (op === "pop") {
              const expected = reference.shift();
              expect(queue.peekTime()).toBe(expected?.time);
              expect(queue.pop()).toBe(expected?.id);
            } else {
              queue.push(op.time, id);
              const at = reference.findIndex((entry) => entry.time > op.time);
              reference.splice(at === -1 ? reference.length : at, 0, { time: op.time, id });
              id += 1;
            }
            expect(queue.size).toBe(reference.length);
          }
          expect(drain(queue)).toEqual(reference.map((entry) => [entry.time, entry.id]));
        },
      ),
    );
  });
});
