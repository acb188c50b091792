import { createRunner, type KernelEffect, type ProgramSpec } from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { type ScenarioName, simulate, type Timeline } from "../src/index.js";
import { decideJob, runTimeline, specOf } from "../src/internal/engine.js";

type Settled = Extract<KernelEffect, { type: "settled" }>;

const record = (effect: Settled) =>
  `${effect.programId}/${effect.spawnId ?? "trigger"} ${effect.status} due ${effect.scheduledAt} started ${effect.startedAt} ended ${effect.endedAt}`;

/** The settled records of the kernel alone, driven by the simulator in virtual time. */
const kernelAlone = (timeline: Timeline) => {
  const settled: Settled[] = [];
  const run = runTimeline({
    timeline,
    policies: [lifo(), fifo()],
    record: (effect) => {
      if (effect.type === "settled") settled.push(effect);
    },
  });
  return { settled, end: run.simulatedMs };
};

/** The same timeline through a runner under a fake clock: real mainFns that take the same time. */
const throughRunner = async (timeline: Timeline, until: number) => {
  const clock = FakeTimers.createClock(0);
  const runner = createRunner({
    clock,
    policies: [lifo(), fifo()],
    defaultPolicy: "last",
    seed: timeline.seed,
    onError: () => {},
  });
  const settled: Settled[] = [];
  runner.subscribe((effect) => {
    if (effect.type === "settled") settled.push(effect);
  });
  const specFor = (descriptor: Parameters<typeof specOf>[0]): ProgramSpec => ({
    ...(specOf(descriptor) as ProgramSpec),
    mainFn: (_args, _t, ctx) => {
      const decided = decideJob(timeline.seed, descriptor.behaviour, ctx.jobId, clock.now);
      if (decided === "hang") return new Promise(() => {});
      // A zero-length job finishes at once (a timer of 0 ms would fire 1 ms later, as in Node).
      if (decided.duration === 0) {
        if (decided.outcome.ok) return decided.outcome.value;
        throw decided.outcome.error;
      }
      return new Promise((resolve, reject) => {
        clock.setTimeout(
          () => (decided.outcome.ok ? resolve(decided.outcome.value) : reject(decided.outcome.error)),
          decided.duration,
        );
      });
    },
  });
  const ignore = (action: () => unknown) => {
    try {
      const result = action();
      if (result instanceof Promise) result.catch(() => {});
    } catch {
      // Commands for programs that are gone are refused here as in the simulator.
    }
  };
  for (const event of timeline.events) {
    clock.setTimeout(() => {
      switch (event.kind) {
        case "install":
          return ignore(() => runner.install(specFor(event.program)));
        case "spawn":
          return ignore(() => runner.spawn(event.programId));
        case "unspawn":
          return ignore(() => runner.unspawn(event.programId));
        case "trigger":
          return ignore(() => runner.trigger(event.programId));
        case "set-interval":
          return ignore(() => runner.setInterval(event.programId, event.interval));
        case "stop-all":
          return ignore(() => runner.stopAll(event.programId));
        case "kill-all":
          return ignore(() => runner.killAll(event.programId));
        case "uninstall":
          return ignore(() => runner.uninstall(event.programId));
        case "clear":
          return ignore(() => runner.clear(event.programId));
        case "stop-spawn":
        case "kill-spawn":
          return ignore(() => {
            const running = runner.isInstalled(event.programId) ? runner.listSpawns(event.programId) : [];
            const target = running[event.pick % Math.max(1, running.length)];
            if (target === undefined) return;
            if (event.kind === "stop-spawn") runner.stopSpawn(event.programId, target.id);
            else runner.killSpawn(event.programId, target.id);
          });
        default:
          throw new Error(`conformance covers fault-free timelines, not ${event.kind}`);
      }
    }, event.at);
  }
  runner.start();
  await clock.tickAsync(until);
  runner.kill();
  return settled;
};

describe("conformance", () => {
  const scenarios: ScenarioName[] = ["cron-cleanup", "worker-pool", "dynamic-scaling", "manual-trigger", "stats"];
  for (const scenario of scenarios) {
    it(`runner - ${scenario}: the runner under fake timers settles the same jobs at the same times as the kernel alone`, async () => {
      const { timeline } = simulate({ seed: 21, scenario, steps: 600, faults: "none" });
      const alone = kernelAlone(timeline);
      // Compare what finished strictly before the simulator stopped.
      const cutoff = alone.end;
      const expected = alone.settled
        .filter((effect) => effect.endedAt < cutoff)
        .map(record)
        .sort();
      const actual = (await throughRunner(timeline, cutoff))
        .filter((effect) => effect.endedAt < cutoff)
        .map(record)
        .sort();
      expect(expected.length).toBeGreaterThan(50);
      expect(actual).toEqual(expected);
    });
  }
});
