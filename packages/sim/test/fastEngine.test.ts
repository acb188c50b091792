import type { KernelEffect, UnspawnPolicy } from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { replay, scenarioNames, simulate } from "../src/index.js";
import { comparable, sameEffects } from "../src/internal/compareEffects.js";
import { EffectHash } from "../src/internal/effectHash.js";
import { runTimeline } from "../src/internal/engine.js";
import { generateTimeline } from "../src/internal/generate.js";
import { coin } from "./fixtures/random-policy.js";

const digestOf = (effects: readonly object[]): string => {
  const hash = new EffectHash();
  for (const effect of effects) hash.add(effect);
  return hash.digest();
};

/** JSON-like values, with the kinds of leaves effects carry (and some they should not). */
const leaf = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const data = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom("a", "b", "value", "error", "type"), tie("value"), { maxKeys: 3 }),
}));
const effect = fc.record({
  type: fc.constantFrom("run", "settled", "wake", "spawned"),
  jobId: fc.string({ maxLength: 4 }),
  at: fc.oneof(fc.integer(), fc.double()),
  value: data.value,
});

/** The effects of a few real runs (every effect type the scenarios make). */
const realEffects = (): KernelEffect[] => {
  const effects: KernelEffect[] = [];
  for (const scenario of scenarioNames) {
    const timeline = generateTimeline({ seed: 3, scenario, steps: 150, faults: "swarm", policies: ["last", "first"] });
    runTimeline({ timeline, policies: [lifo(), fifo()], checks: false, record: (each) => effects.push(each) });
  }
  return effects;
};

/** A copy through JSON (errors and functions come out as JSON writes them), or the effects when they are not JSON data. */
const jsonCopy = (effects: readonly KernelEffect[]): KernelEffect[] => {
  try {
    return JSON.parse(JSON.stringify(effects));
  } catch {
    return [...effects];
  }
};

describe("trace hash (version 2)", () => {
  it("EffectHash - effects whose JSON differs hash differently, copies the same", () => {
    fc.assert(
      fc.property(fc.array(effect, { maxLength: 4 }), fc.array(effect, { maxLength: 4 }), (a, b) => {
        // The hash tells apart at least what the JSON text did (it may tell apart more: NaN from null).
        if (JSON.stringify(a) !== JSON.stringify(b)) expect(digestOf(a)).not.toBe(digestOf(b));
        expect(digestOf(structuredClone(a))).toBe(digestOf(a));
      }),
      { numRuns: 2_000 },
    );
  });

  it("EffectHash - a change of any one field of a real trace, nested ones too, changes the hash", () => {
    const effects = realEffects().slice(0, 3_000);
    const base = digestOf(effects);
    const changed = new Set<string>();
    effects.forEach((each, index) => {
      if (index % 7 !== 0) return;
      for (const key of Object.keys(each)) {
        const value = (each as unknown as Record<string, unknown>)[key];
        const other =
          typeof value === "number"
            ? value + 1
            : typeof value === "string"
              ? `${value}x`
              : value === null
                ? 0
                : typeof value === "object"
                  ? { ...(value as object), extra: 1 }
                  : "other";
        const copy = [...effects];
        copy[index] = { ...each, [key]: other } as KernelEffect;
        const digest = digestOf(copy);
        expect(digest).not.toBe(base);
        changed.add(digest);
      }
    });
    // Every change gave its own hash.
    expect(changed.size).toBeGreaterThan(1_000);
  });

  it("EffectHash - hostile values (BigInt, a cycle, a throwing getter) hash without throwing, the same each time", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const throwing = Object.defineProperty({}, "x", {
      enumerable: true,
      get: () => {
        throw new Error("no");
      },
    });
    const hostile = [
      { type: "settled", value: 10n },
      { type: "settled", value: cyclic },
      { type: "fault", error: throwing },
      { type: "settled", value: Object.create(null) },
      { type: "settled", error: new Error("boom") },
    ];
    expect(digestOf(hostile)).toBe(digestOf(hostile));
    expect(digestOf(hostile)).toMatch(/^[0-9a-f]{64}$/);
    expect(digestOf([{ error: new Error("a") }])).not.toBe(digestOf([{ error: new Error("b") }]));
  });
});

describe("kernel-model comparison", () => {
  it("sameEffects - agrees with comparing the comparable texts, over generated effects", () => {
    fc.assert(
      fc.property(fc.array(effect, { maxLength: 3 }), fc.array(effect, { maxLength: 3 }), (a, b) => {
        const effectsA = a as unknown as KernelEffect[];
        const effectsB = b as unknown as KernelEffect[];
        expect(sameEffects(effectsA, effectsB)).toBe(comparable(effectsA) === comparable(effectsB));
        expect(sameEffects(effectsA, structuredClone(effectsA))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("sameEffects - agrees with the texts on real effects and on each of them changed", () => {
    const effects = realEffects();
    let differ = 0;
    for (let index = 0; index + 1 < effects.length; index += 3) {
      const pair = effects.slice(index, index + 2);
      const shifted = effects.slice(index + 1, index + 3);
      const copy = pair.map((each) => ({ ...each, at: "at" in each ? (each.at ?? 0) : 0 }) as KernelEffect);
      for (const other of [pair, shifted, copy, pair.map((each) => ({ ...each }) as KernelEffect), jsonCopy(pair)]) {
        const texts = comparable(pair) === comparable(other);
        expect(sameEffects(pair, other)).toBe(texts);
        if (!texts) differ++;
      }
    }
    expect(differ).toBeGreaterThan(100);
  });
});

describe("checks: determinism-only", () => {
  it("simulate determinism-only - the same trace as a full run, no model or invariant checks, the mode reported", () => {
    for (const scenario of ["worker-pool", "mix", "hostile"] as const) {
      const full = simulate({ seed: 4, scenario, steps: 600 });
      const quick = simulate({ seed: 4, scenario, steps: 600, checks: "determinism-only" });
      expect(quick.traceHash).toBe(full.traceHash);
      expect(full.checksMode).toBe("full");
      expect(quick.checksMode).toBe("determinism-only");
      expect(quick.violations).toEqual([]);
      expect(quick.checks.determinism).toBe(1);
      expect(quick.checks.model).toBeUndefined();
      expect(full.checks.model).toBeGreaterThan(0);
    }
  });

  it("simulate determinism-only - a policy that draws randomness is still caught", () => {
    const result = simulate({
      seed: 6,
      scenario: "dynamic-scaling",
      steps: 3000,
      faults: "none",
      policies: [coin as UnspawnPolicy],
      checks: "determinism-only",
      shrink: false,
    });
    expect(result.violations.map((violation) => violation.check)).toContain("determinism");
  });

  it("simulate - refuses an unknown checks mode", () => {
    expect(() => simulate({ seed: 1, checks: "some" as "full" })).toThrow(/options.checks/);
  });
});

describe("recorded trace hashes", () => {
  it("replay - a file recorded with the version 1 hash (SHA-256 of JSON, no traceHashVersion) still compares", () => {
    const timeline = generateTimeline({
      seed: 2,
      scenario: "stats",
      steps: 300,
      faults: "swarm",
      policies: ["last", "first"],
    });
    const old = runTimeline({ timeline, policies: [lifo(), fifo()], checks: false, traceHashVersion: 1 }).traceHash;
    const recorded = JSON.parse(JSON.stringify({ ...timeline, traceHash: old }));
    const replayed = replay(recorded);
    expect(replayed.traceHash).toBe(old);
    expect(replayed.violations).toEqual([]);
    const wrong = replay({ ...recorded, traceHash: "0".repeat(64) });
    expect(wrong.violations[0]?.check).toBe("trace-hash");
  });

  it("replay - a file recorded now carries traceHashVersion 2 and compares with the version 2 hash", () => {
    const timeline = generateTimeline({
      seed: 2,
      scenario: "stats",
      steps: 300,
      faults: "swarm",
      policies: ["last", "first"],
    });
    const now = simulate({ seed: 2, scenario: "stats", steps: 300, faults: "swarm" });
    expect(now.timeline).toEqual(timeline);
    const recorded = { ...timeline, traceHash: now.traceHash, traceHashVersion: 2 as const };
    const replayed = replay(JSON.parse(JSON.stringify(recorded)));
    expect(replayed.traceHash).toBe(now.traceHash);
    expect(replayed.violations).toEqual([]);
    // The same trace in version 1 is another hash: the version says which one to compute.
    expect(
      runTimeline({ timeline, policies: [lifo(), fifo()], checks: false, traceHashVersion: 1 }).traceHash,
    ).not.toBe(now.traceHash);
  });
});
