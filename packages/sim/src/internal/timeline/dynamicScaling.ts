/**
 * The guide's `dynamic-scaling` scenario: an operator checks a drawn queue every second
 * and spawns or unspawns workers by its length.
 */
import fc from "fast-check";
import type { FaultPlan, TimelineEvent } from "../../types.js";
import { behaviourArb, calm, type Plan } from "../plan.js";

export const dynamicScaling = (steps: number, faults: FaultPlan): fc.Arbitrary<Plan> => {
  const checks = Math.max(1, Math.ceil(steps / 25));
  const horizon = checks * 1000;
  return fc
    .record({
      behaviour: behaviourArb(faults, { ...calm, minDuration: 5, maxDuration: 200 }),
      arrivals: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: checks, maxLength: checks }),
    })
    .map(({ behaviour, arrivals }) => {
      // The operator's check-load every second: spawn above 100 queued, unspawn below 10.
      const events: TimelineEvent[] = [{ at: 0, kind: "spawn", programId: "worker" }];
      let queue = 50;
      let workers = 1;
      arrivals.forEach((arrived, index) => {
        queue = Math.max(0, queue + arrived - workers * 12);
        const time = (index + 1) * 1000;
        if (queue > 100 && workers < 8) {
          events.push({ at: time, kind: "spawn", programId: "worker" });
          workers++;
        } else if (queue < 10 && workers > 1) {
          events.push({ at: time, kind: "unspawn", programId: "worker" });
          workers--;
        }
      });
      return {
        horizon,
        // No policy named: the run's default applies ("last" unless the caller brings its own).
        programs: [{ id: "worker", type: "basic", interval: 250, min: 1, max: 8, behaviour }],
        events,
      };
    });
};
