/** The fleet report as text (a sweep's, a replay's) and as one `--json` object. */
import { resolve } from "node:path";
import type { FleetCoverage, FleetFaults, FleetTimeline, FleetUnsafe } from "../../fleet/index.js";
import { canonical } from "../hash.js";
import type { FleetCliOptions } from "./fleetArgs.js";
import { hardCases, otherCounters, type SeedRun, type Summary } from "./fleetSummary.js";
import { command } from "./usage.js";

export const fmt = (value: number) => Math.round(value).toLocaleString("en-US");
const plural = (count: number, noun: string) => `${fmt(count)} ${noun}${count === 1 ? "" : "s"}`;
export const seconds = (ms: number) =>
  `${(ms / 1000).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} s`;
export const families = (timeline: FleetTimeline) => timeline.families.join(",") || "none";
const planted = (unsafe: FleetUnsafe | undefined) =>
  Object.entries(unsafe ?? {})
    .filter(([, on]) => on === true)
    .map(([name]) => name);
export const firstLine = (text: string) => text.split("\n")[0] ?? text;
export const label = (key: string) => [...hardCases, ...otherCounters].find(([name]) => name === key)?.[1] ?? key;
/** The counters besides the hard cases, in the order above, then any others by key. */
export const others = (coverage: FleetCoverage): string[] => {
  const hard: readonly string[] = hardCases.map(([key]) => key);
  const known: string[] = otherCounters.map(([key]) => key);
  const rest = Object.keys(coverage).filter((key) => !hard.includes(key) && !known.includes(key));
  return [...known.filter((key) => key in coverage), ...rest];
};
export const counter = (coverage: FleetCoverage, key: string) =>
  (coverage as unknown as Record<string, number>)[key] ?? 0;

const violationLines = (run: SeedRun): string[] => {
  const lines: string[] = [];
  for (const violation of run.violations.slice(0, 3)) {
    lines.push(
      `  ✗ ${violation.check} (seed ${run.seed}) at step ${violation.step} (t=${fmt(violation.at)} ms simulated): ${firstLine(violation.message)}`,
    );
  }
  if (run.violations.length > 3) lines.push(`  … and ${run.violations.length - 3} more`);
  if (run.failureFile !== undefined) {
    lines.push(`  → shrunk failure file: ${run.failureFile}`);
    lines.push(`    reproduce: ${command()} replay ${run.failureFile}`);
  }
  return lines;
};

const coverageLines = (summary: Summary, what: string): string[] => {
  const lines = [`coverage over ${what} (the hard cases):`];
  const width = Math.max(...hardCases.map(([, name]) => name.length));
  for (const [key, name] of hardCases) {
    const value = summary.coverage[key];
    lines.push(`  ${name.padEnd(width)} ${fmt(value).padStart(9)}${value === 0 ? "   ZERO: never happened" : ""}`);
  }
  lines.push(
    summary.uncovered.length === 0
      ? "  every hard case happened"
      : `  NOT COVERED: ${summary.uncovered.map(label).join(", ")} never happened, so these runs show nothing about ${summary.uncovered.length === 1 ? "it" : "them"}`,
  );
  lines.push(
    `  also: ${others(summary.coverage)
      .map((key) => `${label(key)} ${fmt(counter(summary.coverage, key))}`)
      .join(", ")}`,
  );
  return lines;
};

const determinismLine = (runs: readonly SeedRun[], summary: Summary): string =>
  summary.identical === runs.length
    ? `determinism: every seed ran twice with identical trace hashes (${summary.identical} of ${runs.length})`
    : `determinism: BROKEN: ${runs.length - summary.identical} of ${runs.length} seeds gave two different trace hashes (${runs
        .filter((run) => run.secondTraceHash !== run.result.traceHash)
        .map((run) => run.seed)
        .join(", ")})`;

export const faultsText = (faults: FleetFaults) => (typeof faults === "string" ? faults : faults.join(","));

export const runText = (options: FleetCliOptions, runs: readonly SeedRun[], summary: Summary): string => {
  const last = options.seed + options.seeds - 1;
  const lines: string[] = [];
  const bugs = planted(options.unsafe);
  lines.push(
    `schedkit-sim fleet: ${options.nodes} nodes, ${options.shards} shards on one model store; scenario ${options.scenario}, delivery ${options.delivery}, faults ${faultsText(options.faults)}${bugs.length > 0 ? `; planted bugs: ${bugs.join(", ")}` : ""}`,
  );
  lines.push(
    `${options.seeds} seed${options.seeds === 1 ? "" : "s"} (${options.seed}${options.seeds === 1 ? "" : `–${last}`}) × ${fmt(options.steps)} steps of 100 ms (faults in the first 70 %, then the fleet heals); every step checked, each seed run twice`,
  );
  const failing = runs.filter((run) => run.violations.length > 0);
  if (failing.length > 0) lines.push("");
  for (const run of failing) {
    lines.push(
      `seed ${run.seed}: ${run.violations.length} violation${run.violations.length === 1 ? "" : "s"} (faults ${families(run.result.timeline)})`,
    );
    lines.push(...violationLines(run));
  }
  lines.push("");
  lines.push(...coverageLines(summary, `${runs.length} seed${runs.length === 1 ? "" : "s"}`));
  lines.push(determinismLine(runs, summary));
  // With worker threads the shrinking is summed over them: its share of the wall time is taken as that over the threads.
  const simulatingMs = summary.wallMs - summary.shrinkMs / summary.threads;
  const perSecond = simulatingMs > 0 ? (summary.events * 1000) / simulatingMs : 0;
  const shrinking =
    summary.shrinkMs === 0
      ? ""
      : summary.threads === 1
        ? `, ${seconds(summary.shrinkMs)} of it shrinking`
        : `, ${seconds(summary.shrinkMs)} of the ${summary.threads} workers' time shrinking`;
  lines.push(
    `${plural(runs.length, "seed")}, ${plural(summary.violations, "violation")}${failing.length > 0 ? ` in ${plural(failing.length, "seed")}` : ""}, ${fmt(summary.events)} events, ${seconds(summary.simulatedMs)} simulated, ${seconds(summary.wallMs)}${shrinking} (${fmt(perSecond)} simulated events/s, each seed run twice)`,
  );
  lines.push(`trace ${summary.traceHash.slice(0, 16)}`);
  return lines.join("\n");
};

export const replayText = (file: string, run: SeedRun, summary: Summary): string => {
  const { timeline } = run.result;
  const bugs = planted(timeline.unsafe);
  const lines: string[] = [];
  lines.push(`schedkit-sim fleet replay ${resolve(file)}`);
  lines.push(
    `seed ${timeline.seed}: ${timeline.nodes} nodes, ${timeline.shards} shards, scenario ${timeline.scenario}, delivery ${timeline.delivery}, faults ${families(timeline)}; ${timeline.events.length} timeline events${bugs.length > 0 ? `; planted bugs: ${bugs.join(", ")}` : ""}`,
  );
  lines.push(
    run.violations.length === 0
      ? "result: ok, every check held"
      : `result: ${run.violations.length} violation${run.violations.length === 1 ? "" : "s"}`,
  );
  lines.push(...violationLines(run));
  if (run.recorded === null) {
    lines.push("note: this file records no trace hash, so this replay cannot tell whether it runs as it was recorded");
  } else if (run.recorded === run.result.traceHash) {
    lines.push(`trace ${run.result.traceHash}: the same as when it was recorded`);
  }
  lines.push("");
  lines.push(...coverageLines(summary, "this run"));
  lines.push(
    run.secondTraceHash === run.result.traceHash
      ? "determinism: ran twice with identical trace hashes"
      : `determinism: BROKEN: two runs gave ${run.result.traceHash} and ${run.secondTraceHash}`,
  );
  lines.push(
    `${fmt(run.result.events)} events, ${seconds(run.result.simulatedMs)} simulated, ${seconds(summary.wallMs)}`,
  );
  return lines.join("\n");
};

const runJson = (run: SeedRun) => ({
  seed: run.seed,
  traceHash: run.result.traceHash,
  secondTraceHash: run.secondTraceHash,
  families: run.result.timeline.families,
  events: run.result.events,
  simulatedMs: run.result.simulatedMs,
  coverage: run.result.coverage,
  violations: run.violations,
  ...(run.failureFile === undefined ? {} : { failureFile: run.failureFile }),
  ...(run.recorded === undefined ? {} : { recordedTraceHash: run.recorded }),
});

export const json = (runs: readonly SeedRun[], summary: Summary, fleet: Record<string, unknown>): string =>
  canonical({
    kind: "fleet",
    traceHash: summary.traceHash,
    fleet,
    seeds: runs.length,
    violations: runs.flatMap((run) =>
      run.violations.map((violation) => ({
        seed: run.seed,
        ...violation,
        ...(run.failureFile === undefined ? {} : { failureFile: run.failureFile }),
      })),
    ),
    coverage: summary.coverage,
    uncovered: summary.uncovered,
    determinism: { seeds: runs.length, identical: summary.identical },
    events: summary.events,
    simulatedMs: summary.simulatedMs,
    wallMs: Math.round(summary.wallMs),
    shrinkMs: Math.round(summary.shrinkMs),
    runs: runs.map(runJson),
  });
