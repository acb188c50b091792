import { createHash, type Hash } from "node:crypto";

/** A 32-bit hash of a seed and a key (FNV-1a, then a murmur-style finaliser). */
export const hash32 = (seed: number, key: string): number => {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let index = 0; index < key.length; index++) {
    h ^= key.charCodeAt(index);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
};

/** A deterministic draw in [0, 1) for (seed, key). */
export const draw = (seed: number, key: string): number => hash32(seed, key) / 4294967296;

const errorData = (error: Error) => ({ error: error.name, message: error.message });

/** Any value as canonical JSON: errors by name and message, functions by name, undefined left out. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) => {
    if (inner instanceof Error) return errorData(inner);
    if (typeof inner === "function") return `[fn ${inner.name}]`;
    return inner;
  });

/**
 * One effect as JSON, fast: effects are flat, so only their `error` field can
 * hold an Error, and plain `JSON.stringify` drops functions (a rejected
 * command's hooks) on its own. Values and states are JSON data in the sim.
 */
export const effectJson = (effect: object): string => {
  const error = (effect as { error?: unknown }).error;
  return JSON.stringify(error instanceof Error ? { ...effect, error: errorData(error) } : effect);
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
