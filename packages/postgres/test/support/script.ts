import type { Checkpoint, Fingerprints, FireRecord, LogEntry, StoreRequest } from "@schedkit/kernel/fleet";

/** One step of a conformance script: advance the store clock by `advance` ms, then send `request`. */
export interface Step {
  readonly advance: number;
  readonly request: StoreRequest;
}

const fp = (entries: Record<string, [string, string | number | null]>): Fingerprints =>
  Object.fromEntries(Object.entries(entries).map(([id, [hash, version]]) => [id, { hash, version }]));

const fire = (fireId: string, shard: number, epoch: number, node: string, scheduledAt: number): FireRecord => ({
  fireId,
  shard,
  programId: fireId.split("/")[0] ?? "p",
  spawnId: fireId.split("/")[1] ?? null,
  scheduledAt,
  startedAt: scheduledAt + 1,
  epoch,
  node,
});

const tick = (seq: number, epoch: number, at: number): LogEntry => ({ seq, at, epoch, command: { type: "tick" } });

const checkpoint = (seq: number, epoch: number, state: number): Checkpoint => ({
  seq,
  at: 1000 + seq,
  epoch,
  programs: { a: { state, nested: { z: 1, a: [1, 2, { b: null }] } } },
  waiting: { "a/s1/5": "c9" },
  removed: ["gone"],
});

const append = (
  shard: number,
  node: string,
  epoch: number,
  rest: Partial<Omit<Extract<StoreRequest, { type: "append" }>, "type" | "shard" | "node" | "epoch">>,
): StoreRequest => ({
  type: "append",
  shard,
  node,
  epoch,
  entries: [],
  fires: [],
  answers: [],
  cancelled: [],
  inboxCursor: 0,
  checkpoint: null,
  ...rest,
});

const TTL = 10_000;
const fpA = fp({ a: ["h1", 1] });

/**
 * Every request type and the model store's edge cases, in one sequence:
 * acquire (free, busy, same session keeps its epoch, new session, deploy-skew
 * changed/older/missing, version upgrade, takeover after expiry with
 * checkpoint + log), renew (ok, wrong epoch, lapsed), release (fenced,
 * `epoch: null` by session, `leaving`), append (fenced, out-of-order, retry of a
 * landed batch, late checkpoint-only copy, duplicate fires, completions,
 * cancellations, first-write-wins answers, inbox cursor max, older checkpoint
 * ignored), submit (dedupe), inbox (fenced, claims, withdrawn skipped,
 * `through`), answers, withdraw (idempotent, `taken`), scan (ttl, lastSeen).
 */
export const conformanceScript = (): Step[] => {
  const steps: Step[] = [];
  const at = (advance: number, request: StoreRequest) => steps.push({ advance, request });

  at(0, { type: "scan", node: "n1", ttl: TTL });
  at(5, { type: "scan", node: "n2", ttl: TTL });
  at(1, { type: "acquire", shard: 0, node: "n1", session: "s1", ttl: TTL, fingerprints: fpA });
  at(1, { type: "acquire", shard: 0, node: "n2", session: "t1", ttl: TTL, fingerprints: fpA });
  at(1, { type: "acquire", shard: 0, node: "n1", session: "s1", ttl: TTL, fingerprints: fpA });
  at(1, { type: "renew", shard: 0, node: "n1", epoch: 1, ttl: TTL });
  at(1, { type: "renew", shard: 0, node: "n1", epoch: 2, ttl: TTL });
  at(1, { type: "renew", shard: 0, node: "n2", epoch: 1, ttl: TTL });
  // Submit, dedupe, withdraw, inbox.
  at(1, {
    type: "submit",
    shard: 0,
    node: "n2",
    commandId: "c1",
    command: { type: "spawn", programId: "a", opts: { spawnId: "s1", interval: 100 } },
  });
  at(0, { type: "submit", shard: 0, node: "n2", commandId: "c1", command: { type: "spawn", programId: "a" } });
  at(1, { type: "submit", shard: 0, node: "n2", commandId: "c2", command: { type: "trigger", programId: "a" } });
  at(1, { type: "submit", shard: 0, node: "n1", commandId: "c3", command: { type: "clear", programId: "a" } });
  at(1, { type: "submit", shard: 1, node: "n1", commandId: "c1", command: { type: "clear", programId: "a" } });
  at(1, { type: "withdraw", shard: 0, node: "n1", commandId: "c3" });
  at(1, { type: "withdraw", shard: 0, node: "n1", commandId: "c3" });
  at(1, { type: "withdraw", shard: 2, node: "n1", commandId: "nothing" });
  at(1, { type: "inbox", shard: 0, node: "n2", epoch: 1, after: 0 });
  at(1, { type: "inbox", shard: 0, node: "n1", epoch: 1, after: 0 });
  at(1, { type: "withdraw", shard: 0, node: "n1", commandId: "c2" });
  at(1, { type: "submit", shard: 0, node: "n2", commandId: "c4", command: { type: "stop-all", programId: "a" } });
  at(1, { type: "inbox", shard: 0, node: "n1", epoch: 1, after: 3 });
  // Appends.
  const batch1 = append(0, "n1", 1, {
    entries: [
      {
        seq: 1,
        at: 100,
        epoch: 1,
        command: { type: "spawn", programId: "a", opts: { spawnId: "s1" } },
        commandId: "c1",
      },
      tick(2, 1, 200),
    ],
    fires: [fire("a/s1/100", 0, 1, "n1", 100), fire("a/s1/200", 0, 1, "n1", 200)],
    answers: [{ commandId: "c1", answer: { status: "done", value: "s1" } }],
    inboxCursor: 3,
  });
  at(1, batch1);
  at(1, batch1);
  at(1, append(0, "n2", 1, { entries: [tick(3, 1, 300)] }));
  at(1, append(0, "n1", 1, { entries: [tick(5, 1, 300)] }));
  at(1, append(0, "n1", 1, { entries: [tick(2, 1, 300)] }));
  at(1, append(0, "n1", 1, { entries: [tick(3, 1, 300), tick(5, 1, 301)] }));
  at(1, {
    ...batch1,
    entries: [tick(1, 1, 100)],
  } as StoreRequest);
  at(
    1,
    append(0, "n1", 1, {
      entries: [
        {
          seq: 3,
          at: 300,
          epoch: 1,
          command: { type: "complete", fireId: "a/s1/100", outcome: { ok: true, value: { n: 1 } } },
        },
        {
          seq: 4,
          at: 301,
          epoch: 1,
          command: { type: "complete", fireId: "a/s1/100", outcome: { ok: false, error: "late" } },
        },
        {
          seq: 5,
          at: 302,
          epoch: 1,
          command: { type: "complete", fireId: "a/s1/300", outcome: { ok: false, error: { message: "x" } } },
        },
        { seq: 6, at: 303, epoch: 1, command: { type: "complete", fireId: "nope", outcome: { lost: true } } },
        { seq: 7, at: 304, epoch: 1, command: { type: "kill-spawn", programId: "a", spawnId: "s1" }, commandId: "c4" },
      ],
      fires: [
        fire("a/s1/100", 0, 1, "n1", 100),
        fire("a/s1/300", 0, 1, "n1", 300),
        fire("a/s1/400", 0, 1, "n1", 400),
        fire("a/s1/400", 0, 1, "n1", 400),
        fire("a/s1/500", 0, 1, "n1", 500),
      ],
      answers: [
        { commandId: "c1", answer: { status: "failed", code: "x", message: "second write" } },
        { commandId: "c4", answer: { status: "refused", code: "max", message: "m" } },
        { commandId: "c4", answer: { status: "done" } },
      ],
      cancelled: ["a/s1/400", "a/s1/300", "unknown"],
      inboxCursor: 2,
      checkpoint: checkpoint(7, 1, 7),
    }),
  );
  at(1, { type: "answers", node: "n2", commandIds: ["c4", "missing", "c1", "c2"] });
  at(1, { type: "answers", node: "n2", commandIds: [] });
  at(1, append(0, "n1", 1, { checkpoint: checkpoint(5, 1, 5) }));
  at(1, append(0, "n1", 1, { checkpoint: checkpoint(7, 1, 77), inboxCursor: 4 }));
  at(1, append(0, "n1", 1, { entries: [tick(8, 1, 400)], checkpoint: checkpoint(6, 1, 6) }));
  at(1, append(0, "n1", 1, { fires: [fire("a/s1/500", 0, 1, "n1", 500), fire("a/s1/600", 0, 1, "n1", 600)] }));
  at(1, { type: "withdraw", shard: 0, node: "n2", commandId: "c4" });
  at(1, { type: "scan", node: "n1", ttl: TTL });
  // The lease lapses: deploy skew, then an upgrade takes over with checkpoint + log.
  at(TTL + 5, { type: "renew", shard: 0, node: "n1", epoch: 1, ttl: TTL });
  at(1, { type: "scan", node: "n2", ttl: TTL });
  at(1, { type: "acquire", shard: 0, node: "n2", session: "t1", ttl: TTL, fingerprints: fp({ a: ["h2", 1] }) });
  at(1, { type: "acquire", shard: 0, node: "n2", session: "t1", ttl: TTL, fingerprints: fp({ a: ["h1", 0] }) });
  at(1, { type: "acquire", shard: 0, node: "n2", session: "t1", ttl: TTL, fingerprints: fp({ b: ["hb", null] }) });
  at(1, {
    type: "acquire",
    shard: 0,
    node: "n2",
    session: "t1",
    ttl: TTL,
    fingerprints: fp({ z: ["hz", "1.10"], b: ["hb", null], a: ["h2", 2], "10": ["h10", 1] }),
  });
  at(1, { type: "acquire", shard: 0, node: "n1", session: "s1", ttl: TTL, fingerprints: fp({ a: ["h1", 1] }) });
  at(1, { type: "acquire", shard: 0, node: "n1", session: "s1", ttl: TTL, fingerprints: fpA });
  at(1, append(0, "n1", 1, { entries: [tick(9, 1, 500)] }));
  at(1, { type: "release", shard: 0, node: "n1", epoch: 1, session: "s1", leaving: false });
  at(1, { type: "inbox", shard: 0, node: "n2", epoch: 2, after: 0 });
  at(1, append(0, "n2", 2, { entries: [tick(9, 2, 600)], inboxCursor: 1 }));
  // Release by session with epoch null, then a new session of the same node.
  at(1, { type: "release", shard: 0, node: "n2", epoch: null, session: "other", leaving: false });
  at(1, { type: "release", shard: 0, node: "n2", epoch: null, session: "t1", leaving: false });
  at(1, { type: "release", shard: 0, node: "n2", epoch: null, session: "t1", leaving: false });
  at(1, { type: "release", shard: 0, node: "n2", epoch: 2, session: "t1", leaving: false });
  at(1, {
    type: "acquire",
    shard: 0,
    node: "n2",
    session: "t2",
    ttl: TTL,
    fingerprints: fp({ z: ["hz", "1.10"], b: ["hb", null], a: ["h2", 2], "10": ["h10", 1] }),
  });
  at(1, {
    type: "acquire",
    shard: 0,
    node: "n2",
    session: "t3",
    ttl: TTL,
    fingerprints: fp({ z: ["hz", "1.9"], b: ["hb", null], a: ["h2", 2], "10": ["h10", 1] }),
  });
  at(1, {
    type: "acquire",
    shard: 0,
    node: "n2",
    session: "t3",
    ttl: TTL,
    fingerprints: fp({ z: ["hz", "1.10"], b: ["hb", null], a: ["h2", 2], "10": ["h10", 1] }),
  });
  at(1, { type: "acquire", shard: 3, node: "n3", session: "u1", ttl: 50, fingerprints: {} });
  at(1, { type: "scan", node: "n3", ttl: TTL });
  at(1, { type: "release", shard: 3, node: "n3", epoch: 1, session: "u1", leaving: true });
  at(1, { type: "scan", node: "n1", ttl: 3 });
  at(100, { type: "release", shard: 3, node: "n3", epoch: null, session: "u1", leaving: true });
  at(1, { type: "acquire", shard: 3, node: "n1", session: "s1", ttl: TTL, fingerprints: fpA });
  at(1, { type: "scan", node: "n2", ttl: TTL * 10 });
  return steps;
};
