import { describe, expect, it } from "vitest";
import {
  createModelStore,
  type FireRecord,
  type LogEntry,
  type StoreReply,
  type StoreRequest,
} from "../../src/fleet/index.js";

const TTL = 10_000;

const setup = () => {
  let now = 1_000;
  const store = createModelStore({ clock: () => now });
  return {
    store,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
};

type Store = ReturnType<typeof setup>["store"];

const acquire = (store: Store, node: string, shard = 0, fingerprints = {}, session = node) =>
  store.apply({ type: "acquire", shard, node, session, ttl: TTL, fingerprints });

const expectType = <T extends StoreReply["type"]>(reply: StoreReply, type: T): Extract<StoreReply, { type: T }> => {
  expect(reply.type).toBe(type);
  return reply as Extract<StoreReply, { type: T }>;
};

const tick = (seq: number, epoch = 1): LogEntry => ({ seq, at: 5_000 + seq, epoch, command: { type: "tick" } });

const fire = (fireId: string, epoch = 1, node = "A"): FireRecord => ({
  fireId,
  shard: 0,
  programId: "p",
  spawnId: "p-1",
  scheduledAt: 2_000,
  startedAt: 2_000,
  epoch,
  node,
});

const append = (
  node: string,
  epoch: number,
  entries: readonly LogEntry[],
  extra: Partial<Extract<StoreRequest, { type: "append" }>> = {},
): Extract<StoreRequest, { type: "append" }> => ({
  type: "append",
  shard: 0,
  node,
  epoch,
  entries,
  fires: [],
  answers: [],
  cancelled: [],
  inboxCursor: 0,
  checkpoint: null,
  ...extra,
});

describe("modelStore acquire", () => {
  it("acquire - a shard never held is taken at epoch 1, expiring ttl from the store's now", () => {
    const { store, now } = setup();
    const reply = expectType(acquire(store, "A"), "acquired");
    expect(reply.lease).toEqual({ shard: 0, owner: "A", epoch: 1, expiresAt: now() + TTL });
    expect(reply.previousOwner).toBeNull();
    expect(reply.checkpoint).toBeNull();
    expect(reply.log).toEqual([]);
    expect(reply.inboxCursor).toBe(0);
    expect(store.stats.acquisitions).toBe(1);
    expect(store.stats.takeovers).toBe(0);
  });

  it("acquire - a lease another node holds is busy until it expires", () => {
    const { store, advance } = setup();
    acquire(store, "A");
    const busy = expectType(acquire(store, "B"), "busy");
    expect(busy.lease.owner).toBe("A");
    advance(TTL - 1);
    expect(acquire(store, "B").type).toBe("busy");
    expect(store.shards.get(0)?.lease.epoch).toBe(1);
  });

  it("acquire - an expired lease goes to the new node at the next epoch, naming the previous owner", () => {
    const { store, advance, now } = setup();
    acquire(store, "A");
    advance(TTL);
    const reply = expectType(acquire(store, "B"), "acquired");
    expect(reply.lease).toEqual({ shard: 0, owner: "B", epoch: 2, expiresAt: now() + TTL });
    expect(reply.previousOwner).toBe("A");
    expect(store.stats.takeovers).toBe(1);
  });

  it("acquire - the same session acquiring again keeps its epoch (a late copy of its acquire fences nothing)", () => {
    const { store } = setup();
    expect(expectType(acquire(store, "A"), "acquired").lease.epoch).toBe(1);
    const again = expectType(acquire(store, "A"), "acquired");
    expect(again.lease.epoch).toBe(1);
    expect(again.previousOwner).toBeNull();
    expect(store.stats.takeovers).toBe(0);
    expect(store.apply(append("A", 1, [tick(1)])).type).toBe("appended");
  });

  it("acquire - the same node in a new session (a restarted process) gets the next epoch, fencing its old life", () => {
    const { store } = setup();
    expect(expectType(acquire(store, "A", 0, {}, "A#1"), "acquired").lease.epoch).toBe(1);
    const again = expectType(acquire(store, "A", 0, {}, "A#2"), "acquired");
    expect(again.lease.epoch).toBe(2);
    expect(again.previousOwner).toBeNull();
    // The epoch-1 writer is fenced now.
    expect(store.apply(append("A", 1, [tick(1)])).type).toBe("stale-epoch");
    expect(store.apply(append("A", 2, [tick(1, 2)])).type).toBe("appended");
  });

  it("acquire - a released lease is free at once", () => {
    const { store } = setup();
    acquire(store, "A");
    expect(store.apply({ type: "release", shard: 0, node: "A", epoch: 1, session: "A", leaving: false }).type).toBe(
      "released",
    );
    const reply = expectType(acquire(store, "B"), "acquired");
    expect(reply.lease.epoch).toBe(2);
    expect(reply.previousOwner).toBe("A");
  });

  it("acquire - answers the checkpoint and only the entries after it", () => {
    const { store } = setup();
    acquire(store, "A");
    const checkpoint = { seq: 2, at: 5_002, epoch: 1, programs: { p: { x: 1 } }, waiting: {}, removed: [] };
    store.apply(append("A", 1, [tick(1), tick(2)], { checkpoint }));
    store.apply(append("A", 1, [tick(3)]));
    store.apply({ type: "release", shard: 0, node: "A", epoch: 1, session: "A", leaving: false });
    const reply = expectType(acquire(store, "B"), "acquired");
    expect(reply.checkpoint).toEqual(checkpoint);
    expect(reply.log.map((entry) => entry.seq)).toEqual([3]);
  });

  it("acquire - refused with deploy-skew when fingerprints disagree, and the lease is untouched", () => {
    const { store } = setup();
    acquire(store, "A", 0, { p: { hash: "h1", version: 1 } });
    store.apply({ type: "release", shard: 0, node: "A", epoch: 1, session: "A", leaving: false });
    const reply = expectType(acquire(store, "B", 0, { p: { hash: "h2", version: 1 } }), "deploy-skew");
    expect(reply.problems).toEqual([
      { programId: "p", reason: "changed", stored: { hash: "h1", version: 1 }, ours: { hash: "h2", version: 1 } },
    ]);
    expect(store.shards.get(0)?.lease.owner).toBe("A");
    expect(store.shards.get(0)?.lease.epoch).toBe(1);
    expect(store.stats.deploySkewRefusals).toBe(1);
  });

  it("acquire - a higher version upgrades the stored fingerprints, then the older version is refused", () => {
    const { store } = setup();
    acquire(store, "A", 0, { p: { hash: "h1", version: 1 } });
    store.apply({ type: "release", shard: 0, node: "A", epoch: 1, session: "A", leaving: false });
    expect(acquire(store, "B", 0, { p: { hash: "h2", version: 2 } }).type).toBe("acquired");
    expect(store.shards.get(0)?.fingerprints).toEqual({ p: { hash: "h2", version: 2 } });
    store.apply({ type: "release", shard: 0, node: "B", epoch: 2, session: "B", leaving: false });
    expect(
      expectType(acquire(store, "A", 0, { p: { hash: "h1", version: 1 } }), "deploy-skew").problems[0]?.reason,
    ).toBe("older");
  });

  it("acquire - a busy shard is answered busy before any fingerprint check", () => {
    const { store } = setup();
    acquire(store, "A", 0, { p: { hash: "h1", version: 1 } });
    expect(acquire(store, "B", 0, { p: { hash: "h2", version: 1 } }).type).toBe("busy");
    expect(store.stats.deploySkewRefusals).toBe(0);
  });
});

describe("modelStore renew and release", () => {
  it("renew - extends the lease by ttl from the store's now", () => {
    const { store, advance, now } = setup();
    acquire(store, "A");
    advance(3_000);
    const reply = expectType(store.apply({ type: "renew", shard: 0, node: "A", epoch: 1, ttl: TTL }), "renewed");
    expect(reply.lease.expiresAt).toBe(now() + TTL);
    expect(store.stats.renewals).toBe(1);
  });

  it("renew - refused once the lease expired, even when no one took it", () => {
    const { store, advance } = setup();
    acquire(store, "A");
    advance(TTL);
    const reply = expectType(store.apply({ type: "renew", shard: 0, node: "A", epoch: 1, ttl: TTL }), "stale-epoch");
    expect(reply.lease.owner).toBe("A");
    expect(store.stats.staleWritesRefused).toBe(1);
  });

  it("renew - refused for another node or another epoch", () => {
    const { store } = setup();
    acquire(store, "A");
    expect(store.apply({ type: "renew", shard: 0, node: "B", epoch: 1, ttl: TTL }).type).toBe("stale-epoch");
    expect(store.apply({ type: "renew", shard: 0, node: "A", epoch: 2, ttl: TTL }).type).toBe("stale-epoch");
  });

  it("release - fenced by epoch: an old owner cannot release the new owner's lease", () => {
    const { store, advance } = setup();
    acquire(store, "A");
    advance(TTL);
    acquire(store, "B");
    expect(store.apply({ type: "release", shard: 0, node: "A", epoch: 1, session: "A", leaving: false }).type).toBe(
      "stale-epoch",
    );
    expect(store.shards.get(0)?.lease.owner).toBe("B");
    expect(acquire(store, "C").type).toBe("busy");
  });
});

describe("modelStore append", () => {
  it("append - fenced: a write with an old epoch or from another node is refused and changes nothing", () => {
    const { store, advance } = setup();
    acquire(store, "A");
    advance(TTL);
    acquire(store, "B");
    const refused = expectType(store.apply(append("A", 1, [tick(1)], { fires: [fire("p/p-1/2000")] })), "stale-epoch");
    expect(refused.lease).toMatchObject({ owner: "B", epoch: 2 });
    expect(store.apply(append("B", 1, [tick(1)])).type).toBe("stale-epoch");
    expect(store.shards.get(0)?.log).toEqual([]);
    expect(store.fires.size).toBe(0);
    expect(store.stats.staleWritesRefused).toBe(2);
  });

  it("append - a first seq past the log's next one is out-of-order", () => {
    const { store } = setup();
    acquire(store, "A");
    expect(expectType(store.apply(append("A", 1, [tick(2)])), "out-of-order").head).toBe(0);
    expect(store.apply(append("A", 1, [tick(1)])).type).toBe("appended");
    expect(expectType(store.apply(append("A", 1, [tick(3)])), "out-of-order").head).toBe(1);
    expect(store.stats.outOfOrderRefused).toBe(2);
  });

  it("append - a batch whose seqs have a gap is out-of-order and nothing of it lands", () => {
    const { store } = setup();
    acquire(store, "A");
    expect(store.apply(append("A", 1, [tick(1), tick(3)], { fires: [fire("f")] })).type).toBe("out-of-order");
    expect(store.shards.get(0)?.log).toEqual([]);
    expect(store.fires.size).toBe(0);
  });

  it("append - a seq already taken by another batch is out-of-order", () => {
    const { store } = setup();
    acquire(store, "A");
    store.apply(append("A", 1, [tick(1), tick(2)]));
    expect(store.apply(append("A", 1, [tick(2)])).type).toBe("out-of-order");
  });

  it("append - a retry of a landed batch is answered as the first attempt, and lands nothing twice", () => {
    const { store } = setup();
    acquire(store, "A");
    store.apply(append("A", 1, [], { fires: [fire("already")] }));
    const request = append("A", 1, [tick(1), tick(2)], { fires: [fire("already"), fire("new")] });
    const first = expectType(store.apply(request), "appended");
    expect(first).toMatchObject({ head: 2, existing: ["already"] });
    const retry = expectType(store.apply(request), "appended");
    expect(retry.head).toBe(2);
    expect(retry.existing).toEqual(["already"]);
    expect(store.shards.get(0)?.log.map((entry) => entry.seq)).toEqual([1, 2]);
    expect(store.stats.retriedAppends).toBe(1);
    expect(store.stats.duplicateFireInserts).toBe(1);
  });

  it("append - a retry of a landed batch from a fenced epoch is refused, not answered", () => {
    const { store } = setup();
    acquire(store, "A");
    const request = append("A", 1, [tick(1)]);
    store.apply(request);
    acquire(store, "A", 0, {}, "A#restarted"); // epoch 2
    expect(store.apply(request).type).toBe("stale-epoch");
  });

  it("append - a fire id that exists is left as it is, reported in existing and counted", () => {
    const { store } = setup();
    acquire(store, "A");
    store.apply(append("A", 1, [tick(1)], { fires: [fire("p/p-1/2000")] }));
    const reply = expectType(
      store.apply(
        append("A", 1, [tick(2)], { fires: [{ ...fire("p/p-1/2000"), startedAt: 9_999 }, fire("p/p-1/3000")] }),
      ),
      "appended",
    );
    expect(reply.existing).toEqual(["p/p-1/2000"]);
    expect(store.fires.get("p/p-1/2000")?.startedAt).toBe(2_000);
    expect(store.fires.get("p/p-1/3000")?.completed).toBeNull();
    expect(store.stats.duplicateFireInserts).toBe(1);
  });

  it("append - a complete entry marks its fire succeeded, errored or lost, once", () => {
    const { store } = setup();
    acquire(store, "A");
    store.apply(append("A", 1, [tick(1)], { fires: [fire("ok"), fire("bad"), fire("gone")] }));
    const complete = (seq: number, fireId: string, outcome: object): LogEntry => ({
      seq,
      at: 6_000,
      epoch: 1,
      command: { type: "complete", fireId, outcome: outcome as never },
    });
    store.apply(
      append("A", 1, [
        complete(2, "ok", { ok: true, value: 1 }),
        complete(3, "bad", { ok: false, error: "x" }),
        complete(4, "gone", { lost: true }),
        complete(5, "ok", { ok: false, error: "late" }),
        complete(6, "unknown", { ok: true }),
      ]),
    );
    expect(store.fires.get("ok")?.completed).toBe("succeeded");
    expect(store.fires.get("bad")?.completed).toBe("errored");
    expect(store.fires.get("gone")?.completed).toBe("lost");
    expect(store.fires.has("unknown")).toBe(false);
  });

  it("append - cancelled names recorded fires whose jobs a logged kill ended: marked cancelled, never over a completion", () => {
    const { store } = setup();
    acquire(store, "A");
    store.apply(append("A", 1, [tick(1)], { fires: [fire("killed"), fire("done")] }));
    store.apply(
      append(
        "A",
        1,
        [{ seq: 2, at: 1, epoch: 1, command: { type: "complete", fireId: "done", outcome: { ok: true } } }],
        {
          cancelled: ["killed", "done", "never-recorded"],
        },
      ),
    );
    expect(store.fires.get("killed")?.completed).toBe("cancelled");
    expect(store.fires.get("done")?.completed).toBe("succeeded");
    expect(store.fires.has("never-recorded")).toBe(false);
  });

  it("append - a fire recorded and completed in the same batch is completed", () => {
    const { store } = setup();
    acquire(store, "A");
    store.apply(
      append(
        "A",
        1,
        [tick(1), { seq: 2, at: 1, epoch: 1, command: { type: "complete", fireId: "f", outcome: { ok: true } } }],
        {
          fires: [fire("f")],
        },
      ),
    );
    expect(store.fires.get("f")?.completed).toBe("succeeded");
  });

  it("append - stores answers once per command, moves the inbox cursor forward only, keeps the checkpoint", () => {
    const { store } = setup();
    acquire(store, "A");
    const checkpoint = { seq: 1, at: 1, epoch: 1, programs: {}, waiting: {}, removed: [] };
    store.apply(
      append("A", 1, [tick(1)], {
        answers: [{ commandId: "c1", answer: { status: "done", value: 1 } }],
        inboxCursor: 5,
        checkpoint,
      }),
    );
    store.apply(
      append("A", 1, [tick(2)], {
        answers: [{ commandId: "c1", answer: { status: "done", value: 2 } }],
        inboxCursor: 3,
      }),
    );
    expect(store.answers.get("c1")?.answer).toEqual({ status: "done", value: 1 });
    expect(store.shards.get(0)?.inboxCursor).toBe(5);
    expect(store.shards.get(0)?.checkpoint).toEqual(checkpoint);
  });
});

describe("modelStore inbox", () => {
  const submit = (store: Store, commandId: string, node = "B") =>
    store.apply({ type: "submit", shard: 0, node, commandId, command: { type: "spawn", programId: "p" } });

  it("submit - numbers commands from 1, once per command id", () => {
    const { store } = setup();
    expect(submit(store, "c1")).toMatchObject({ type: "submitted", seq: 1 });
    expect(submit(store, "c2")).toMatchObject({ type: "submitted", seq: 2 });
    expect(submit(store, "c1")).toMatchObject({ type: "submitted", seq: 1 });
    expect(store.shards.get(0)?.inbox.length).toBe(2);
  });

  it("inbox - only the owner reads it, past its cursor, and each entry read is claimed", () => {
    const { store } = setup();
    acquire(store, "A");
    submit(store, "c1");
    submit(store, "c2");
    expect(store.apply({ type: "inbox", shard: 0, node: "B", epoch: 1, after: 0 }).type).toBe("stale-epoch");
    const read = expectType(store.apply({ type: "inbox", shard: 0, node: "A", epoch: 1, after: 1 }), "inbox");
    expect(read.entries.map((entry) => entry.commandId)).toEqual(["c2"]);
    expect(read.entries[0]).toMatchObject({ seq: 2, origin: "B", command: { type: "spawn", programId: "p" } });
    expect(read.through).toBe(2);
    expect(store.shards.get(0)?.claimed.has("c2")).toBe(true);
    expect(store.shards.get(0)?.claimed.has("c1")).toBe(false);
  });

  it("inbox - reads past the stored cursor even when asked for less", () => {
    const { store } = setup();
    acquire(store, "A");
    submit(store, "c1");
    submit(store, "c2");
    store.apply(append("A", 1, [], { inboxCursor: 1 }));
    const read = expectType(store.apply({ type: "inbox", shard: 0, node: "A", epoch: 1, after: 0 }), "inbox");
    expect(read.entries.map((entry) => entry.commandId)).toEqual(["c2"]);
  });

  it("withdraw - a command no owner read is withdrawn: taken false, and no owner ever reads it", () => {
    const { store } = setup();
    submit(store, "c1");
    submit(store, "c2");
    expect(store.apply({ type: "withdraw", shard: 0, node: "B", commandId: "c1" })).toMatchObject({
      type: "withdrawn",
      taken: false,
    });
    expect(store.stats.withdrawals).toBe(1);
    acquire(store, "A");
    const read = expectType(store.apply({ type: "inbox", shard: 0, node: "A", epoch: 1, after: 0 }), "inbox");
    expect(read.entries.map((entry) => entry.commandId)).toEqual(["c2"]);
    // The withdrawn entry is still looked at, so the cursor moves past it.
    expect(read.through).toBe(2);
  });

  it("withdraw - a command an owner read is taken: not withdrawn", () => {
    const { store } = setup();
    acquire(store, "A");
    submit(store, "c1");
    store.apply({ type: "inbox", shard: 0, node: "A", epoch: 1, after: 0 });
    expect(store.apply({ type: "withdraw", shard: 0, node: "B", commandId: "c1" })).toMatchObject({ taken: true });
    expect(store.shards.get(0)?.withdrawn.has("c1")).toBe(false);
    expect(store.stats.withdrawals).toBe(0);
  });

  it("withdraw - a command below the stored cursor is taken", () => {
    const { store } = setup();
    acquire(store, "A");
    submit(store, "c1");
    store.apply(append("A", 1, [], { inboxCursor: 1 }));
    expect(store.apply({ type: "withdraw", shard: 0, node: "B", commandId: "c1" })).toMatchObject({ taken: true });
  });

  it("answers - returns the stored answers of the ids asked for", () => {
    const { store } = setup();
    acquire(store, "A");
    store.apply(append("A", 1, [], { answers: [{ commandId: "c1", answer: { status: "done" } }] }));
    const reply = expectType(store.apply({ type: "answers", node: "B", commandIds: ["c1", "c2"] }), "answers");
    expect(reply.answers).toEqual([{ commandId: "c1", answer: { status: "done" } }]);
  });
});

describe("modelStore scan", () => {
  it("scan - lists every lease by shard and the nodes seen within the liveness window", () => {
    const { store, advance } = setup();
    acquire(store, "A", 2);
    acquire(store, "A", 0);
    expect(expectType(store.apply({ type: "scan", node: "A", ttl: 6_000 }), "scanned").nodes).toEqual(["A"]);
    advance(5_999);
    const scanned = expectType(store.apply({ type: "scan", node: "B", ttl: 6_000 }), "scanned");
    expect(scanned.nodes).toEqual(["A", "B"]);
    expect(scanned.leases.map((lease) => lease.shard)).toEqual([0, 2]);
    advance(1);
    // A was last seen exactly ttl ago: no longer live.
    expect(expectType(store.apply({ type: "scan", node: "B", ttl: 6_000 }), "scanned").nodes).toEqual(["B"]);
  });

  it("stats - counts every request", () => {
    const { store } = setup();
    acquire(store, "A");
    store.apply({ type: "scan", node: "A", ttl: 1 });
    store.apply({ type: "answers", node: "A", commandIds: [] });
    expect(store.stats.requests).toBe(3);
  });

  it("execute - answers as apply does, asynchronously", async () => {
    const { store } = setup();
    const reply = await store.execute({
      type: "acquire",
      shard: 1,
      node: "A",
      session: "A",
      ttl: TTL,
      fingerprints: {},
    });
    expect(reply.type).toBe("acquired");
  });
});
