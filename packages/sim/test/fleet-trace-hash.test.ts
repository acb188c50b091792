import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { drawParts, hashParts, TraceHash } from "../src/fleet/traceHash.js";
import { draw, hash32 } from "../src/internal/hash.js";

describe("fleet traceHash", () => {
  it("hashParts - the hash of the joined string, whatever the pieces", () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (seed, parts) => {
        const [a = "", b, c, d, e] = parts;
        expect(hashParts(seed, a, b, c, d, e)).toBe(hash32(seed, parts.join("")));
        expect(drawParts(seed, a, b, c, d, e)).toBe(draw(seed, parts.join("")));
      }),
    );
  });

  it("add - a record in pieces folds in as the joined record does", () => {
    // The two hashes as the world kept them before records came in pieces.
    let first = 0x811c9dc5;
    let second = 0x12345678;
    const trace = new TraceHash();
    for (const [a, b, c, d] of [
      ["q|", "n1:7", "|", "renew"],
      ["run|", "n0", "|", "reports/s-1/1800000000100"],
      ["t|", "12.5", "|", "crash"],
    ] as const) {
      const text = `${a}${b}${c}${d}`;
      first = hash32(first, text);
      second = hash32(second ^ 0x5bd1e995, text);
      trace.add(a, b, c, d);
    }
    const hex = (value: number) => (value >>> 0).toString(16).padStart(8, "0");
    expect(trace.hex()).toBe(`${hex(first)}${hex(second)}`);
    expect(new TraceHash().hex()).toBe(`${hex(0x811c9dc5)}${hex(0x12345678)}`);
  });
});
