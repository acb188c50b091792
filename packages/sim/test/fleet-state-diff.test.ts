import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstDifference, normalise, sameState } from "../src/fleet/stateDiff.js";

/** The check as it was: normalise both, then look for a difference. */
const differs = (a: unknown, b: unknown) => firstDifference(normalise(a), normalise(b)) !== undefined;

/** JSON data with the keys each kernel numbers on its own among the others. */
const state = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom("a", "b", ""), fc.boolean(), fc.constant(null)),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("seq", "jobId", "now", "spawns", "x", "y"), tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("fleet stateDiff", () => {
  it("sameState - agrees with normalise and firstDifference on any pair of JSON states", () => {
    fc.assert(
      fc.property(state, state, (a, b) => {
        expect(sameState(a, b)).toBe(!differs(a, b));
        expect(sameState(a, structuredClone(a))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("sameState - ignores seq and jobId in objects, and the order of keys", () => {
    expect(sameState({ seq: 1, jobId: "j1", now: 5, x: [1] }, { x: [1], now: 5, seq: 9, jobId: "j7" })).toBe(true);
    expect(sameState({ seq: 1, now: 5 }, { now: 6 })).toBe(false);
    // A key only one side has counts unless its value is undefined, as in the normalised copies.
    expect(sameState({ now: 5 }, { now: 5, extra: 0 })).toBe(false);
    expect(sameState({ now: 5 }, { now: 5, extra: undefined })).toBe(true);
    expect(sameState([1, 2], [1, 2, 3])).toBe(false);
    expect(sameState([{ seq: 1 }], [{ seq: 2 }])).toBe(true);
    expect(sameState(Number.NaN, Number.NaN)).toBe(!differs(Number.NaN, Number.NaN));
  });
});
