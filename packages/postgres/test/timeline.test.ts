import { isDeepStrictEqual } from "node:util";
import { createModelStore, type StoredAnswer, type StoredFire } from "@schedkit/kernel/fleet";
import {
  type Delivery,
  type FleetFaults,
  type FleetScenario,
  type FleetStoreRecord,
  simulateFleet,
} from "@schedkit/sim";
import { describe, expect, it } from "vitest";
import { createSqlStore } from "../src/store.js";
import {
  type Backend,
  itWithPostgres,
  pgliteBackend,
  postgresBackend,
  readSqlFires,
  replyTypes,
} from "./support/backends.js";

// Conformance with the simulator: a fleet timeline run on the model store (`simulateFleet`
// with `recordStore`), then the very requests it applied, in the same order, sent to a fresh
// SQL store whose clock reads each request's store time. Every reply must be the model
// store's, and at the end the fires (and answers) tables must hold what the model store holds.

/** 200 steps: 26 simulated s (14 s of faults, then healing), about 4,500 requests a run. */
const STEPS = 200;

interface Case {
  readonly seed: number;
  readonly faults: FleetFaults;
  readonly scenario?: FleetScenario;
  readonly delivery?: Delivery;
  /** What the seed was picked for (its store traffic has it). */
  readonly reaches: string;
}

const cases: readonly Case[] = [
  { seed: 2, faults: ["crashes"], reaches: "takeovers after crashes that replay log entries past the checkpoint" },
  { seed: 6, faults: ["partitions"], reaches: "requests dropped on the way, replies lost, stale epochs refused" },
  {
    seed: 2,
    faults: ["lostAcks"],
    scenario: "commands",
    reaches: "applied writes whose replies were lost, retried appends, cancelled fires",
  },
  { seed: 12, faults: ["slowStore"], reaches: "late copies, an append out of order, withdrawn commands" },
  { seed: 5, faults: ["deploys"], reaches: "a canary refused for deploy skew, a rolling deploy's handoffs" },
  {
    seed: 11,
    faults: "swarm",
    scenario: "commands",
    delivery: "at-most-once",
    reaches: "every family at once, commands from every node, fires lost",
  },
];

const label = (c: Case): string =>
  [
    `seed ${c.seed}`,
    typeof c.faults === "string" ? c.faults : c.faults.join("+"),
    ...(c.scenario === undefined ? [] : [c.scenario]),
    ...(c.delivery === undefined ? [] : [c.delivery]),
  ].join(", ");

interface Run {
  readonly trace: readonly FleetStoreRecord[];
  readonly fires: readonly StoredFire[];
  readonly answers: readonly StoredAnswer[];
}

const byFireId = (a: StoredFire, b: StoredFire) => (a.fireId < b.fireId ? -1 : a.fireId > b.fireId ? 1 : 0);
const byCommandId = (a: StoredAnswer, b: StoredAnswer) =>
  a.commandId < b.commandId ? -1 : a.commandId > b.commandId ? 1 : 0;

const runs = new Map<Case, Run>();
/** The case's store traffic (simulated once), and the model store's fires and answers after it. */
const runOf = (c: Case): Run => {
  const known = runs.get(c);
  if (known !== undefined) return known;
  const result = simulateFleet({
    seed: c.seed,
    steps: STEPS,
    faults: c.faults,
    ...(c.scenario === undefined ? {} : { scenario: c.scenario }),
    ...(c.delivery === undefined ? {} : { delivery: c.delivery }),
    determinism: false,
    shrink: false,
    recordStore: true,
  });
  const trace = result.storeTrace ?? [];
  // The run's model store is the simulator's own; the same traffic on a fresh one rebuilds it
  // (and shows the trace is whole: every reply comes again).
  let time = 0;
  const model = createModelStore({ clock: () => time });
  for (const [index, record] of trace.entries()) {
    time = record.at;
    const reply = model.apply(record.request);
    if (!isDeepStrictEqual(reply, record.reply)) {
      expect(reply, `${label(c)}: the model store replays request ${index} differently`).toStrictEqual(record.reply);
    }
  }
  expect(model.fires.size, label(c)).toBe(result.coverage.fires);
  const run: Run = {
    trace,
    fires: [...model.fires.values()].sort(byFireId),
    answers: [...model.answers.values()].sort(byCommandId),
  };
  runs.set(c, run);
  return run;
};

const readAnswers = async (backend: Backend): Promise<StoredAnswer[]> => {
  const answers = await backend.db.query(`SELECT command_id, answer FROM "${backend.schema}".answers`);
  return answers.rows
    .map((row): StoredAnswer => ({ commandId: String(row.command_id), answer: row.answer as StoredAnswer["answer"] }))
    .sort(byCommandId);
};

/** Sends the case's traffic to a fresh SQL store on `backend`, comparing each reply; ends the backend. */
const replayOn = async (backend: Backend, c: Case): Promise<void> => {
  try {
    const run = runOf(c);
    let time = 0;
    const store = createSqlStore(backend.db, { schema: backend.schema, clock: () => time });
    await store.ready();
    for (const [index, record] of run.trace.entries()) {
      time = record.at;
      const reply = await store.execute(record.request);
      if (!isDeepStrictEqual(reply, record.reply)) {
        // The first reply that differs (the states part there: the rest would only echo it).
        const where = `${label(c)}: request ${index} of ${run.trace.length} (${record.requestId} at store time ${record.at}): ${JSON.stringify(record.request)}`;
        expect(reply, where).toStrictEqual(record.reply);
        expect.fail(`${where}: the replies differ (node:util isDeepStrictEqual)`);
      }
    }
    expect(await readSqlFires(backend), `${label(c)}: fires`).toStrictEqual(run.fires);
    expect(await readAnswers(backend), `${label(c)}: answers`).toStrictEqual(run.answers);
  } finally {
    await backend.end();
  }
};

describe("SQL store conformance with the simulator (a fleet timeline's store traffic, same store clock)", () => {
  it("the timelines' traffic reaches every reply type, lost replies, replayed logs and every end of a fire", () => {
    const records = cases.flatMap((c) => runOf(c).trace);
    expect(records.length).toBeGreaterThan(cases.length * 3_000);
    expect([...new Set(records.map((record) => record.reply.type))].sort()).toEqual([...replyTypes].sort());
    expect(records.filter((record) => record.replyLost).length).toBeGreaterThan(10);
    expect(
      records.filter((record) => record.reply.type === "acquired" && record.reply.log.length > 0).length,
    ).toBeGreaterThan(0);
    const ends = new Set(cases.flatMap((c) => runOf(c).fires.map((fire) => String(fire.completed))));
    expect([...ends].sort()).toEqual(["cancelled", "errored", "lost", "null", "succeeded"]);
  });

  for (const c of cases) {
    // One case after the other; within a case PGlite (in this process) and PostgreSQL (in its
    // server) replay the same traffic at once.
    describe(`${label(c)}: ${c.reaches}`, () => {
      describe.concurrent("the same traffic on a fresh SQL store", () => {
        it("PGlite: every reply, fire and answer equal the model store's", async () => {
          await replayOn(await pgliteBackend(), c);
        }, 60_000);

        itWithPostgres("PostgreSQL: every reply, fire and answer equal the model store's", async () => {
          await replayOn(await postgresBackend(), c);
        });
      });
    });
  }
});
