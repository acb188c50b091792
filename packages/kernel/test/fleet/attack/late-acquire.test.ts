import { describe, expect, it } from "vitest";
import type { StoreRequest } from "../../../src/fleet/index.js";
import { constant, Fleet, submit } from "../support/harness.js";

/**
 * A's first acquire is slow to reach the store (a lock wait, a queue in a pooler): A times it
 * out after requestTimeout, its next scan acquires the shard again (epoch 1) and A runs jobs.
 * Then the first acquire lands. The store's acquire takes a lease that is "already ours" with a
 * new epoch, so the stale request bumps the epoch to 2 under A's live run: A's next write is
 * refused, A cancels its running job, re-acquires (epoch 3) and runs the same fire again, on the
 * same node, with no change of owner.
 */
describe("attack: late duplicate acquire", () => {
  it("acquire - a request timed out and delivered late does not take the node's own lease from under its live run", () => {
    const fleet = new Fleet();
    const a = fleet.add({ nodeId: "A", programs: [constant("a", 1_000)], shards: 1, jobs: "manual" });
    let late: StoreRequest | undefined;
    a.fate = (request) => {
      if (request.type === "acquire" && late === undefined) {
        late = request;
        return "lose"; // held back: it reaches the store later, below
      }
      return "deliver";
    };
    fleet.settle();
    fleet.runUntilTrue(() => a.heldShards().includes(0));
    expect(fleet.store.shards.get(0)?.lease.epoch).toBe(1);
    submit(fleet, a, "c1", { type: "spawn", programId: "a" });
    fleet.runUntilTrue(() => a.running.size > 0);
    const job = [...a.running.values()][0];
    if (job === undefined || late === undefined) throw new Error("setup");

    // The held-back acquire arrives now, while A runs `job` under epoch 1.
    fleet.store.apply(late);
    fleet.runFor(20_000);

    const runsOfFire = a.runs().filter((run) => run.fireId === job.fireId);
    const lost = a.effects("lost").map((seen) => seen.effect);
    // One owner throughout (A), so a fire must not run twice (at-least-once reruns only across a change of owner).
    expect(lost).toEqual([]);
    expect(runsOfFire.length).toBe(1);
  });
});
