/** The report's stylesheet, inlined in the page's `<style>` (the page loads nothing). */

/** Every rule the report's HTML and SVG use. */
export const STYLE = `
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
