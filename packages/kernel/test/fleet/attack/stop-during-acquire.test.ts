import { describe, expect, it } from "vitest";
import { constant, Fleet } from "../support/harness.js";

/**
 * A's acquire lands at the store but its reply is lost; A is told to stop meanwhile. When the
 * acquire times out A forgets it and reports `stopped` with the lease still A's on the store
 * (no release, no `leaving`): the running node B waits out the whole leaseTtl instead of taking
 * the shard at once, as a graceful stop promises (FLEET.md guarantee 5).
 */
describe("attack: stop during acquire", () => {
  it("stop - a graceful stop does not leave a lease it may have acquired for the others to wait out", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a")], shards: 1 });
    a.fate = (request) => (request.type === "acquire" ? "drop" : "deliver");
    fleet.settle(); // A scans, its acquire lands, the reply is lost
    expect(fleet.store.shards.get(0)?.lease.owner).toBe("A");
    fleet.send(a, { type: "stop" });
    fleet.runFor(10);
    const b = fleet.add({ nodeId: "B", programs: [constant("a")], shards: 1 });
    fleet.runUntilTrue(() => a.effects("stopped").length > 0);
    const stoppedAt = fleet.time;
    fleet.runUntilTrue(() => b.heldShards().includes(0), 30_000);
    // "A graceful stop() releases its leases after checkpointing, so another node takes over at once."
    expect(fleet.time - stoppedAt).toBeLessThan(3_000);
  });
});
