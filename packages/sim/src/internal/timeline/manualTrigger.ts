/**
 * The guide's `manual-trigger` scenario: one basic program every minute, spawned once,
 * and triggered by hand many times.
 */
import fc from "fast-check";
import type { FaultPlan } from "../../types.js";
import { behaviourArb, calm, type Plan } from "../plan.js";
import { cleanupPlan } from "./cronCleanup.js";
import { at } from "./draw.js";

export const manualTrigger = (steps: number, faults: FaultPlan): fc.Arbitrary<Plan> => {
  const horizon = steps * 500;
  return fc
    .record({
      behaviour: behaviourArb(faults, { ...calm, minDuration: 1, maxDuration: 100 }),
      triggers: fc.array(at(horizon), { minLength: 1, maxLength: Math.ceil(steps / 4) }),
    })
    .map(({ behaviour, triggers }) => cleanupPlan(horizon, behaviour, triggers));
};
