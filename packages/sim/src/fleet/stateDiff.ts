/**
 * Comparing a checkpoint's program state with the shadow kernel's. Job and spawn sequence
 * numbers and job ids are each kernel's own; everything else must agree.
 */

const ownKey = (key: string): boolean => key === "seq" || key === "jobId";

/** `value` without the keys each kernel numbers on its own, objects' keys sorted. */
export const normalise = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(normalise);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (ownKey(key)) continue;
    out[key] = normalise((value as Record<string, unknown>)[key]);
  }
  return out;
};

/** Where two normalised values first differ (a path and both values), or `undefined`. */
export const firstDifference = (a: unknown, b: unknown, path = "$"): string | undefined => {
  if (a === b) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (found !== undefined) return found;
  }
  return undefined;
};

/** Whether `key` of `value` is one `normalise` drops (arrays keep every key). */
const dropped = (value: object, key: string): boolean => !Array.isArray(value) && ownKey(key);

/**
 * `firstDifference(normalise(a), normalise(b)) === undefined` for JSON data, without building
 * the normalised copies: the check runs at every checkpoint, and almost every one agrees.
 */
export const sameState = (a: unknown, b: unknown): boolean => {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const key of Object.keys(left)) {
    if (!dropped(left, key) && !sameState(left[key], right[key])) return false;
  }
  // Keys only `b` has: `a` reads them as missing, as the normalised copy would.
  for (const key of Object.keys(right)) {
    if (dropped(right, key) || (Object.hasOwn(left, key) && !dropped(left, key))) continue;
    if (!sameState(left[key], right[key])) return false;
  }
  return true;
};
