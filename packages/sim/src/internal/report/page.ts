/**
 * The report's page shell: the one self-contained HTML document (inline CSS and
 * SVG, no scripts, no network) with the title, the summary table and a section
 * per run.
 */
import type { SimResult } from "../../types.js";
import { resultSection } from "./runSection.js";
import { STYLE } from "./style.js";
import { summaryTable } from "./summary.js";
import { escapeHtml } from "./text.js";

/** Options of `renderHtmlReport`. */
export interface HtmlReportOptions {
  readonly title?: string;
}

const DEFAULT_TITLE = "schedkit simulation report";

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
