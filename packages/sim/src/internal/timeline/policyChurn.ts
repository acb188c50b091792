/** The `policy-churn` scenario: what exercises an unspawn policy. */
import fc from "fast-check";
import type { FaultPlan, ProgramDescriptor, TimelineEvent } from "../../types.js";
import { behaviourArb, calm, type Plan } from "../plan.js";
import { at } from "./draw.js";

/**
 * What exercises an unspawn policy: two to four pools with wide bounds, a wave of
 * hundreds of spawns at the start, then heavy spawn/unspawn churn (unspawns outweigh
 * spawns, in bursts too) with stops, kills and triggers. Jobs last from nothing to
 * longer than the interval and fail at drawn rates, so the views a policy sees differ
 * in start time, jobs in flight and every counter. Each pool names one of the run's
 * policies in turn, so every policy given is asked.
 */
export const policyChurn = (steps: number, faults: FaultPlan, policies: readonly string[]): fc.Arbitrary<Plan> =>
  fc.integer({ min: 2, max: 4 }).chain((count) => {
    const horizon = Math.max(500, Math.ceil(steps / 2));
    const ids = Array.from({ length: count }, (_, index) => `pool${index}`);
    const pool = (index: number) =>
      fc
        .record({
          type: fc.constantFrom("basic" as const, "constant" as const),
          interval: fc.integer({ min: 500, max: 5000 }),
          min: fc.integer({ min: 1, max: 3 }),
          max: fc.integer({ min: 150, max: 600 }),
          maxDuration: fc.integer({ min: 0, max: 4000 }),
          failRate: fc.double({ min: 0, max: 0.4, noNaN: true }),
          behaviour: behaviourArb(faults, calm),
        })
        .map(({ type, interval, min, max, maxDuration, failRate, behaviour }): ProgramDescriptor => {
          const policy = policies.length > 1 ? policies[index % policies.length] : undefined;
          return {
            id: `pool${index}`,
            type,
            interval,
            min,
            max,
            ...(policy === undefined ? {} : { policy }),
            behaviour: { ...behaviour, maxDuration, failRate: Math.max(behaviour.failRate, failRate) },
          };
        });
    const id = fc.constantFrom(...ids);
    const command = fc.oneof(
      { weight: 4, arbitrary: fc.record({ at: at(horizon), kind: fc.constant("spawn" as const), programId: id }) },
      { weight: 6, arbitrary: fc.record({ at: at(horizon), kind: fc.constant("unspawn" as const), programId: id }) },
      { weight: 1, arbitrary: fc.record({ at: at(horizon), kind: fc.constant("trigger" as const), programId: id }) },
      {
        weight: 1,
        arbitrary: fc.record({
          at: at(horizon),
          kind: fc.constantFrom("stop-spawn" as const, "kill-spawn" as const),
          programId: id,
          pick: fc.nat({ max: 400 }),
        }),
      },
    );
    const burst = fc
      .record({
        at: at(horizon),
        kind: fc.constantFrom("spawn" as const, "unspawn" as const),
        programId: id,
        size: fc.integer({ min: 10, max: 60 }),
      })
      .map(({ size, ...event }) => Array.from({ length: size }, (): TimelineEvent => ({ ...event })));
    return fc
      .record({
        programs: fc.tuple(...ids.map((_, index) => pool(index))),
        wave: fc.array(id, { minLength: 100, maxLength: 300 }),
        commands: fc.array(command, { minLength: Math.ceil(steps / 8), maxLength: Math.ceil(steps / 4) }),
        bursts: fc.array(burst, { maxLength: 6 }),
      })
      .map(({ programs, wave, commands, bursts }) => ({
        horizon,
        programs,
        events: [
          ...wave.map((programId): TimelineEvent => ({ at: 0, kind: "spawn", programId })),
          ...commands,
          ...bursts.flat(),
        ],
      }));
  });
