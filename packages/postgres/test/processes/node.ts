/**
 * One fleet node as its own OS process, for the real-process fault tests
 * (`*.test.ts` here). Run: `node --import tsx test/processes/node.ts <nodeId>`.
 *
 * Environment: SCHEDKIT_PG_URL (the server), SCHEDKIT_TEST_SCHEMA (a fresh schema
 * per test), SCHEDKIT_TEST_LOGS (a directory), SCHEDKIT_TEST_BUILD (`v1`, the
 * default, or `v2`: see `fleet.ts`), SCHEDKIT_TEST_SPAWN (`1`: spawn every program
 * once at start and write `{ type: "spawned" }` to the events file when the
 * owners answered). The pool's connections carry the `application_name`
 * `schedkit-<schema>-<nodeId>`, so a test can find them in `pg_stat_activity`.
 *
 * Each job appends one JSON line `{ node, pid, build, fireId, at }` to
 * `<logs>/<nodeId>.jobs.jsonl`; the runner's events (run with epoch, acquired,
 * lost, released, paused, deploy-skew, store-unreachable...), the pool's errors and every
 * change of `runner.health()` (status or shards held, polled every 50 ms) go to `<logs>/<nodeId>.events.jsonl`,
 * each line with `node`, `pid`, `build` and `at` (Date.now()). A restarted node
 * appends to the same files. SIGTERM: `await runner.stop()`, then exit 0.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { createFleetRunner } from "../../src/fleetRunner.js";
import { postgresStore } from "../../src/postgres.js";
import { applicationName, BUILDS, type Build, NODE_OPTIONS, PROGRAMS, programSpecs } from "./fleet.js";

const main = async (): Promise<void> => {
  const nodeId = process.argv[2];
  const url = process.env.SCHEDKIT_PG_URL;
  const schema = process.env.SCHEDKIT_TEST_SCHEMA;
  const logs = process.env.SCHEDKIT_TEST_LOGS;
  const build = (process.env.SCHEDKIT_TEST_BUILD ?? "v1") as Build;
  if (
    nodeId === undefined ||
    url === undefined ||
    schema === undefined ||
    logs === undefined ||
    !BUILDS.includes(build)
  ) {
    console.error(
      "usage: SCHEDKIT_PG_URL=... SCHEDKIT_TEST_SCHEMA=... SCHEDKIT_TEST_LOGS=... [SCHEDKIT_TEST_BUILD=v1|v2] node.ts <nodeId>",
    );
    process.exit(2);
  }
  const jobsFile = join(logs, `${nodeId}.jobs.jsonl`);
  const eventsFile = join(logs, `${nodeId}.events.jsonl`);
  const event = (fields: Record<string, unknown>) =>
    appendFileSync(
      eventsFile,
      `${JSON.stringify({ ...fields, node: nodeId, pid: process.pid, build, at: Date.now() })}\n`,
    );

  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: applicationName(schema, nodeId) });
  pool.on("error", (error) => event({ type: "pool-error", message: error.message }));
  const store = postgresStore({ pool, schema });
  await store.ready();

  const programs = programSpecs(build, (_args: unknown, _t: number, ctx) => {
    appendFileSync(
      jobsFile,
      `${JSON.stringify({ node: nodeId, pid: process.pid, build, fireId: ctx.fireId, at: Date.now() })}\n`,
    );
    // Each job takes a while (up to 120 ms), so a fault often catches some in flight: the new owner
    // must run those again (at-least-once), and a paused node's late completions must be refused.
    const ms = 20 + ((ctx.fireId.length * 37) % 100);
    return new Promise((resolve) => setTimeout(() => resolve(nodeId), ms));
  });
  const runner = createFleetRunner({ store, programs, nodeId, ...NODE_OPTIONS });
  runner.subscribe((effect) => {
    switch (effect.type) {
      case "run":
        event({ type: "run", shard: effect.shard, epoch: effect.epoch, fireId: effect.fireId, rerun: effect.rerun });
        break;
      case "acquired":
        event({
          type: effect.type,
          shard: effect.shard,
          epoch: effect.epoch,
          previousOwner: effect.previousOwner,
          unfinished: effect.unfinished,
        });
        break;
      case "lost":
        event({ type: effect.type, shard: effect.shard, epoch: effect.epoch, reason: effect.reason });
        break;
      case "released":
      case "paused":
      case "resumed":
        event({ type: effect.type, shard: effect.shard, epoch: effect.epoch });
        break;
      case "store-unreachable":
        event({ type: effect.type, message: effect.message, attempt: effect.attempt, retryIn: effect.retryIn });
        break;
      case "store-reachable":
        event({ type: effect.type, downFor: effect.downFor, attempts: effect.attempts });
        break;
      case "deploy-skew":
        event({
          type: effect.type,
          shard: effect.shard,
          problems: effect.problems.map((problem) => ({ programId: problem.programId, reason: problem.reason })),
        });
        break;
      default:
        break;
    }
  });

  // Every change of health (its status or the number of shards held; the reason at that time), so a test
  // can tell when this node saw the store go away and come back.
  let lastHealth = "";
  const watchHealth = () => {
    const health = runner.health();
    const key = `${health.status}|${health.shards}`;
    if (key === lastHealth) return;
    lastHealth = key;
    event({ type: "health", status: health.status, reason: health.reason, shards: health.shards });
  };
  const healthTimer = setInterval(watchHealth, 50);

  let stopping = false;
  process.on("SIGTERM", () => {
    if (stopping) return;
    stopping = true;
    event({ type: "sigterm" });
    void runner
      .stop()
      .then(() => {
        clearInterval(healthTimer);
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
  event({ type: "started" });
  watchHealth();
  if (process.env.SCHEDKIT_TEST_SPAWN === "1") {
    const spawns: Record<string, string | undefined> = {};
    for (const { id } of PROGRAMS) spawns[id] = await runner.spawn(id);
    event({ type: "spawned", spawns });
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
