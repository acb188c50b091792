/**
 * The fault events a plan's run is given on top of its scenario: clock jumps and
 * regressions, bursts of commands, crashes; each family only when the fault plan has it on.
 */
import fc from "fast-check";
import type { FaultPlan, TimelineEvent } from "../../types.js";
import { atFrom, type Plan } from "../plan.js";

/** Fault events: jumps, regressions, bursts of commands, crashes; each family only when on. */
export const faultEventsArb = (plan: Plan, faults: FaultPlan): fc.Arbitrary<TimelineEvent[]> => {
  const { horizon, programs } = plan;
  const start = plan.start ?? 0;
  const at = (span: number) =>
    start === 0 ? fc.integer({ min: 1, max: Math.max(1, Math.floor(span)) }) : atFrom(start, span);
  const ids = programs.map((program) => program.id);
  const none = fc.constant<TimelineEvent[]>([]);
  const jumps = faults.families.jumps
    ? fc.array(
        fc.record({ at: at(horizon), kind: fc.constant("jump" as const), by: fc.integer({ min: 1, max: 20_000 }) }),
        {
          minLength: 1,
          maxLength: 5,
        },
      )
    : none;
  const regressions = faults.families.regressions
    ? fc.array(
        fc.record({ at: at(horizon), kind: fc.constant("regress" as const), by: fc.integer({ min: 1, max: 100 }) }),
        {
          minLength: 1,
          maxLength: 8,
        },
      )
    : none;
  const crashes = faults.families.crashes
    ? fc.array(fc.record({ at: at(horizon), kind: fc.constant("crash" as const) }), { minLength: 1, maxLength: 3 })
    : none;
  const bursts =
    faults.families.bursts && ids.length > 0
      ? fc
          .array(
            fc.record({
              at: at(horizon),
              commands: fc.array(
                fc.record({
                  kind: fc.constantFrom("spawn" as const, "unspawn" as const, "trigger" as const),
                  programId: fc.constantFrom(...ids),
                }),
                { minLength: 5, maxLength: 30 },
              ),
            }),
            { minLength: 1, maxLength: 3 },
          )
          .map((list) =>
            list.flatMap(({ at: time, commands }) =>
              commands.map((command): TimelineEvent => ({ at: time, ...command })),
            ),
          )
      : none;
  return fc.tuple(jumps, regressions, crashes, bursts).map((groups) => groups.flat());
};
