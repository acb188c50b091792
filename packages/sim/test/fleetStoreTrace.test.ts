import { isDeepStrictEqual } from "node:util";
import { createModelStore } from "@schedkit/kernel/fleet";
import { describe, expect, it } from "vitest";
import { type FleetStoreRecord, simulateFleet } from "../src/index.js";

// Faults that drop requests on their way (partitions) and lose replies of applied ones
// (partitions, lostAcks), and ones that make late copies arrive (slowStore).
const cases = [
  { seed: 3, faults: ["partitions", "lostAcks", "slowStore"] as const },
  { seed: 11, faults: "swarm" as const },
];

describe("simulateFleet recordStore", () => {
  it("simulateFleet - recordStore changes nothing of the run, and is absent when off", { timeout: 60_000 }, () => {
    for (const { seed, faults } of cases) {
      const off = simulateFleet({ seed, steps: 300, faults, shrink: false });
      const { storeTrace, ...on } = simulateFleet({ seed, steps: 300, faults, shrink: false, recordStore: true });
      expect(off).not.toHaveProperty("storeTrace");
      expect(storeTrace?.length, `seed ${seed}`).toBeGreaterThan(1_000);
      expect(on, `seed ${seed}`).toStrictEqual(off);
      expect(simulateFleet({ seed, steps: 300, faults, shrink: false, recordStore: false })).toStrictEqual(off);
    }
  });

  it("simulateFleet - the trace replayed on a fresh model store gives every reply again, in order", {
    timeout: 60_000,
  }, () => {
    for (const { seed, faults } of cases) {
      const result = simulateFleet({ seed, steps: 300, faults, determinism: false, shrink: false, recordStore: true });
      const trace: readonly FleetStoreRecord[] = result.storeTrace ?? [];
      let time = 0;
      const model = createModelStore({ clock: () => time });
      let last = Number.NEGATIVE_INFINITY;
      for (const [index, record] of trace.entries()) {
        expect(record.at, `record ${index}`).toBeGreaterThanOrEqual(last);
        expect(record.reply.now, `record ${index}`).toBe(record.at);
        last = record.at;
        time = record.at;
        const reply = model.apply(record.request);
        if (!isDeepStrictEqual(reply, record.reply)) {
          expect(reply, `seed ${seed}, record ${index}: ${JSON.stringify(record.request)}`).toStrictEqual(record.reply);
        }
      }
      // Applied requests whose reply was lost are in the trace, flagged; the fires are the run's.
      expect(trace.filter((record) => record.replyLost).length).toBe(result.coverage.lostReplies);
      expect(result.coverage.lostReplies, `seed ${seed}`).toBeGreaterThan(0);
      expect(model.fires.size).toBe(result.coverage.fires);
      expect(model.stats.staleWritesRefused).toBe(result.coverage.staleWritesRefused);
      expect(model.stats.retriedAppends).toBe(result.coverage.retriedAppends);
    }
  });
});
