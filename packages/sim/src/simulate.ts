import { SchedkitError, type UnspawnPolicy } from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import { Cause, Exit, Schema, SchemaIssue } from "effect";
import { type EngineRun, kernelOptionsFor, runTimeline } from "./internal/engine.js";
import { generateTimeline } from "./internal/generate.js";
import { createReferenceModel } from "./internal/referenceModel.js";
import { histogramOf, jitterOf } from "./internal/stats.js";
import { TimelineSchema } from "./internal/timelineSchema.js";
import {
  type FaultsOption,
  type ScenarioName,
  type SimResult,
  scenarioNames,
  type Timeline,
  type Violation,
} from "./types.js";

/** Options for `simulate`. @since 0.1.0 */
export interface SimulateOptions {
  /** Required: the same seed gives the same timeline and the same trace. */
  readonly seed: number;
  /** One of the guide's scenarios or "mix". Default: drawn from the seed. */
  readonly scenario?: ScenarioName;
  /** Kernel dispatches to run. Default 2,000. */
  readonly steps?: number;
  /** Default "swarm": each seed switches fault families on or off. */
  readonly faults?: FaultsOption;
  /** Replace the built-in policies (lifo, fifo); the first is every program's default. */
  readonly policies?: readonly UnspawnPolicy[];
  /** Shrink a failing timeline to a small one (in `result.shrunk`). Default true. */
  readonly shrink?: boolean;
}

/** A run's result, plus the shrunk timeline when a check broke. @since 0.1.0 */
export interface SimulateResult extends SimResult {
  /** The smallest timeline found that still breaks the first broken check. */
  readonly shrunk?: Timeline;
}

const builtInPolicies = (): UnspawnPolicy[] => [lifo(), fifo()];

const invalid = (field: string, message: string) =>
  new SchedkitError("invalid-options", `${field}: ${message}`, { field });

const checkOptions = (options: SimulateOptions): void => {
  if (typeof options !== "object" || options === null) throw invalid("options", "expected an object with a seed");
  if (!Number.isInteger(options.seed))
    throw invalid("options.seed", `expected an integer, got ${String(options.seed)}`);
  if (options.scenario !== undefined && !scenarioNames.includes(options.scenario)) {
    throw invalid(
      "options.scenario",
      `expected one of ${scenarioNames.join(", ")}, got ${JSON.stringify(options.scenario)}`,
    );
  }
  if (options.steps !== undefined && (!Number.isInteger(options.steps) || options.steps < 1)) {
    throw invalid("options.steps", `expected a whole number >= 1, got ${String(options.steps)}`);
  }
  const faults = options.faults;
  if (
    faults !== undefined &&
    faults !== "none" &&
    faults !== "swarm" &&
    (typeof faults !== "object" || faults === null)
  ) {
    throw invalid("options.faults", `expected "none", "swarm" or an object of families, got ${JSON.stringify(faults)}`);
  }
};

/** The policies for a timeline: the caller's, else the built-ins; every name the timeline uses must be there. */
const policiesFor = (timeline: Timeline, given: readonly UnspawnPolicy[] | undefined): readonly UnspawnPolicy[] => {
  const available = given ?? builtInPolicies();
  const byName = new Map(available.map((policy) => [policy.name, policy]));
  const ordered = timeline.policies.map((name) => {
    const policy = byName.get(name);
    if (policy === undefined) {
      throw new SchedkitError(
        "unknown-policy",
        `timeline.policies: the run used a policy named "${name}"; pass it in options.policies`,
        {
          field: "timeline.policies",
        },
      );
    }
    return policy;
  });
  return ordered;
};

/** Runs a timeline twice: a different trace the second time is non-determinism (a policy drawing randomness, say). */
const execute = (
  timeline: Timeline,
  policies: readonly UnspawnPolicy[],
): { run: EngineRun; violations: Violation[]; wallMs: number } => {
  const started = performance.now();
  const run = runTimeline({ timeline, policies, oracle: createReferenceModel(kernelOptionsFor(timeline, policies)) });
  const wallMs = performance.now() - started;
  const again = runTimeline({ timeline, policies, deep: false });
  const violations = [...run.violations];
  if (again.traceHash !== run.traceHash) {
    violations.push({
      check: "determinism",
      message: `the same timeline gave two traces (${run.traceHash.slice(0, 12)} then ${again.traceHash.slice(0, 12)}): something drew randomness or read a clock (a policy?)`,
      seed: timeline.seed,
      at: 0,
      step: 0,
    });
  }
  return { run, violations, wallMs };
};

const resultOf = (timeline: Timeline, executed: ReturnType<typeof execute>): SimResult => {
  const { run, violations, wallMs } = executed;
  const all = [...run.lateness.basic, ...run.lateness.constant];
  const checks = { ...run.checks };
  if (!violations.some((violation) => violation.check === "determinism")) checks.determinism = 1;
  return {
    seed: timeline.seed,
    scenario: timeline.scenario,
    traceHash: run.traceHash,
    violations,
    jitter: jitterOf(all),
    lateness: all,
    jitterByType: { basic: jitterOf(run.lateness.basic), constant: jitterOf(run.lateness.constant) },
    histogram: histogramOf(all),
    drift: run.drift,
    spawns: run.spawns,
    checks,
    stats: {
      steps: run.steps,
      jobs: run.jobs,
      simulatedMs: run.simulatedMs,
      wallMs,
      eventsPerSecond: wallMs > 0 ? Math.round((run.steps / wallMs) * 1000) : run.steps,
    },
    timeline,
  };
};

/**
 * Runs one seeded simulation: generates the timeline (scenario, commands,
 * faults), runs it against the kernel in virtual time while checking the
 * invariants and comparing every effect with a reference model, runs it a
 * second time to check determinism, and measures lateness. On a violation the
 * timeline is shrunk (`result.shrunk`).
 *
 * @example
 * const result = simulate({ seed: 42, scenario: "worker-pool", steps: 10_000 });
 * result.violations; // [] when every check held
 * replay(result.timeline).traceHash === result.traceHash; // true
 *
 * @since 0.1.0
 */
export const simulate = (options: SimulateOptions): SimulateResult => {
  checkOptions(options);
  const policies = options.policies ?? builtInPolicies();
  if (policies.length === 0)
    throw invalid("options.policies", "give at least one policy, or leave it out for the built-ins");
  const timeline = generateTimeline({
    seed: options.seed,
    scenario: options.scenario,
    steps: options.steps ?? 2_000,
    faults: options.faults ?? "swarm",
    policies: policies.map((policy) => policy.name),
  });
  const result = resultOf(timeline, execute(timeline, policies));
  const first = result.violations[0];
  if (first === undefined || options.shrink === false) return result;
  return { ...result, shrunk: shrinkTimeline(timeline, { policies, check: first.check }) };
};

const formatter = SchemaIssue.makeFormatterStandardSchemaV1();

/** Checks that a value is a timeline (as loaded from a file), naming the first wrong field. @since 0.1.0 */
export const decodeTimeline = (input: unknown): Timeline => {
  const exit = Schema.decodeUnknownExit(TimelineSchema)(input, { onExcessProperty: "error", errors: "first" });
  if (Exit.isSuccess(exit)) return exit.value as Timeline;
  const issue = (Cause.squash(exit.cause) as { issue?: SchemaIssue.Issue }).issue;
  const first = issue === undefined ? undefined : formatter(issue).issues[0];
  const path = (first?.path ?? []).map((segment) =>
    typeof segment === "object" && segment !== null && "key" in segment ? segment.key : segment,
  );
  const field = path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`),
    "timeline",
  );
  throw new SchedkitError("invalid-options", `${field}: ${first?.message ?? "not a timeline"}`, { field });
};

/**
 * Runs a saved timeline again: the same timeline gives the same trace hash
 * and the same violations. The timeline is validated first. Pass the same
 * custom policies the run used, if any.
 *
 * @since 0.1.0
 */
export const replay = (
  timeline: unknown,
  options: { readonly policies?: readonly UnspawnPolicy[] } = {},
): SimResult => {
  const checked = decodeTimeline(timeline);
  return resultOf(checked, execute(checked, policiesFor(checked, options.policies)));
};

/**
 * Shrinks a failing timeline: removes events (halves, then quarters, down to
 * single events) while the given check still breaks, then lowers `steps` to
 * where it broke. Deterministic; at most `budget` runs.
 *
 * @since 0.1.0
 */
export const shrinkTimeline = (
  timeline: Timeline,
  options: { readonly policies?: readonly UnspawnPolicy[]; readonly check?: string; readonly budget?: number } = {},
): Timeline => {
  const policies = policiesFor(timeline, options.policies);
  let budget = options.budget ?? 300;
  const breaks = (candidate: Timeline): Violation | undefined => {
    budget--;
    const { violations } = execute(candidate, policies);
    return violations.find((violation) => options.check === undefined || violation.check === options.check);
  };
  let current = timeline;
  let failure = breaks(current);
  if (failure === undefined) return timeline;
  // ddmin over the events.
  let chunk = Math.max(1, Math.floor(current.events.length / 2));
  while (chunk >= 1 && budget > 0) {
    let removedAny = false;
    for (let start = 0; start < current.events.length && budget > 0; ) {
      const events = [...current.events.slice(0, start), ...current.events.slice(start + chunk)];
      const candidate = { ...current, events };
      const found = breaks(candidate);
      if (found !== undefined) {
        current = candidate;
        failure = found;
        removedAny = true;
      } else {
        start += chunk;
      }
    }
    if (!removedAny) chunk = Math.floor(chunk / 2);
  }
  // Stop the run just after the step that broke.
  if (failure !== undefined && budget > 0) {
    const shorter = { ...current, steps: Math.max(1, failure.step) };
    if (breaks(shorter) !== undefined) current = shorter;
  }
  return current;
};
