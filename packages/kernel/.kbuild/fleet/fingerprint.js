/**
 * FNV-1a, 32 bits, over the UTF-8 bytes of `text`: how a program id picks its
 * shard (`fnv1a32(programId) % shards`), the same in every process and language.
 * @since 0.1.0
 */
export const fnv1a32 = (text) => {
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
};
const utf8 = new TextEncoder();
/** The shard a program belongs to. @since 0.1.0 */
export const shardOf = (programId, shards) => fnv1a32(programId) % shards;
/**
 * A program's fingerprint: a hash of its non-function fields (and of which
 * hooks it has, since adding or removing one changes what it does) and its
 * `version`. Two nodes with equal fingerprints run the same program.
 * @since 0.1.0
 */
export const fingerprintOf = (spec) => {
  const fields = {};
  const hooks = [];
  for (const key of Object.keys(spec).sort()) {
    if (key === "version") continue;
    const value = spec[key];
    if (typeof value === "function") hooks.push(key);
    else if (value !== undefined) fields[key] = value;
  }
  const text = stableJson({ fields, hooks });
  return {
    hash: `${fnv1a32(text).toString(16).padStart(8, "0")}${text.length.toString(16)}`,
    version: spec.version ?? null,
  };
};
const stableJson = (value) => {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const record = value;
  return `{${Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined && typeof record[key] !== "function")
    .map((key) => `${JSON.stringify(key)}:${stableJson(record[key])}`)
    .join(",")}}`;
};
const versionOrder = (a, b) => {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), "en", { numeric: true });
};
/**
 * Whether a node with `ours` may run a shard whose store holds `stored`:
 * a program the store does not know is new; equal fingerprints agree; a
 * higher `version` upgrades (and from then on older nodes refuse the shard,
 * so ownership never flips back); anything else is deploy skew. The store
 * applies this rule inside its acquire transaction.
 * @since 0.1.0
 */
export const fingerprintVerdict = (stored, ours) => {
  const problems = [];
  for (const [programId, fingerprint] of Object.entries(stored)) {
    if (!Object.hasOwn(ours, programId))
      problems.push({ programId, reason: "missing", stored: fingerprint, ours: null });
  }
  for (const [programId, mine] of Object.entries(ours)) {
    const theirs = Object.hasOwn(stored, programId) ? stored[programId] : undefined;
    if (theirs === undefined || (theirs.hash === mine.hash && theirs.version === mine.version)) continue;
    const order = versionOrder(mine.version, theirs.version);
    if (order > 0) continue;
    problems.push({ programId, reason: order < 0 ? "older" : "changed", stored: theirs, ours: mine });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, merged: { ...stored, ...ours } };
};
