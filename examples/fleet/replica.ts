/**
 * One replica of the example fleet (issue #17): a fleet runner on PostgreSQL with six programs
 * that print when they run. Start three with different names; each program runs on exactly one
 * of them, and a replica that dies or stops hands its programs to the others.
 *
 *   npx tsx examples/fleet/replica.ts replica-a          # DATABASE_URL, or scripts/local-postgres.sh's server
 *
 * Environment: DATABASE_URL (default: the URL `scripts/local-postgres.sh start` wrote to
 * .schedkit-postgres/url), SCHEDKIT_SCHEMA (default `fleet_example`), NO_COLOR.
 * SIGINT / SIGTERM: `await runner.stop()` (finish running jobs, checkpoint, release the leases:
 * the others take over at once), then exit 0; a second signal kills it at once.
 * See README.md for the walk-through.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SchedkitError } from "@schedkit/kernel";
import { shardOf } from "@schedkit/kernel/fleet";
import {
  createFleetRunner,
  type FleetHealth,
  type FleetRunner,
  type FleetRunnerEvent,
  postgresStore,
} from "@schedkit/postgres";
import pg from "pg";
import { DEFAULT_SCHEMA, FLEET_OPTIONS, type JobReport, PROGRAMS, programSpecs, SPAWN_ID } from "./programs.js";

const here = dirname(fileURLToPath(import.meta.url));

const name = process.argv[2];
if (name === undefined || !/^[\w.-]+$/.test(name)) {
  console.error("usage: npx tsx examples/fleet/replica.ts <name>   (e.g. replica-a; letters, digits, . _ -)");
  process.exit(2);
}

/** DATABASE_URL, or the local development server's URL (scripts/local-postgres.sh). */
const databaseUrl = (): string => {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const file = join(process.env.SCHEDKIT_PG_DIR ?? join(here, "..", "..", ".schedkit-postgres"), "url");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    console.error(`[${name}] no DATABASE_URL, and no ${file}: run scripts/local-postgres.sh start first`);
    process.exit(2);
  }
};

// Output: one line per event, "HH:MM:SS.mmm [name] ..." (UTC, as psql shows the fires table here).
const colors = [36, 33, 35, 32, 34, 31];
const color = process.stdout.isTTY && process.env.NO_COLOR === undefined;
const tint = colors[[...name].reduce((sum, c) => sum + c.charCodeAt(0), 0) % colors.length];
const prefix = color ? `\x1b[${tint}m[${name}]\x1b[0m` : `[${name}]`;
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);
const log = (line: string) => console.log(`${clock(Date.now())} ${prefix} ${line}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const shardPrograms = (shard: number) =>
  PROGRAMS.filter((program) => shardOf(program.id, FLEET_OPTIONS.shards) === shard)
    .map((program) => program.id)
    .join(", ") || "no programs";

/** Fire id -> how its job was started (shard, epoch, rerun), from the runner's `run` events. */
const runs = new Map<string, { shard: number; epoch: number; rerun: boolean }>();

const onJob = ({ program, ctx, scheduledAt, startedAt, endedAt, cancelled }: JobReport) => {
  const run = runs.get(ctx.fireId);
  runs.delete(ctx.fireId);
  const where = run === undefined ? "" : `, shard ${run.shard} epoch ${run.epoch}`;
  const again = run?.rerun === true ? " AGAIN (a rerun: its first run never completed)" : "";
  const verb = cancelled ? "was cancelled" : `ran${again}`;
  log(
    `${program.id} ${verb} (fire ${ctx.fireId}: due ${clock(scheduledAt)}, ${seconds(startedAt - scheduledAt)} late, took ${seconds(endedAt - startedAt)}${where})`,
  );
};

const describe = (event: FleetRunnerEvent): string | undefined => {
  switch (event.type) {
    case "run":
      runs.set(event.fireId, { shard: event.shard, epoch: event.epoch, rerun: event.rerun });
      return undefined;
    case "acquired": {
      const from = event.previousOwner === null ? "" : ` from ${event.previousOwner}`;
      const replay =
        event.adopted + event.replayed === 0
          ? "new shard"
          : `checkpoint of ${event.adopted} program(s) + ${event.replayed} log entries replayed`;
      const unfinished = event.unfinished === 0 ? "" : `, ${event.unfinished} unfinished fire(s) to settle`;
      return `ACQUIRED shard ${event.shard}${from} (epoch ${event.epoch}; ${replay}${unfinished}) -> ${shardPrograms(event.shard)}`;
    }
    case "released":
      return `RELEASED shard ${event.shard} (epoch ${event.epoch}) -> ${shardPrograms(event.shard)}`;
    case "lost":
      return `LOST shard ${event.shard} (epoch ${event.epoch}: ${event.reason}) -> ${shardPrograms(event.shard)}`;
    case "paused":
      return `PAUSED shard ${event.shard}: its lease deadline passed without a renewal; no job of it starts`;
    case "resumed":
      return `RESUMED shard ${event.shard}: a renewal came back in time`;
    case "deploy-skew": {
      const problems = event.problems.map((problem) => `${problem.programId} ${problem.reason}`).join(", ");
      return `DEPLOY SKEW on shard ${event.shard}: not taking it (${problems}): the store holds other programs; bump the changed program's version`;
    }
    case "checkpoint-failed":
      return `checkpoint of shard ${event.shard} failed: ${event.message}`;
    case "stopped":
      return "stopped: every lease released";
    case "kernel": {
      const effect = event.effect;
      switch (effect.type) {
        case "settled":
          return effect.status === "lost"
            ? `${effect.programId}: fire ${effect.fireId} was in flight on a replica that died; at-most-once, so it is reported lost and not run again`
            : undefined;
        case "missed":
          return `${effect.programId}: ${effect.count} due time(s) from ${clock(effect.from)} to ${clock(effect.to)} missed (${effect.reason})`;
        case "fault":
          return `${effect.programId}: fault: ${effect.message}`;
        case "rejected":
          // A second spawn "main" (another replica's, or this one's after a restart) is expected: not news.
          return effect.code === "duplicate-spawn" ? undefined : `rejected: ${effect.message}`;
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
};

/** Spawns each program once, fleet-wide: the fixed spawn id makes a second spawn (any replica, any restart) a no-op. */
const ensureSpawns = async (runner: FleetRunner): Promise<void> => {
  const spawned: string[] = [];
  const already: string[] = [];
  await Promise.all(
    PROGRAMS.map(async (program) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await runner.spawn(program.id, { spawnId: SPAWN_ID });
          spawned.push(program.id);
          return;
        } catch (error) {
          if (error instanceof SchedkitError && error.code === "duplicate-spawn") {
            already.push(program.id);
            return;
          }
          if (error instanceof SchedkitError && error.code === "stopped") return;
          const message = error instanceof Error ? error.message : String(error);
          log(`spawn ${program.id}: ${message}${attempt < 5 ? " (trying again)" : ""}`);
          if (attempt >= 5) return;
        }
      }
    }),
  );
  if (spawned.length > 0) log(`spawned ${spawned.sort().join(", ")}`);
  if (already.length > 0) log(`already spawned (by an earlier start or another replica): ${already.sort().join(", ")}`);
};

const main = async (): Promise<void> => {
  const url = databaseUrl();
  const schema = process.env.SCHEDKIT_SCHEMA ?? DEFAULT_SCHEMA;
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: `schedkit-${name}` });
  pool.on("error", (error: Error) => log(`database connection error: ${error.message}`));
  const store = postgresStore({ pool, schema });
  try {
    await store.ready();
  } catch (error) {
    log(`cannot use ${url.replace(/:[^:@/]*@/, ":***@")}: ${error instanceof Error ? error.message : String(error)}`);
    await pool.end();
    process.exit(2);
  }

  const runner = createFleetRunner({ store, nodeId: name, programs: programSpecs(onJob), ...FLEET_OPTIONS });
  runner.subscribe((event) => {
    const line = describe(event);
    if (line !== undefined) log(line);
  });

  let last: FleetHealth | undefined;
  const watchHealth = setInterval(() => {
    const health = runner.health();
    if (health.status !== last?.status || health.reason !== last?.reason) {
      log(
        `health: ${health.status}${health.reason === undefined ? "" : ` (${health.reason})`}, ${health.shards} shard(s)`,
      );
    }
    last = health;
  }, 250);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: killing at once (no checkpoint, no release: the others wait for the leases to lapse)`);
      runner.kill();
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    log(
      `${signal}: stopping gracefully (finishing running jobs, checkpointing, releasing ${runner.health().shards} shard(s))`,
    );
    void runner
      .stop()
      .then(async () => {
        clearInterval(watchHealth);
        log(`stopped in ${Date.now() - started} ms; bye`);
        await pool.end();
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);

  log(
    `pid ${process.pid} (kill -9 ${process.pid} to crash it), ${FLEET_OPTIONS.shards} shards, leaseTtl ${FLEET_OPTIONS.leaseTtl} ms, renew every ${FLEET_OPTIONS.renewInterval} ms, schema ${schema}`,
  );
  runner.start();
  await ensureSpawns(runner);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
