/**
 * Axis arithmetic shared by the report's SVG charts: SVG coordinates, "nice"
 * tick steps, the decimals a step needs, and a rough label width so ticks are
 * spaced far enough apart that their labels never touch.
 */

/** A coordinate for SVG: two decimals at most, never NaN. */
export const px = (n: number): string => (Number.isFinite(n) ? String(Math.round(n * 100) / 100) : "0");

/** A "nice" step (1, 2 or 5 times a power of ten) near `raw`; 1 when `raw` is not positive. */
export const niceStep = (raw: number): number => {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const factor = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
  return factor * magnitude;
};

/** The nice step after `step` (1 → 2 → 5 → 10 …). */
export const nextNiceStep = (step: number): number => niceStep(step * 1.5);

/** Decimals needed to print multiples of `step` exactly enough. */
export const decimalsFor = (step: number): number => Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));

/** Rough width of `text` at an 11px sans-serif font. */
export const textWidth = (text: string): number => Array.from(text).length * 6.4;
