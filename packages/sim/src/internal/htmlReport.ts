/**
 * The simulator's HTML report: one self-contained document (inline CSS and SVG,
 * no scripts, no network) that renders the same string for the same results.
 *
 * Everything here is a pure function of its arguments. Text that can come from
 * users (program ids, check messages, titles) goes through `escapeHtml`.
 */
import { faultFamilies, type Histogram, type SimResult, type SpawnLife, type Violation } from "../types.js";

/** Options of `renderHtmlReport`. */
export interface HtmlReportOptions {
  readonly title?: string;
}

const DEFAULT_TITLE = "schedkit simulation report";

/** Most spawn bars one timeline draws. */
export const MAX_TIMELINE_BARS = 200;

/** Fewest bins the histogram's x axis spans, so one bin does not fill the whole chart. */
const MIN_HISTOGRAM_BINS = 10;

/** Tableau 10: distinct on white, readable as fills. */
const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
] as const;

// ---------------------------------------------------------------------------
// Text

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML element content and quoted attribute values (also
 * inside inline SVG). Control characters other than tab and newlines become
 * U+FFFD so the document stays well-formed.
 */
export const escapeHtml = (text: string): string =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "\ufffd")
    .replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** Shortens `text` to `max` characters (code points), ending with an ellipsis when cut. */
export const truncate = (text: string, max: number): string => {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
};

/**
 * A number with at most `maxDecimals` decimals (trailing zeros dropped) and
 * comma-grouped thousands. Locale-free, so the output never depends on the host.
 */
export const formatNumber = (n: number, maxDecimals = 2): string => {
  if (Number.isNaN(n)) return "–";
  if (!Number.isFinite(n)) return n > 0 ? "∞" : "−∞";
  const fixed = Math.abs(n).toFixed(maxDecimals);
  const [whole = "0", fraction = ""] = fixed.split(".");
  const trimmed = fraction.replace(/0+$/, "");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const body = trimmed === "" ? grouped : `${grouped}.${trimmed}`;
  return n < 0 && /[1-9]/.test(body) ? `-${body}` : body;
};

/** A duration in ms, in the largest unit that keeps it readable. */
export const formatDuration = (ms: number): string => {
  if (!Number.isFinite(ms)) return formatNumber(ms);
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${formatNumber(ms)} ms`;
  if (abs < 60_000) return `${formatNumber(ms / 1_000)} s`;
  const sign = ms < 0 ? "-" : "";
  if (abs < 3_600_000) {
    const minutes = Math.floor(abs / 60_000);
    return `${sign}${minutes} min ${formatNumber((abs - minutes * 60_000) / 1_000, 1)} s`;
  }
  const hours = Math.floor(abs / 3_600_000);
  return `${sign}${formatNumber(hours, 0)} h ${Math.floor((abs - hours * 3_600_000) / 60_000)} min`;
};

/** A coordinate for SVG: two decimals at most, never NaN. */
const px = (n: number): string => (Number.isFinite(n) ? String(Math.round(n * 100) / 100) : "0");

// ---------------------------------------------------------------------------
// Scales

/** A "nice" step (1, 2 or 5 times a power of ten) near `raw`; 1 when `raw` is not positive. */
export const niceStep = (raw: number): number => {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const factor = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
  return factor * magnitude;
};

/** The nice step after `step` (1 → 2 → 5 → 10 …). */
const nextNiceStep = (step: number): number => niceStep(step * 1.5);

/** Decimals needed to print multiples of `step` exactly enough. */
const decimalsFor = (step: number): number => Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));

/** Rough width of `text` at an 11px sans-serif font. */
const textWidth = (text: string): number => Array.from(text).length * 6.4;

// ---------------------------------------------------------------------------
// Histogram

const HIST = { width: 720, height: 260, left: 64, right: 24, top: 16, bottom: 52 } as const;

/** How the histogram's y axis maps counts to heights. */
interface YScale {
  readonly log: boolean;
  readonly top: number;
  /** 0 at the axis, 1 at the top. */
  readonly at: (count: number) => number;
  readonly ticks: readonly number[];
}

/**
 * Linear unless the smallest non-zero bar would be under 2px high next to the
 * tallest; then log10(1 + count), labelled as a log scale.
 */
const histogramScale = (max: number, minNonZero: number, plotHeight: number): YScale => {
  if ((minNonZero / max) * plotHeight >= 2) {
    const step = Math.max(1, niceStep(max / 5));
    const top = Math.ceil(max / step) * step;
    const ticks: number[] = [];
    for (let v = 0; v <= top; v += step) ticks.push(v);
    return { log: false, top, at: (c) => c / top, ticks };
  }
  const top = 10 ** Math.ceil(Math.log10(max));
  const ticks = [0];
  for (let v = 1; v <= top; v *= 10) ticks.push(v);
  const denominator = Math.log10(1 + top);
  return { log: true, top, at: (c) => Math.log10(1 + c) / denominator, ticks };
};

/**
 * An SVG bar chart of lateness: one `<rect class="bar">` per non-zero bin, x in
 * ms (ticks at bin edges), y in jobs. An empty histogram draws the axes and says
 * there is nothing to plot.
 */
export const histogramSvg = (histogram: Histogram, label = "lateness histogram"): string => {
  const { binMs, counts } = histogram;
  const plotW = HIST.width - HIST.left - HIST.right;
  const plotH = HIST.height - HIST.top - HIST.bottom;
  const axisY = HIST.top + plotH;
  let last = -1;
  let max = 0;
  let minNonZero = Number.POSITIVE_INFINITY;
  counts.forEach((count, i) => {
    if (count > 0 && Number.isFinite(count)) {
      last = i;
      max = Math.max(max, count);
      minNonZero = Math.min(minNonZero, count);
    }
  });

  const out: string[] = [
    `<svg class="histogram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${HIST.width} ${HIST.height}" width="${HIST.width}" height="${HIST.height}" role="img" aria-label="${escapeHtml(label)}">`,
    `<rect class="plot-bg" x="${HIST.left}" y="${HIST.top}" width="${plotW}" height="${plotH}"/>`,
  ];
  const xLabelY = HIST.height - 10;
  const binText = binMs > 0 && Number.isFinite(binMs) ? `, bins of ${formatNumber(binMs, 3)} ms` : "";

  if (last < 0 || !(binMs > 0) || !Number.isFinite(binMs)) {
    out.push(
      `<line class="axis" x1="${HIST.left}" y1="${axisY}" x2="${HIST.left + plotW}" y2="${axisY}"/>`,
      `<line class="axis" x1="${HIST.left}" y1="${HIST.top}" x2="${HIST.left}" y2="${axisY}"/>`,
      `<text class="empty-note" x="${px(HIST.left + plotW / 2)}" y="${px(HIST.top + plotH / 2)}" text-anchor="middle">${last < 0 ? "no job started: nothing to plot" : "histogram has no usable bin width"}</text>`,
      `<text class="axis-label" x="${px(HIST.left + plotW / 2)}" y="${xLabelY}" text-anchor="middle">lateness (ms)${binText}</text>`,
      `<text class="axis-label" transform="translate(16 ${px(HIST.top + plotH / 2)}) rotate(-90)" text-anchor="middle">jobs</text>`,
      "</svg>",
    );
    return out.join("\n");
  }

  const bins = Math.max(last + 1, MIN_HISTOGRAM_BINS);
  const binW = plotW / bins;
  const scale = histogramScale(max, minNonZero, plotH);

  // y grid and ticks
  for (const tick of scale.ticks) {
    const y = axisY - scale.at(tick) * plotH;
    out.push(
      `<line class="grid" x1="${HIST.left}" y1="${px(y)}" x2="${HIST.left + plotW}" y2="${px(y)}"/>`,
      `<text class="tick" x="${HIST.left - 6}" y="${px(y + 4)}" text-anchor="end">${formatNumber(tick, 0)}</text>`,
    );
  }

  // bars
  const gap = Math.min(1, binW * 0.15);
  counts.forEach((count, i) => {
    if (!(count > 0) || !Number.isFinite(count)) return;
    const h = Math.max(1, scale.at(count) * plotH);
    const from = i * binMs;
    const to = (i + 1) * binMs;
    out.push(
      `<rect class="bar" data-bin="${i}" data-count="${count}" x="${px(HIST.left + i * binW + gap)}" y="${px(axisY - h)}" width="${px(Math.max(0.5, binW - 2 * gap))}" height="${px(h)}"><title>${formatNumber(from, 3)}–${formatNumber(to, 3)} ms: ${formatNumber(count, 0)} job${count === 1 ? "" : "s"}</title></rect>`,
    );
  });

  // x ticks at bin edges, spaced so labels never touch
  let stepBins = Math.max(1, niceStep(bins / 8));
  const widest = textWidth(formatNumber(bins * binMs, 3)) + 10;
  while (stepBins * binW < widest && stepBins < bins) stepBins = nextNiceStep(stepBins);
  for (let edge = 0; edge <= bins; edge += stepBins) {
    const x = HIST.left + edge * binW;
    out.push(
      `<line class="tick-mark" x1="${px(x)}" y1="${axisY}" x2="${px(x)}" y2="${axisY + 5}"/>`,
      `<text class="tick" x="${px(x)}" y="${axisY + 18}" text-anchor="middle">${formatNumber(edge * binMs, 3)}</text>`,
    );
  }

  out.push(
    `<line class="axis" x1="${HIST.left}" y1="${axisY}" x2="${HIST.left + plotW}" y2="${axisY}"/>`,
    `<line class="axis" x1="${HIST.left}" y1="${HIST.top}" x2="${HIST.left}" y2="${axisY}"/>`,
    `<text class="axis-label" x="${px(HIST.left + plotW / 2)}" y="${xLabelY}" text-anchor="middle">lateness (ms)${binText}</text>`,
    `<text class="axis-label" transform="translate(16 ${px(HIST.top + plotH / 2)}) rotate(-90)" text-anchor="middle">${scale.log ? "jobs (log scale)" : "jobs"}</text>`,
    "</svg>",
  );
  return out.join("\n");
};

// ---------------------------------------------------------------------------
// Timeline

const TL = { width: 720, left: 150, right: 24, top: 8, bottom: 44, groupGap: 8 } as const;

/** One program's spawns on the timeline, in order of the program's first spawn. */
export interface SpawnGroup {
  readonly programId: string;
  readonly color: string;
  /** Every spawn of the program, shown or not. */
  readonly total: number;
}

/** Programs in order of first appearance, each with its color. */
export const spawnGroups = (spawns: readonly SpawnLife[]): readonly SpawnGroup[] => {
  const totals = new Map<string, number>();
  for (const spawn of spawns) totals.set(spawn.programId, (totals.get(spawn.programId) ?? 0) + 1);
  return Array.from(totals, ([programId, total], i) => ({
    programId,
    total,
    color: PALETTE[i % PALETTE.length] ?? PALETTE[0],
  }));
};

/** The spawns the timeline draws: the first `MAX_TIMELINE_BARS` by start time (then input order). */
export const shownSpawns = (spawns: readonly SpawnLife[]): readonly SpawnLife[] =>
  spawns
    .map((spawn, index) => ({ spawn, index }))
    .sort((a, b) => a.spawn.startedAt - b.spawn.startedAt || a.index - b.index)
    .slice(0, MAX_TIMELINE_BARS)
    .map(({ spawn }) => spawn);

/** Where a spawn's bar ends: its stop, or `runEndMs` while still running. */
export const spawnEnd = (spawn: SpawnLife, runEndMs: number): number => spawn.stoppedAt ?? runEndMs;

/**
 * An SVG timeline: one `<rect class="span">` per shown spawn (at most
 * `MAX_TIMELINE_BARS`), rows grouped and colored by program, program ids on the
 * left, time in seconds below. Running spawns reach `runEndMs` and are drawn
 * with a dashed outline.
 */
export const timelineSvg = (spawns: readonly SpawnLife[], runEndMs: number, label = "spawn timeline"): string => {
  const groups = spawnGroups(spawns);
  const shown = shownSpawns(spawns);
  const plotW = TL.width - TL.left - TL.right;
  const rowH = shown.length <= 40 ? 14 : shown.length <= 100 ? 9 : 6;
  const barH = rowH >= 12 ? rowH - 4 : rowH - 2;

  let endMs = Number.isFinite(runEndMs) && runEndMs > 0 ? runEndMs : 0;
  for (const spawn of shown) {
    endMs = Math.max(endMs, Number.isFinite(spawn.startedAt) ? spawn.startedAt : 0);
    if (spawn.stoppedAt !== null && Number.isFinite(spawn.stoppedAt)) endMs = Math.max(endMs, spawn.stoppedAt);
  }
  if (endMs <= 0) endMs = 1_000;
  const xOf = (ms: number) => TL.left + (Math.min(Math.max(ms, 0), endMs) / endMs) * plotW;

  const rowsByGroup = groups
    .map((group) => ({ group, rows: shown.filter((spawn) => spawn.programId === group.programId) }))
    .filter(({ rows }) => rows.length > 0);
  const plotH =
    shown.length === 0
      ? 40
      : rowsByGroup.reduce((sum, { rows }) => sum + rows.length * rowH, 0) + TL.groupGap * (rowsByGroup.length + 1);
  const axisY = TL.top + plotH;
  const height = axisY + TL.bottom;

  const out: string[] = [
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${TL.width} ${height}" width="${TL.width}" height="${height}" role="img" aria-label="${escapeHtml(label)}">`,
    `<rect class="plot-bg" x="${TL.left}" y="${TL.top}" width="${plotW}" height="${plotH}"/>`,
  ];

  // time axis: nice steps in seconds, spaced so labels never touch
  let stepS = niceStep(endMs / 1_000 / 8);
  const decimalsAt = (step: number) => decimalsFor(step);
  while (stepS * 1_000 * (plotW / endMs) < textWidth(formatNumber(endMs / 1_000, decimalsAt(stepS))) + 12) {
    stepS = nextNiceStep(stepS);
  }
  const grid: string[] = [];
  const ticks: string[] = [];
  for (let k = 0; k * stepS * 1_000 <= endMs * (1 + 1e-9); k++) {
    const seconds = k * stepS;
    const x = xOf(seconds * 1_000);
    grid.push(`<line class="grid" x1="${px(x)}" y1="${TL.top}" x2="${px(x)}" y2="${axisY}"/>`);
    ticks.push(
      `<line class="tick-mark" x1="${px(x)}" y1="${axisY}" x2="${px(x)}" y2="${axisY + 5}"/>`,
      `<text class="tick" x="${px(x)}" y="${axisY + 18}" text-anchor="middle">${formatNumber(seconds, decimalsAt(stepS))}</text>`,
    );
  }

  const marks: string[] = [];
  if (shown.length === 0) {
    marks.push(
      `<text class="empty-note" x="${px(TL.left + plotW / 2)}" y="${TL.top + 24}" text-anchor="middle">no spawns</text>`,
    );
  }

  // alternate groups sit on a light band, under the grid; each group has a color strip by its label
  const bands: string[] = [];
  let y = TL.top + TL.groupGap;
  rowsByGroup.forEach(({ group, rows }, gi) => {
    const groupH = rows.length * rowH;
    if (gi % 2 === 1) {
      bands.push(
        `<rect class="band" x="0" y="${px(y - TL.groupGap / 2)}" width="${TL.left + plotW}" height="${px(groupH + TL.groupGap)}"/>`,
      );
    }
    const labelY = y + Math.min(groupH, 14) / 2 + 4;
    marks.push(
      `<rect class="strip" x="${TL.left - 6}" y="${px(y)}" width="3" height="${px(groupH)}" fill="${group.color}"/>`,
      `<text class="program-label" x="${TL.left - 10}" y="${px(labelY)}" text-anchor="end">${escapeHtml(truncate(group.programId, 20))}<title>${escapeHtml(group.programId)}</title></text>`,
    );
    for (const spawn of rows) {
      const end = spawnEnd(spawn, runEndMs);
      const x1 = xOf(spawn.startedAt);
      const x2 = Math.max(xOf(end), x1 + 2);
      const running = spawn.stoppedAt === null;
      marks.push(
        `<rect class="span${running ? " running" : ""}" data-program="${escapeHtml(spawn.programId)}" data-start="${spawn.startedAt}" data-end="${end}" x="${px(x1)}" y="${px(y + (rowH - barH) / 2)}" width="${px(x2 - x1)}" height="${px(barH)}" fill="${group.color}" stroke="${group.color}"><title>${escapeHtml(spawn.spawnId)} (${escapeHtml(spawn.programId)}): ${formatNumber(spawn.startedAt / 1_000, 3)} s → ${running ? `still running at ${formatNumber(end / 1_000, 3)} s` : `${formatNumber(end / 1_000, 3)} s`}, ${formatNumber(spawn.jobs, 0)} job${spawn.jobs === 1 ? "" : "s"}</title></rect>`,
      );
      y += rowH;
    }
    y += TL.groupGap;
  });

  out.push(
    ...bands,
    ...grid,
    ...marks,
    ...ticks,
    `<line class="axis" x1="${TL.left}" y1="${axisY}" x2="${TL.left + plotW}" y2="${axisY}"/>`,
    `<line class="axis" x1="${TL.left}" y1="${TL.top}" x2="${TL.left}" y2="${axisY}"/>`,
    `<text class="axis-label" x="${px(TL.left + plotW / 2)}" y="${height - 8}" text-anchor="middle">time (s)</text>`,
    "</svg>",
  );
  return out.join("\n");
};

/** The timeline's legend (HTML): one swatch per program, and the running style. */
export const timelineLegend = (spawns: readonly SpawnLife[]): string => {
  const groups = spawnGroups(spawns);
  if (groups.length === 0) return "";
  const items = groups.map(
    (group) =>
      `<li><span class="swatch" style="background:${group.color}"></span>${escapeHtml(group.programId)} <span class="muted">${formatNumber(group.total, 0)} spawn${group.total === 1 ? "" : "s"}</span></li>`,
  );
  items.push('<li><span class="swatch running-swatch"></span><span class="muted">still running at the end</span></li>');
  return `<ul class="legend">${items.join("")}</ul>`;
};

// ---------------------------------------------------------------------------
// Sections

const passMark = (result: SimResult): string =>
  result.violations.length === 0
    ? '<span class="mark pass" title="every check held">✓ pass</span>'
    : `<span class="mark fail" title="${result.violations.length} violation${result.violations.length === 1 ? "" : "s"}">✗ fail</span>`;

const resultName = (result: SimResult): string =>
  `${escapeHtml(String(result.scenario))} · seed ${escapeHtml(String(result.seed))}`;

const summaryTable = (results: readonly SimResult[]): string => {
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

const resultSection = (result: SimResult, index: number): string => {
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

const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-soft: #f6f8fa; --pass: #1a7f37; --fail: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1160px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
a { color: #0969da; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
.lead { color: var(--muted); margin: 0 0 16px; }
.empty { padding: 24px; border: 1px dashed var(--line); border-radius: 6px; color: var(--muted); text-align: center; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: var(--bg-soft); font-weight: 600; }
td.text, th:nth-child(2) { text-align: left; }
td.message { white-space: normal; overflow-wrap: anywhere; max-width: 640px; }
td.bad { color: var(--fail); font-weight: 600; }
.violations th { text-align: left; }
.mark { font-weight: 700; white-space: nowrap; }
.mark.pass { color: var(--pass); }
.mark.fail { color: var(--fail); }
.run { margin-top: 32px; padding: 16px 20px; border: 1px solid var(--line); border-left-width: 4px; border-radius: 6px; }
.run.pass { border-left-color: var(--pass); }
.run.fail { border-left-color: var(--fail); }
.meta { color: var(--muted); margin: 0; overflow-wrap: anywhere; }
.ok { color: var(--pass); font-weight: 600; }
.note { color: var(--muted); font-style: italic; }
.chart { overflow-x: auto; }
.chart svg { display: block; max-width: 100%; height: auto; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.plot-bg { fill: #fbfcfd; }
.band { fill: #f2f4f7; }
.grid { stroke: #e6e9ed; stroke-width: 1; }
.axis { stroke: #57606a; stroke-width: 1; }
.tick-mark { stroke: #57606a; }
.tick { font-size: 11px; fill: #57606a; }
.axis-label { font-size: 12px; fill: #1f2328; }
.empty-note { font-size: 13px; fill: #59636e; font-style: italic; }
.bar { fill: #4e79a7; }
.bar:hover { fill: #2f5b88; }
.span { fill-opacity: 0.9; stroke-opacity: 0; }
.span.running { fill-opacity: 0.45; stroke-opacity: 1; stroke-width: 1; stroke-dasharray: 3 2; }
.program-label { font-size: 11px; font-weight: 600; fill: #1f2328; }
.legend, .chips { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 16px; padding: 0; margin: 4px 0 8px; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 6px; overflow-wrap: anywhere; }
.swatch { display: inline-block; width: 14px; height: 10px; border-radius: 2px; flex: none; }
.running-swatch { background: rgba(87, 96, 106, 0.25); border: 1px dashed #57606a; }
.chips { gap: 6px; }
.chips li { padding: 1px 8px; border-radius: 10px; background: var(--bg-soft); border: 1px solid var(--line); }
.chip.on { background: #fff1e5; border-color: #f28e2b; color: #8a4600; font-weight: 600; }
`;

/**
 * Renders simulation results as one self-contained HTML document: a summary
 * table, then per run a lateness histogram, a spawn timeline, the violations
 * and the fault families that were on. Deterministic: same input, same string.
 */
export const renderHtmlReport = (results: readonly SimResult[], options: HtmlReportOptions = {}): string => {
  const title = options.title ?? DEFAULT_TITLE;
  const failed = results.filter((result) => result.violations.length > 0).length;
  const body =
    results.length === 0
      ? '<p class="empty">Nothing to show: there are no simulation results in this report.</p>'
      : [
          `<p class="lead">${results.length} run${results.length === 1 ? "" : "s"} · ${results.length - failed} passed · ${failed} failed</p>`,
          `<div class="table-wrap">${summaryTable(results)}</div>`,
          ...results.map(resultSection),
        ].join("\n");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    "<main>",
    `<h1>${escapeHtml(title)}</h1>`,
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
};
