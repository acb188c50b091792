/**
 * The guide's `cron-cleanup` scenario: one basic program every minute, spawned once,
 * with manual triggers spread over the horizon.
 */
import fc from "fast-check";
import type { FaultPlan, JobBehaviour, TimelineEvent } from "../../types.js";
import { behaviourArb, calm, type Plan } from "../plan.js";
import { at } from "./draw.js";

export const cronCleanup = (steps: number, faults: FaultPlan): fc.Arbitrary<Plan> => {
  const horizon = steps * 30_000;
  return fc
    .record({
      behaviour: behaviourArb(faults, { ...calm, minDuration: 5, maxDuration: 500 }),
      triggers: fc.array(at(horizon), { maxLength: Math.ceil(steps / 50) }),
    })
    .map(({ behaviour, triggers }) => cleanupPlan(horizon, behaviour, triggers));
};

/**
 * The plan both guide scenarios with one cleanup program share (`cron-cleanup`, `manual-trigger`):
 * a basic program every minute, spawned at 0, triggered at each of `triggers`.
 */
export const cleanupPlan = (horizon: number, behaviour: JobBehaviour, triggers: readonly number[]): Plan => ({
  horizon,
  programs: [{ id: "cleanup", type: "basic", interval: 60_000, behaviour }],
  events: [
    { at: 0, kind: "spawn", programId: "cleanup" },
    ...triggers.map((time): TimelineEvent => ({ at: time, kind: "trigger", programId: "cleanup" })),
  ],
});
