/**
 * Text for the HTML report: escaping of anything that can come from users, and
 * locale-free formatting of numbers and durations, so the same input always
 * renders the same string on any host.
 */

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
