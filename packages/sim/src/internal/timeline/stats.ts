/** The guide's `stats` scenario: one constant program every second that catches up on misfires. */
import type fc from "fast-check";
import type { FaultPlan } from "../../types.js";
import { behaviourArb, calm, type Plan } from "../plan.js";

export const stats = (steps: number, faults: FaultPlan): fc.Arbitrary<Plan> => {
  const horizon = steps * 500;
  return behaviourArb(faults, { ...calm, minDuration: 0, maxDuration: 50 }).map((behaviour) => ({
    horizon,
    programs: [{ id: "stats", type: "constant", interval: 1000, misfire: "catch-up", behaviour }],
    events: [{ at: 0, kind: "spawn", programId: "stats" }],
  }));
};
