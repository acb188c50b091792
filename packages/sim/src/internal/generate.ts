import fc from "fast-check";
import {
  type FaultFamily,
  type FaultPlan,
  type FaultsOption,
  faultFamilies,
  type ProgramDescriptor,
  type ScenarioName,
  scenarioNames,
  type Timeline,
  type TimelineEvent,
} from "../types.js";
import { hostileScenario } from "./hostileScenario.js";
import { atFrom, behaviourArb, calm, type Plan } from "./plan.js";

/** One value of an arbitrary for a seed: the same seed always gives the same value. */
const sampleOne = <T>(arbitrary: fc.Arbitrary<T>, seed: number): T =>
  fc.sample(arbitrary, { seed, numRuns: 1 })[0] as T;

/** The fault plan of a run: given families, none, or (swarm) each family switched on or off by the seed. */
export const planFaults = (option: FaultsOption, seed: number): FaultPlan => {
  const off = Object.fromEntries(faultFamilies.map((family) => [family, false])) as Record<FaultFamily, boolean>;
  const weights = sampleOne(
    fc.record({ lagMax: fc.integer({ min: 1, max: 50 }), lagRate: fc.double({ min: 0.05, max: 0.5, noNaN: true }) }),
    seed ^ 0x5eed,
  );
  if (option === "none") return { families: off, lagMax: 0, lagRate: 0 };
  if (option === "swarm") {
    const families = sampleOne(fc.tuple(...faultFamilies.map(() => fc.boolean())), seed ^ 0xfa17);
    return {
      families: Object.fromEntries(
        faultFamilies.map((family, index) => [family, families[index] as boolean]),
      ) as Record<FaultFamily, boolean>,
      ...weights,
    };
  }
  return { families: { ...off, ...option }, ...weights };
};

const at = (horizon: number) => fc.integer({ min: 1, max: Math.max(1, Math.floor(horizon)) });

/** The guide's scenarios and the mix, as arbitraries of programs and operator commands. */
const scenarios: Record<
  ScenarioName,
  (steps: number, faults: FaultPlan, policies: readonly string[]) => fc.Arbitrary<Plan>
> = {
  "policy-churn": (steps, faults, policies) => policyChurn(steps, faults, policies),
  "cron-cleanup": (steps, faults) => {
    const horizon = steps * 30_000;
    return fc
      .record({
        behaviour: behaviourArb(faults, { ...calm, minDuration: 5, maxDuration: 500 }),
        triggers: fc.array(at(horizon), { maxLength: Math.ceil(steps / 50) }),
      })
      .map(({ behaviour, triggers }) => ({
        horizon,
        programs: [{ id: "cleanup", type: "basic", interval: 60_000, behaviour }],
        events: [
          { at: 0, kind: "spawn", programId: "cleanup" },
          ...triggers.map((time): TimelineEvent => ({ at: time, kind: "trigger", programId: "cleanup" })),
        ],
      }));
  },
  "worker-pool": (steps, faults) => {
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
  },
  "dynamic-scaling": (steps, faults) => {
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
  },
  "manual-trigger": (steps, faults) => {
    const horizon = steps * 500;
    return fc
      .record({
        behaviour: behaviourArb(faults, { ...calm, minDuration: 1, maxDuration: 100 }),
        triggers: fc.array(at(horizon), { minLength: 1, maxLength: Math.ceil(steps / 4) }),
      })
      .map(({ behaviour, triggers }) => ({
        horizon,
        programs: [{ id: "cleanup", type: "basic", interval: 60_000, behaviour }],
        events: [
          { at: 0, kind: "spawn", programId: "cleanup" },
          ...triggers.map((time): TimelineEvent => ({ at: time, kind: "trigger", programId: "cleanup" })),
        ],
      }));
  },
  hostile: (steps, faults) => hostileScenario(steps, faults),
  stats: (steps, faults) => {
    const horizon = steps * 500;
    return behaviourArb(faults, { ...calm, minDuration: 0, maxDuration: 50 }).map((behaviour) => ({
      horizon,
      programs: [{ id: "stats", type: "constant", interval: 1000, misfire: "catch-up", behaviour }],
      events: [{ at: 0, kind: "spawn", programId: "stats" }],
    }));
  },
  mix: (steps, faults) => {
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
        })
        .map((drawn): ProgramDescriptor => {
          const common = {
            id: `p${index}`,
            misfire: drawn.misfire,
            scope: drawn.scope,
            output: drawn.output,
            behaviour: drawn.behaviour,
            ...(drawn.bounds === undefined ? {} : { min: drawn.bounds[0], max: drawn.bounds[0] + drawn.bounds[1] }),
            ...(drawn.stopAfter === undefined ? {} : { stopAfter: drawn.stopAfter }),
          };
          if (drawn.type === "cron") {
            return {
              ...common,
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
            ...(drawn.delay === undefined ? {} : { delay: drawn.delay }),
            ...(drawn.align === undefined || drawn.type === "basic" ? {} : { align: drawn.align }),
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
        })
        .map(({ programs, commands, reinstalls }) => ({
          horizon,
          programs,
          events: [
            ...programs.map((spec): TimelineEvent => ({ at: 0, kind: "spawn", programId: spec.id })),
            ...commands,
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
  },
};

/**
 * What exercises an unspawn policy: two to four pools with wide bounds, a wave of
 * hundreds of spawns at the start, then heavy spawn/unspawn churn (unspawns outweigh
 * spawns, in bursts too) with stops, kills and triggers. Jobs last from nothing to
 * longer than the interval and fail at drawn rates, so the views a policy sees differ
 * in start time, jobs in flight and every counter. Each pool names one of the run's
 * policies in turn, so every policy given is asked.
 */
const policyChurn = (steps: number, faults: FaultPlan, policies: readonly string[]): fc.Arbitrary<Plan> =>
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

/** Fault events: jumps, regressions, bursts of commands, crashes; each family only when on. */
const faultEventsArb = (plan: Plan, faults: FaultPlan): fc.Arbitrary<TimelineEvent[]> => {
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

/** Builds the timeline of a seed: the scenario's programs and commands, plus fault events. */
export const generateTimeline = (options: {
  readonly seed: number;
  readonly scenario?: ScenarioName | undefined;
  readonly steps: number;
  readonly faults: FaultsOption;
  readonly policies: readonly string[];
}): Timeline => {
  const { seed, steps } = options;
  // The default: one seed in seven draws the hostile scenario; the others keep the scenario
  // they drew before it existed (the same draw among the first six).
  const classic = scenarioNames.filter((name) => name !== "hostile" && name !== "policy-churn");
  const scenario =
    options.scenario ??
    (sampleOne(fc.nat({ max: 6 }), seed ^ 0x405e) === 6
      ? "hostile"
      : (classic[sampleOne(fc.nat({ max: classic.length - 1 }), seed ^ 0x5c3e)] as ScenarioName));
  const faults = planFaults(options.faults, seed);
  const plan = sampleOne(scenarios[scenario](steps, faults, options.policies), seed);
  const faultEvents = sampleOne(faultEventsArb(plan, faults), seed ^ 0xe7e7);
  const installs = plan.programs.map((program): TimelineEvent => ({ at: plan.start ?? 0, kind: "install", program }));
  // Stable sort by time: installs first, then commands in the order they were drawn.
  const events = [...installs, ...plan.events, ...faultEvents]
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.at - b.event.at || a.index - b.index)
    .map(({ event }) => event);
  return { version: 1, seed, scenario, steps, faults, policies: [...options.policies], events };
};
