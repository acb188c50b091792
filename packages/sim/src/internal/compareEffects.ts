import type { KernelEffect } from "@schedkit/kernel";
import { effectJson } from "./hash.js";

/** A kernel error (SchedkitError) by its code and field: its wording is the implementation's own. */
const codedError = (error: unknown): unknown => {
  try {
    if (error instanceof Error && error.name === "SchedkitError") {
      const { code, field } = error as Error & { code?: unknown; field?: unknown };
      return { error: "SchedkitError", code, field };
    }
  } catch {
    return error;
  }
  return error;
};

/** One effect with what may differ between two correct implementations left out (see `comparable`). */
const comparableEffect = (effect: KernelEffect): object =>
  effect.type === "rejected" || effect.type === "refused"
    ? { ...effect, message: undefined, command: undefined }
    : effect.type === "fault"
      ? { ...effect, message: undefined, error: codedError(effect.error) }
      : effect;

/**
 * Effects with what may differ between two correct implementations left out: the wording
 * of refusals, rejections and faults (a fault's code, spawn and thrown value still count;
 * an error the kernel made itself counts by its code and field), as one JSON text.
 */
export const comparable = (effects: readonly KernelEffect[]): string =>
  effects.map((effect) => effectJson(comparableEffect(effect))).join(",");

/** Not decided by the fast path: compare the JSON texts instead. */
const UNKNOWN = 2;

const isPlain = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** Whether JSON leaves a field holding this value out (and writes null for it in an array). */
const isDropped = (value: unknown): boolean =>
  value === undefined || typeof value === "function" || typeof value === "symbol";

/**
 * Whether `JSON.stringify` writes `a` and `b` the same (1 or 0), for JSON-like data only:
 * primitives, arrays and plain objects (keys in order). `UNKNOWN` for anything else (a class
 * instance, an Error, a BigInt, a `toJSON`), which the caller then compares as text.
 */
const jsonSame = (a: unknown, b: unknown, depth: number): number => {
  // One value written twice is written the same (NaN is a number, below).
  if (a === b) return 1;
  const typeA = typeof a;
  if (typeA === "string" || typeA === "boolean") return a === b ? 1 : 0;
  if (typeA === "number") {
    // JSON writes non-finite numbers as null, -0 as 0.
    if (typeof b === "number") return a === b || (!Number.isFinite(a) && !Number.isFinite(b)) ? 1 : 0;
    if (b === null) return Number.isFinite(a) ? 0 : 1;
    return typeof b === "object" || typeof b === "bigint" ? UNKNOWN : 0;
  }
  if (a === null) {
    if (typeof b === "number") return Number.isFinite(b) ? 0 : 1;
    return b === null ? 1 : typeof b === "object" || typeof b === "bigint" ? UNKNOWN : 0;
  }
  if (typeA !== "object" || typeof b !== "object" || b === null || depth > 32) return UNKNOWN;
  const objectA = a as object;
  const objectB = b as object;
  if (Array.isArray(objectA) || Array.isArray(objectB)) {
    if (!Array.isArray(objectA) || !Array.isArray(objectB)) return UNKNOWN;
    if (objectA.length !== objectB.length) return 0;
    for (let index = 0; index < objectA.length; index++) {
      const itemA = isDropped(objectA[index]) ? null : objectA[index];
      const itemB = isDropped(objectB[index]) ? null : objectB[index];
      const same = jsonSame(itemA, itemB, depth + 1);
      if (same !== 1) return same;
    }
    return 1;
  }
  if (!isPlain(objectA) || !isPlain(objectB) || "toJSON" in objectA || "toJSON" in objectB) return UNKNOWN;
  const keysA = Object.keys(objectA);
  const keysB = Object.keys(objectB);
  let indexB = 0;
  for (const key of keysA) {
    const valueA = (objectA as Record<string, unknown>)[key];
    if (isDropped(valueA)) continue;
    // The next key of b that JSON writes.
    while (indexB < keysB.length && isDropped((objectB as Record<string, unknown>)[keysB[indexB] as string])) indexB++;
    if (indexB >= keysB.length || keysB[indexB] !== key) return 0;
    const same = jsonSame(valueA, (objectB as Record<string, unknown>)[key], depth + 1);
    if (same !== 1) return same;
    indexB++;
  }
  while (indexB < keysB.length && isDropped((objectB as Record<string, unknown>)[keysB[indexB] as string])) indexB++;
  return indexB === keysB.length ? 1 : 0;
};

/** An effect's `error` field as `effectJson` writes it: an Error by name and message. */
const errorSame = (a: unknown, b: unknown): number => {
  const errorA = a instanceof Error;
  const errorB = b instanceof Error;
  if (!errorA && !errorB) return jsonSame(a, b, 1);
  if (!errorA || !errorB) return UNKNOWN;
  const nameA: unknown = a.name;
  const nameB: unknown = b.name;
  const messageA: unknown = a.message;
  const messageB: unknown = b.message;
  if (typeof nameA !== "string" || typeof nameB !== "string") return UNKNOWN;
  if (typeof messageA !== "string" || typeof messageB !== "string") return UNKNOWN;
  return nameA === nameB && messageA === messageB ? 1 : 0;
};

/**
 * 1 when `effectJson(a) === effectJson(b)` surely holds (effects without the rewritten types),
 * else UNKNOWN: only "the same" is trusted from the fast path, a difference is confirmed by
 * the texts (it is a violation, so its cost does not matter, and the verdict is the texts').
 */
const effectSame = (a: KernelEffect, b: KernelEffect): number => {
  if (!isPlain(a) || !isPlain(b)) return UNKNOWN;
  // a's keys into a reused list (for-in reads own keys in Object.keys order for a plain object):
  // two fewer arrays per compared effect.
  let count = 0;
  for (const key in a) scratchKeys[count++] = key;
  let index = 0;
  for (const key in b) {
    if (index >= count || scratchKeys[index] !== key) return UNKNOWN;
    index++;
    const valueA = (a as unknown as Record<string, unknown>)[key];
    const valueB = (b as unknown as Record<string, unknown>)[key];
    const same =
      key === "error"
        ? errorSame(valueA, valueB)
        : isDropped(valueA) && isDropped(valueB)
          ? 1
          : jsonSame(valueA, valueB, 1);
    if (same !== 1) return UNKNOWN;
  }
  return index === count ? 1 : UNKNOWN;
};

/** The keys of the effect being compared (effectSame does not nest, so one list serves). */
const scratchKeys: string[] = [];

/**
 * Whether the kernel's and the model's effects are the same, as `comparable` texts would be
 * (`comparable(actual) === comparable(expected)`), without writing JSON on the common path:
 * effects of JSON-like data are compared field by field; the rest (rejections, refusals,
 * faults, exotic values) by their texts.
 */
export const sameEffects = (actual: readonly KernelEffect[], expected: readonly KernelEffect[]): boolean => {
  if (actual.length !== expected.length) return comparable(actual) === comparable(expected);
  for (let index = 0; index < actual.length; index++) {
    const a = actual[index] as KernelEffect;
    const b = expected[index] as KernelEffect;
    let same: number;
    if (a.type !== b.type) return false;
    if (a.type === "rejected" || a.type === "refused" || a.type === "fault") same = UNKNOWN;
    else {
      try {
        same = effectSame(a, b);
      } catch {
        same = UNKNOWN;
      }
    }
    if (same !== 1 && effectJson(comparableEffect(a)) !== effectJson(comparableEffect(b))) return false;
  }
  return true;
};
