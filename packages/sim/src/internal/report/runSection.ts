/**
 * One run's section of the report: its heading and figures, the lateness
 * histogram, the spawn timeline, the violations and checks that held, and the
 * fault families and policies it ran with.
 */
import { faultFamilies, type SimResult, type Violation } from "../../types.js";
import { histogramSvg } from "./histogram.js";
import { passMark } from "./summary.js";
import { escapeHtml, formatDuration, formatNumber } from "./text.js";
import { MAX_TIMELINE_BARS, timelineLegend, timelineSvg } from "./timeline.js";

const resultName = (result: SimResult): string =>
  `${escapeHtml(String(result.scenario))} · seed ${escapeHtml(String(result.seed))}`;

const violationsHtml = (violations: readonly Violation[]): string => {
  if (violations.length === 0) return '<p class="ok">✓ every check held</p>';
  const rows = violations.map(
    (v) =>
      `<tr><td class="text"><code>${escapeHtml(v.check)}</code></td><td class="text message">${escapeHtml(v.message)}</td><td>${formatNumber(v.at, 3)}</td><td>${formatNumber(v.step, 0)}</td></tr>`,
  );
  return `<table class="violations">\n<thead><tr><th scope="col">Check</th><th scope="col">Message</th><th scope="col">At (ms)</th><th scope="col">Step</th></tr></thead>\n<tbody>\n${rows.join("\n")}\n</tbody>\n</table>`;
};

const checksHtml = (checks: Readonly<Record<string, number>>): string => {
  const names = Object.keys(checks).sort();
  if (names.length === 0) return "";
  const items = names.map(
    (name) =>
      `<li><code>${escapeHtml(name)}</code> <span class="muted">×${formatNumber(checks[name] ?? 0, 0)}</span></li>`,
  );
  return `<p class="muted small">Checks held:</p><ul class="chips">${items.join("")}</ul>`;
};

const faultsHtml = (result: SimResult): string => {
  const { faults, policies } = result.timeline;
  const families = faults.families as Partial<Record<string, boolean>>;
  const on = faultFamilies.filter((family) => families[family] === true);
  const off = faultFamilies.filter((family) => families[family] !== true);
  const parts: string[] = [];
  parts.push(
    on.length === 0
      ? "<p>No fault family was on.</p>"
      : `<ul class="chips">${on.map((family) => `<li class="chip on">${escapeHtml(family)}</li>`).join("")}</ul>`,
  );
  if (on.includes("lag")) {
    parts.push(
      `<p class="muted small">Lag: up to ${formatNumber(faults.lagMax)} ms, on ${formatNumber(faults.lagRate * 100, 1)}% of wakes.</p>`,
    );
  }
  if (off.length > 0) parts.push(`<p class="muted small">Off: ${off.map(escapeHtml).join(", ")}.</p>`);
  if (policies.length > 0) {
    parts.push(
      `<p class="muted small">Policies: ${policies.map((p) => `<code>${escapeHtml(p)}</code>`).join(", ")} (the first is the default).</p>`,
    );
  }
  return parts.join("\n");
};

/** The `<section id="run-<index>">` of one run. */
export const resultSection = (result: SimResult, index: number): string => {
  const { stats, jitter } = result;
  const hidden = Math.max(0, result.spawns.length - MAX_TIMELINE_BARS);
  const name = `${String(result.scenario)} seed ${String(result.seed)}`;
  return [
    `<section class="run ${result.violations.length === 0 ? "pass" : "fail"}" id="run-${index}">`,
    `<h2>${passMark(result)} ${resultName(result)}</h2>`,
    `<p class="meta">${formatNumber(stats.steps, 0)} steps · ${formatNumber(stats.jobs, 0)} jobs · ${formatDuration(stats.simulatedMs)} simulated in ${formatDuration(stats.wallMs)} · trace <code>${escapeHtml(result.traceHash)}</code></p>`,
    "<h3>Lateness</h3>",
    `<div class="chart">${histogramSvg(result.histogram, `lateness histogram, ${name}`)}</div>`,
    `<p class="muted small">${formatNumber(jitter.count, 0)} job${jitter.count === 1 ? "" : "s"} measured · p50 ${formatNumber(jitter.p50)} ms · p90 ${formatNumber(jitter.p90)} ms · p99 ${formatNumber(jitter.p99)} ms · max ${formatNumber(jitter.max)} ms · drift ${formatNumber(result.drift)} ms</p>`,
    "<h3>Spawns</h3>",
    timelineLegend(result.spawns),
    `<div class="chart">${timelineSvg(result.spawns, stats.simulatedMs, `spawn timeline, ${name}`)}</div>`,
    hidden > 0
      ? `<p class="note">${formatNumber(hidden, 0)} more not shown (the first ${MAX_TIMELINE_BARS} spawns by start time are drawn).</p>`
      : "",
    "<h3>Violations</h3>",
    violationsHtml(result.violations),
    checksHtml(result.checks),
    "<h3>Faults</h3>",
    faultsHtml(result),
    "</section>",
  ]
    .filter((part) => part !== "")
    .join("\n");
};
