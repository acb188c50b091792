/**
 * Simulated firing rate: zero-duration fixed-rate jobs for N spawns, driven in
 * virtual time, beside the same loops under @sinonjs/fake-timers, under
 * Effect's TestClock with Schedule.fixed, and a bare binary heap doing only
 * pop + push (the ceiling). Jobs fired per second of wall time.
 */
import { createKernel, type KernelEffect } from "@schedkit/kernel";
import FakeTimers from "@sinonjs/fake-timers";
import { Effect, Schedule } from "effect";
import { TestClock } from "effect/testing";
import { TimerHeap } from "../packages/kernel/src/internal/heap.js";

const PERIOD = 1000;

export interface Rate {
  readonly jobs: number;
  readonly seconds: number;
  readonly perSecond: number;
}

const rate = (jobs: number, started: number): Rate => {
  const seconds = (performance.now() - started) / 1000;
  return { jobs, seconds, perSecond: Math.round(jobs / seconds) };
};

/** The kernel: a tick starts every due job; each is completed at once. */
export const kernelRate = (spawns: number, target: number): Rate => {
  const kernel = createKernel();
  kernel.dispatch({
    type: "install",
    at: 0,
    program: { id: "p", type: "constant", interval: PERIOD, mainFn: () => undefined },
  });
  for (let index = 0; index < spawns; index++) {
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { delay: index % PERIOD } });
  }
  const lastWake = (effects: readonly KernelEffect[]) => {
    const wake = effects[effects.length - 1];
    return wake?.type === "wake" ? wake.at : null;
  };
  let wake = lastWake(kernel.dispatch({ type: "tick", at: 0 }));
  let jobs = 0;
  const started = performance.now();
  while (jobs < target && wake !== null) {
    const at = wake;
    const effects = kernel.dispatch({ type: "tick", at });
    for (const effect of effects) {
      if (effect.type !== "run") continue;
      jobs++;
      kernel.dispatch({ type: "complete", at, jobId: effect.jobId, outcome: { ok: true } });
    }
    wake = lastWake(effects);
  }
  return rate(jobs, started);
};

/** Plain fixed-rate setTimeout loops under a fake clock. */
export const fakeTimersRate = (spawns: number, target: number): Rate => {
  const clock = FakeTimers.createClock(0, Number.POSITIVE_INFINITY);
  let jobs = 0;
  const loop = (due: number) => {
    clock.setTimeout(() => {
      jobs++;
      loop(due + PERIOD);
    }, due - clock.now);
  };
  for (let index = 0; index < spawns; index++) loop((index % PERIOD) + PERIOD);
  const started = performance.now();
  while (jobs < target) clock.tick(PERIOD);
  return rate(jobs, started);
};

/** Effect fibers repeating on Schedule.fixed, advanced by TestClock. */
export const effectRate = async (spawns: number, target: number): Promise<Rate> => {
  let jobs = 0;
  const periods = Math.ceil(target / spawns);
  let started = 0;
  await Effect.runPromise(
    Effect.gen(function* () {
      for (let index = 0; index < spawns; index++) {
        yield* Effect.forkChild(
          Effect.repeat(
            Effect.sync(() => jobs++),
            Schedule.fixed(PERIOD),
          ),
        );
      }
      yield* Effect.yieldNow;
      jobs = 0;
      started = performance.now();
      for (let period = 0; period < periods; period++) yield* TestClock.adjust(PERIOD);
    }).pipe(Effect.scoped, Effect.provide(TestClock.layer())),
  );
  return rate(jobs, started);
};

/** Only what a timer wheel must do: pop the earliest, push it one period later. */
export const heapRate = (spawns: number, target: number): Rate => {
  const heap = new TimerHeap<{ dueAt: number; seq: number; heapIndex: number }>();
  for (let index = 0; index < spawns; index++)
    heap.push({ dueAt: (index % PERIOD) + PERIOD, seq: index, heapIndex: -1 });
  let jobs = 0;
  let seq = spawns;
  const started = performance.now();
  while (jobs < target) {
    const top = heap.pop();
    if (top === undefined) break;
    jobs++;
    heap.push({ dueAt: top.dueAt + PERIOD, seq: seq++, heapIndex: -1 });
  }
  return rate(jobs, started);
};
