import type { Kernel, KernelEffect, SpawnProps } from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scenarioNames } from "../src/index.js";
import { RanFires } from "../src/internal/checks/ranFires.js";
import { runTimeline } from "../src/internal/engine.js";
import { generateTimeline } from "../src/internal/generate.js";
import { JobSet } from "../src/internal/jobSet.js";
import type { JobBehaviour, Timeline, TimelineEvent } from "../src/types.js";

// The incremental checks against the scans they replaced (kept behind the engine's test-only
// `scanAlways`): the same violations on every scenario, with and without faults, and a planted bug
// the scan finds is found too.

const policies = [lifo(), fifo()];

const timelineOf = (scenario: (typeof scenarioNames)[number], seed: number, faults: "none" | "swarm"): Timeline =>
  generateTimeline({ seed, scenario, steps: 400, faults, policies: ["last", "first"] });

const found = (run: ReturnType<typeof runTimeline>) => run.violations.map((each) => `${each.check}: ${each.message}`);

describe("incremental checks", () => {
  it("program checks - the same violations and trace as reading every spawn back, every scenario and seed", () => {
    let compared = 0;
    for (const scenario of scenarioNames) {
      for (const seed of [1, 2, 3]) {
        for (const faults of ["none", "swarm"] as const) {
          const timeline = timelineOf(scenario, seed, faults);
          const scan = runTimeline({ timeline, policies, scanAlways: true });
          const incremental = runTimeline({ timeline, policies });
          expect(found(incremental), `${scenario} seed ${seed} ${faults}`).toEqual(found(scan));
          expect(incremental.traceHash).toBe(scan.traceHash);
          expect(incremental.checks.counters ?? 0).toBeGreaterThan(0);
          compared++;
        }
      }
    }
    expect(compared).toBe(scenarioNames.length * 6);
  });

  it("program checks - a kernel whose counters go wrong behind its effects is still caught", () => {
    // After its 40th read, every spawn's props say one more completed than succeeded + errored.
    let reads = 0;
    const lie = (props: SpawnProps): SpawnProps =>
      reads > 40 ? { ...props, completed: props.succeeded + props.errored + 1 } : props;
    const wrapKernel = (kernel: Kernel): Kernel => ({
      ...kernel,
      getProps: ((programId: string, spawnId?: string) => {
        reads++;
        if (spawnId !== undefined) return lie(kernel.getProps(programId, spawnId));
        return Object.fromEntries(Object.entries(kernel.getProps(programId)).map(([id, props]) => [id, lie(props)]));
      }) as Kernel["getProps"],
    });
    const timeline = timelineOf("worker-pool", 1, "none");
    for (const scanAlways of [true, false]) {
      reads = 0;
      const run = runTimeline({ timeline, policies, wrapKernel, scanAlways });
      expect(run.violations.find((each) => each.check === "counters")?.message).toMatch(/completed/);
    }
  });

  it("skipped-once, missed-once - a stopped spawn's records are dropped, and a due time skipped or missed after its stopped is still caught", () => {
    const slow: JobBehaviour = {
      minDuration: 120,
      maxDuration: 180,
      failRate: 0,
      slowRate: 0,
      slowFactor: 1,
      hangRate: 0,
      mergeThrowRate: 0,
    };
    const events: TimelineEvent[] = [
      {
        at: 0,
        kind: "install",
        program: { id: "p", type: "constant", interval: 50, behaviour: slow, overlap: "skip" },
      },
      { at: 0, kind: "spawn", programId: "p" },
      { at: 2000, kind: "stop-spawn", programId: "p", pick: 0 },
    ];
    const none = { lag: false, jumps: false, regressions: false, slowJobs: false, failures: false, bursts: false };
    const timeline: Timeline = {
      version: 1,
      seed: 18,
      scenario: "mix",
      steps: 400,
      faults: { families: { ...none, crashes: false }, lagMax: 0, lagRate: 0 },
      policies: ["last", "first"],
      events,
    };
    const clean = runTimeline({ timeline, policies });
    expect(clean.violations).toEqual([]);
    expect(clean.checks["skipped-once"]).toBeGreaterThan(5);
    // After the spawn's stopped, the kernel reports the last due time it skipped once more.
    let lastSkipped: KernelEffect | undefined;
    const wrapKernel = (kernel: Kernel): Kernel => ({
      ...kernel,
      dispatch: (command) => {
        const effects = kernel.dispatch(command);
        const out: KernelEffect[] = [];
        for (const effect of effects) {
          if (effect.type === "skipped") lastSkipped = effect;
          out.push(effect);
          if (effect.type === "stopped" && lastSkipped !== undefined) out.push(lastSkipped);
        }
        return out;
      },
    });
    const broken = runTimeline({ timeline, policies, wrapKernel });
    expect(broken.violations.find((each) => each.check === "one-stopped")?.message).toMatch(
      /^skipped for spawn p\/p-1 after its stopped$/,
    );
    // missed-once drops a stopped spawn's record too: a missed due time after the stopped is caught.
    const missesLate = (kernel: Kernel): Kernel => ({
      ...kernel,
      dispatch: (command) =>
        kernel.dispatch(command).flatMap((effect): KernelEffect[] =>
          effect.type === "stopped"
            ? [
                effect,
                {
                  type: "missed",
                  programId: effect.programId,
                  spawnId: effect.spawnId,
                  count: 1,
                  from: 1000,
                  to: 1000,
                  reason: "catch-up-window",
                },
              ]
            : [effect],
        ),
    });
    const late = runTimeline({ timeline, policies, wrapKernel: missesLate });
    expect(late.violations.find((each) => each.check === "one-stopped")?.message).toMatch(
      /^missed for spawn p\/p-1 after its stopped$/,
    );
  });

  it("JobSet - answers as a Set of the same ids, kernel job ids or any other", () => {
    const id = fc.oneof(
      fc.nat({ max: 5000 }).map((n) => `job-${n}`),
      fc.constantFrom("job-", "job-01", "job-00", "job-x", "Job-1", "job-99999999999", `job-${2 ** 26}`, "", "1"),
      fc.string({ maxLength: 6 }),
    );
    const op = fc.record({ kind: fc.constantFrom("add" as const, "delete" as const, "has" as const), id });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const set = new Set<string>();
        const jobs = new JobSet();
        for (const { kind, id } of ops) {
          if (kind === "add") {
            set.add(id);
            jobs.add(id);
          } else if (kind === "delete") expect(jobs.delete(id)).toBe(set.delete(id));
          else expect(jobs.has(id)).toBe(set.has(id));
        }
        for (const { id } of ops) expect(jobs.has(id)).toBe(set.has(id));
      }),
      { numRuns: 500 },
    );
  });

  it("RanFires - answers as a Set of the fire ids that ran, own due times or any other", () => {
    const time = fc.oneof(
      fc.integer({ min: -5, max: 60 }),
      fc.constantFrom(-0, 0.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY),
      // Whole due times are read digit by digit: the largest safe ones, and past them.
      fc.constantFrom(8.64e15, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e20),
    );
    const text = fc.oneof(
      time.map((at) => `p/s-1/${at}`),
      fc.constantFrom("p/s-1/", "p/s-1/-0", "p/s-1/01", "p/s-1/ 1", "p/s-1/1e+21", "p/s-2/1", "q/s-1/1", "p/s-1/x"),
      fc.constantFrom("p/s-1/0", "p/s-1/00", "p/s-1/9007199254740993", "p/s-1/8640000000000000", "p/s-1/1:"),
      fc.string({ maxLength: 4 }),
    );
    const op = fc.oneof(
      fc.record({ kind: fc.constant("run" as const), fireId: text, at: time }),
      fc.record({ kind: fc.constant("run" as const), fireId: fc.constant(""), at: time }).map((run) => ({
        ...run,
        fireId: `p/s-1/${run.at}`,
      })),
      fc.record({ kind: fc.constant("has" as const), fireId: text, at: time }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const set = new Set<string>();
        const fires = new RanFires("p", "s-1");
        for (const { kind, fireId, at } of ops) {
          if (kind === "run") {
            set.add(fireId);
            fires.add(fireId, at);
          } else expect(fires.has(fireId)).toBe(set.has(fireId));
        }
        for (const { fireId } of ops) expect(fires.has(fireId)).toBe(set.has(fireId));
      }),
      { numRuns: 500 },
    );
  });
});
