/** The reference model's plain helpers: messages, interval values, defaults, the random generator. */
import type { Interval, SchedkitErrorCode } from "@schedkit/kernel";
import { MAX_TIME, MIN_INTERVAL } from "./inputs.js";

/** A thrown value (or any value) as text for a message; never throws. */
export const describe = (error: unknown): string => {
  try {
    if (error instanceof Error) {
      const message: unknown = error.message;
      return typeof message === "string" ? message : show(message);
    }
    return String(error);
  } catch {
    return "<unprintable>";
  }
};

/** A value as code would write it, for messages; never throws. */
export const show = (value: unknown): string => {
  try {
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "symbol" || typeof value === "function") return String(value);
    return JSON.stringify(value) ?? String(value);
  } catch {
    try {
      return String(value);
    } catch {
      return "<unprintable>";
    }
  }
};

/** The error a bad interval value makes (shaped like the kernel's `SchedkitError`). */
export class IntervalError extends Error {
  override readonly name = "SchedkitError";
  readonly code: SchedkitErrorCode = "invalid-interval";
  readonly field: string | undefined = "interval";
}

/** Calls a dynamic interval; throws unless the value is a number of ms in [MIN_INTERVAL, MAX_TIME]. */
export const intervalValue = (interval: Interval): number => {
  const value: unknown = typeof interval === "function" ? interval() : interval;
  if (typeof value === "number" && value >= MIN_INTERVAL && value <= MAX_TIME) return value;
  throw new IntervalError(`interval: expected a number of ms from 0.001 to ${MAX_TIME}, got ${show(value)}`);
};

/** Due times older than this before now are missed, not run (ms). */
export const DEFAULT_WINDOW = 86_400_000;
/** Catch-up jobs (a spawn's second and later in one dispatch) one dispatch starts at most, over all spawns. */
export const DEFAULT_LIMIT = 10_000;
/** A wall-clock offset change up to this is noise, not a step (ms). */
export const WALL_NOISE = 100;

/** The default `mergeFn`. */
export const mergeByDefault = (state: unknown, output: unknown): unknown => {
  if (output === undefined) return state;
  const plain = (value: unknown): boolean => {
    if (typeof value !== "object" || value === null) return false;
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  };
  if (plain(state) && plain(output)) return { ...(state as object), ...(output as object) };
  return output;
};

/** mulberry32, the generator the kernel draws `delay: "random"` from. */
export const makeRandom = (seed: number) => {
  let state = seed >>> 0;
  const float = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { below: (bound: number): number => Math.floor(float() * Math.max(1, Math.floor(bound))) };
};

/** A program's generator seed: the kernel's seed XOR the FNV-1a (32-bit) hash of its id's UTF-16 code units. */
export const programSeed = (seed: number, id: string): number => {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index++) hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193);
  return (seed ^ hash) >>> 0;
};
