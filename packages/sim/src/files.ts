import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { renderHtmlReport } from "./internal/htmlReport.js";
import { recordTraceHash, type SimulateResult } from "./simulate.js";
import type { SimResult, Timeline } from "./types.js";

/**
 * The timeline a failing `simulate()` result offers for replay: the shrunk one (its
 * `traceHash` recorded), or, when shrinking was off, the whole run's timeline with the
 * run's trace hash. `undefined` when the run held every check, or when the failure did
 * not reproduce on every replay (`result.unreproducible` says why).
 *
 * @since 0.1.0
 */
export const failureTimeline = (result: SimulateResult): Timeline | undefined => {
  if (result.violations.length === 0 || result.unreproducible !== undefined) return undefined;
  return result.shrunk ?? recordTraceHash(result.timeline, result.traceHash);
};

/**
 * Writes a failing `simulate()` result's timeline (see `failureTimeline`) to
 * `<dir>/<scenario>-seed-<seed>.json` (the folder is made if need be) and returns the
 * file's absolute path; replay it with `replay(JSON.parse(text), { policies })` or
 * `schedkit-sim replay FILE --policies MODULE`. Returns `undefined`, writing nothing,
 * when there is no timeline to offer (no violation, or not reproducible).
 *
 * @example
 * const result = simulate({ seed: 3, scenario: "policy-churn", policies: [myPolicy] });
 * const file = writeFailure(result, "sim-failures"); // ".../sim-failures/policy-churn-seed-3.json"
 *
 * @since 0.1.0
 */
export const writeFailure = (result: SimulateResult, dir = "sim-failures"): string | undefined => {
  const timeline = failureTimeline(result);
  if (timeline === undefined) return undefined;
  const file = resolve(dir, `${result.scenario}-seed-${result.seed}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(timeline, null, 2)}\n`);
  return file;
};

/**
 * Writes an HTML report (summary table, jitter histograms and spawn timelines as inline
 * SVG; no scripts, no network) for one or more results to `file`; returns its absolute path.
 *
 * @since 0.1.0
 */
export const writeReport = (
  results: SimResult | readonly SimResult[],
  file: string,
  options: { readonly title?: string } = {},
): string => {
  const path = resolve(file);
  const list: readonly SimResult[] = Array.isArray(results) ? results : [results as SimResult];
  writeFileSync(path, renderHtmlReport(list, { title: options.title ?? "schedkit-sim report" }));
  return path;
};
