/**
 * The guide's `worker-pool` scenario: one bounded basic program (1 to 5 workers), three
 * spawns at the start, then spawns, unspawns and triggers.
 */
import fc from "fast-check";
import type { FaultPlan, TimelineEvent } from "../../types.js";
import { behaviourArb, calm, type Plan } from "../plan.js";
import { at } from "./draw.js";

export const workerPool = (steps: number, faults: FaultPlan): fc.Arbitrary<Plan> => {
  const horizon = steps * 20;
  const command = fc.record({
    at: at(horizon),
    kind: fc.constantFrom("spawn" as const, "unspawn" as const, "trigger" as const),
    programId: fc.constant("worker"),
  });
  return fc
    .record({
      behaviour: behaviourArb(faults, { ...calm, minDuration: 1, maxDuration: 60 }),
      commands: fc.array(command, { maxLength: Math.ceil(steps / 40) }),
    })
    .map(({ behaviour, commands }) => ({
      horizon,
      programs: [{ id: "worker", type: "basic", interval: 100, min: 1, max: 5, behaviour }],
      events: [
        ...[0, 0, 0].map((time): TimelineEvent => ({ at: time, kind: "spawn", programId: "worker" })),
        ...commands,
      ],
    }));
};
