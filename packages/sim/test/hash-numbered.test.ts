import { describe, expect, it } from "vitest";
import { continueHash32, continueHash32Decimal, draw, drawNumbered, hash32Prefix } from "../src/internal/hash.js";

const numbers = [
  0,
  1,
  9,
  10,
  99,
  100,
  101,
  1234,
  99_999,
  100_000,
  1_700_000_000_123,
  2 ** 31,
  2 ** 32 + 7,
  Number.MAX_SAFE_INTEGER,
  // Not whole or not safe: by their strings.
  -1,
  -0,
  0.5,
  1e-7,
  12.25,
  2 ** 53,
  1e21,
  Number.NaN,
  Number.POSITIVE_INFINITY,
];

describe("continueHash32Decimal", () => {
  it("continueHash32Decimal - the same state as folding String(n)", () => {
    for (const seed of [0, 1, 42, 0xffffffff]) {
      const state = hash32Prefix(seed, "job-7@");
      for (const n of numbers)
        expect(continueHash32Decimal(state, n), String(n)).toBe(continueHash32(state, String(n)));
    }
  });

  it("continueHash32Decimal - every whole number up to 20,000 and around powers of ten", () => {
    const state = hash32Prefix(3, "x");
    const around = [1e3, 1e6, 1e9, 1e12, 1e15].flatMap((power) => [power - 1, power, power + 1]);
    for (let n = 0; n <= 20_000; n++) expect(continueHash32Decimal(state, n)).toBe(continueHash32(state, String(n)));
    for (const n of around) expect(continueHash32Decimal(state, n)).toBe(continueHash32(state, String(n)));
  });
});

describe("drawNumbered", () => {
  it("drawNumbered - equals draw(seed, prefix + n)", () => {
    for (const seed of [1, 2, 1234567]) {
      for (const prefix of ["wake:", "lag:", "batch:", "bad:", ""]) {
        for (const n of numbers) expect(drawNumbered(seed, prefix, n)).toBe(draw(seed, `${prefix}${n}`));
      }
    }
  });
});
