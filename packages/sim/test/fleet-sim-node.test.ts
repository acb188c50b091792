import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { monoOf, newSimNode, whenMonoReads } from "../src/fleet/world/simNode.js";

describe("fleet simNode", () => {
  it("whenMonoReads - the node's monotonic clock reads at least the asked value then, never earlier than now", () => {
    fc.assert(
      fc.property(
        fc.nat(7),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (index, anchorT, rate, now, ahead) => {
          const node = newSimNode(index);
          node.anchorT = anchorT;
          node.rate = rate;
          const mono = monoOf(node, Math.max(now, anchorT)) + ahead;
          const at = whenMonoReads(node, mono, now);
          expect(at).toBeGreaterThanOrEqual(now);
          expect(monoOf(node, at)).toBeGreaterThanOrEqual(mono);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("whenMonoReads - a reading already passed wakes at now", () => {
    const node = newSimNode(0);
    expect(whenMonoReads(node, monoOf(node, 50) - 1, 50)).toBe(50);
  });
});
