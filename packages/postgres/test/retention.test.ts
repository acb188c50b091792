import type { Checkpoint, LogEntry, StoreRequest } from "@schedkit/kernel/fleet";
import { describe, expect, it } from "vitest";
import { type Backend, itWithPostgres, pgliteBackend, postgresBackend, runConformance } from "./support/backends.js";
import type { Step } from "./support/script.js";

const tick = (seq: number): LogEntry => ({ seq, at: 1_000 + seq, epoch: 1, command: { type: "tick" } });
const checkpointAt = (seq: number): Checkpoint => ({
  seq,
  at: 1_000 + seq,
  epoch: 1,
  programs: { a: { state: seq } },
  waiting: {},
  removed: [],
});
const append = (from: number, to: number, checkpoint: number | null): StoreRequest => ({
  type: "append",
  shard: 0,
  node: "n0",
  epoch: 1,
  entries: Array.from({ length: to - from + 1 }, (_, index) => tick(from + index)),
  fires: [],
  answers: [],
  cancelled: [],
  inboxCursor: 0,
  checkpoint: checkpoint === null ? null : checkpointAt(checkpoint),
});

/** Three checkpointed batches, retries of the newest and the oldest, a takeover that replays. */
const steps: Step[] = [
  { advance: 0, request: { type: "acquire", shard: 0, node: "n0", session: "s0", ttl: 10_000, fingerprints: {} } },
  { advance: 10, request: append(1, 3, 3) },
  { advance: 10, request: append(4, 6, 6) },
  { advance: 10, request: append(7, 9, 9) },
  { advance: 10, request: append(10, 11, null) },
  // A retry of the newest batch is answered as the first time; one from before the previous
  // checkpoint is forgotten: out of order (nobody can be waiting for it).
  { advance: 10, request: append(10, 11, null) },
  { advance: 10, request: append(1, 3, 3) },
  { advance: 20_000, request: { type: "acquire", shard: 0, node: "n1", session: "s1", ttl: 10_000, fingerprints: {} } },
];

const check = async (backend: Backend): Promise<void> => {
  try {
    const result = await runConformance(backend, steps);
    for (const [index, step] of steps.entries()) {
      expect(result.sql[index], `step ${index}: ${JSON.stringify(step.request)}`).toStrictEqual(result.model[index]);
    }
    expect(result.model[5]).toMatchObject({ type: "appended", head: 11 });
    expect(result.model[6]).toMatchObject({ type: "out-of-order", head: 11 });
    expect(result.model[7]).toMatchObject({
      type: "acquired",
      checkpoint: { seq: 9 },
      log: [{ seq: 10 }, { seq: 11 }],
    });
    // Kept: the entries and batches since the previous checkpoint (6); the rest is gone.
    const log = await backend.db.query(`SELECT seq FROM "${backend.schema}".log_entries ORDER BY seq`);
    expect(log.rows.map((row) => Number(row.seq))).toEqual([7, 8, 9, 10, 11]);
    const batches = await backend.db.query(`SELECT first_seq FROM "${backend.schema}".batches ORDER BY first_seq`);
    expect(batches.rows.map((row) => Number(row.first_seq))).toEqual([7, 10]);
  } finally {
    await backend.end();
  }
};

describe("retention", () => {
  it("append - a checkpoint forgets the log and batches before the previous one, as the model store does (PGlite)", async () => {
    await check(await pgliteBackend());
  });

  itWithPostgres("append - the same on PostgreSQL", async () => {
    await check(await postgresBackend());
  });
});
