import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernelOptionsFor, runTimeline } from "../src/internal/engine.js";
import { generateTimeline } from "../src/internal/generate.js";
import { checkCommand, checkCommandWith } from "../src/internal/model/inputs.js";
import { JobQueue, wakeOf } from "../src/internal/model/jobQueue.js";
import type { Job, Program, Spawn } from "../src/internal/model/state.js";
import { createReferenceModel } from "../src/internal/referenceModel.js";

// The reference model's indexes replace plain scans; these tests hold them to the scans' answers.

const programOf = (): Program => ({ id: "p", ownJobs: new Set<Job>() }) as unknown as Program;
const spawnOf = (program: Program): Spawn => ({ id: "s", program, waiting: [] as Job[] }) as unknown as Spawn;

const jobOf = (seq: number, program: Program, spawn: Spawn | null, dueAt: number): Job =>
  ({
    id: `job-${seq}`,
    seq,
    program,
    spawn,
    fireId: `f${seq}`,
    dueAt,
    startedAt: 0,
    running: false,
    deferred: false,
    parked: false,
    heldUntil: undefined,
    backfill: undefined,
  }) as Job;

/** The scan the queue's `first` replaces: the first waiting job by (wake, creation order). */
const scanFirst = (jobs: Iterable<Job>, listed: (job: Job) => boolean): Job | undefined => {
  let best: Job | undefined;
  for (const job of jobs) {
    if (!listed(job) || job.running || job.deferred || job.parked) continue;
    if (best === undefined) best = job;
    else if (wakeOf(job) === wakeOf(best) ? job.seq < best.seq : wakeOf(job) < wakeOf(best)) best = job;
  }
  return best;
};

const operation = fc.oneof(
  fc.record({ op: fc.constant("add" as const), due: fc.integer({ min: 0, max: 20 }), own: fc.boolean() }),
  fc.record({
    op: fc.constantFrom("drop", "start", "defer", "park", "unpark", "undefer", "first" as const),
    pick: fc.nat(),
  }),
  fc.record({ op: fc.constantFrom("due", "hold" as const), pick: fc.nat(), to: fc.integer({ min: 0, max: 20 }) }),
);

describe("reference model indexes", () => {
  it("JobQueue - first and waitingOf match a scan after any adds, starts, drops, re-keys, parks and defers", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 80 }), (operations) => {
        const queue = new JobQueue(true);
        const program = programOf();
        const spawn = spawnOf(program);
        const made: Job[] = [];
        for (const step of operations) {
          if (step.op === "add") {
            const job = jobOf(made.length + 1, program, step.own ? null : spawn, step.due);
            made.push(job);
            queue.add(job);
            continue;
          }
          if (step.op === "undefer") {
            queue.undeferAll();
            continue;
          }
          const job = made[step.pick % Math.max(1, made.length)];
          if (job === undefined) continue;
          if (step.op === "drop") queue.drop(job);
          else if (step.op === "start") queue.start(job);
          else if (step.op === "defer") queue.defer(job);
          else if (step.op === "park") queue.park(job, true);
          else if (step.op === "unpark") queue.park(job, false);
          else if (step.op === "due") queue.setDue(job, step.to);
          else if (step.op === "hold") queue.hold(job, step.to % 3 === 0 ? undefined : step.to);
          // The queue's own verify throws on a disagreement; the scan here is independent of it.
          expect(queue.first()).toBe(scanFirst(made, (each) => queue.has(each)));
          expect(queue.waitingOf(spawn)).toBe(
            made.find((each) => each.spawn === spawn && queue.has(each) && !each.running),
          );
        }
      }),
      { numRuns: 300, seed: 19 },
    );
  });

  it("createReferenceModel - with verify on, every index answer agrees with its scan over whole runs", () => {
    const policies = [lifo(), fifo()];
    for (const scenario of ["mix", "worker-pool", "policy-churn"] as const) {
      for (const seed of [1, 2]) {
        const timeline = generateTimeline({
          seed,
          scenario,
          steps: 400,
          faults: "swarm",
          policies: policies.map((policy) => policy.name),
        });
        const run = runTimeline({
          timeline,
          policies,
          oracle: createReferenceModel(kernelOptionsFor(timeline, policies), { verify: true }),
        });
        expect(run.violations.filter((violation) => violation.check === "model")).toEqual([]);
      }
    }
  });
});

describe("reference model input checks", () => {
  it("checkCommand - reads each field once, in rule order, and gives back a copy", () => {
    const reads: string[] = [];
    const input = {};
    for (const [key, value] of [
      ["type", "complete"],
      ["at", 5],
      ["jobId", "job-1"],
      ["outcome", { ok: true, value: 1 }],
    ] as const) {
      Object.defineProperty(input, key, {
        enumerable: true,
        get: () => {
          reads.push(key);
          return value;
        },
      });
    }
    const checked = checkCommand(input);
    expect(checked).toEqual({
      ok: true,
      value: { type: "complete", at: 5, jobId: "job-1", outcome: { ok: true, value: 1 } },
    });
    // `type` is read first to pick the rules, then once more with the other fields.
    expect(reads).toEqual(["type", "type", "at", "jobId", "outcome"]);
    expect(checked.ok && checked.value).not.toBe(input);
  });

  it("checkCommand - an unknown key comes before a throwing getter, which comes before an invalid field", () => {
    const throwing = (extra: object) =>
      Object.defineProperty({ type: "tick", at: Number.NaN, ...extra }, "wall", {
        enumerable: true,
        get: () => {
          throw new Error("no");
        },
      });
    expect(checkCommand(throwing({ bogus: 1 }))).toEqual({ ok: false, field: "command.bogus" });
    expect(checkCommand(throwing({}))).toEqual({ ok: false, field: "command.wall" });
    expect(checkCommand({ type: "tick", at: Number.NaN })).toEqual({ ok: false, field: "command.at" });
    expect(checkCommand({ type: "tick", at: 1, wall: undefined })).toEqual({
      ok: true,
      value: { type: "tick", at: 1, wall: undefined },
    });
  });
});

/** An object built from generated fields: plain, getters (logging their reads, some throwing), or inherited. */
const objectOf = (
  fields: readonly { key: string; value: unknown; how: "plain" | "getter" | "throws" | "inherited" }[],
) => {
  const reads: string[] = [];
  const build = (): object => {
    const inherited: Record<string, unknown> = {};
    const own: object = Object.create(inherited);
    for (const { key, value, how } of fields) {
      if (how === "inherited") inherited[key] = value;
      else if (how === "plain") Object.defineProperty(own, key, { value, enumerable: true, configurable: true });
      else {
        Object.defineProperty(own, key, {
          enumerable: true,
          configurable: true,
          get: () => {
            reads.push(key);
            if (how === "throws") throw new Error(key);
            return value;
          },
        });
      }
    }
    return own;
  };
  return { build, reads };
};

const fieldsOf = (keys: readonly string[], values: fc.Arbitrary<unknown>) =>
  fc.uniqueArray(
    fc.record({
      key: fc.constantFrom(...keys),
      value: values,
      how: fc.constantFrom("plain", "plain", "getter", "throws", "inherited" as const),
    }),
    { selector: (field) => field.key, maxLength: 6 },
  );

const scalar = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(0, -0, 1.5, Number.NaN, 8.64e15, 8.64e15 + 2, -8.64e15, "", "job-1", true, false, null),
);

describe("reference model hot input checks", () => {
  it("checkCommand - tick and complete copiers agree with the generic rules, reads included", () => {
    const outcome = fieldsOf(["ok", "value", "error", "lost", "extra"], fc.oneof(scalar, fc.constantFrom(true, false)));
    const command = fc.record({
      type: fc.constantFrom("tick", "complete"),
      fields: fieldsOf(["type", "at", "wall", "jobId", "outcome", "extra", "results", "bad key"], scalar),
      outcome: fc.option(outcome),
      typeHow: fc.constantFrom("plain", "getter", "inherited" as const),
    });
    // Mostly well-formed: the valid fields given, outcomes as the kernel gets them, one thing off.
    const how = fc.oneof(
      { weight: 12, arbitrary: fc.constant("plain" as const) },
      { weight: 2, arbitrary: fc.constant("getter" as const) },
      { weight: 1, arbitrary: fc.constant("throws" as const) },
      { weight: 1, arbitrary: fc.constant("inherited" as const) },
    );
    const field = (key: string, valid: unknown) =>
      fc.record({
        key: fc.constant(key),
        value: fc.oneof({ weight: 6, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: scalar }),
        how,
      });
    const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { freq: 2 });
    const nearlyValid = fc.record({
      type: fc.constantFrom("tick", "complete"),
      fields: fc
        .tuple(
          field("at", 5),
          sometimes(field("wall", 7)),
          fc.oneof({ weight: 2, arbitrary: field("jobId", "job-1") }, { weight: 1, arbitrary: fc.constant(null) }),
          fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: field("extra", 1) }),
        )
        .map((list) => list.filter((each) => each !== null)),
      outcome: fc.option(
        fc
          .tuple(
            field("ok", true),
            field("ok", false),
            fc.boolean(),
            sometimes(field("value", 1)),
            sometimes(field("error", "e")),
            fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: field("lost", true) }),
          )
          .map(([yes, no, pick, ...rest]) => [pick ? yes : no, ...rest].filter((each) => each !== null)),
        { freq: 8 },
      ),
      typeHow: how,
    });
    fc.assert(
      fc.property(
        fc.oneof({ weight: 1, arbitrary: command }, { weight: 3, arbitrary: nearlyValid }),
        ({ type, fields, outcome: outcomeFields, typeHow }) => {
          const all = fields.filter((field) => field.key !== "type" && field.key !== "outcome");
          const made = () => {
            const inner = outcomeFields === null ? undefined : objectOf(outcomeFields);
            const withOutcome =
              inner === undefined ? all : [...all, { key: "outcome", value: inner.build(), how: "plain" as const }];
            const outer = objectOf([{ key: "type", value: type, how: typeHow }, ...withOutcome]);
            return { input: outer.build(), reads: () => [...outer.reads, "|", ...(inner?.reads ?? [])] };
          };
          const hot = made();
          const plain = made();
          const expected = checkCommandWith(plain.input, false);
          expect(checkCommandWith(hot.input, true)).toEqual(expected);
          expect(hot.reads()).toEqual(plain.reads());
        },
      ),
      { numRuns: 2000, seed: 19 },
    );
  });
});
