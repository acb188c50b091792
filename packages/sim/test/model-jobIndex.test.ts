import * as Cron from "effect/Cron";
import * as Result from "effect/Result";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cronOf } from "../src/internal/model/hooks.js";
import { JobIndex, numberOfId } from "../src/internal/model/jobIndex.js";
import type { Job } from "../src/internal/model/state.js";

// The reference model's own structures against the plain ones they replace.

const jobOf = (seq: number): Job => ({ id: `job-${seq}`, seq }) as unknown as Job;

describe("reference model job index", () => {
  it("JobIndex - answers as a Map by id would, after any sets and deletes", () => {
    const operation = fc.oneof(
      fc.record({ op: fc.constant("set" as const), seq: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ op: fc.constant("delete" as const), seq: fc.integer({ min: 1, max: 200 }) }),
      fc.record({
        op: fc.constant("get" as const),
        id: fc.oneof(
          fc.integer({ min: 0, max: 220 }).map((n) => `job-${n}`),
          fc.constantFrom("job-", "job-007", "job-1.5", "job--1", "Job-1", "job-1 ", "", "job-99999999999999999999"),
          fc.string(),
        ),
      }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 400 }), (operations) => {
        const index = new JobIndex();
        const map = new Map<string, Job>();
        const made = new Map<number, Job>();
        const job = (seq: number): Job => {
          let found = made.get(seq);
          if (found === undefined) {
            found = jobOf(seq);
            made.set(seq, found);
          }
          return found;
        };
        for (const step of operations) {
          if (step.op === "set") {
            index.set(job(step.seq));
            map.set(`job-${step.seq}`, job(step.seq));
          } else if (step.op === "delete") {
            index.delete(job(step.seq));
            map.delete(`job-${step.seq}`);
          } else {
            expect(index.get(step.id)).toBe(map.get(step.id));
          }
          expect(index.size).toBe(map.size);
        }
        for (const [id, each] of map) expect(index.get(id)).toBe(each);
      }),
      { numRuns: 300, seed: 19 },
    );
  });

  it("numberOfId - the number of an id the model makes, -1 for any other text", () => {
    expect(numberOfId("job-1")).toBe(1);
    expect(numberOfId("job-123456789012345")).toBe(123456789012345);
    for (const id of ["job-", "job-a", "jobs-1", "job-1x", "", "job-1234567890123456"]) expect(numberOfId(id)).toBe(-1);
  });
});

describe("reference model cron matcher", () => {
  it("cronOf - gives Cron.next's answers, asked once or again, in any order", () => {
    const expressions = ["*/5 * * * * *", "0,15,30,45 * * * * *", "10-20 * * * * *", "0 0 0 29 2 *", "30 2 * * *"];
    const zones = ["UTC", "Europe/Berlin", "America/New_York"];
    fc.assert(
      fc.property(
        fc.constantFrom(...expressions),
        fc.constantFrom(...zones),
        fc.array(fc.integer({ min: 0, max: 4_000_000_000_000 }), { minLength: 1, maxLength: 20 }),
        (expression, zone, times) => {
          const matcher = cronOf({ id: "p", mainFn: () => undefined, type: "cron", cron: expression, timezone: zone });
          const parsed = Cron.parse(expression, zone, { onDstOverlap: "earlier" });
          if (!matcher.ok || Result.isFailure(parsed)) throw new Error("a valid expression was refused");
          for (const t of [...times, ...times.reverse()]) {
            expect(matcher.match(t)).toBe(Cron.next(parsed.success, t).getTime());
          }
        },
      ),
      { numRuns: 60, seed: 19 },
    );
  });

  it("cronOf - refuses as before: fields, an empty expression, a bad zone, a bad expression", () => {
    const spec = (more: object) => ({ id: "p", mainFn: () => undefined, type: "cron" as const, ...more });
    expect(cronOf(spec({ cron: "* * * * *", interval: 5 }))).toEqual({ ok: false, field: "program.interval" });
    expect(cronOf(spec({ cron: " " }))).toEqual({ ok: false, field: "program.cron" });
    expect(cronOf(spec({ cron: "* * * * *", timezone: "Nowhere/Else" }))).toEqual({
      ok: false,
      field: "program.timezone",
    });
    expect(cronOf(spec({ cron: "not a cron" }))).toEqual({ ok: false, field: "program.cron" });
    // Asked again (now from what was kept): the same answers.
    expect(cronOf(spec({ cron: "not a cron" }))).toEqual({ ok: false, field: "program.cron" });
    expect(cronOf(spec({ cron: "* * * * *", timezone: "Nowhere/Else" }))).toEqual({
      ok: false,
      field: "program.timezone",
    });
  });
});
