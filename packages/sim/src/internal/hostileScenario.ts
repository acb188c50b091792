/**
 * The `hostile` scenario: what the other scenarios never draw. Each seed
 * switches features on or off (swarm testing within the scenario): spawn
 * options, function intervals (backoff, and ones that throw or give bad
 * values), triggers at a given time, throwing hooks with hostile thrown
 * values, unusual cron expressions, large times (the run starts at 1.7e12 or
 * near the kernel's limit of 8.64e15), big time jumps, catch-up windows,
 * `null` state, reinstalls and removals with jobs in flight, a hostile policy,
 * `__proto__` ids, and malformed commands. Everything is data; the engine
 * builds the hostile things from their names.
 */
import fc from "fast-check";
import {
  type BadNumber,
  badCommands,
  type FaultPlan,
  type HookName,
  type HookThrow,
  type HostileValue,
  hostileValues,
  type IntervalFnDescriptor,
  type ProgramDescriptor,
  type SpawnOptsDescriptor,
  type TimelineEvent,
} from "../types.js";
import { HOSTILE_POLICY, MAX_TIME } from "./hostile.js";
import { atFrom, behaviourArb, calm, type Plan } from "./plan.js";

/** Cron expressions beyond the mix's: lists, ranges, steps, 5 fields, rare matches. `gap`: the longest wait, ms. */
const unusualCrons: readonly { readonly cron: string; readonly gap: number }[] = [
  { cron: "*/7 * * * * *", gap: 7_000 },
  { cron: "* * * * * *", gap: 1_000 },
  { cron: "1-5,30-35 * * * * *", gap: 55_000 },
  { cron: "0 */2 * * * *", gap: 120_000 },
  { cron: "* * * * *", gap: 60_000 },
  // Minutes 1, 8, ..., 50: from 50:57 to the next hour's 01:00.
  { cron: "*/3 1-50/7 * * * *", gap: 604_000 },
  { cron: "30 59 23 31 12 *", gap: 367 * 86_400_000 },
  { cron: "0 0 0 29 2 *", gap: 8 * 366 * 86_400_000 },
];

const badNumbers: readonly BadNumber[] = [
  "nan",
  "infinity",
  "zero",
  "negative",
  "min-value",
  "beyond-max",
  "string",
  "null",
];
const hookNames: readonly HookName[] = [
  "createFn",
  "argsFn",
  "successFn",
  "errorFn",
  "mergeFn",
  "continueFn",
  "timeFn",
];

const hostile = fc.constantFrom<HostileValue>(...hostileValues);

const hookThrow: fc.Arbitrary<HookThrow> = fc.record({ every: fc.integer({ min: 2, max: 12 }), value: hostile });

const throwsArb: fc.Arbitrary<Partial<Record<HookName, HookThrow>>> = fc
  .subarray([...hookNames], { minLength: 1, maxLength: 3 })
  .chain((names) =>
    fc
      .tuple(...names.map(() => hookThrow))
      .map((rules) => Object.fromEntries(names.map((name, index) => [name, rules[index]]))),
  );

/** Backoff (a rising list), a cycle, or one with bad values and throws now and then. */
const intervalFnArb: fc.Arbitrary<IntervalFnDescriptor> = fc.oneof(
  fc.integer({ min: 5, max: 60 }).map((base) => ({ values: [base, base * 2, base * 4, base * 8, base * 8] })),
  fc.record({
    values: fc.array(fc.integer({ min: 5, max: 300 }), { minLength: 1, maxLength: 4 }),
    throwEvery: fc.integer({ min: 3, max: 15 }),
    thrown: hostile,
  }),
  fc
    .tuple(
      fc.array(fc.integer({ min: 5, max: 300 }), { minLength: 2, maxLength: 6 }),
      // Not "min-value": the kernel's smallest interval is 0.001 ms where the contract says > 0 (reported).
      fc.constantFrom(...badNumbers.filter((bad) => bad !== "min-value")),
    )
    .map(([values, bad]) => ({ values: [...values, bad] })),
);

const features = fc.record({
  spawnOpts: fc.boolean(),
  intervalFns: fc.boolean(),
  scheduledAt: fc.boolean(),
  throwingHooks: fc.boolean(),
  cron: fc.boolean(),
  nullState: fc.boolean(),
  reinstall: fc.boolean(),
  badInput: fc.boolean(),
  policy: fc.boolean(),
  jumps: fc.boolean(),
  windows: fc.boolean(),
  protoIds: fc.boolean(),
  wall: fc.boolean(),
});

type Features = typeof features extends fc.Arbitrary<infer F> ? F : never;

const maybe = <T>(on: boolean, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  on ? fc.option(arbitrary, { nil: undefined }) : fc.constant(undefined);

const programArb = (id: string, faults: FaultPlan, on: Features): fc.Arbitrary<ProgramDescriptor> =>
  fc
    .record({
      type: on.cron
        ? fc.constantFrom("basic" as const, "constant" as const, "cron" as const)
        : fc.constantFrom("basic" as const, "constant" as const),
      cron: fc.constantFrom(...unusualCrons),
      interval: fc.oneof(fc.integer({ min: 5, max: 500 }), fc.integer({ min: 1, max: 5 })),
      delay: fc.option(fc.oneof(fc.constant("random" as const), fc.integer({ min: 0, max: 300 })), { nil: undefined }),
      misfire: fc.constantFrom("catch-up" as const, "skip" as const),
      bounds: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 4 })), { nil: undefined }),
      scope: fc.constantFrom("program" as const, "spawn" as const),
      output: fc.constantFrom("latest" as const, "all" as const),
      align: fc.option(fc.constantFrom(10, 100, 1000), { nil: undefined }),
      stopAfter: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
      intervalFn: maybe(on.intervalFns, intervalFnArb),
      throws: maybe(on.throwingHooks, throwsArb),
      nullState: maybe(on.nullState, fc.constantFrom("create" as const, "merge" as const)),
      catchUpWindow: maybe(on.windows, fc.constantFrom(50, 1_000, 60_000, 3_600_000)),
      policy: maybe(on.policy, fc.constant(HOSTILE_POLICY)),
      behaviour: behaviourArb(faults, { ...calm, minDuration: 0, maxDuration: 80 }),
    })
    .map((drawn): ProgramDescriptor => {
      const common = {
        id,
        misfire: drawn.misfire,
        scope: drawn.scope,
        output: drawn.output,
        behaviour: drawn.behaviour,
        ...(drawn.bounds === undefined ? {} : { min: drawn.bounds[0], max: drawn.bounds[0] + drawn.bounds[1] }),
        ...(drawn.stopAfter === undefined ? {} : { stopAfter: drawn.stopAfter }),
        ...(drawn.throws === undefined ? {} : { throws: drawn.throws }),
        ...(drawn.nullState === undefined ? {} : { nullState: drawn.nullState }),
        ...(drawn.catchUpWindow === undefined ? {} : { catchUpWindow: drawn.catchUpWindow }),
        ...(drawn.policy === undefined ? {} : { policy: drawn.policy }),
      };
      if (drawn.type === "cron") {
        // Every second, with a window of a second: a long gap is tens of thousands of missed matches,
        // counted over several dispatches, without tens of thousands of jobs to simulate.
        const everySecond = drawn.cron.gap === 1_000 ? { catchUpWindow: 1_000 } : {};
        return {
          ...common,
          ...everySecond,
          type: "cron",
          interval: drawn.cron.gap,
          cron: drawn.cron.cron,
          timezone: "Europe/Berlin",
        };
      }
      return {
        ...common,
        type: drawn.type,
        interval: drawn.interval,
        ...(drawn.intervalFn === undefined ? {} : { intervalFn: drawn.intervalFn }),
        ...(drawn.delay === undefined ? {} : { delay: drawn.delay }),
        ...(drawn.align === undefined || drawn.type === "basic" ? {} : { align: drawn.align }),
      };
    });

const spawnOptsArb = (on: Features): fc.Arbitrary<SpawnOptsDescriptor> =>
  fc
    .record(
      {
        spawnId: fc.constantFrom("s1", "s2", "s3", ...(on.protoIds ? ["__proto__", "constructor", "toString"] : [])),
        interval: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 5, max: 400 }) },
          { weight: 1, arbitrary: fc.constantFrom<number | BadNumber>(...badNumbers) },
        ),
        ...(on.intervalFns ? { intervalFn: intervalFnArb } : {}),
        delay: fc.oneof(fc.constant("random" as const), fc.integer({ min: 0, max: 300 })),
        misfire: fc.constantFrom("catch-up" as const, "skip" as const),
        output: fc.constantFrom("latest" as const, "all" as const),
        ...(on.windows ? { catchUpWindow: fc.constantFrom(20, 500, 30_000) } : {}),
        ...(on.throwingHooks ? { throws: throwsArb } : {}),
        unknownKey: fc.constant(true),
      },
      { requiredKeys: [] },
    )
    .map((drawn) => {
      // A misspelt key is rare: one spawn in several with options.
      const { unknownKey, ...rest } = drawn as SpawnOptsDescriptor;
      return (
        unknownKey === true && (rest.spawnId === "s3" || rest.spawnId === "toString") ? drawn : rest
      ) as SpawnOptsDescriptor;
    });

/** The hostile scenario's programs and commands. */
export const hostileScenario = (steps: number, faults: FaultPlan): fc.Arbitrary<Plan> =>
  fc
    .record({
      start: fc.constantFrom(0, 1_700_000_000_000, MAX_TIME - 200_000_000),
      on: features,
      count: fc.integer({ min: 2, max: 5 }),
    })
    .chain(({ start, on, count }) => {
      const horizon = steps * 15;
      const ids = Array.from({ length: count }, (_, index) => (index === 0 && on.protoIds ? "__proto__" : `p${index}`));
      const at = atFrom(start, horizon);
      const id = fc.constantFrom(...ids);
      return fc.tuple(...ids.map((programId) => programArb(programId, faults, on))).chain((programs) => {
        const hasCron = programs.some((program) => program.type === "cron");
        // Cron catch-up steps match by match: keep its jumps short. Interval programs jump past a day.
        const jumpSizes = [2_000, 60_000, 3_600_000, ...(hasCron || start > 1e15 ? [] : [90_000_000])];
        const command = fc.oneof(
          {
            weight: 8,
            arbitrary: fc.record(
              {
                at,
                kind: fc.constant("spawn" as const),
                programId: id,
                ...(on.spawnOpts ? { opts: spawnOptsArb(on) } : {}),
              },
              { requiredKeys: ["at", "kind", "programId"] },
            ),
          },
          { weight: 4, arbitrary: fc.record({ at, kind: fc.constant("unspawn" as const), programId: id }) },
          {
            weight: 3,
            arbitrary: fc.record(
              {
                at,
                kind: fc.constant("trigger" as const),
                programId: id,
                ...(on.scheduledAt ? { scheduledIn: fc.integer({ min: -5_000, max: 5_000 }) } : {}),
              },
              { requiredKeys: ["at", "kind", "programId"] },
            ),
          },
          {
            weight: 1,
            arbitrary: fc.record(
              {
                at,
                kind: fc.constant("set-interval" as const),
                programId: id,
                interval: fc.integer({ min: 5, max: 500 }),
                ...(on.intervalFns ? { intervalFn: intervalFnArb } : {}),
              },
              { requiredKeys: ["at", "kind", "programId", "interval"] },
            ),
          },
          {
            weight: 2,
            arbitrary: fc.record({
              at,
              kind: fc.constantFrom("stop-spawn" as const, "kill-spawn" as const),
              programId: id,
              pick: fc.nat({ max: 10 }),
            }),
          },
          {
            weight: on.reinstall ? 3 : 1,
            arbitrary: fc.record({
              at,
              kind: fc.constantFrom("stop-all" as const, "kill-all" as const, "uninstall" as const, "clear" as const),
              programId: id,
            }),
          },
          {
            weight: on.badInput ? 4 : 0,
            arbitrary: fc.record({
              at,
              kind: fc.constant("bad" as const),
              bad: fc.constantFrom(...badCommands),
              programId: id,
            }),
          },
          {
            // The wall clock steps (NTP, suspend): cron programs keep their wall-clock times.
            weight: on.wall ? 1 : 0,
            arbitrary: fc.record({
              at,
              kind: fc.constant("wall" as const),
              by: fc.constantFrom(-3_600_000, -90_000, -150, 50, 250, 30_000, 7_200_000),
            }),
          },
          {
            weight: on.jumps ? 1 : 0,
            arbitrary: fc.record({ at, kind: fc.constant("jump" as const), by: fc.constantFrom(...jumpSizes) }),
          },
          {
            // A long gap and a stop as the first command after it (a SIGTERM after a suspend): with a
            // seconds cron that is more missed matches than one dispatch counts, so the stop meets a
            // spawn whose count is still going on. The two share a time; the jump sorts first.
            weight: on.jumps && hasCron ? 1 : 0,
            arbitrary: fc
              .record({
                at,
                programId: id,
                stop: fc.constantFrom("stop-spawn", "kill-spawn", "stop-all", "kill-all", "uninstall", "clear"),
                pick: fc.nat({ max: 10 }),
              })
              .map(({ at: time, programId, stop, pick }): TimelineEvent[] => [
                { at: time, kind: "jump", by: 8 * 3_600_000 },
                stop === "stop-spawn" || stop === "kill-spawn"
                  ? { at: time, kind: stop, programId, pick }
                  : { at: time, kind: stop, programId },
              ]),
          },
        );
        return fc
          .record({
            // Enough commands to keep the run busy: hostile programs stop often (faults, throwing hooks).
            commands: fc.array(command, { minLength: Math.ceil(steps / 20), maxLength: Math.ceil(steps / 8) }),
            reinstalls: fc.array(fc.record({ at, index: fc.integer({ min: 0, max: count - 1 }) }), {
              maxLength: on.reinstall ? 8 : 2,
            }),
          })
          .map(({ commands, reinstalls }) => ({
            horizon,
            start,
            programs,
            events: [
              ...programs.map((spec): TimelineEvent => ({ at: start, kind: "spawn", programId: spec.id })),
              ...(commands.flat() as TimelineEvent[]),
              // Reinstalling replaces a program, jobs in flight or not (after uninstall or clear, it brings it back).
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
    });
