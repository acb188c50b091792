import { describe, expect, it } from "vitest";
import { constant, Fleet, submit } from "../support/harness.js";

/**
 * The store answers every request, but 1,200 ms later (requestTimeout is 1,000; leaseTtl 10,000).
 * Each renew lands and extends the lease on the store's clock, but its reply comes after the
 * coordinator gave up on it, so the node never moves its deadline: it holds the lease for good and
 * starts nothing. No other node can take the shard (the lease is valid), and the acknowledged-late
 * replies would each have proven the lease until sentAt + leaseTtl - safetyMargin.
 */
describe("attack: slow replies", () => {
  it("renew - a store that answers within the lease but after requestTimeout still lets the owner run its jobs", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a", 1_000)], shards: 1 });
    fleet.settle();
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runFor(5_000);
    const before = a.runs().length;
    expect(before).toBeGreaterThan(0);

    a.fate = () => ({ delay: 1_200 });
    fleet.runFor(60_000);
    const lease = fleet.store.shards.get(0)?.lease;
    const held = a.coordinator.held()[0];
    // The lease is A's on the store's clock...
    expect(lease?.owner).toBe("A");
    expect(lease?.expiresAt ?? 0).toBeGreaterThan(fleet.time);
    // ...so A, the only node that may run the shard, must not be paused for a minute.
    expect(held?.paused).toBe(false);
    expect(a.runs().length - before).toBeGreaterThan(30);
  });
});
