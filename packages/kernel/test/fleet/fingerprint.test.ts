import { describe, expect, it } from "vitest";
import { fingerprintOf, fingerprintVerdict, fnv1a32, shardOf } from "../../src/fleet/index.js";
import type { ProgramSpec } from "../../src/index.js";

const spec = (overrides: Partial<ProgramSpec> = {}): ProgramSpec => ({
  id: "report",
  type: "constant",
  interval: 60_000,
  mainFn: () => 1,
  ...overrides,
});

describe("fnv1a32", () => {
  it("fnv1a32 - matches the published FNV-1a 32-bit vectors", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });

  it("fnv1a32 - hashes the UTF-8 bytes, not UTF-16 code units", () => {
    // "é" is one UTF-16 unit but two UTF-8 bytes (0xc3 0xa9): hash them by hand.
    let hash = 0x811c9dc5;
    for (const byte of [0xc3, 0xa9]) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    expect(fnv1a32("é")).toBe(hash);
  });

  it("fnv1a32 - is an unsigned 32-bit integer", () => {
    for (const text of ["", "a", "report", "x".repeat(1000), "日本語"]) {
      const hash = fnv1a32(text);
      expect(Number.isInteger(hash)).toBe(true);
      expect(hash).toBeGreaterThanOrEqual(0);
      expect(hash).toBeLessThan(2 ** 32);
    }
  });
});

describe("shardOf", () => {
  it("shardOf - is fnv1a32(programId) % shards, the same at every call", () => {
    expect(shardOf("a", 64)).toBe(0xe40c292c % 64);
    expect(shardOf("a", 4)).toBe(0);
    expect(shardOf("b", 4)).toBe(1);
    expect(shardOf("c", 4)).toBe(2);
    expect(shardOf("d", 4)).toBe(3);
    for (const id of ["report", "cleanup", "mail"]) {
      expect(shardOf(id, 64)).toBe(shardOf(id, 64));
      expect(shardOf(id, 64)).toBe(fnv1a32(id) % 64);
    }
  });

  it("shardOf - one shard puts every program on shard 0", () => {
    for (const id of ["a", "b", "report"]) expect(shardOf(id, 1)).toBe(0);
  });
});

describe("fingerprintOf", () => {
  it("fingerprintOf - ignores the bodies of functions", () => {
    const one = fingerprintOf(spec({ mainFn: () => 1, successFn: (value: unknown) => value }));
    const two = fingerprintOf(spec({ mainFn: () => 2, successFn: () => "other" }));
    expect(two).toEqual(one);
  });

  it("fingerprintOf - a hook added or removed changes the hash", () => {
    const plain = fingerprintOf(spec());
    const withHook = fingerprintOf(spec({ successFn: (value: unknown) => value }));
    expect(withHook.hash).not.toBe(plain.hash);
    const otherHook = fingerprintOf(spec({ errorFn: () => 0 }));
    expect(otherHook.hash).not.toBe(withHook.hash);
  });

  it("fingerprintOf - a changed data field changes the hash", () => {
    expect(fingerprintOf(spec({ interval: 30_000 })).hash).not.toBe(fingerprintOf(spec()).hash);
    expect(fingerprintOf(spec({ meta: { a: 1 } })).hash).not.toBe(fingerprintOf(spec({ meta: { a: 2 } })).hash);
  });

  it("fingerprintOf - the order of keys does not matter", () => {
    const a = fingerprintOf({ id: "x", interval: 5, type: "basic", meta: { b: 1, a: 2 }, mainFn: () => 0 });
    const b = fingerprintOf({ mainFn: () => 0, meta: { a: 2, b: 1 }, type: "basic", interval: 5, id: "x" });
    expect(b).toEqual(a);
  });

  it("fingerprintOf - an undefined field counts as absent", () => {
    // A spec built from JavaScript (or a spread of optional fields) may carry an explicit undefined.
    const withUndefined = { ...spec(), max: undefined } as unknown as ProgramSpec;
    expect(fingerprintOf(withUndefined)).toEqual(fingerprintOf(spec()));
  });

  it("fingerprintOf - keeps version out of the hash and reports it separately", () => {
    const v1 = fingerprintOf(spec({ version: 1 }));
    const v2 = fingerprintOf(spec({ version: 2 }));
    const none = fingerprintOf(spec());
    expect(v1.hash).toBe(v2.hash);
    expect(v1.hash).toBe(none.hash);
    expect(v1.version).toBe(1);
    expect(v2.version).toBe(2);
    expect(none.version).toBeNull();
    expect(fingerprintOf(spec({ version: "2026.1" })).version).toBe("2026.1");
  });
});

describe("fingerprintVerdict", () => {
  const v = (version: number | string | null, hash = "h1") => ({ hash, version });

  it("fingerprintVerdict - an empty store agrees and takes ours", () => {
    const ours = { report: v(1) };
    expect(fingerprintVerdict({}, ours)).toEqual({ ok: true, merged: ours });
  });

  it("fingerprintVerdict - equal fingerprints agree", () => {
    expect(fingerprintVerdict({ report: v(1) }, { report: v(1) })).toEqual({ ok: true, merged: { report: v(1) } });
  });

  it("fingerprintVerdict - a program the store does not know yet is new", () => {
    const verdict = fingerprintVerdict({ report: v(1) }, { report: v(1), mail: v(1, "h2") });
    expect(verdict).toEqual({ ok: true, merged: { report: v(1), mail: v(1, "h2") } });
  });

  it("fingerprintVerdict - a newer version upgrades, whatever the hash", () => {
    expect(fingerprintVerdict({ report: v(1) }, { report: v(2, "h2") })).toEqual({
      ok: true,
      merged: { report: v(2, "h2") },
    });
    // Versions compare numerically inside strings; a version beats none.
    expect(fingerprintVerdict({ report: v("1.9") }, { report: v("1.10", "h2") }).ok).toBe(true);
    expect(fingerprintVerdict({ report: v(null) }, { report: v(1, "h2") }).ok).toBe(true);
  });

  it("fingerprintVerdict - an older version is refused as older", () => {
    expect(fingerprintVerdict({ report: v(2) }, { report: v(1) })).toEqual({
      ok: false,
      problems: [{ programId: "report", reason: "older", stored: v(2), ours: v(1) }],
    });
    expect(fingerprintVerdict({ report: v(1) }, { report: v(null) })).toMatchObject({
      ok: false,
      problems: [{ reason: "older" }],
    });
  });

  it("fingerprintVerdict - the same version with another spec is refused as changed", () => {
    expect(fingerprintVerdict({ report: v(1) }, { report: v(1, "h2") })).toEqual({
      ok: false,
      problems: [{ programId: "report", reason: "changed", stored: v(1), ours: v(1, "h2") }],
    });
    expect(fingerprintVerdict({ report: v(null) }, { report: v(null, "h2") })).toMatchObject({
      ok: false,
      problems: [{ reason: "changed" }],
    });
  });

  it("fingerprintVerdict - a program the store holds and this node lacks is refused as missing", () => {
    expect(fingerprintVerdict({ report: v(1), mail: v(1, "h2") }, { report: v(1) })).toEqual({
      ok: false,
      problems: [{ programId: "mail", reason: "missing", stored: v(1, "h2"), ours: null }],
    });
  });

  it("fingerprintVerdict - lists every problem", () => {
    const verdict = fingerprintVerdict({ a: v(1), b: v(2), c: v(1) }, { a: v(1, "other"), b: v(1) });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.problems.map((problem) => [problem.programId, problem.reason]).sort()).toEqual([
      ["a", "changed"],
      ["b", "older"],
      ["c", "missing"],
    ]);
  });

  it("fingerprintVerdict - fingerprints from fingerprintOf agree across two nodes with the same spec", () => {
    const ours = { report: fingerprintOf(spec({ version: 3 })) };
    const theirs = { report: fingerprintOf(spec({ version: 3, mainFn: () => "another body" })) };
    expect(fingerprintVerdict(theirs, ours).ok).toBe(true);
  });
});
