import { createHash, type Hash } from "node:crypto";

/** FNV-1a over `key` from state `h`, before the finaliser. */
const fnv = (h: number, key: string): number => {
  for (let index = 0; index < key.length; index++) {
    h ^= key.charCodeAt(index);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
};

/** The state of `hash32(seed, prefix + rest)` after `prefix`: finish it with `finishHash32`. */
export const hash32Prefix = (seed: number, prefix: string): number => fnv((0x811c9dc5 ^ seed) >>> 0, prefix);

/** The state after `prefix + more` from the state after `prefix` (`hash32Prefix` in pieces). */
export const continueHash32 = (prefixState: number, more: string): number => fnv(prefixState, more);

/** `hash32(seed, prefix + rest)` from `hash32Prefix(seed, prefix)`. */
export const finishHash32 = (prefixState: number, rest: string): number => finalise(fnv(prefixState, rest));

/** A 32-bit hash of a seed and a key (FNV-1a, then a murmur-style finaliser). */
export const hash32 = (seed: number, key: string): number => finalise(hash32Prefix(seed, key));

const finalise = (hash: number): number => {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
};

/** A deterministic draw in [0, 1) for (seed, key). */
export const draw = (seed: number, key: string): number => hash32(seed, key) / 4294967296;

/** A number's decimal digits, least significant first (one buffer: the folds below never nest). */
const DIGITS = new Uint8Array(16);

/**
 * The state after `${n}` from `state` (`continueHash32(state, String(n))`): a whole number's
 * digits are folded as their char codes without making the string (draws keyed by a step or a
 * time are made per event); any other number goes by its string.
 */
export const continueHash32Decimal = (state: number, n: number): number => {
  if (!(n >= 0 && Number.isSafeInteger(n))) return fnv(state, String(n));
  let count = 0;
  let rest = n;
  do {
    DIGITS[count++] = rest % 10;
    rest = Math.floor(rest / 10);
  } while (rest > 0);
  let h = state;
  while (count > 0) {
    h ^= 48 + (DIGITS[--count] as number);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
};

/** `draw(seed, `${prefix}${n}`)`, exactly, without making the key when `n` is a whole number. */
export const drawNumbered = (seed: number, prefix: string, n: number): number =>
  finalise(continueHash32Decimal(hash32Prefix(seed, prefix), n)) / 4294967296;

const errorData = (error: Error) => ({ error: error.name, message: error.message });

/** Reads a property without letting a throwing getter (or a Proxy trap) escape. */
const read = (value: object, key: PropertyKey): unknown => {
  try {
    return (value as Record<PropertyKey, unknown>)[key];
  } catch {
    return "<unreadable>";
  }
};

const isError = (value: unknown): value is Error => {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
};

/**
 * Any value as JSON data that never throws: BigInts as `"<n>n"`, cycles as
 * `"[circular]"`, accessors as `"[getter]"` (never called), Errors by name and
 * message (each read safely), functions by name. Plain data comes out as
 * `JSON.stringify` would write it.
 */
export const safeData = (value: unknown, seen: Set<object> = new Set()): unknown => {
  switch (typeof value) {
    case "bigint":
      return `${value}n`;
    case "symbol":
      return "[symbol]";
    case "function":
      return `[fn ${String(read(value, "name"))}]`;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "object":
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (seen.has(value)) return "[circular]";
  if (isError(value)) {
    const name = read(value, "name");
    const message = read(value, "message");
    return { error: safeData(name, seen), message: safeData(message, seen) };
  }
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => safeData(item, seen) ?? null);
    const out: Record<string, unknown> = {};
    let keys: (string | symbol)[];
    try {
      keys = Reflect.ownKeys(value);
    } catch {
      return "<unreadable>";
    }
    for (const key of keys) {
      if (typeof key !== "string") continue;
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined || !descriptor.enumerable) continue;
      if (descriptor.get !== undefined || descriptor.set !== undefined) {
        out[key] = "[getter]";
        continue;
      }
      const inner = safeData(descriptor.value, seen);
      if (inner !== undefined && typeof descriptor.value !== "function") out[key] = inner;
    }
    return out;
  } finally {
    seen.delete(value);
  }
};

/** Any value as canonical JSON: errors by name and message, functions by name, undefined left out. Never throws. */
export const canonical = (value: unknown): string => {
  try {
    return JSON.stringify(value, (_key, inner: unknown) => {
      if (inner instanceof Error) return errorData(inner);
      if (typeof inner === "function") return `[fn ${inner.name}]`;
      return inner;
    });
  } catch {
    return JSON.stringify(safeData(value));
  }
};

/**
 * One effect as JSON, fast: effects are flat, so only their `error` field can
 * hold an Error, and plain `JSON.stringify` drops functions (a rejected
 * command's hooks) on its own. Values and states are JSON data in the sim.
 * Hostile data (BigInts, cycles, throwing getters) takes a slower path that never throws.
 */
export const effectJson = (effect: object): string => {
  try {
    const error = (effect as { error?: unknown }).error;
    return JSON.stringify(error instanceof Error ? { ...effect, error: errorData(error) } : effect);
  } catch {
    return JSON.stringify(safeData(effect));
  }
};

/** A running SHA-256 over every effect, in order. */
export class TraceHash {
  private readonly hash: Hash = createHash("sha256");

  add(effect: object): void {
    this.hash.update(`${effectJson(effect)}\n`);
  }

  addText(text: string): void {
    this.hash.update(`${text}\n`);
  }

  digest(): string {
    return this.hash.digest("hex");
  }
}
