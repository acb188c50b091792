/**
 * One fleet node as its own OS process, for the real-process fault tests
 * (`faults.test.ts`). Run: `node --import tsx test/processes/node.ts <nodeId>`.
 *
 * Environment: SCHEDKIT_PG_URL (the server), SCHEDKIT_TEST_SCHEMA (a fresh schema
 * per test), SCHEDKIT_TEST_LOGS (a directory). Each job appends one JSON line
 * `{ node, pid, fireId, at }` to `<logs>/<nodeId>.jobs.jsonl`; the runner's
 * events (run with epoch, acquired, lost, released, paused...) go to
 * `<logs>/<nodeId>.events.jsonl`. Node `n0` spawns every program once at start
 * and writes `{ type: "spawned" }` to its events file when the owners answered.
 * SIGTERM: `await runner.stop()`, then exit 0.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { ProgramSpec } from "@schedkit/kernel";
import pg from "pg";
import { createFleetRunner } from "../../src/fleetRunner.js";
import { postgresStore } from "../../src/postgres.js";
import { NODE_OPTIONS, PROGRAMS } from "./fleet.js";

const main = async (): Promise<void> => {
  const nodeId = process.argv[2];
  const url = process.env.SCHEDKIT_PG_URL;
  const schema = process.env.SCHEDKIT_TEST_SCHEMA;
  const logs = process.env.SCHEDKIT_TEST_LOGS;
  if (nodeId === undefined || url === undefined || schema === undefined || logs === undefined) {
    console.error("usage: SCHEDKIT_PG_URL=... SCHEDKIT_TEST_SCHEMA=... SCHEDKIT_TEST_LOGS=... node.ts <nodeId>");
    process.exit(2);
  }
  const jobsFile = join(logs, `${nodeId}.jobs.jsonl`);
  const eventsFile = join(logs, `${nodeId}.events.jsonl`);
  const event = (fields: Record<string, unknown>) =>
    appendFileSync(eventsFile, `${JSON.stringify({ ...fields, node: nodeId, at: Date.now() })}\n`);

  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on("error", (error) => event({ type: "pool-error", message: error.message }));
  const store = postgresStore({ pool, schema });
  await store.ready();

  const programs: ProgramSpec[] = PROGRAMS.map(({ id, interval }) => ({
    id,
    type: "constant",
    interval,
    mainFn: (_args: unknown, _t: number, ctx) => {
      appendFileSync(
        jobsFile,
        `${JSON.stringify({ node: nodeId, pid: process.pid, fireId: ctx.fireId, at: Date.now() })}\n`,
      );
      // Each job takes a while (up to 120 ms), so a fault often catches some in flight: the new owner
      // must run those again (at-least-once), and a paused node's late completions must be refused.
      const ms = 20 + ((ctx.fireId.length * 37) % 100);
      return new Promise((resolve) => setTimeout(() => resolve(nodeId), ms));
    },
  }));
  const runner = createFleetRunner({ store, programs, nodeId, ...NODE_OPTIONS });
  runner.subscribe((effect) => {
    switch (effect.type) {
      case "run":
        event({ type: "run", shard: effect.shard, epoch: effect.epoch, fireId: effect.fireId });
        break;
      case "acquired":
      case "released":
      case "lost":
      case "paused":
      case "resumed":
        event({ type: effect.type, shard: effect.shard, epoch: effect.epoch });
        break;
      case "deploy-skew":
        event({ type: effect.type });
        break;
      default:
        break;
    }
  });

  let stopping = false;
  process.on("SIGTERM", () => {
    if (stopping) return;
    stopping = true;
    event({ type: "sigterm" });
    void runner
      .stop()
      .then(() => {
        event({ type: "stopped", health: runner.health().status });
        return pool.end();
      })
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  });

  runner.start();
  event({ type: "started", pid: process.pid });
  if (nodeId === "n0") {
    const spawns: Record<string, string | undefined> = {};
    for (const { id } of PROGRAMS) spawns[id] = await runner.spawn(id);
    event({ type: "spawned", spawns });
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
