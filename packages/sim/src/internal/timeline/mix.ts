/**
 * The `mix` scenario: two to five drawn programs (basic, constant and cron in a zone with
 * daylight saving), every operator command, reinstalls, and spec 18's program fields and
 * commands (each only when its feature is on).
 */
import fc from "fast-check";
import type { FaultPlan, ProgramDescriptor, TimelineEvent } from "../../types.js";
import type { Spec18Features } from "../features.js";
import { behaviourArb, calm, type Plan } from "../plan.js";
import { at } from "./draw.js";
import { spec18Events, spec18EventsArb } from "./spec18Events.js";
import { spec18Of, spec18ProgramArb } from "./spec18Programs.js";

export const mix = (steps: number, faults: FaultPlan, features: Spec18Features): fc.Arbitrary<Plan> => {
  // Cron programs in the mix tick in seconds (a mix spans seconds to minutes), in a zone
  // with daylight saving, so the kernel and the model also agree on zoned arithmetic.
  const cronPrograms = [
    { cron: "*/5 * * * * *", gap: 5_000 },
    { cron: "*/2 * * * * *", gap: 2_000 },
    { cron: "0,15,30,45 * * * * *", gap: 15_000 },
    { cron: "10-20 * * * * *", gap: 50_000 },
  ];
  const program = (index: number) =>
    fc
      .record({
        type: fc.constantFrom("basic" as const, "constant" as const, "cron" as const),
        cron: fc.constantFrom(...cronPrograms),
        interval: fc.integer({ min: 5, max: 500 }),
        delay: fc.option(fc.oneof(fc.constant("random" as const), fc.integer({ min: 0, max: 300 })), {
          nil: undefined,
        }),
        misfire: fc.constantFrom("catch-up" as const, "skip" as const),
        bounds: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 4 })), {
          nil: undefined,
        }),
        scope: fc.constantFrom("program" as const, "spawn" as const),
        output: fc.constantFrom("latest" as const, "all" as const),
        align: fc.option(fc.constantFrom(10, 100, 1000), { nil: undefined }),
        stopAfter: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
        behaviour: behaviourArb(faults, { ...calm, minDuration: 0, maxDuration: 80 }),
        spec18: spec18ProgramArb(features, steps * 15),
      })
      .map(({ spec18, ...drawn }): ProgramDescriptor => {
        const common = {
          id: `p${index}`,
          misfire: drawn.misfire,
          scope: drawn.scope,
          output: drawn.output,
          behaviour: drawn.behaviour,
          ...(drawn.bounds === undefined ? {} : { min: drawn.bounds[0], max: drawn.bounds[0] + drawn.bounds[1] }),
          ...(drawn.stopAfter === undefined ? {} : { stopAfter: drawn.stopAfter }),
        };
        const limits = spec18Of(spec18, drawn.type);
        if (drawn.type === "cron") {
          return {
            ...common,
            ...limits,
            type: "cron",
            interval: drawn.cron.gap,
            cron: drawn.cron.cron,
            timezone: "Europe/Berlin",
          };
        }
        return {
          ...common,
          ...limits,
          type: drawn.type,
          interval: drawn.interval,
          ...(drawn.delay === undefined ? {} : { delay: drawn.delay }),
          ...(drawn.type === "constant" && drawn.align !== undefined ? { align: drawn.align } : {}),
        };
      });
  return fc.integer({ min: 2, max: 5 }).chain((count) => {
    const horizon = steps * 15;
    const id = fc.integer({ min: 0, max: count - 1 }).map((index) => `p${index}`);
    const command = fc.oneof(
      { weight: 8, arbitrary: fc.record({ at: at(horizon), kind: fc.constant("spawn" as const), programId: id }) },
      { weight: 4, arbitrary: fc.record({ at: at(horizon), kind: fc.constant("unspawn" as const), programId: id }) },
      { weight: 2, arbitrary: fc.record({ at: at(horizon), kind: fc.constant("trigger" as const), programId: id }) },
      {
        weight: 1,
        arbitrary: fc.record({
          at: at(horizon),
          kind: fc.constant("set-interval" as const),
          programId: id,
          interval: fc.integer({ min: 5, max: 500 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          at: at(horizon),
          kind: fc.constantFrom("stop-spawn" as const, "kill-spawn" as const),
          programId: id,
          pick: fc.nat({ max: 10 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          at: at(horizon),
          kind: fc.constantFrom("stop-all" as const, "kill-all" as const, "uninstall" as const, "clear" as const),
          programId: id,
        }),
      },
    );
    return fc
      .record({
        programs: fc.tuple(...Array.from({ length: count }, (_, index) => program(index))),
        commands: fc.array(command, { maxLength: Math.ceil(steps / 10) }),
        reinstalls: fc.array(fc.record({ at: at(horizon), index: fc.integer({ min: 0, max: count - 1 }) }), {
          maxLength: 3,
        }),
        spec18: spec18EventsArb(features, steps, horizon, id),
      })
      .map(({ programs, commands, reinstalls, spec18 }) => ({
        horizon,
        programs,
        events: [
          ...programs.map((spec): TimelineEvent => ({ at: 0, kind: "spawn", programId: spec.id })),
          ...commands,
          ...spec18Events(spec18, programs),
          // Reinstalling replaces a program (after uninstall or clear, it brings it back).
          ...reinstalls.map(
            ({ at: time, index }): TimelineEvent => ({
              at: time,
              kind: "install",
              program: programs[index] as ProgramDescriptor,
            }),
          ),
        ],
      }));
  });
};
