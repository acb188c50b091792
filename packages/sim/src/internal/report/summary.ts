/**
 * The report's summary table: one row per run (pass or fail, counts, jitter
 * percentiles, trace hash), each linking to the run's section, and the
 * pass/fail mark the table and the sections share.
 */
import type { SimResult } from "../../types.js";
import { escapeHtml, formatDuration, formatNumber } from "./text.js";

/** The run's ✓ pass or ✗ fail mark (HTML). */
export const passMark = (result: SimResult): string =>
  result.violations.length === 0
    ? '<span class="mark pass" title="every check held">✓ pass</span>'
    : `<span class="mark fail" title="${result.violations.length} violation${result.violations.length === 1 ? "" : "s"}">✗ fail</span>`;

/** The table of every run, one row each, linking to `#run-<index>`. */
export const summaryTable = (results: readonly SimResult[]): string => {
  const head = [
    "",
    "Scenario",
    "Seed",
    "Steps",
    "Jobs",
    "Simulated",
    "Events/s",
    "Violations",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "Max ms",
    "Drift ms",
    "Trace",
  ]
    .map((h) => `<th scope="col">${h}</th>`)
    .join("");
  const rows = results.map((result, i) => {
    const { stats, jitter } = result;
    const cells = [
      `<td>${passMark(result)}</td>`,
      `<td class="text"><a href="#run-${i}">${escapeHtml(String(result.scenario))}</a></td>`,
      `<td>${escapeHtml(String(result.seed))}</td>`,
      `<td>${formatNumber(stats.steps, 0)}</td>`,
      `<td>${formatNumber(stats.jobs, 0)}</td>`,
      `<td>${formatDuration(stats.simulatedMs)}</td>`,
      `<td>${formatNumber(stats.eventsPerSecond, 0)}</td>`,
      `<td class="${result.violations.length > 0 ? "bad" : ""}">${result.violations.length}</td>`,
      `<td>${formatNumber(jitter.p50)}</td>`,
      `<td>${formatNumber(jitter.p90)}</td>`,
      `<td>${formatNumber(jitter.p99)}</td>`,
      `<td>${formatNumber(jitter.max)}</td>`,
      `<td>${formatNumber(result.drift)}</td>`,
      `<td class="text"><code title="${escapeHtml(result.traceHash)}">${escapeHtml(result.traceHash.slice(0, 12))}</code></td>`,
    ];
    return `<tr class="${result.violations.length === 0 ? "pass" : "fail"}">${cells.join("")}</tr>`;
  });
  return `<table class="summary">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join("\n")}\n</tbody>\n</table>`;
};
