/**
 * The report's spawn timeline: an inline SVG of every spawn's life as a bar,
 * grouped and colored by program, with its HTML legend, plus the helpers that
 * choose which spawns are drawn and in which color.
 */
import type { SpawnLife } from "../../types.js";
import { decimalsFor, nextNiceStep, niceStep, px, textWidth } from "./svgScale.js";
import { escapeHtml, formatNumber, truncate } from "./text.js";

/** Most spawn bars one timeline draws. */
export const MAX_TIMELINE_BARS = 200;

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
