/**
 * One fleet node as its own OS process, for the takeover measurement of
 * `bench/postgres.ts` (started with an IPC channel; `kill -9`ed and started
 * again by it).
 *
 *   node --import tsx bench/postgres-node.ts <nodeId> <options JSON>
 *
 * Environment: SCHEDKIT_PG_URL. Options: `schema`, `programs` (count),
 * `shards`, `leaseTtl`, `renewInterval`, `safetyMargin`, `spawn` (spawn every
 * program once, then report). It sends its parent `{ type, shard, epoch, at }`
 * for every `acquired`, `lost` and `released` (at: this process's
 * `Date.now()`), `{ type: "started" }` and `{ type: "spawned" }`.
 */
import { createRequire } from "node:module";
import type { ProgramSpec } from "@schedkit/kernel";
import { createFleetRunner, postgresStore } from "../packages/postgres/src/index.js";
import type { Pool } from "./postgres-wire.js";

export interface NodeOptions {
  readonly schema: string;
  readonly programs: number;
  readonly shards: number;
  readonly leaseTtl: number;
  readonly renewInterval: number;
  readonly safetyMargin: number;
  readonly spawn: boolean;
}

/** The programs every node installs: constant, 200 to 1,000 ms, returning at once. */
export const takeoverPrograms = (count: number): ProgramSpec[] =>
  Array.from({ length: count }, (_, index) => ({
    id: `t${String(index).padStart(3, "0")}`,
    type: "constant" as const,
    interval: 200 + (index % 5) * 200,
    mainFn: () => undefined,
  }));

const main = async () => {
  const nodeId = process.argv[2];
  const url = process.env.SCHEDKIT_PG_URL;
  if (nodeId === undefined || url === undefined || process.send === undefined) {
    console.error("usage (with an IPC channel): SCHEDKIT_PG_URL=... postgres-node.ts <nodeId> <options JSON>");
    process.exit(2);
  }
  const options = JSON.parse(process.argv[3] ?? "{}") as NodeOptions;
  const send = (message: Record<string, unknown>) => process.send?.({ ...message, node: nodeId, at: Date.now() });
  const pg = createRequire(new URL("../packages/postgres/package.json", import.meta.url))("pg") as {
    Pool: new (config: { connectionString: string; max?: number }) => Pool;
  };
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on("error", () => {});
  const store = postgresStore({ pool, schema: options.schema });
  await store.ready();
  const programs = takeoverPrograms(options.programs);
  const runner = createFleetRunner({
    store,
    programs,
    nodeId,
    shards: options.shards,
    leaseTtl: options.leaseTtl,
    renewInterval: options.renewInterval,
    safetyMargin: options.safetyMargin,
  });
  runner.subscribe((event) => {
    if (event.type === "acquired" || event.type === "lost" || event.type === "released") {
      send({ type: event.type, shard: event.shard, epoch: event.epoch });
    }
  });
  process.on("disconnect", () => process.exit(0));
  runner.start();
  send({ type: "started", pid: process.pid });
  if (options.spawn) {
    await Promise.all(programs.map((program) => runner.spawn(program.id)));
    send({ type: "spawned" });
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
