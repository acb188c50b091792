/**
 * Hostile values, by name. Timelines stay plain JSON data: they name a hostile
 * thing ("throwing-message", "nan", "bigint-type", ...) and this module builds
 * it. Every builder is a pure function of its inputs, so a replay builds the
 * same things.
 */
import type { SpawnView, UnspawnPolicy } from "@schedkit/kernel";
import type { BadNumber, HostileValue } from "../types.js";

/** The kernel's time limit (`maxTime` of @schedkit/kernel): times and intervals stay within ±8.64e15 ms. */
export const MAX_TIME = 8_640_000_000_000_000;

/** A hostile value built from its name; `label` goes into messages so failures can be told apart. */
export const hostileValue = (name: HostileValue, label: string): unknown => {
  switch (name) {
    case "error":
      return new Error(`hostile ${label}`);
    case "null-proto": {
      const value = Object.create(null) as Record<string, unknown>;
      value.label = label;
      return value;
    }
    case "throwing-to-string":
      return {
        label,
        toString: () => {
          throw new Error("toString threw");
        },
        [Symbol.toPrimitive]: () => {
          throw new Error("toPrimitive threw");
        },
      };
    case "throwing-message": {
      const error = new Error("placeholder");
      Object.defineProperty(error, "message", {
        get: () => {
          throw new Error("message getter threw");
        },
      });
      return error;
    }
    case "string":
      return `hostile ${label}`;
    case "number":
      return 42;
    case "undefined":
      return undefined;
  }
};

/** A value a hostile interval function (or option) gives. */
export const badNumber = (value: number | BadNumber): unknown => {
  if (typeof value === "number") return value;
  switch (value) {
    case "nan":
      return Number.NaN;
    case "infinity":
      return Number.POSITIVE_INFINITY;
    case "zero":
      return 0;
    case "negative":
      return -5;
    case "min-value":
      return Number.MIN_VALUE;
    case "beyond-max":
      return MAX_TIME * 2;
    case "string":
      return "100";
    case "null":
      return null;
  }
};

/** The sim's own hostile policy: a pure function of the view that throws, strays or answers. */
export const HOSTILE_POLICY = "sim:hostile";

const policyThrows: readonly HostileValue[] = ["null-proto", "throwing-to-string", "throwing-message", "error"];

export const hostilePolicy = (): UnspawnPolicy => ({
  name: HOSTILE_POLICY,
  select: (spawns) => {
    const size = spawns.size;
    if (size % 4 === 0) throw hostileValue(policyThrows[(size / 4) % policyThrows.length] as HostileValue, "policy");
    if (size % 5 === 0) return "nobody";
    if (size % 7 === 0) return undefined;
    let chosen: SpawnView | undefined;
    for (const spawn of spawns) if (chosen === undefined || spawn.inFlight < chosen.inFlight) chosen = spawn;
    return chosen?.id;
  },
});

/** Policies the simulator registers after the run's own (never the default). */
export const simPolicies = (): UnspawnPolicy[] => [hostilePolicy()];

/** Is this policy one of the simulator's hostile ones (whose failures are expected)? */
export const isSimPolicy = (name: string): boolean => name === HOSTILE_POLICY;
