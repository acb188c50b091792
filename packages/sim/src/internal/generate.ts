import fc from "fast-check";
import {
  type FaultFamily,
  type FaultPlan,
  type FaultsOption,
  faultFamilies,
  type ProgramDescriptor,
  type ScenarioName,
  type SpawnOptsDescriptor,
  type Spec18BadCommand,
  scenarioNames,
  spec18BadCommands,
  type Timeline,
  type TimelineEvent,
} from "../types.js";
import { SPEC18_FEATURES, type Spec18Features } from "./features.js";
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
  (steps: number, faults: FaultPlan, policies: readonly string[], features: Spec18Features) => fc.Arbitrary<Plan>
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
  mix: (steps, faults, _policies, features) => {
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
  /** Spec 18's features the mix draws (default: what the kernel has landed, `SPEC18_FEATURES`). */
  readonly features?: Spec18Features | undefined;
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
  const plan = sampleOne(
    scenarios[scenario](steps, faults, options.policies, options.features ?? SPEC18_FEATURES),
    seed,
  );
  const faultEvents = sampleOne(faultEventsArb(plan, faults), seed ^ 0xe7e7);
  const installs = plan.programs.map((program): TimelineEvent => ({ at: plan.start ?? 0, kind: "install", program }));
  // Stable sort by time: installs first, then commands in the order they were drawn.
  const events = [...installs, ...plan.events, ...faultEvents]
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.at - b.event.at || a.index - b.index)
    .map(({ event }) => event);
  return { version: 1, seed, scenario, steps, faults, policies: [...options.policies], events };
};

// -----------------------------------------------------------------------------
// Spec 18 in the mix: overlap and buffers, maxRuns, startAt and endAt on programs and spawn
// options, pauses and resumes (short ones, and ones longer than the catch-up window), and
// the new malformed commands. Each feature only when its switch is on.

interface Spec18Drawn {
  readonly overlap: SpawnOptsDescriptor["overlap"];
  readonly bufferLimit: number | undefined;
  readonly maxRuns: number | undefined;
  readonly startAt: number | undefined;
  readonly endIn: number | undefined;
  readonly catchUpWindow: number | undefined;
  readonly jitter: number | undefined;
}

const overlapArb = fc.constantFrom(
  "allow" as const,
  "skip" as const,
  "buffer-one" as const,
  "buffer-all" as const,
  "cancel-other" as const,
);

/** A value of `arbitrary` in `tenths` of the draws (out of ten), else undefined; always undefined when off. */
const maybe = <T>(on: boolean, arbitrary: fc.Arbitrary<T>, tenths = 5): fc.Arbitrary<T | undefined> =>
  on
    ? fc.oneof(
        { weight: 10 - tenths, arbitrary: fc.constant(undefined) },
        { weight: tenths, arbitrary: arbitrary.map((value): T | undefined => value) },
      )
    : fc.constant(undefined);

const spec18ProgramArb = (features: Spec18Features, horizon: number): fc.Arbitrary<Spec18Drawn> =>
  fc.record({
    overlap: maybe(features.overlap, overlapArb, 7),
    bufferLimit: maybe(features.overlap, fc.integer({ min: 1, max: 3 }), 6),
    maxRuns: maybe(features.maxRuns, fc.integer({ min: 1, max: 12 }), 2),
    startAt: maybe(features.startAt, fc.integer({ min: 0, max: Math.max(1, Math.floor(horizon / 3)) }), 2),
    endIn: maybe(features.endAt, fc.integer({ min: 1, max: Math.max(2, horizon) }), 3),
    // Small windows, so that some pauses outlast them (and report missed due times on resume).
    catchUpWindow: maybe(features.pause, fc.integer({ min: 20, max: 2_000 }), 4),
    // Up to 40 ms: often more than a short interval allows (the kernel bounds it by the gap).
    jitter: maybe(
      features.jitter,
      fc.oneof(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 5, noNaN: true })),
      3,
    ),
  });

/**
 * A program's spec 18 fields: overlap only on constant and cron programs. On an aligned grid
 * (timeFn) too: its first due time moves on to the first grid point at or after startAt.
 */
const spec18Of = (drawn: Spec18Drawn, type: ProgramDescriptor["type"]): Partial<ProgramDescriptor> => {
  const startAt = drawn.startAt;
  return {
    ...(drawn.overlap === undefined || type === "basic" ? {} : { overlap: drawn.overlap }),
    ...(drawn.bufferLimit === undefined || type === "basic" ? {} : { bufferLimit: drawn.bufferLimit }),
    ...(drawn.maxRuns === undefined ? {} : { maxRuns: drawn.maxRuns }),
    ...(startAt === undefined ? {} : { startAt }),
    ...(drawn.endIn === undefined ? {} : { endAt: (startAt ?? 0) + drawn.endIn }),
    ...(drawn.catchUpWindow === undefined ? {} : { catchUpWindow: drawn.catchUpWindow }),
    ...(drawn.jitter === undefined ? {} : { jitter: drawn.jitter }),
  };
};

type Spec18Event =
  | { readonly kind: "spawn"; readonly at: number; readonly programId: string; readonly opts: SpawnOptsDescriptor }
  | {
      readonly kind: "pause";
      readonly at: number;
      readonly programId: string;
      readonly pick: number | undefined;
      readonly note: string | undefined;
      /** The resume that ends it, this many ms later (undefined: a pause left on, or a resume alone). */
      readonly length: number | undefined;
      readonly resumeOnly: boolean;
    }
  | { readonly kind: "bad"; readonly at: number; readonly programId: string; readonly bad: Spec18BadCommand }
  | {
      readonly kind: "backfill";
      readonly at: number;
      readonly programId: string;
      readonly ago: number;
      readonly span: number;
      readonly overlap: SpawnOptsDescriptor["overlap"];
    };

const spec18EventsArb = (
  features: Spec18Features,
  steps: number,
  horizon: number,
  id: fc.Arbitrary<string>,
): fc.Arbitrary<readonly Spec18Event[]> => {
  const when = fc.integer({ min: 1, max: Math.max(1, Math.floor(horizon)) });
  const limitsOn = features.overlap || features.maxRuns || features.startAt || features.endAt || features.jitter;
  const options: { weight: number; arbitrary: fc.Arbitrary<Spec18Event> }[] = [];
  if (limitsOn) {
    const opts = fc
      .record({
        overlap: maybe(features.overlap, overlapArb, 6),
        bufferLimit: maybe(features.overlap, fc.integer({ min: 1, max: 3 }), 5),
        maxRuns: maybe(features.maxRuns, fc.integer({ min: 1, max: 8 }), 3),
        jitter: maybe(features.jitter, fc.integer({ min: 1, max: 30 }), 2),
        startIn: maybe(
          features.startAt,
          fc.oneof(
            { weight: 1, arbitrary: fc.integer({ min: -200, max: 0 }) },
            { weight: 3, arbitrary: fc.integer({ min: 1, max: Math.max(1, Math.floor(horizon / 4)) }) },
          ),
          3,
        ),
        // An end at or before the spawn's time: the spawn stops in the dispatch that made it.
        endIn: maybe(
          features.endAt,
          fc.oneof(
            { weight: 1, arbitrary: fc.integer({ min: -100, max: 0 }) },
            { weight: 4, arbitrary: fc.integer({ min: 1, max: Math.max(1, Math.floor(horizon / 2)) }) },
          ),
          3,
        ),
      })
      .map((drawn): SpawnOptsDescriptor => {
        // endAt after startAt, mostly: an end before the start is a bad command's business.
        const endIn =
          drawn.endIn !== undefined && drawn.startIn !== undefined && drawn.endIn <= drawn.startIn
            ? drawn.startIn + 1 + Math.abs(drawn.endIn)
            : drawn.endIn;
        return {
          ...(drawn.overlap === undefined ? {} : { overlap: drawn.overlap }),
          ...(drawn.bufferLimit === undefined ? {} : { bufferLimit: drawn.bufferLimit }),
          ...(drawn.maxRuns === undefined ? {} : { maxRuns: drawn.maxRuns }),
          ...(drawn.jitter === undefined ? {} : { jitter: drawn.jitter }),
          ...(drawn.startIn === undefined ? {} : { startIn: drawn.startIn }),
          ...(endIn === undefined ? {} : { endIn }),
        };
      });
    options.push({
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant("spawn" as const), at: when, programId: id, opts }),
    });
  }
  if (features.pause) {
    options.push({
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("pause" as const),
        at: when,
        programId: id,
        pick: fc.option(fc.nat({ max: 10 }), { nil: undefined }),
        note: fc.option(fc.constantFrom("deploy", "maintenance", "", "quota exceeded"), { nil: undefined }),
        // Short pauses, and ones longer than a catch-up window (up to 2 s in the mix).
        length: maybe(true, fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 500, max: 8_000 })), 8),
        resumeOnly: fc.constant(false),
      }),
    });
    options.push({
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("pause" as const),
        at: when,
        programId: id,
        pick: fc.option(fc.nat({ max: 10 }), { nil: undefined }),
        note: fc.constant(undefined),
        length: fc.constant(undefined),
        resumeOnly: fc.constant(true),
      }),
    });
  }
  if (features.backfill) {
    options.push({
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("backfill" as const),
        at: when,
        programId: id,
        // Sometimes in the future (refused), sometimes over more due times than the buffer allows.
        ago: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 0, max: 500 }) },
          { weight: 2, arbitrary: fc.constant(0) },
          { weight: 1, arbitrary: fc.integer({ min: -100, max: -1 }) },
        ),
        span: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 200, max: 20_000 })),
        overlap: maybe(true, overlapArb, 7),
      }),
    });
  }
  const bads = spec18BadCommands.filter((name) =>
    name.startsWith("pause") || name.startsWith("resume") ? features.pause : limitsOn,
  );
  if (bads.length > 0) {
    options.push({
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("bad" as const),
        at: when,
        programId: id,
        bad: fc.constantFrom(...bads),
      }),
    });
  }
  if (options.length === 0) return fc.constant([]);
  // A floor on the count: fast-check's default size would keep the list to a handful.
  return fc.array(fc.oneof(...options), { minLength: Math.ceil(steps / 80), maxLength: Math.ceil(steps / 15) });
};

/** The drawn spec 18 events as timeline events (a spawn's options fitted to its program's type). */
const spec18Events = (drawn: readonly Spec18Event[], programs: readonly ProgramDescriptor[]): TimelineEvent[] =>
  drawn.flatMap((event): TimelineEvent[] => {
    switch (event.kind) {
      case "spawn": {
        const program = programs.find((each) => each.id === event.programId);
        const { overlap, bufferLimit, ...rest } = event.opts;
        // Overlap on a basic program is a bad command's business.
        const keepsOverlap = program?.type !== "basic";
        const opts: SpawnOptsDescriptor = {
          ...rest,
          ...(keepsOverlap && overlap !== undefined ? { overlap } : {}),
          ...(keepsOverlap && bufferLimit !== undefined ? { bufferLimit } : {}),
        };
        return [{ at: event.at, kind: "spawn", programId: event.programId, opts }];
      }
      case "pause": {
        const pick = event.pick === undefined ? {} : { pick: event.pick };
        if (event.resumeOnly) return [{ at: event.at, kind: "resume", programId: event.programId, ...pick }];
        const pause: TimelineEvent = {
          at: event.at,
          kind: "pause",
          programId: event.programId,
          ...pick,
          ...(event.note === undefined ? {} : { note: event.note }),
        };
        if (event.length === undefined) return [pause];
        return [pause, { at: event.at + event.length, kind: "resume", programId: event.programId, ...pick }];
      }
      case "backfill": {
        // Mostly a program with due times (a basic one is refused); the rest as drawn.
        const drawnProgram = programs.find((each) => each.id === event.programId);
        const timed = programs.filter((each) => each.type !== "basic");
        const target =
          drawnProgram?.type === "basic" && timed.length > 0 && event.span % 4 !== 0
            ? (timed[event.span % timed.length] as ProgramDescriptor).id
            : event.programId;
        return [
          {
            at: event.at,
            kind: "backfill",
            programId: target,
            ago: event.ago,
            span: event.span,
            ...(event.overlap === undefined ? {} : { overlap: event.overlap }),
          },
        ];
      }
      default:
        return [{ at: event.at, kind: "bad", bad: event.bad, programId: event.programId }];
    }
  });
