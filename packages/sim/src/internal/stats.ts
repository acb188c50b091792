import type { Histogram, Jitter } from "../types.js";

export const jitterOf = (values: readonly number[]): Jitter => {
  if (values.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank percentiles: an actual lateness that some job had.
  const rank = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  return {
    count: sorted.length,
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
    max: sorted[sorted.length - 1] as number,
  };
};

const NICE_BINS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 60_000, 300_000, 3_600_000];

/** About 40 bins of a round width (1, 2, 5, 10, ... ms) covering every value. */
export const histogramOf = (values: readonly number[]): Histogram => {
  let max = 0;
  for (const value of values) if (value > max) max = value;
  const binMs = NICE_BINS.find((width) => max / width < 40) ?? Math.ceil(max / 40);
  const counts = new Array<number>(Math.floor(max / binMs) + 1).fill(0);
  for (const value of values) {
    const bin = Math.floor(value / binMs);
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return { binMs, counts: values.length === 0 ? [] : counts };
};
