/**
 * One contender of `bench/postgres.ts`'s throughput section, alone in a fresh
 * process, on the server at SCHEDKIT_PG_URL, in a schema of its own (dropped
 * afterwards). Prints one JSON line (a `Throughput`).
 *
 *   node --import tsx bench/postgres-throughput.ts schedkit '{"programs":10000,"interval":1000,"shards":64,"warmup":75,"seconds":15,"early":true}'
 *   node --import tsx bench/postgres-throughput.ts pg-boss '{"programs":10000,"interval":1000,"workers":4,"batchSize":2000,...}'
 *
 * schedkit: one fleet runner (`createFleetRunner` on `postgresStore`, the
 * system clock, default options but `shards`), `programs` constant programs
 * at `interval` whose `mainFn` returns at once, each spawned once through
 * `runner.spawn`, with a `delay` that puts every first due time after the
 * spawns and spreads them evenly over one interval. Measured from the
 * `fires` table: the fires due in a window, how many were recorded and
 * completed, and their lateness.
 *
 * pg-boss: a producer `insert`s, every 100 ms, the jobs due 1 s later
 * (`startAfter` their due time, spread evenly as above), and `workers` `work`
 * loops take them in batches of `batchSize`; the handler returns at once.
 * Measured from pg-boss's `job` table the same way.
 *
 * Windows: `steady`, `warmup` s after the first due time (past PostgreSQL's
 * first autoanalyze of the new tables, see BENCHMARKS.md), and with `early`
 * one from 5 s after the first due time.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { pathToFileURL } from "node:url";
import type { ProgramSpec } from "@schedkit/kernel";
import PgBoss from "pg-boss";
import { createFleetRunner, postgresStore } from "../packages/postgres/src/index.js";
import { machineTicks } from "./machineCpu.js";
import { countedPool, countedStore, type Pool, type RequestStats, WireCounter } from "./postgres-wire.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** CPU time (ms) of each process named `postgres` (the server and its backends), by pid, from /proc. */
const postgresCpuMs = (): Map<number, number> | undefined => {
  try {
    const byPid = new Map<number, number>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue;
      }
      const close = stat.lastIndexOf(")");
      if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
      const fields = stat.slice(close + 2).split(" ");
      byPid.set(Number(entry), (Number(fields[11]) + Number(fields[12])) * 10); // USER_HZ is 100 on Linux
    }
    return byPid;
  } catch {
    return undefined;
  }
};

/** CPU the server's processes used between two readings (ms); a process that exited meanwhile is not counted. */
const postgresCpuSince = (before: Map<number, number>, after: Map<number, number>): number => {
  let ms = 0;
  for (const [pid, total] of after) ms += total - (before.get(pid) ?? 0);
  return ms;
};

export interface Cpu {
  /** This process's CPU over the window, % of one core. */
  readonly node: number;
  /** The PostgreSQL server's processes' CPU, % of one core. */
  readonly postgres: number | undefined;
  /** The whole machine's busy time, % of all its cores. */
  readonly machine: number | undefined;
  readonly cores: number;
}

const cpuMeter = () => {
  const node = process.cpuUsage();
  const pgMs = postgresCpuMs();
  const machine = machineTicks();
  const started = performance.now();
  return (): Cpu => {
    const wall = performance.now() - started;
    const used = process.cpuUsage(node);
    const pgNow = postgresCpuMs();
    const machineNow = machineTicks();
    return {
      node: Math.round((100 * (used.user + used.system)) / 1000 / wall),
      postgres:
        pgMs === undefined || pgNow === undefined
          ? undefined
          : Math.round((100 * postgresCpuSince(pgMs, pgNow)) / wall),
      machine:
        machine === undefined || machineNow === undefined || machineNow.total === machine.total
          ? undefined
          : Math.round((100 * (machineNow.busy - machine.busy)) / (machineNow.total - machine.total)),
      cores: cpus().length,
    };
  };
};

/** Lateness samples (ms) in a preallocated array. */
class Samples {
  private readonly values: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }
  add(value: number): void {
    if (this.length < this.values.length) this.values[this.length++] = value;
  }
  quantiles(): { readonly p50: number; readonly p99: number; readonly max: number } {
    const sorted = this.values.slice(0, this.length).sort();
    const at = (q: number) => (sorted.length === 0 ? Number.NaN : (sorted[Math.ceil(q * sorted.length) - 1] as number));
    return { p50: at(0.5), p99: at(0.99), max: sorted.length === 0 ? Number.NaN : (sorted.at(-1) as number) };
  }
}

export interface Lateness {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface WireSummary {
  readonly roundTrips: number;
  readonly readyForQuery: number;
  readonly roundTripsPerSecond: number;
  readonly byRequest: Record<
    string,
    {
      readonly requests: number;
      readonly perSecond: number;
      readonly roundTrips: number;
      readonly roundTripsPerRequest: number;
      /** Round trips per request → how many requests made that many. */
      readonly histogram: Record<string, number>;
      readonly msPerRequest: number;
      readonly statements: readonly { readonly sql: string; readonly count: number; readonly msEach: number }[];
      readonly replies: Record<string, number>;
    }
  >;
  /** Appends that carried fires (one shard's tick). */
  readonly ticks?: {
    readonly count: number;
    readonly perSecond: number;
    readonly firesPerTick: number;
    readonly entriesPerTick: number;
    readonly checkpointShare: number;
    readonly roundTripsPerTick: number;
    readonly histogram: Record<string, number>;
    readonly msPerTick: number;
    /** Every round trip of the window (all requests), per tick. */
    readonly allRoundTripsPerTick: number;
  };
  /** Appends (all), measured as JSON on a sample: mean bytes, and a checkpoint's mean bytes. */
  readonly appendBytes?: { readonly sampled: number; readonly bytes: number; readonly checkpointBytes: number };
}

/** One measured window of a run. */
export interface Window {
  /** `early`: from 5 s after the first due time (fresh tables); `steady`: after the warm-up. */
  readonly label: string;
  /** Seconds from the first due time to the window's start. */
  readonly offset: number;
  readonly windowSeconds: number;
  /** Due in the window: `programs × window / interval`. */
  readonly due: number;
  /** Of those, recorded (schedkit: `fires` rows; pg-boss: jobs started) and completed, by the end of the grace period. */
  readonly recorded: number;
  readonly completed: number;
  readonly recordedPerSecond: number;
  readonly completedPerSecond: number;
  /** Rows written during the window whatever their due time (schedkit: recorded; pg-boss: completed): a backlog shows here. */
  readonly writtenInWindowPerSecond: number;
  /** schedkit: the kernel's start time − due time (`started_at − scheduled_at`); pg-boss: `started_on − start_after`. */
  readonly startLateness: Lateness;
  /** schedkit: `recorded_at − scheduled_at` (the fire durable); pg-boss: `completed_on − start_after`. */
  readonly storeLateness: Lateness;
  /** When the handler ran, minus the due time (measured in the handler). */
  readonly handlerLateness: Lateness;
  readonly cpu: Cpu;
  readonly wire: WireSummary;
}

export interface Throughput {
  readonly contender: "schedkit" | "pg-boss";
  readonly settings: Record<string, unknown>;
  readonly setupSeconds: Record<string, number>;
  readonly windows: readonly Window[];
}

/** The window the section's figures come from: `steady` when measured, else the last. */
export const mainWindow = (run: Throughput): Window =>
  (run.windows.find((window) => window.label === "steady") ?? run.windows.at(-1)) as Window;

const summarize = (counter: WireCounter, seconds: number): WireSummary => {
  const byRequest: Record<string, WireSummary["byRequest"][string]> = {};
  const entries = [...counter.byRequest.entries()].sort((a, b) => b[1].roundTrips - a[1].roundTrips);
  for (const [type, stats] of entries as [string, RequestStats][]) {
    const requests = stats.requests;
    byRequest[type] = {
      requests,
      perSecond: round(requests / seconds, 1),
      roundTrips: [...stats.statements.values()].reduce((sum, s) => sum + s.count, 0),
      roundTripsPerRequest: requests === 0 ? Number.NaN : round(stats.roundTrips / requests, 2),
      histogram: Object.fromEntries([...stats.perRequest].sort((a, b) => a[0] - b[0])),
      msPerRequest: requests === 0 ? Number.NaN : round(stats.ms / requests, 2),
      statements: [...stats.statements]
        .sort((a, b) => b[1].count - a[1].count)
        .map(([sql, s]) => ({ sql, count: s.count, msEach: round(s.ms / s.count, 3) })),
      replies: Object.fromEntries(stats.replies),
    };
  }
  const appends = counter.appends;
  return {
    roundTrips: counter.roundTrips,
    readyForQuery: counter.readyForQuery,
    roundTripsPerSecond: Math.round(counter.roundTrips / seconds),
    byRequest,
    ...(appends.ticks === 0
      ? {}
      : {
          ticks: {
            count: appends.ticks,
            perSecond: round(appends.ticks / seconds, 1),
            firesPerTick: round(appends.fires / appends.ticks, 1),
            entriesPerTick: round(appends.entries / appends.ticks, 1),
            checkpointShare: round(appends.checkpoints / appends.ticks, 3),
            roundTripsPerTick: round(appends.roundTrips / appends.ticks, 2),
            histogram: Object.fromEntries([...appends.perTick].sort((a, b) => a[0] - b[0])),
            msPerTick: round(appends.ms / appends.ticks, 2),
            allRoundTripsPerTick: round(counter.roundTrips / appends.ticks, 2),
          },
        }),
    ...(appends.sampled === 0
      ? {}
      : {
          appendBytes: {
            sampled: appends.sampled,
            bytes: Math.round(appends.bytes / appends.sampled),
            checkpointBytes:
              appends.sampledCheckpoints === 0 ? 0 : Math.round(appends.checkpointBytes / appends.sampledCheckpoints),
          },
        }),
  };
};

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

const uniqueSchema = (prefix: string) =>
  `bench_${prefix}_${process.pid}_${Date.now().toString(36)}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");

const lateness = (row: Record<string, unknown> | undefined, prefix: string): Lateness => ({
  p50: round(Number(row?.[`${prefix}_p50`]), 1),
  p99: round(Number(row?.[`${prefix}_p99`]), 1),
  max: round(Number(row?.[`${prefix}_max`]), 1),
});

const rounded = (value: Lateness): Lateness => ({
  p50: round(value.p50, 1),
  p99: round(value.p99, 1),
  max: round(value.max, 1),
});

/** Waits until `check()` is true, polling every `every` ms; throws after `timeout` ms. */
const until = async (what: string, check: () => boolean | Promise<boolean>, timeout: number, every = 50) => {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
};

export interface WindowPlan {
  readonly label: string;
  /** Seconds after the first due time. */
  readonly offset: number;
  readonly seconds: number;
}

/** Which windows to measure: `early` (when asked) and `steady`, `warmup` s after the first due time. */
export const windowPlan = (warmup: number, seconds: number, early: boolean): WindowPlan[] => [
  ...(early ? [{ label: "early", offset: 5, seconds }] : []),
  { label: "steady", offset: warmup, seconds },
];

interface Live {
  readonly label: string;
  readonly t0: number;
  readonly t1: number;
  readonly cpu: Cpu;
  readonly wire: WireSummary;
  readonly handler: Samples;
}

/** Measures each window live (CPU, wire, handler lateness), from `firstDue` on. */
const measureLive = async (
  firstDue: number,
  plan: readonly WindowPlan[],
  counter: WireCounter,
  capacity: number,
  setSamples: (samples: Samples | undefined) => void,
): Promise<Live[]> => {
  const live: Live[] = [];
  for (const window of plan) {
    const wait = firstDue + window.offset * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    const handler = new Samples(capacity);
    counter.reset();
    const meter = cpuMeter();
    setSamples(handler);
    const t0 = Date.now();
    await sleep(window.seconds * 1000);
    const t1 = Date.now();
    setSamples(undefined);
    const cpu = meter();
    live.push({ label: window.label, t0, t1, cpu, wire: summarize(counter, (t1 - t0) / 1000), handler });
  }
  return live;
};

type Row = Record<string, unknown>;

/** The windows' figures: the live ones and, once every fire due in them had its time to land, the table's. */
const windowsOf = async (
  live: readonly Live[],
  firstDue: number,
  perMs: number,
  query: (t0: number, t1: number) => Promise<Row>,
  written: (t0: number, t1: number) => Promise<number>,
): Promise<Window[]> => {
  const windows: Window[] = [];
  for (const window of live) {
    const { t0, t1 } = window;
    const due = Math.round(perMs * (t1 - t0));
    // Grace: what was due in the window may still be on its way (recorded at the next append).
    const graceEnd = Math.max(Date.now(), t1) + 10_000;
    let row = await query(t0, t1);
    while (Number(row.completed) < due || Date.now() < t1 + 2_000) {
      if (Date.now() > graceEnd) break;
      await sleep(250);
      row = await query(t0, t1);
    }
    const seconds = (t1 - t0) / 1000;
    windows.push({
      label: window.label,
      offset: round((t0 - firstDue) / 1000, 1),
      windowSeconds: seconds,
      due,
      recorded: Number(row.recorded),
      completed: Number(row.completed),
      recordedPerSecond: Math.round(Number(row.recorded) / seconds),
      completedPerSecond: Math.round(Number(row.completed) / seconds),
      writtenInWindowPerSecond: Math.round((await written(t0, t1)) / seconds),
      startLateness: lateness(row, "start"),
      storeLateness: lateness(row, "store"),
      handlerLateness: rounded(window.handler.quantiles()),
      cpu: window.cpu,
      wire: window.wire,
    });
  }
  return windows;
};

const setupClock = () => {
  const setup: Record<string, number> = {};
  let mark = performance.now();
  return {
    setup,
    lap: (name: string) => {
      const now = performance.now();
      setup[name] = round((now - mark) / 1000, 2);
      mark = now;
    },
  };
};

export interface RunOptions {
  readonly url: string;
  /** Programs (schedkit) or jobs (pg-boss) due per `interval`. */
  readonly programs: number;
  readonly interval: number;
  /** Seconds from the first due time to the steady window. */
  readonly warmup: number;
  readonly seconds: number;
  /** Also measure a window from 5 s after the first due time, while the tables are fresh. */
  readonly early: boolean;
  readonly poolMax?: number;
}

export interface SchedkitRunOptions extends RunOptions {
  readonly shards: number;
  readonly spawnConcurrency?: number;
}

export const schedkitThroughput = async (options: SchedkitRunOptions): Promise<Throughput> => {
  const { url, programs: count, interval, shards, warmup, seconds } = options;
  const poolMax = options.poolMax ?? 10;
  const spawnConcurrency = options.spawnConcurrency ?? 200;
  const schema = uniqueSchema("schedkit");
  const counter = new WireCounter();
  const pool = countedPool(counter, { connectionString: url, max: poolMax, application_name: "bench-schedkit" });
  pool.on("error", () => {});
  const store = countedStore(postgresStore({ pool, schema }), counter);
  const { setup, lap } = setupClock();
  await counter.run("ready", () => store.ready());
  lap("migrate");

  let samples: Samples | undefined;
  const programs: ProgramSpec[] = [];
  const width = String(count - 1).length;
  for (let index = 0; index < count; index++) {
    programs.push({
      id: `p${String(index).padStart(width, "0")}`,
      type: "constant",
      interval,
      mainFn: (_args: unknown, t: number) => {
        samples?.add(Date.now() - t);
        return undefined;
      },
    });
  }
  const runner = createFleetRunner({ store, programs, shards, nodeId: "bench" });
  lap("create");
  runner.start();
  await until("every shard acquired", () => runner.health().shards === shards, 120_000);
  lap("acquire");

  // Every first due time comes after the spawns (about 1 ms each here when nothing fires yet), and
  // they spread evenly over one interval: spawning does not compete with firing, and the due times
  // arrive evenly, as pg-boss's producer sends its jobs.
  const firstDue = Date.now() + Math.max(5_000, count * 3);
  const phase = (index: number) => Math.floor((index * interval) / count);
  // Each spawn is a command through its shard's inbox, answered by the owner (this node). At most
  // `spawnConcurrency` at once: a request that waits for a pooled connection longer than the
  // coordinator's request timeout is sent again, so 10,000 at once never finish (see BENCHMARKS.md).
  let next = 0;
  let refused = 0;
  let late = 0;
  const spawnOne = async (): Promise<void> => {
    for (let index = next++; index < programs.length; index = next++) {
      const delay = firstDue + phase(index) - Date.now();
      if (delay < interval) late += 1;
      const id = await runner.spawn((programs[index] as ProgramSpec).id, { delay: Math.max(0, delay) });
      if (id === undefined) refused += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(spawnConcurrency, programs.length) }, spawnOne));
  if (refused > 0) throw new Error(`${refused} spawns refused`);
  lap("spawn");
  if (late > 0) console.error(`postgres-throughput: ${late} spawns came within an interval of the first due time`);

  const plan = windowPlan(warmup, seconds, options.early);
  const capacity = Math.ceil(((count * seconds * 1000) / interval) * 1.5);
  const live = await measureLive(firstDue, plan, counter, capacity, (next) => {
    samples = next;
  });
  const windows = await windowsOf(
    live,
    firstDue,
    count / interval,
    async (t0, t1) =>
      (
        await pool.query(
          `SELECT count(*)::int AS recorded, count(completed)::int AS completed,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY started_at - scheduled_at) AS start_p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY started_at - scheduled_at) AS start_p99,
             max(started_at - scheduled_at) AS start_max,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM recorded_at) * 1000 - scheduled_at) AS store_p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM recorded_at) * 1000 - scheduled_at) AS store_p99,
             max(extract(epoch FROM recorded_at) * 1000 - scheduled_at) AS store_max
           FROM "${schema}".fires WHERE scheduled_at >= $1 AND scheduled_at < $2`,
          [t0, t1],
        )
      ).rows[0] as Row,
    async (t0, t1) =>
      Number(
        (
          await pool.query(
            `SELECT count(*)::int AS n FROM "${schema}".fires
             WHERE recorded_at >= to_timestamp($1 / 1000.0) AND recorded_at < to_timestamp($2 / 1000.0)`,
            [t0, t1],
          )
        ).rows[0]?.n,
      ),
  );

  runner.kill();
  await sleep(200);
  await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
  await pool.end();
  return {
    contender: "schedkit",
    settings: { programs: count, interval, shards, poolMax, spawnConcurrency, leaseTtl: 10_000, checkpointEvery: 100 },
    setupSeconds: setup,
    windows,
  };
};

/** What a statement of pg-boss's is for, by its text (plans.js): fetch, complete, insert, or its own upkeep. */
const pgBossRequest = (text: string, starting: boolean): string => {
  if (starting) return "start";
  if (/^\s*WITH next as/i.test(text)) return "fetch";
  if (/^\s*WITH results AS \(\s*UPDATE\s+\S+\s+SET completed_on/i.test(text)) return "complete";
  if (/INSERT INTO \S+\.job \(/i.test(text)) return "insert";
  return "upkeep";
};

export interface PgBossRunOptions extends RunOptions {
  readonly workers: number;
  readonly batchSize: number;
  readonly pollingIntervalSeconds?: number;
}

export const pgBossThroughput = async (options: PgBossRunOptions): Promise<Throughput> => {
  const { url, programs: count, interval, workers, batchSize, warmup, seconds } = options;
  const poolMax = options.poolMax ?? 10;
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 0.5;
  const schema = uniqueSchema("pgboss");
  const counter = new WireCounter();
  const pool: Pool = countedPool(counter, { connectionString: url, max: poolMax, application_name: "bench-pgboss" });
  pool.on("error", () => {});
  const { setup, lap } = setupClock();
  let starting = true;
  const boss = new PgBoss({
    schema,
    // pg-boss on our (counted) pool: its own `Db` does exactly this, `pool.query(text, values)`.
    db: {
      executeSql: (text: string, values: unknown[]) =>
        counter.run(pgBossRequest(text, starting), () => pool.query(text, values)) as never,
    },
  });
  boss.on("error", (error) => console.error(`pg-boss: ${error.message}`));
  await boss.start();
  starting = false;
  const queue = "bench";
  await boss.createQueue(queue);
  lap("start");

  let samples: Samples | undefined;
  for (let worker = 0; worker < workers; worker++) {
    await boss.work<{ due: number }>(queue, { batchSize, pollingIntervalSeconds }, async (batch) => {
      const current = samples;
      if (current === undefined) return;
      const now = Date.now();
      for (const job of batch) current.add(now - job.data.due);
    });
  }

  // The producer: every 100 ms, the jobs due in the 100 ms slot 1 s ahead, one `insert` per slot,
  // their due times spread evenly (as schedkit's programs' phases are).
  const slot = 100;
  const ahead = 1_000;
  const perSlot = Math.round((count * slot) / interval);
  const firstDue = Math.ceil((Date.now() + ahead + 500) / slot) * slot;
  let producing = true;
  let nextSlot = firstDue;
  const producer = (async () => {
    for (;;) {
      const wait = nextSlot - ahead - Date.now();
      if (wait > 0) await sleep(wait);
      if (!producing) return;
      const batch: PgBoss.JobInsert<{ due: number }>[] = [];
      for (let index = 0; index < perSlot; index++) {
        const due = nextSlot + Math.floor((index * slot) / perSlot);
        batch.push({ name: queue, data: { due }, startAfter: new Date(due).toISOString() });
      }
      nextSlot += slot;
      await boss.insert(batch);
    }
  })();

  const plan = windowPlan(warmup, seconds, options.early);
  const capacity = Math.ceil(((count * seconds * 1000) / interval) * 1.5);
  const live = await measureLive(firstDue, plan, counter, capacity, (next) => {
    samples = next;
  });
  const windows = await windowsOf(
    live,
    firstDue,
    count / interval,
    async (t0, t1) =>
      (
        await pool.query(
          `SELECT count(started_on)::int AS recorded, count(*) FILTER (WHERE state = 'completed')::int AS completed,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_on - start_after) * 1000) AS start_p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_on - start_after) * 1000) AS start_p99,
             max(extract(epoch FROM started_on - start_after) * 1000) AS start_max,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_on - start_after) * 1000) AS store_p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_on - start_after) * 1000) AS store_p99,
             max(extract(epoch FROM completed_on - start_after) * 1000) AS store_max
           FROM "${schema}".job
           WHERE name = $1 AND start_after >= to_timestamp($2 / 1000.0) AND start_after < to_timestamp($3 / 1000.0)`,
          [queue, t0, t1],
        )
      ).rows[0] as Row,
    async (t0, t1) =>
      Number(
        (
          await pool.query(
            `SELECT count(*)::int AS n FROM "${schema}".job
             WHERE name = $1 AND completed_on >= to_timestamp($2 / 1000.0) AND completed_on < to_timestamp($3 / 1000.0)`,
            [queue, t0, t1],
          )
        ).rows[0]?.n,
      ),
  );

  producing = false;
  await producer;
  await boss.stop({ graceful: true, wait: true, close: false, timeout: 5_000 });
  // pg-boss completes a batch without waiting for it (manager.js): let the last ones land before the drop.
  await sleep(1_000);
  await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
  await pool.end();
  return {
    contender: "pg-boss",
    settings: {
      jobsPerInterval: count,
      interval,
      workers,
      batchSize,
      pollingIntervalSeconds,
      poolMax,
      insertEveryMs: slot,
      insertAheadMs: ahead,
    },
    setupSeconds: setup,
    windows,
  };
};

const main = async () => {
  const [contender, json] = process.argv.slice(2);
  const url = process.env.SCHEDKIT_PG_URL;
  if (url === undefined || url === "") throw new Error("SCHEDKIT_PG_URL is not set");
  const options = { url, ...(JSON.parse(json ?? "{}") as object) };
  const result =
    contender === "schedkit"
      ? await schedkitThroughput(options as SchedkitRunOptions)
      : contender === "pg-boss"
        ? await pgBossThroughput(options as PgBossRunOptions)
        : undefined;
  if (result === undefined) throw new Error(`unknown contender ${String(contender)}`);
  console.log(JSON.stringify(result));
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
