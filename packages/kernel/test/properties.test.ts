import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createKernel, type KernelEffect, restoreKernel } from "../src/index.js";
import { Driver, makePrograms, plain, policies, type Step, stepArb, timelineArb } from "./support/timeline.js";

const newDriver = (seed = 7) => {
  const driver = new Driver(createKernel({ policies, seed }), makePrograms());
  driver.setup();
  return driver;
};

const runAll = (steps: readonly Step[], seed = 7) => {
  const driver = newDriver(seed);
  for (const step of steps) driver.step(step);
  return driver;
};

const runs = (effects: readonly KernelEffect[]) =>
  effects.filter((effect): effect is Extract<KernelEffect, { type: "run" }> => effect.type === "run");

describe("kernel properties", () => {
  it("dispatch - same options and commands give deep-equal effects", () => {
    fc.assert(
      fc.property(timelineArb, fc.integer(), (steps, seed) => {
        const first = runAll(steps, seed);
        const second = runAll(steps, seed);
        expect(plain(second.log.flatMap((entry) => entry.effects))).toEqual(
          plain(first.log.flatMap((entry) => entry.effects)),
        );
      }),
      { numRuns: 60 },
    );
  });

  it("run - a job never starts before its due time, and starts at the kernel's time", () => {
    fc.assert(
      fc.property(timelineArb, (steps) => {
        const driver = newDriver();
        for (const step of steps) {
          const effects = driver.step(step);
          const now = driver.kernel.info().clock.now;
          for (const run of runs(effects)) {
            expect(run.startedAt).toBeGreaterThanOrEqual(run.scheduledAt);
            expect(run.startedAt).toBe(now);
          }
          const wake = effects.at(-1);
          expect(wake?.type).toBe("wake");
          if (wake?.type === "wake" && wake.at !== null) expect(wake.at).toBeGreaterThan(now);
        }
      }),
      { numRuns: 80 },
    );
  });

  it("constant - the grid never drifts under random lateness", () => {
    const noGridChanges = stepArb.filter((step) => !(step.kind === "set-interval" && step.program === 1));
    fc.assert(
      fc.property(fc.array(noGridChanges, { maxLength: 200, size: "max" }), (steps) => {
        const driver = newDriver();
        for (const step of steps) driver.step(step);
        const started = new Map<string, number>();
        const scheduled = new Map<string, number[]>();
        for (const { effects } of driver.log) {
          for (const effect of effects) {
            if (effect.type === "spawned" && effect.programId === "grid") {
              started.set(effect.spawnId, effect.startedAt);
              scheduled.set(effect.spawnId, []);
            }
            if (effect.type === "run" && effect.programId === "grid" && effect.spawnId !== null) {
              scheduled.get(effect.spawnId)?.push(effect.scheduledAt);
            }
          }
        }
        for (const [spawnId, times] of scheduled) {
          const start = started.get(spawnId) as number;
          // Catch-up: one job per grid point, each due exactly k intervals after the start.
          expect(times).toEqual(times.map((_, k) => start + 50 * (k + 1)));
        }
      }),
      { numRuns: 80 },
    );
  });

  it("counters - completed = succeeded + errored and submitted >= completed, per spawn and per program", () => {
    fc.assert(
      fc.property(timelineArb, (steps) => {
        const driver = newDriver();
        for (const step of steps) {
          driver.step(step);
          const info = driver.kernel.info();
          for (const [programId, program] of Object.entries(info.programs)) {
            expect(program.counts.submitted).toBeGreaterThanOrEqual(program.counts.succeeded + program.counts.errored);
            for (const props of Object.values(driver.kernel.getProps(programId))) {
              expect(props.completed).toBe(props.succeeded + props.errored);
              expect(props.submitted).toBeGreaterThanOrEqual(props.completed);
            }
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it("bounds - spawn never exceeds max and unspawn never goes below min", () => {
    fc.assert(
      fc.property(timelineArb, (steps) => {
        const driver = newDriver();
        for (const step of steps) {
          const installed = driver.kernel.isInstalled("pool");
          const before = installed ? driver.kernel.countSpawns("pool") : 0;
          const effects = driver.step(step);
          if (!driver.kernel.isInstalled("pool")) continue;
          const after = driver.kernel.countSpawns("pool");
          expect(after).toBeLessThanOrEqual(3);
          if (step.kind === "unspawn" && step.program === 3 && installed && before <= 1) {
            expect(after).toBe(before);
            expect(effects.some((effect) => effect.type === "refused")).toBe(true);
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it("stop - a stopped spawn never runs again", () => {
    fc.assert(
      fc.property(timelineArb, (steps) => {
        const driver = newDriver();
        const stopped = new Set<string>();
        for (const step of steps) {
          for (const effect of driver.step(step)) {
            if (effect.type === "installed" || effect.type === "uninstalled" || effect.type === "cleared") {
              // A new install starts its ids again; forget the old program's spawns.
              for (const key of [...stopped]) if (key.startsWith(`${effect.programId}/`)) stopped.delete(key);
            }
            if (effect.type === "run" && effect.spawnId !== null) {
              expect(stopped.has(`${effect.programId}/${effect.spawnId}`)).toBe(false);
            }
            if (effect.type === "stopped") stopped.add(`${effect.programId}/${effect.spawnId}`);
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it("kill - a late result of a killed job is discarded and changes nothing", () => {
    fc.assert(
      fc.property(timelineArb, (steps) => {
        const driver = newDriver();
        const killed: string[] = [];
        for (const step of steps) {
          for (const effect of driver.step(step)) {
            if (effect.type === "cancel" && effect.inFlight) killed.push(effect.jobId);
          }
        }
        for (const jobId of killed) {
          const before = plain([driver.kernel.info() as never]);
          const effects = driver.kernel.dispatch({
            type: "complete",
            at: driver.now,
            jobId,
            outcome: { ok: true, value: 99 },
          });
          expect(effects[0]).toEqual({ type: "discarded", jobId });
          expect(plain([driver.kernel.info() as never])).toEqual(before);
        }
      }),
      { numRuns: 80 },
    );
  });

  it("snapshot - restoring at a random point continues with identical effects", () => {
    fc.assert(
      fc.property(timelineArb, fc.nat(), (steps, cut) => {
        const split = cut % (steps.length + 1);
        const original = runAll(steps);

        const resumed = newDriver();
        for (const step of steps.slice(0, split)) resumed.step(step);
        const snapshot = JSON.parse(JSON.stringify(resumed.kernel.snapshot()));
        const infoBefore = plain([resumed.kernel.info() as never]);
        resumed.kernel = restoreKernel(snapshot, resumed.programs, { policies });
        expect(plain([resumed.kernel.info() as never])).toEqual(infoBefore);
        expect(resumed.kernel.snapshot()).toEqual(snapshot);
        const offset = resumed.log.length;
        for (const step of steps.slice(split)) resumed.step(step);

        const tail = (driver: Driver, from: number) => plain(driver.log.slice(from).flatMap((entry) => entry.effects));
        expect(tail(resumed, offset)).toEqual(tail(original, offset));
      }),
      { numRuns: 60 },
    );
  });
});
