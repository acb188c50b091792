import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Command,
  createKernel,
  type JobResult,
  type Kernel,
  type KernelEffect,
  type Outcome,
  type ProgramSpec,
} from "../src/index.js";

const mainFn = () => undefined;

/** Programs whose settling does much: overlap policies, buffers, a stop by continueFn, basic re-arms. */
const programs: ProgramSpec[] = [
  { id: "grid", type: "constant", interval: 10, mainFn, catchUpWindow: 60 },
  // Every second, with a day's window: after a long gap its missed seconds are counted over several commands.
  { id: "cron", type: "cron", cron: "* * * * * *", mainFn, catchUpWindow: 86_400_000 },
  { id: "cancel", type: "constant", interval: 7, mainFn, overlap: "cancel-other" },
  { id: "buffer", type: "constant", interval: 5, mainFn, overlap: "buffer-all", bufferLimit: 3 },
  { id: "skip", type: "constant", interval: 4, mainFn, overlap: "skip", maxRuns: 9 },
  {
    id: "basic",
    type: "basic",
    interval: 3,
    mainFn,
    scope: "spawn",
    mergeFn: (state, output) => (typeof state === "number" ? state : 0) + (typeof output === "number" ? output : 1),
    continueFn: (props: { state: unknown }) => (props.state as number) < 12,
  },
];

const setUp = (): Kernel => {
  // A small catch-up limit: results in one batch then cross "command" boundaries that matter.
  const kernel = createKernel({ catchUpLimit: 2, seed: 3 });
  for (const program of programs) kernel.dispatch({ type: "install", at: 0, program });
  for (const program of programs)
    for (let n = 0; n < 2; n++) kernel.dispatch({ type: "spawn", at: 0, programId: program.id });
  return kernel;
};

const outcomeOf = (kind: number, n: number): Outcome =>
  kind === 0 ? { ok: true, value: n } : kind === 1 ? { ok: false, error: new Error(`e${n}`) } : { lost: true };

/** A step: time moves on by `gap`, then the chosen results arrive (as one batch, or one by one). */
const stepArbWith = (gap: fc.Arbitrary<number>) =>
  fc.record({
    gap,
    picks: fc.array(fc.record({ index: fc.nat(), kind: fc.integer({ min: 0, max: 2 }), stale: fc.boolean() }), {
      maxLength: 12,
    }),
  });
const stepArb = stepArbWith(fc.integer({ min: 0, max: 40 }));
/** A gap long enough that the cron spawns' missed seconds take three commands or more to count (10,000 each). */
const longGapArb = stepArbWith(fc.integer({ min: 25_000_000, max: 29_000_000 }));

const withoutWakes = (effects: readonly KernelEffect[]) => effects.filter((effect) => effect.type !== "wake");

/** Drives two kernels alike; one gets each step's results as a batch, the other as single completes. */
interface Step {
  readonly gap: number;
  readonly picks: readonly { readonly index: number; readonly kind: number; readonly stale: boolean }[];
}
const drive = (steps: readonly Step[]) => {
  const batched = setUp();
  const single = setUp();
  const running: string[] = [];
  const settled: string[] = [];
  let at = 0;
  const track = (effects: readonly KernelEffect[]) => {
    for (const effect of effects) {
      if (effect.type === "run") running.push(effect.jobId);
      if (effect.type === "settled" || effect.type === "cancel") {
        const index = running.indexOf(effect.jobId);
        if (index >= 0) running.splice(index, 1);
        settled.push(effect.jobId);
      }
    }
  };
  for (const step of steps) {
    at += step.gap;
    const ticked = batched.dispatch({ type: "tick", at });
    expect(single.dispatch({ type: "tick", at })).toEqual(ticked);
    track(ticked);
    const results: JobResult[] = [];
    step.picks.forEach((pick, n) => {
      const pool = pick.stale && settled.length > 0 ? settled : running;
      const jobId = pool[pick.index % Math.max(1, pool.length)];
      if (jobId !== undefined) results.push({ jobId, outcome: outcomeOf(pick.kind, n) });
    });
    if (results.length === 0) continue;
    const batch = batched.dispatch({ type: "complete", at, results });
    const singles: KernelEffect[] = [];
    for (const { jobId, outcome } of results)
      singles.push(...single.dispatch({ type: "complete", at, jobId, outcome }));
    expect(withoutWakes(batch)).toEqual(withoutWakes(singles));
    expect(batch.at(-1)).toEqual(singles.at(-1));
    expect(batch.filter((effect) => effect.type === "wake")).toHaveLength(1);
    track(batch);
  }
  return { batched, single };
};

/** A kernel with one constant spawn whose first job (started at 10) is in flight. */
const oneJobRunning = () => {
  const kernel = createKernel();
  kernel.dispatch({ type: "install", at: 0, program: { id: "p", type: "constant", interval: 10, mainFn } });
  kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
  const run = kernel.dispatch({ type: "tick", at: 10 }).find((effect) => effect.type === "run");
  return { kernel, run };
};

describe("complete (batch)", () => {
  it("complete batch - is exactly its single completes in order, minus the wakes between them", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), (steps) => {
        const { batched, single } = drive(steps);
        expect(batched.snapshot()).toEqual(single.snapshot());
        expect(batched.info()).toEqual(single.info());
      }),
      { numRuns: 150 },
    );
  });

  it("complete batch - is its single completes also where the catch-up count spans commands", () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 6 }),
        longGapArb,
        fc.array(stepArb, { maxLength: 6 }),
        (a, long, b) => {
          const { batched, single } = drive([...a, long, ...b]);
          expect(batched.info()).toEqual(single.info());
        },
      ),
      { numRuns: 3 },
    );
    // Each run counts some 50,000 missed seconds on each of two kernels: seconds of CPU, not a timed test.
  }, 120_000);

  it("complete batch - settles many jobs of one tick in one command", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", type: "constant", interval: 10, mainFn } });
    for (let n = 0; n < 3; n++) kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const runs = kernel.dispatch({ type: "tick", at: 10 }).filter((effect) => effect.type === "run");
    expect(runs).toHaveLength(3);
    const effects = kernel.dispatch({
      type: "complete",
      at: 12,
      results: runs.map((run, n) => ({ jobId: run.jobId, outcome: { ok: true, value: n } })),
    });
    expect(effects.map((effect) => effect.type)).toEqual(["settled", "settled", "settled", "wake"]);
    expect(effects.map((effect) => (effect.type === "settled" ? effect.value : null))).toEqual([0, 1, 2, null]);
    expect(kernel.info().clock.now).toBe(12);
  });

  it("complete batch - a job never issued rejects the whole command and changes nothing", () => {
    const { kernel, run } = oneJobRunning();
    const before = kernel.snapshot();
    const command: Command = {
      type: "complete",
      at: 15,
      results: [
        { jobId: run?.jobId ?? "", outcome: { ok: true } },
        { jobId: "job-999", outcome: { ok: true } },
      ],
    };
    const [rejected, wake] = kernel.dispatch(command);
    expect(rejected).toMatchObject({
      type: "rejected",
      code: "unknown-job",
      field: "command.results[1].jobId",
      message: 'command.results[1].jobId: no job "job-999" was issued by this kernel',
    });
    expect(wake?.type).toBe("wake");
    expect(kernel.snapshot()).toEqual(before);
  });

  it("complete batch - malformed input is rejected naming the field, whichever way it is read", () => {
    const { kernel, run } = oneJobRunning();
    const jobId = run?.jobId ?? "";
    const before = kernel.snapshot();
    const cases: [unknown, string, RegExp][] = [
      [{ type: "complete", at: 11, results: [] }, "command.results", /at least one result/],
      [{ type: "complete", at: 11, results: "x" }, "command.results", /./],
      [
        { type: "complete", at: 11, results: [{ jobId, outcome: { ok: true }, extra: 1 }] },
        "command.results[0].extra",
        /unknown key/,
      ],
      [{ type: "complete", at: 11, results: [{ jobId, outcome: { ok: "yes" } }] }, "command.results[0].outcome", /./],
      [{ type: "complete", at: 11, results: [{ jobId: "", outcome: { ok: true } }] }, "command.results[0].jobId", /./],
      [{ type: "complete", at: 11, results: [null] }, "command.results[0]", /Expected an object/],
      [
        { type: "complete", at: 11, jobId, outcome: { ok: true }, results: [{ jobId, outcome: { ok: true } }] },
        "command.jobId",
        /unknown key/,
      ],
      [{ type: "complete", at: Number.NaN, results: [{ jobId, outcome: { ok: true } }] }, "command.at", /./],
    ];
    for (const [command, field, message] of cases) {
      const [rejected] = kernel.dispatch(command as Command);
      expect(rejected, JSON.stringify(command)).toMatchObject({ type: "rejected", code: "invalid-command", field });
      expect(rejected?.type === "rejected" ? rejected.message : "").toMatch(message);
      expect(rejected?.type === "rejected" ? rejected.message.startsWith(`${field}:`) : false).toBe(true);
    }
    expect(kernel.snapshot()).toEqual(before);
  });

  it("complete batch - an outcome whose getter threw on the fast read goes the slow way, with the same answer", () => {
    const { kernel, run } = oneJobRunning();
    let reads = 0;
    const outcome = {
      get ok() {
        if (reads++ === 0) throw new Error("first read");
        return true;
      },
      value: 7,
    };
    const effects = kernel.dispatch({
      type: "complete",
      at: 11,
      wall: 5_000,
      results: [{ jobId: run?.jobId ?? "", outcome }],
    } as Command);
    expect(effects.map((effect) => effect.type)).toEqual(["settled", "wake"]);
    expect(effects[0]).toMatchObject({ type: "settled", status: "succeeded", value: 7, endedAt: 11 });
    // Once by the fast path (it threw), once by the slow path's copy.
    expect(reads).toBe(2);
  });

  it("complete batch - keys of both forms are refused whichever way the command is read, undefined values too", () => {
    const { kernel, run } = oneJobRunning();
    const jobId = run?.jobId ?? "";
    const before = kernel.snapshot();
    for (const command of [
      { type: "complete", at: 11, jobId, outcome: { ok: true }, results: undefined },
      { type: "complete", at: 11, jobId: undefined, results: [{ jobId, outcome: { ok: true } }] },
    ]) {
      const [rejected] = kernel.dispatch(command as unknown as Command);
      expect(rejected, JSON.stringify(command)).toMatchObject({ type: "rejected", code: "invalid-command" });
    }
    expect(kernel.snapshot()).toEqual(before);
  });

  it("complete batch - a repeated or settled job in the batch is discarded, like a late single complete", () => {
    const { kernel, run } = oneJobRunning();
    const jobId = run?.jobId ?? "";
    const effects = kernel.dispatch({
      type: "complete",
      at: 11,
      results: [
        { jobId, outcome: { ok: true } },
        { jobId, outcome: { ok: false, error: "again" } },
      ],
    });
    expect(effects.map((effect) => effect.type)).toEqual(["settled", "discarded", "wake"]);
  });
});
