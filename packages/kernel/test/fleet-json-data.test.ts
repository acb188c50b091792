import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonOutcome, toJsonData } from "../src/fleet/internal/jsonData.js";

/** What the log keeps of a value: the JSON round trip the fast path stands in for. */
const roundTrip = (value: unknown): unknown => {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
};

describe("fleet jsonData", () => {
  it("toJsonData - a number, string, boolean or null comes back as the JSON round trip gives it", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(-0)),
        (value) => {
          expect(Object.is(toJsonData(value), roundTrip(value))).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
    expect(toJsonData(Number.NaN)).toBeNull();
    expect(toJsonData(Number.POSITIVE_INFINITY)).toBeNull();
    expect(Object.is(toJsonData(-0), 0)).toBe(true);
  });

  it("toJsonData - plain objects come back as the round trip gives them; errors and bigints are converted, also nested", () => {
    expect(toJsonData({ a: 1, b: undefined })).toEqual({ a: 1 });
    expect(toJsonData({ list: [1, undefined, Number.NaN], inner: { s: "x" } })).toEqual({
      list: [1, null, null],
      inner: { s: "x" },
    });
    expect(toJsonData({ n: 5n, e: new Error("inner") })).toEqual({ n: "5", e: { name: "Error", message: "inner" } });
    expect(toJsonData(new Error("boom"))).toEqual({ name: "Error", message: "boom" });
    expect(toJsonData(12n)).toBe("12");
    expect(jsonOutcome({ ok: true, value: 3 })).toEqual({ ok: true, value: 3 });
    expect(jsonOutcome({ ok: false, error: { message: "failed" } })).toEqual({
      ok: false,
      error: { message: "failed" },
    });
  });
});
