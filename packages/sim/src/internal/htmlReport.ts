/**
 * The simulator's HTML report: one self-contained document (inline CSS and SVG,
 * no scripts, no network) that renders the same string for the same results.
 *
 * Everything there is a pure function of its arguments. Text that can come from
 * users (program ids, check messages, titles) goes through `escapeHtml`. The
 * parts live in `./report/`, one concept a module; this module names the ones
 * the rest of the simulator (and its tests) use.
 */
export { histogramSvg } from "./report/histogram.js";
export { type HtmlReportOptions, renderHtmlReport } from "./report/page.js";
export { niceStep } from "./report/svgScale.js";
export { escapeHtml, formatDuration, formatNumber, truncate } from "./report/text.js";
export {
  MAX_TIMELINE_BARS,
  type SpawnGroup,
  shownSpawns,
  spawnEnd,
  spawnGroups,
  timelineLegend,
  timelineSvg,
} from "./report/timeline.js";
