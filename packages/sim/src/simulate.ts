import { SchedkitError, type SpawnSet, type SpawnView, type UnspawnPolicy } from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import * as Cause from "effect/Cause";
import * as Exit from "effect/Exit";
import * as Schema from "effect/Schema";
import * as SchemaIssue from "effect/SchemaIssue";
import { TRACE_HASH_VERSION } from "./internal/effectHash.js";
import { type EngineRun, kernelOptionsFor, runTimeline } from "./internal/engine.js";
import { generateTimeline } from "./internal/generate.js";
import { createReferenceModel } from "./internal/referenceModel.js";
import { histogramOf, jitterOf } from "./internal/stats.js";
import { eventKinds, TimelineSchema } from "./internal/timelineSchema.js";
import {
  type ChecksMode,
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
  /**
   * One of the guide's scenarios, "mix", "hostile" or "policy-churn". Default: drawn from the
   * seed; with custom `policies`, "policy-churn" (hundreds of spawns and heavy spawn/unspawn churn).
   */
  readonly scenario?: ScenarioName;
  /** Kernel dispatches to run. Default 2,000. */
  readonly steps?: number;
  /** Default "swarm": each seed switches fault families on or off. */
  readonly faults?: FaultsOption;
  /** Replace the built-in policies (lifo, fifo); the first is every program's default. */
  readonly policies?: readonly UnspawnPolicy[];
  /** Shrink a failing timeline to a small one (in `result.shrunk`). Default true. */
  readonly shrink?: boolean;
  /**
   * `"full"` (the default): the reference model, every invariant and snapshot check, and a
   * second run compared for determinism. `"determinism-only"`, for sweeps of many seeds: every
   * seed still runs twice and a different trace is a `determinism` violation, but the reference
   * model and the invariant checks are off (a sweep's failing seed can then be run in full).
   * @since 0.3.0
   */
  readonly checks?: ChecksMode;
}

/** A run's result, plus the shrunk timeline when a check broke. @since 0.1.0 */
export interface SimulateResult extends SimResult {
  /**
   * The smallest timeline found that still breaks the first broken check, with the
   * `traceHash` of its run recorded. Only given when it breaks that check on every one
   * of `REPRODUCE_RUNS` replays; otherwise see `unreproducible`.
   */
  readonly shrunk?: Timeline;
  /**
   * Set when the shrunk timeline did not break the check on every replay: the failure
   * is not reproducible (a policy that answers differently for the same view, or that
   * reads a clock or randomness), so no timeline is offered.
   */
  readonly unreproducible?: { readonly runs: number; readonly failed: number; readonly reason: string };
}

/** How many times a shrunk timeline is replayed before it is offered: it must fail every time. */
export const REPRODUCE_RUNS = 10;

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
  if (options.checks !== undefined && options.checks !== "full" && options.checks !== "determinism-only") {
    throw invalid("options.checks", `expected "full" or "determinism-only", got ${JSON.stringify(options.checks)}`);
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

const VIEW_FIELDS = ["startedAt", "inFlight", "submitted", "succeeded", "errored", "completed"] as const;

const viewText = (view: SpawnView): string => {
  try {
    return `${view.id} {${VIEW_FIELDS.map((field) => `${field}: ${String(view[field])}`).join(", ")}}`;
  } catch {
    return "(a view that cannot be shown)";
  }
};

const answerText = (answer: { value: unknown } | { threw: unknown }): string => {
  try {
    return "value" in answer
      ? answer.value === undefined
        ? "undefined"
        : JSON.stringify(answer.value)
      : `a throw (${answer.threw instanceof Error ? answer.threw.message : String(answer.threw)})`;
  } catch {
    return "(an answer that cannot be shown)";
  }
};

/**
 * Wraps policies so that every `select` is asked twice on the same set: two different
 * answers for the same view name the policy as non-deterministic (the first is kept,
 * the first difference recorded).
 */
const probePolicies = (
  policies: readonly UnspawnPolicy[],
): { policies: UnspawnPolicy[]; found: () => { policy: string; message: string } | undefined } => {
  let found: { policy: string; message: string } | undefined;
  const ask = (policy: UnspawnPolicy, spawns: SpawnSet): { value: string | undefined } | { threw: unknown } => {
    try {
      return { value: policy.select(spawns) };
    } catch (threw) {
      return { threw };
    }
  };
  const wrapped = policies.map(
    (policy): UnspawnPolicy => ({
      name: policy.name,
      select: (spawns) => {
        const first = ask(policy, spawns);
        if (found === undefined) {
          const second = ask(policy, spawns);
          const same = "value" in first ? "value" in second && Object.is(first.value, second.value) : "threw" in second;
          if (!same) {
            const views = [...spawns].slice(0, 8).map(viewText);
            const more = spawns.size > 8 ? `, … ${spawns.size - 8} more` : "";
            found = {
              policy: policy.name,
              message: `policy "${policy.name}" answered differently for the same view: ${answerText(first)}, then ${answerText(second)}, for the ${spawns.size} running spawn(s) [${views.join(", ")}${more}]. A policy must be a pure function of the views (no Math.random, no clock, no state kept between calls)`,
            };
          }
        }
        if ("threw" in first) throw first.threw;
        return first.value;
      },
    }),
  );
  return { policies: wrapped, found: () => found };
};

/**
 * The hash scheme of a timeline's runs: a timeline that records a `traceHash` without a
 * `traceHashVersion` was recorded by an older simulator (version 1, SHA-256 of each effect's
 * JSON): its runs hash that way, so the recorded hash still compares. Every other run: version 2.
 */
const hashVersionOf = (timeline: Timeline): 1 | 2 =>
  timeline.traceHash !== undefined && timeline.traceHashVersion === undefined ? 1 : TRACE_HASH_VERSION;

/** A timeline with the trace hash of its run recorded, and how that hash was computed. */
export const recordTraceHash = (timeline: Timeline, traceHash: string): Timeline => {
  const { traceHashVersion: _version, ...rest } = timeline;
  return hashVersionOf(timeline) === 1
    ? { ...rest, traceHash }
    : { ...rest, traceHash, traceHashVersion: TRACE_HASH_VERSION };
};

/**
 * Runs a timeline twice: a different trace the second time is non-determinism (a policy drawing
 * randomness, say). With full checks, the first run is checked against the invariants and the
 * reference model, and asks every policy twice per select, to name a policy that answers
 * differently for the same view (its check is `policy-deterministic`; the model differences it
 * causes are left out); the second run only hashes its trace (its checks would repeat the
 * first's). With `determinism-only`, both runs only hash their traces.
 */
const execute = (
  timeline: Timeline,
  given: readonly UnspawnPolicy[],
  mode: ChecksMode = "full",
): { run: EngineRun; violations: Violation[]; wallMs: number; nondeterministic?: string } => {
  const traceHashVersion = hashVersionOf(timeline);
  const started = performance.now();
  const full = mode === "full";
  const probe = full ? probePolicies(given) : undefined;
  const policies = probe?.policies ?? given;
  const run = full
    ? runTimeline({
        timeline,
        policies,
        oracle: createReferenceModel(kernelOptionsFor(timeline, policies)),
        traceHashVersion,
      })
    : runTimeline({ timeline, policies, checks: false, traceHashVersion });
  const wallMs = performance.now() - started;
  const again = runTimeline({ timeline, policies: given, checks: false, traceHashVersion });
  const found = probe?.found();
  const firstModel = run.violations.find((violation) => violation.check === "model");
  const violations =
    found === undefined
      ? [...run.violations]
      : [
          {
            check: "policy-deterministic",
            message: found.message,
            seed: timeline.seed,
            at: firstModel?.at ?? 0,
            step: firstModel?.step ?? 0,
          },
          ...run.violations.filter((violation) => violation.check !== "model"),
        ];
  if (again.traceHash !== run.traceHash) {
    violations.push({
      check: "determinism",
      message: `the same timeline gave two traces (${run.traceHash.slice(0, 12)} then ${again.traceHash.slice(0, 12)}): something drew randomness or read a clock (a policy?)`,
      seed: timeline.seed,
      at: 0,
      step: 0,
    });
  }
  return { run, violations, wallMs, ...(found === undefined ? {} : { nondeterministic: found.message }) };
};

const resultOf = (timeline: Timeline, executed: ReturnType<typeof execute>, mode: ChecksMode): SimResult => {
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
    checksMode: mode,
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
    // Custom policies get the scenario that exercises a policy, as on the command line.
    scenario: options.scenario ?? (options.policies === undefined ? undefined : "policy-churn"),
    steps: options.steps ?? 2_000,
    faults: options.faults ?? "swarm",
    policies: policies.map((policy) => policy.name),
  });
  const mode = options.checks ?? "full";
  const result = resultOf(timeline, execute(timeline, policies, mode), mode);
  const first = result.violations[0];
  if (first === undefined || options.shrink === false) return result;
  const shrunk = shrinkWith(timeline, { policies, check: first.check }, mode);
  // Offer the shrunk timeline only if it breaks the same check on every replay.
  let failed = 0;
  let traceHash: string | undefined;
  let why: string | undefined;
  const hashes = new Set<string>();
  for (let attempt = 0; attempt < REPRODUCE_RUNS; attempt++) {
    const executed = execute(shrunk, policies, mode);
    traceHash ??= executed.run.traceHash;
    hashes.add(executed.run.traceHash);
    why ??= executed.nondeterministic;
    if (executed.violations.some((violation) => violation.check === first.check)) failed++;
  }
  if (failed === REPRODUCE_RUNS && traceHash !== undefined && hashes.size === 1) {
    return { ...result, shrunk: recordTraceHash(shrunk, traceHash) };
  }
  const reason =
    why ??
    result.violations.find((violation) => violation.check === "policy-deterministic")?.message ??
    (hashes.size > 1
      ? `its replays gave ${hashes.size} different traces: something drew randomness or read a clock (a policy?)`
      : `the "${first.check}" check broke in the full run but not on every replay of the shrunk timeline`);
  return { ...result, unreproducible: { runs: REPRODUCE_RUNS, failed, reason } };
};

const formatter = SchemaIssue.makeFormatterStandardSchemaV1();

const refuse = (field: string, message: string): never => {
  throw new SchedkitError("invalid-options", `${field}: ${message}`, { field });
};

/** An unknown event kind is named with every kind there is (the schema's union would name only some). */
const checkKinds = (input: unknown): void => {
  if (typeof input !== "object" || input === null) return;
  const events = (input as { events?: unknown }).events;
  if (!Array.isArray(events)) return;
  events.forEach((event: unknown, index) => {
    if (typeof event !== "object" || event === null) return;
    const kind = (event as { kind?: unknown }).kind;
    if (!(eventKinds as readonly unknown[]).includes(kind)) {
      refuse(
        `timeline.events[${index}].kind`,
        `expected one of ${eventKinds.join(", ")}; got ${kind === undefined ? "nothing" : JSON.stringify(kind)}`,
      );
    }
  });
};

/** Events must come in time order (the simulator writes them so; a hand-edited file may not). */
const checkOrder = (timeline: Timeline): void => {
  timeline.events.forEach((event, index) => {
    const before = timeline.events[index - 1];
    if (before !== undefined && event.at < before.at) {
      refuse(
        `timeline.events[${index}].at`,
        `events must be in time order, but this one (${event.kind} at ${event.at}) comes after ${before.kind} at ${before.at}`,
      );
    }
  });
};

/**
 * Checks that a value is a timeline (as loaded from a file), naming the first wrong field.
 * An unknown event kind is named with the list of every kind; events out of time order are refused.
 * @since 0.1.0
 */
export const decodeTimeline = (input: unknown): Timeline => {
  checkKinds(input);
  const timeline = decodeShape(input);
  checkOrder(timeline);
  return timeline;
};

const decodeShape = (input: unknown): Timeline => {
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
 * When the timeline records the `traceHash` of the run it was saved from (failure
 * files do), a different trace now is a `trace-hash` violation, listed first: the
 * timeline was recorded with a different policy (one of the same name) or kernel,
 * so what it showed may not show now.
 *
 * @since 0.1.0
 */
export const replay = (
  timeline: unknown,
  options: { readonly policies?: readonly UnspawnPolicy[] } = {},
): SimResult => {
  const checked = decodeTimeline(timeline);
  const result = resultOf(checked, execute(checked, policiesFor(checked, options.policies)), "full");
  const recorded = checked.traceHash;
  if (recorded === undefined || recorded === result.traceHash) return result;
  const mismatch: Violation = {
    check: "trace-hash",
    message: `this timeline was recorded with a different policy or kernel: trace ${result.traceHash.slice(0, 16)} != recorded ${recorded.slice(0, 16)} (policies: ${checked.policies.join(", ")})`,
    seed: checked.seed,
    at: 0,
    step: 0,
  };
  return { ...result, violations: [mismatch, ...result.violations] };
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
): Timeline => shrinkWith(timeline, options, "full");

/** `shrinkTimeline`, with the checks of the run that failed. */
const shrinkWith = (
  timeline: Timeline,
  options: { readonly policies?: readonly UnspawnPolicy[]; readonly check?: string; readonly budget?: number },
  mode: ChecksMode,
): Timeline => {
  const policies = policiesFor(timeline, options.policies);
  let budget = options.budget ?? 300;
  const breaks = (candidate: Timeline): Violation | undefined => {
    budget--;
    const { violations } = execute(candidate, policies, mode);
    return violations.find((violation) => options.check === undefined || violation.check === options.check);
  };
  const { traceHash: _recorded, traceHashVersion: _version, ...unrecorded } = timeline;
  let current: Timeline = unrecorded;
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
