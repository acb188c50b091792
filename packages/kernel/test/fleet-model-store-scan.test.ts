import { describe, expect, it } from "vitest";
import { createModelStore, type StoreReply } from "../src/fleet/index.js";

const scanned = (reply: StoreReply) => {
  if (reply.type !== "scanned") throw new Error(`expected scanned, got ${reply.type}`);
  return reply;
};

describe("modelStore scan order", () => {
  it("scan - lists leases by shard number whatever order the shards were first used in, as they are now", () => {
    let now = 1_000;
    const store = createModelStore({ clock: () => now });
    const acquire = (shard: number, node: string) =>
      store.apply({ type: "acquire", shard, node, session: node, ttl: 10_000, fingerprints: {} });
    acquire(5, "A");
    acquire(2, "B");
    acquire(9, "A");
    expect(scanned(store.apply({ type: "scan", node: "A", ttl: 6_000 })).leases.map((lease) => lease.shard)).toEqual([
      2, 5, 9,
    ]);
    // A shard used for the first time after a scan takes its place in the order.
    acquire(0, "B");
    store.apply({ type: "submit", shard: 7, node: "A", commandId: "c1", command: { type: "tick" } as never });
    now += 100;
    store.apply({ type: "renew", shard: 5, node: "A", epoch: 1, ttl: 10_000 });
    const leases = scanned(store.apply({ type: "scan", node: "A", ttl: 6_000 })).leases;
    expect(leases.map((lease) => lease.shard)).toEqual([0, 2, 5, 7, 9]);
    // The leases are the current ones, not those of the scan before.
    expect(leases.find((lease) => lease.shard === 5)?.expiresAt).toBe(now + 10_000);
    expect(leases.find((lease) => lease.shard === 7)?.owner).toBeNull();
    expect(leases).toEqual([...store.shards.values()].map((record) => record.lease).sort((a, b) => a.shard - b.shard));
  });
});
