/** The fleet's `--report` HTML file, and printing a finished fleet run (text or `--json`). */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { escapeHtml } from "../htmlReport.js";
import { hardCases, type SeedRun, type Summary } from "./fleetSummary.js";
import { counter, families, fmt, json, label, others, seconds } from "./fleetText.js";

/** The HTML report: the coverage table and one row per seed; inline CSS, no scripts, no network. */
const renderFleetReport = (runs: readonly SeedRun[], summary: Summary, heading: string): string => {
  const cell = (value: string | number, className = "") =>
    `<td${className === "" ? "" : ` class="${className}"`}>${escapeHtml(typeof value === "number" ? fmt(value) : value)}</td>`;
  const coverageRows = [...hardCases.map(([key]): string => key), ...others(summary.coverage)]
    .map((key, index) => {
      const hard = index < hardCases.length;
      const value = counter(summary.coverage, key);
      return `<tr${hard ? ' class="hard"' : ""}><th>${escapeHtml(label(key))}${hard ? " (hard case)" : ""}</th>${cell(value, hard && value === 0 ? "bad" : "")}${cell(runs.filter((run) => counter(run.result.coverage, key) > 0).length)}</tr>`;
    })
    .join("\n");
  const seedRows = runs
    .map((run) => {
      const verdict =
        run.violations.length === 0
          ? "ok"
          : run.violations.map((violation) => `${violation.check} at step ${violation.step}`).join("; ");
      return `<tr>${cell(run.seed)}${cell(families(run.result.timeline))}${cell(run.result.events)}${cell(seconds(run.result.simulatedMs))}${hardCases
        .map(([key]) => cell(run.result.coverage[key]))
        .join(
          "",
        )}${cell(run.result.coverage.jobs)}${cell(run.result.traceHash)}${cell(run.secondTraceHash === run.result.traceHash ? "same" : "DIFFERENT", run.secondTraceHash === run.result.traceHash ? "" : "bad")}${cell(verdict, run.violations.length === 0 ? "" : "bad")}${cell(run.failureFile ?? "")}</tr>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>schedkit-sim fleet report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f4f4f4; text-align: left; }
tr.hard th { font-weight: bold; }
td.bad { background: #fbe3e4; color: #a00; font-weight: bold; }
code { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1>schedkit-sim fleet report</h1>
<p>${escapeHtml(heading)}</p>
<p>${escapeHtml(`${runs.length} seed${runs.length === 1 ? "" : "s"}, ${summary.violations} violations, ${fmt(summary.events)} events, determinism: ${summary.identical} of ${runs.length} seeds gave identical trace hashes twice; trace ${summary.traceHash.slice(0, 16)}`)}</p>
<h2>Coverage</h2>
<table>
<tr><th>counter</th><th>total</th><th>seeds where it happened</th></tr>
${coverageRows}
</table>
<p>${escapeHtml(summary.uncovered.length === 0 ? "Every hard case happened." : `Not covered: ${summary.uncovered.map(label).join(", ")}.`)}</p>
<h2>Seeds</h2>
<table>
<tr><th>seed</th><th>faults</th><th>events</th><th>simulated</th>${hardCases.map(([, name]) => `<th>${escapeHtml(name)}</th>`).join("")}<th>jobs</th><th>trace hash</th><th>second run</th><th>result</th><th>failure file</th></tr>
${seedRows}
</table>
</body>
</html>
`;
};

/** Writes the `--report` file and prints the report; returns the exit code (1: a check broke). */
export const finish = (
  runs: readonly SeedRun[],
  summary: Summary,
  options: { readonly json: boolean; readonly report: string | undefined },
  heading: string,
  fleet: Record<string, unknown>,
  text: string,
  write: (line: string) => void,
): number => {
  if (options.report !== undefined) writeFileSync(resolve(options.report), renderFleetReport(runs, summary, heading));
  if (options.json) write(json(runs, summary, fleet));
  else {
    write(text);
    if (options.report !== undefined) write(`report: ${resolve(options.report)}`);
  }
  return summary.violations === 0 ? 0 : 1;
};
