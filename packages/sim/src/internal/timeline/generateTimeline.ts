/**
 * The top of the generator: a seed's timeline, from its scenario (given, or drawn by the
 * seed), its fault plan, the scenario's plan and the fault events, sorted by time.
 */
import fc from "fast-check";
import { type FaultsOption, type ScenarioName, scenarioNames, type Timeline, type TimelineEvent } from "../../types.js";
import { SPEC18_FEATURES, type Spec18Features } from "../features.js";
import { sampleOne } from "./draw.js";
import { faultEventsArb } from "./faultEvents.js";
import { planFaults } from "./faultPlan.js";
import { scenarios } from "./scenarios.js";

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
