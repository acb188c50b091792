/** The report of a run or a replay: its text, its `--json` object and its `--report` file. */
import { resolve } from "node:path";
import { writeReport } from "../../files.js";
import type { SimulateResult } from "../../simulate.js";
import { type FaultFamily, faultFamilies, type Jitter, type SimResult } from "../../types.js";
import { canonical, TraceHash } from "../hash.js";
import { jitterOf } from "../stats.js";
import type { CliOptions } from "./simArgs.js";
import { command } from "./usage.js";

/** One run as the report lists it. */
export interface Run {
  readonly label: string;
  readonly result: SimulateResult | SimResult;
  readonly failureFile?: string;
  /** Replays: the trace hash the file recorded, if any. */
  readonly recorded?: string | null;
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, ""));
const jitterText = (jitter: Jitter) =>
  jitter.count === 0
    ? "no jobs"
    : `p50 ${ms(jitter.p50)} p90 ${ms(jitter.p90)} p99 ${ms(jitter.p99)} max ${ms(jitter.max)} ms`;
const duration = (value: number) =>
  value >= 3_600_000
    ? `${(value / 3_600_000).toFixed(1)} h`
    : value >= 60_000
      ? `${(value / 60_000).toFixed(1)} min`
      : `${(value / 1000).toFixed(1)} s`;
const familiesOn = (result: SimResult) =>
  faultFamilies.filter((family) => result.timeline.faults.families[family]).join(",") || "none";
const checksPassed = (result: SimResult) => Object.values(result.checks).reduce((sum, count) => sum + count, 0);

const summarise = (runs: readonly Run[], wallMs: number) => {
  const results = runs.map((run) => run.result);
  const combined = new TraceHash();
  for (const result of results) combined.addText(result.traceHash);
  // Exact percentiles over every job of the matching runs.
  const lateness = (filter: (result: SimResult) => boolean) =>
    jitterOf(results.filter(filter).flatMap((result) => result.lateness));
  return {
    // One run (a replay, one seed): its own trace, the one a failure file records; several: a hash of theirs.
    traceHash: results.length === 1 ? (results[0] as SimResult).traceHash : combined.digest(),
    violations: results.flatMap((result) =>
      result.violations.map((violation) => ({ ...violation, scenario: result.scenario })),
    ),
    jitter: lateness(() => true),
    jitterByFault: Object.fromEntries(
      faultFamilies.map((family) => [family, lateness((result) => result.timeline.faults.families[family])]),
    ) as Record<FaultFamily, Jitter>,
    checks: results.reduce((sum, result) => sum + checksPassed(result), 0),
    steps: results.reduce((sum, result) => sum + result.stats.steps, 0),
    wallMs,
  };
};

const text = (
  runs: readonly Run[],
  summary: ReturnType<typeof summarise>,
  policiesFlag: string | undefined,
): string => {
  const lines: string[] = [];
  if (runs.some(({ result }) => result.checksMode === "determinism-only")) {
    lines.push("schedkit-sim: seeded runs of the kernel in virtual time, checks: determinism-only (each run twice and");
    lines.push(
      "the traces compared; the reference model and the invariant checks were off: run a seed in full to check it).",
    );
  } else {
    lines.push("schedkit-sim: seeded runs of the kernel in virtual time, every step checked against the invariants");
    lines.push("and a reference model, each run twice for determinism.");
  }
  lines.push("");
  lines.push(
    `${"run".padEnd(16)} ${"scenario".padEnd(16)} ${"seed".padStart(5)} ${"steps".padStart(6)} ${"jobs".padStart(6)} ${"simulated".padStart(10)} ${"checks".padStart(8)}  result`,
  );
  const withPolicies = policiesFlag === undefined ? "" : ` --policies ${policiesFlag}`;
  for (const { label, result, failureFile, recorded } of runs) {
    const verdict = result.violations.length === 0 ? "ok" : `${result.violations.length} VIOLATION(S)`;
    lines.push(
      `${label.padEnd(16)} ${result.scenario.padEnd(16)} ${String(result.seed).padStart(5)} ${String(result.stats.steps).padStart(6)} ${String(result.stats.jobs).padStart(6)} ${duration(result.stats.simulatedMs).padStart(10)} ${String(checksPassed(result)).padStart(8)}  ${verdict}`,
    );
    lines.push(
      `${"".padEnd(17)}faults: ${familiesOn(result)}; lateness ${jitterText(result.jitter)}; grid drift ${ms(result.drift)} ms`,
    );
    if (recorded === null) {
      lines.push(
        `${"".padEnd(17)}note: this file records no trace hash (written by an older schedkit-sim), so this replay cannot tell whether it runs the policies and kernel it was recorded with`,
      );
    } else if (recorded !== undefined && recorded === result.traceHash) {
      lines.push(`${"".padEnd(17)}trace ${recorded.slice(0, 16)}: the same as when it was recorded`);
    }
    for (const violation of result.violations.slice(0, 3)) {
      lines.push(
        `  ✗ ${violation.check} at step ${violation.step} (t=${violation.at} ms): ${violation.message.split("\n")[0]}`,
      );
    }
    if (failureFile !== undefined) {
      lines.push(
        `  → shrunk timeline: ${failureFile}\n    reproduce: ${command()} replay ${failureFile}${withPolicies}`,
      );
    }
    const unreproducible = "unreproducible" in result ? result.unreproducible : undefined;
    if (unreproducible !== undefined) {
      lines.push(
        `  ✗ not reproducible: the shrunk timeline broke the check on ${unreproducible.failed} of ${unreproducible.runs} replays, so no timeline is offered: ${unreproducible.reason}`,
      );
    }
  }
  lines.push("");
  lines.push(`lateness over all jobs: ${jitterText(summary.jitter)}`);
  for (const family of faultFamilies) {
    const jitter = summary.jitterByFault[family];
    if (jitter.count > 0) lines.push(`  runs with ${family.padEnd(12)} ${jitterText(jitter)}`);
  }
  const perSecond = summary.wallMs > 0 ? Math.round((summary.steps / summary.wallMs) * 1000) : summary.steps;
  lines.push(
    `${runs.length} run${runs.length === 1 ? "" : "s"}, ${summary.steps} steps, ${summary.checks} checks passed, ${summary.violations.length} violations, ${perSecond.toLocaleString("en-US")} simulated events/s (each run twice), ${(summary.wallMs / 1000).toFixed(1)} s`,
  );
  lines.push(`trace ${summary.traceHash.slice(0, 16)}`);
  return lines.join("\n");
};

/** Prints the report of `runs` (text or `--json`, and the `--report` file); returns the exit code. */
export const report = (
  options: CliOptions,
  runs: readonly Run[],
  started: number,
  write: (line: string) => void,
): number => {
  const summary = summarise(runs, performance.now() - started);
  if (options.report !== undefined) {
    writeReport(
      runs.map((entry) => entry.result),
      options.report,
    );
  }
  if (options.json) {
    write(
      canonical({
        traceHash: summary.traceHash,
        violations: summary.violations,
        jitter: summary.jitter,
        jitterByFault: summary.jitterByFault,
        runs: runs.map(({ result, failureFile, recorded }) => ({
          scenario: result.scenario,
          seed: result.seed,
          traceHash: result.traceHash,
          violations: result.violations,
          jitter: result.jitter,
          jitterByType: result.jitterByType,
          drift: result.drift,
          checksMode: result.checksMode ?? "full",
          faults: result.timeline.faults.families,
          stats: result.stats,
          ...(failureFile === undefined ? {} : { failureFile }),
          ...(recorded === undefined ? {} : { recordedTraceHash: recorded }),
          ...("unreproducible" in result && result.unreproducible !== undefined
            ? { unreproducible: result.unreproducible }
            : {}),
        })),
      }),
    );
  } else {
    write(text(runs, summary, options.policies));
    if (options.report !== undefined) write(`report: ${resolve(options.report)}`);
  }
  return summary.violations.length === 0 ? 0 : 1;
};
