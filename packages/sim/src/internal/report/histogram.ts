/**
 * The report's lateness histogram: an inline SVG bar chart of a run's
 * `Histogram`, x in ms at bin edges, y in jobs (linear, or log when small bins
 * would vanish next to the tallest).
 */
import type { Histogram } from "../../types.js";
import { nextNiceStep, niceStep, px, textWidth } from "./svgScale.js";
import { escapeHtml, formatNumber } from "./text.js";

/** Fewest bins the histogram's x axis spans, so one bin does not fill the whole chart. */
const MIN_HISTOGRAM_BINS = 10;

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
