import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TimerHeap } from "../src/internal/heap.js";
import { JobTable, seqOfJobId } from "../src/internal/jobTable.js";

interface Entry {
  readonly seq: number;
}

describe("JobTable", () => {
  it("add/get/delete - agrees with a Map under any sequence of operations, collisions included", () => {
    // Keys from a small range in a small table collide: probe runs, wrap-around, backward shifts.
    const key = fc.oneof(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 20 }).map((k) => k * 16),
      fc.integer({ min: 0, max: 2 ** 40 }),
    );
    const op = fc.oneof(
      key.map((seq) => ({ kind: "add" as const, seq })),
      key.map((seq) => ({ kind: "delete" as const, seq })),
      key.map((seq) => ({ kind: "get" as const, seq })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const table = new JobTable<Entry>();
        const model = new Map<number, Entry>();
        for (const { kind, seq } of ops) {
          if (kind === "add") {
            if (model.has(seq)) continue; // the kernel never adds a seq twice
            const entry = { seq };
            table.add(entry);
            model.set(seq, entry);
          } else if (kind === "delete") {
            expect(table.delete(seq)).toBe(model.delete(seq));
          } else {
            expect(table.get(seq)).toBe(model.get(seq));
          }
          expect(table.size).toBe(model.size);
        }
        for (const [seq, entry] of model) expect(table.get(seq)).toBe(entry);
      }),
    );
  });

  it("delete - consecutive seqs in flight keep probe runs short (no quadratic walk)", () => {
    // The kernel's pattern: seqs are consecutive, a sliding window of thousands is in flight.
    const table = new JobTable<Entry>();
    const live: Entry[] = [];
    let longest = 0;
    for (let seq = 0; seq < 50_000; seq++) {
      const entry = { seq };
      table.add(entry);
      live.push(entry);
      if (live.length > 5_000) expect(table.delete((live.shift() as Entry).seq)).toBe(true);
      if (seq % 1_000 === 0) longest = Math.max(longest, table.longestRun());
    }
    expect(table.size).toBe(5_000);
    // With seq & mask the 5,000 live seqs would fill one run of 5,000 slots.
    expect(longest).toBeLessThan(100);
  });

  it("seqOfJobId - reads job-<n> and refuses anything else, leading zeros included", () => {
    expect(seqOfJobId("job-1")).toBe(1);
    expect(seqOfJobId("job-1234567")).toBe(1234567);
    expect(seqOfJobId("job-0")).toBe(0);
    for (const id of ["job-", "job-01", "job-1a", "job--1", "Job-1", "x", "", "job-1.5", "job-99999999999999999"]) {
      expect(seqOfJobId(id)).toBe(-1);
    }
  });
});

describe("TimerHeap", () => {
  it("replaceTop - pops in the same order as pop then push", () => {
    const entry = fc.record({ dueAt: fc.integer({ min: 0, max: 50 }), seq: fc.integer() });
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 60 }),
        fc.array(entry, { maxLength: 60 }),
        (initial, replacements) => {
          const make = () => {
            const heap = new TimerHeap<{ dueAt: number; seq: number; heapIndex: number }>();
            for (const [index, item] of initial.entries()) heap.push({ dueAt: item.dueAt, seq: index, heapIndex: -1 });
            return heap;
          };
          const a = make();
          const b = make();
          replacements.forEach((item, index) => {
            const seq = initial.length + index;
            a.replaceTop({ dueAt: item.dueAt, seq, heapIndex: -1 });
            b.pop();
            b.push({ dueAt: item.dueAt, seq, heapIndex: -1 });
          });
          const drain = (heap: typeof a) => {
            const order: number[] = [];
            for (let top = heap.pop(); top !== undefined; top = heap.pop()) order.push(top.seq);
            return order;
          };
          expect(drain(a)).toEqual(drain(b));
        },
      ),
    );
  });
});
