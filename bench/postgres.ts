/**
 * `@schedkit/postgres` on a real PostgreSQL server (issue #17), beside pg-boss
 * on the same server, in one run. Runs only when SCHEDKIT_PG_URL is set:
 *
 *   bash scripts/with-postgres.sh pnpm bench postgres [--smoke] [--json]
 *   bash scripts/with-postgres.sh npx tsx bench/postgres.ts [--smoke]
 *
 * 1. Fires per second on one node: one fleet runner (system clock), 10,000
 *    constant programs at 1,000 ms, each spawned once, a `mainFn` that returns
 *    at once; 64 shards (the default) and 8. Each contender runs alone in a
 *    fresh process (`bench/postgres-throughput.ts`), one after the other.
 *    Every statement sent to the server is counted (`bench/postgres-wire.ts`),
 *    by store request type; a tick is one append that carries fires.
 * 2. Takeover after `kill -9`: three node processes (`bench/postgres-node.ts`),
 *    a few dozen programs; the owner of some shards is killed, and the time
 *    until each of its shards is acquired by a survivor is read from the
 *    survivors' own `acquired` events; the killed node is started again.
 * 3. The same workload through pg-boss 10 (`insert` in batches, `work` with
 *    `batchSize`), its jobs completed per second, and schedkit's fires per
 *    second over it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { postgresStore } from "../packages/postgres/src/index.js";
import type { NodeOptions } from "./postgres-node.js";
import { mainWindow, type Throughput, type Window } from "./postgres-throughput.js";
import { countedPool, type Pool, WireCounter } from "./postgres-wire.js";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const fmt = (value: number) => Math.round(value).toLocaleString("en-US");

export const SKIPPED = "skipped: set SCHEDKIT_PG_URL or run through scripts/with-postgres.sh";

/** Runs a bench script in a fresh `node --import tsx` process; resolves with its last stdout line. */
const runChild = (script: string, args: readonly string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", here(script), ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve(out.trim().split("\n").at(-1) ?? "");
      else reject(new Error(`${script} ${args.join(" ")} failed (${code ?? signal}): ${out.slice(-2_000)}`));
    });
  });

// ---- 1 and 3: throughput ----------------------------------------------------------------------

export interface ThroughputSizes {
  readonly programs: number;
  readonly interval: number;
  /** Seconds from the first due time to the steady window. */
  readonly warmup: number;
  readonly seconds: number;
  /** Also a window from 5 s after the first due time (fresh tables). */
  readonly early: boolean;
  readonly shards: readonly number[];
  readonly pgBoss: { readonly workers: number; readonly batchSize: number; readonly pollingIntervalSeconds: number };
}

const run = async (contender: "schedkit" | "pg-boss", options: Record<string, unknown>): Promise<Throughput> =>
  JSON.parse(await runChild("./postgres-throughput.ts", [contender, JSON.stringify(options)])) as Throughput;

const common = (sizes: ThroughputSizes) => ({
  programs: sizes.programs,
  interval: sizes.interval,
  warmup: sizes.warmup,
  seconds: sizes.seconds,
  early: sizes.early,
});

// ---- 2: takeover -------------------------------------------------------------------------------

export interface TakeoverSizes {
  readonly kills: number;
  readonly programs: number;
  readonly shards: number;
  readonly leaseTtl: number;
  readonly renewInterval: number;
  readonly safetyMargin: number;
}

interface NodeMessage {
  readonly type: string;
  readonly node: string;
  readonly at: number;
  readonly shard?: number;
  readonly epoch?: number;
}

export interface Kill {
  readonly victim: string;
  /** The shards it held, and for each: ms left on its lease at the kill (database clock), ms until a survivor acquired it. */
  readonly shards: readonly { readonly shard: number; readonly leaseLeft: number; readonly takeover: number }[];
  /** Until the last of them was acquired. */
  readonly takeover: number;
}

export interface Takeover {
  readonly sizes: TakeoverSizes;
  readonly kills: readonly Kill[];
  /** Per kill: until every shard of the killed node was owned again. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Per shard taken over. */
  readonly shardP50: number;
  readonly shardP99: number;
  /** Lease left at the kill, median over shards: the part of the takeover spent waiting for the lease to lapse. */
  readonly leaseLeftP50: number;
  /** Takeover minus lease left, per shard: noticing the lapse (the scan) and acquiring. */
  readonly afterLapseP50: number;
  readonly afterLapseP99: number;
  readonly bound: number;
  readonly failures: number;
}

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number);
};

class TakeoverFleet {
  readonly schema = `bench_takeover_${process.pid}_${Date.now().toString(36)}`;
  readonly children = new Map<string, ChildProcess>();
  /** Shards each live node holds (from its events), with their epochs. */
  readonly held = new Map<string, Map<number, number>>();
  readonly acquired: NodeMessage[] = [];
  private readonly waiters = new Set<() => void>();
  spawned = false;

  constructor(
    readonly url: string,
    readonly sizes: TakeoverSizes,
    readonly pool: Pool,
  ) {}

  start(node: string, spawnPrograms: boolean): void {
    const options: NodeOptions = {
      schema: this.schema,
      programs: this.sizes.programs,
      shards: this.sizes.shards,
      leaseTtl: this.sizes.leaseTtl,
      renewInterval: this.sizes.renewInterval,
      safetyMargin: this.sizes.safetyMargin,
      spawn: spawnPrograms,
    };
    const child = spawn(
      process.execPath,
      ["--import", "tsx", here("./postgres-node.ts"), node, JSON.stringify(options)],
      { stdio: ["ignore", "ignore", "inherit", "ipc"] },
    );
    const held = new Map<number, number>();
    this.held.set(node, held);
    child.on("message", (message: NodeMessage) => {
      if (message.type === "acquired" && message.shard !== undefined && message.epoch !== undefined) {
        held.set(message.shard, message.epoch);
        this.acquired.push(message);
      } else if ((message.type === "lost" || message.type === "released") && message.shard !== undefined) {
        if (held.get(message.shard) === message.epoch) held.delete(message.shard);
      } else if (message.type === "spawned") this.spawned = true;
      for (const wake of [...this.waiters]) wake();
    });
    child.on("exit", () => {
      if (this.children.get(node) === child) {
        this.children.delete(node);
        this.held.delete(node);
      }
    });
    this.children.set(node, child);
  }

  /** Resolves when `check()` holds (checked at every message and every 50 ms), or rejects after `timeout`. */
  async until(what: string, check: () => boolean, timeout: number): Promise<void> {
    const end = Date.now() + timeout;
    while (!check()) {
      if (Date.now() > end) {
        throw new Error(`takeover: timed out after ${timeout} ms waiting for ${what} (${this.describe()})`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 50);
        this.waiters.add(wake);
      });
    }
  }

  describe(): string {
    const held = [...this.held].map(
      ([node, shards]) => `${node}: ${[...shards.keys()].sort((a, b) => a - b).join(" ")}`,
    );
    return `${held.join("; ")}; spawned ${this.spawned}`;
  }

  /**
   * Every shard held by exactly one live node, and each of the three holding at least `each`.
   * (Balancing is best effort: a shard taken as an orphan is kept, "sticky", so a fleet may stay
   * uneven; the kills go to whoever holds shards.)
   */
  owned(each: number): boolean {
    const owners = new Set<number>();
    if (this.children.size < 3) return false;
    for (const [node, held] of this.held) {
      if (!this.children.has(node) || held.size < each) return false;
      for (const shard of held.keys()) {
        if (owners.has(shard)) return false;
        owners.add(shard);
      }
    }
    return owners.size === this.sizes.shards;
  }

  /** Waits until every shard is owned, then (at most `spread` ms more) until each node holds some. */
  async settle(what: string, spread: number): Promise<void> {
    await this.until(what, () => this.owned(0), 60_000);
    await this.until(what, () => this.owned(1), spread).catch(() => {});
  }

  async leases(): Promise<Map<number, { owner: string | null; epoch: number; left: number }>> {
    const result = await this.pool.query(
      `SELECT shard, owner, epoch, expires_at - extract(epoch FROM clock_timestamp()) * 1000 AS left
       FROM "${this.schema}".leases`,
    );
    return new Map(
      result.rows.map((row) => [
        Number(row.shard),
        { owner: row.owner === null ? null : String(row.owner), epoch: Number(row.epoch), left: Number(row.left) },
      ]),
    );
  }

  async kill(victim: string, timeout: number): Promise<Kill | undefined> {
    const child = this.children.get(victim);
    if (child === undefined) throw new Error(`takeover: ${victim} is not running`);
    const leases = await this.leases();
    const mine = new Map<number, { epoch: number; left: number }>();
    for (const [shard, lease] of leases) {
      if (lease.owner === victim && lease.left > 0) mine.set(shard, { epoch: lease.epoch, left: lease.left });
    }
    for (const [shard, epoch] of this.held.get(victim) ?? []) {
      if (!mine.has(shard)) mine.set(shard, { epoch, left: leases.get(shard)?.left ?? 0 });
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const killedAt = Date.now();
    child.kill("SIGKILL");
    await exited;
    const takenAt = (shard: number, epoch: number) =>
      this.acquired.find(
        (message) =>
          message.node !== victim && message.shard === shard && (message.epoch ?? 0) > epoch && message.at >= killedAt,
      )?.at;
    try {
      await this.until(
        `the shards of ${victim} (${[...mine.keys()].join(", ")}) to be acquired`,
        () => [...mine].every(([shard, { epoch }]) => takenAt(shard, epoch) !== undefined),
        timeout,
      );
    } catch {
      return undefined;
    }
    const shards = [...mine].map(([shard, { epoch, left }]) => ({
      shard,
      leaseLeft: Math.round(left),
      takeover: (takenAt(shard, epoch) as number) - killedAt,
    }));
    return { victim, shards, takeover: Math.max(...shards.map((entry) => entry.takeover)) };
  }

  async stop(): Promise<void> {
    const exits: Promise<unknown>[] = [];
    for (const child of this.children.values()) {
      exits.push(new Promise((resolve) => child.once("exit", resolve)));
      child.kill("SIGKILL");
    }
    await Promise.race([Promise.all(exits), sleep(5_000)]);
    await this.pool.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
  }
}

export const takeoverBench = async (url: string, sizes: TakeoverSizes): Promise<Takeover> => {
  const counter = new WireCounter();
  const pool = countedPool(counter, { connectionString: url, max: 2 });
  pool.on("error", () => {});
  const fleet = new TakeoverFleet(url, sizes, pool);
  // Migrate once here, so the three nodes start on a ready schema.
  await postgresStore({ pool, schema: fleet.schema }).ready();
  const nodes = ["n0", "n1", "n2"];
  const kills: Kill[] = [];
  let failures = 0;
  try {
    for (const node of nodes) fleet.start(node, node === "n0");
    await fleet.until("the programs spawned", () => fleet.spawned, 60_000);
    await fleet.settle("every shard owned", 10_000);
    let turn = 0;
    for (let round = 0; round < sizes.kills; round++) {
      // The next node in turn that holds shards.
      let victim = nodes[turn++ % nodes.length] as string;
      for (let tries = 0; (fleet.held.get(victim)?.size ?? 0) === 0 && tries < nodes.length; tries++) {
        victim = nodes[turn++ % nodes.length] as string;
      }
      // A kill lands anywhere in the renewal cycle.
      await sleep(Math.random() * sizes.renewInterval);
      const kill = await fleet.kill(victim, 3 * sizes.leaseTtl + 10 * sizes.renewInterval);
      if (kill === undefined) failures += 1;
      else kills.push(kill);
      fleet.start(victim, false);
      await fleet.settle(`${victim} back and every shard owned`, 10_000);
      // Let the handoffs settle: a shard just handed over is not the next kill's business.
      await sleep(2 * sizes.renewInterval);
    }
  } finally {
    await fleet.stop();
    await pool.end();
  }
  const perKill = kills.map((kill) => kill.takeover);
  const perShard = kills.flatMap((kill) => kill.shards.map((shard) => shard.takeover));
  const afterLapse = kills.flatMap((kill) => kill.shards.map((shard) => shard.takeover - Math.max(0, shard.leaseLeft)));
  return {
    sizes,
    kills,
    p50: quantile(perKill, 0.5),
    p99: quantile(perKill, 0.99),
    max: Math.max(...perKill),
    shardP50: quantile(perShard, 0.5),
    shardP99: quantile(perShard, 0.99),
    leaseLeftP50: quantile(
      kills.flatMap((kill) => kill.shards.map((shard) => shard.leaseLeft)),
      0.5,
    ),
    afterLapseP50: quantile(afterLapse, 0.5),
    afterLapseP99: quantile(afterLapse, 0.99),
    bound: sizes.leaseTtl + sizes.renewInterval + 1_000,
    failures,
  };
};

// ---- the section ---------------------------------------------------------------------------------

export interface PostgresBench {
  readonly smoke: boolean;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly schedkit: readonly Throughput[];
  readonly pgBoss: Throughput;
  readonly takeover: Takeover;
  /** schedkit's completed fires per second (64 shards) over pg-boss's completed jobs per second. */
  readonly ratio: number;
}

export interface SectionGoal {
  readonly name: string;
  readonly value: number;
  readonly target: string;
  readonly met: boolean;
}

export const postgresSizes = (smoke: boolean) => ({
  throughput: (smoke
    ? {
        programs: 500,
        interval: 1_000,
        warmup: 2,
        seconds: 3,
        early: false,
        shards: [64, 8],
        pgBoss: { workers: 2, batchSize: 500, pollingIntervalSeconds: 0.5 },
      }
    : {
        programs: 10_000,
        interval: 1_000,
        // Past PostgreSQL's first autoanalyze of the new tables (autovacuum_naptime 1 min): see BENCHMARKS.md.
        warmup: 80,
        seconds: 15,
        early: true,
        shards: [64, 8],
        pgBoss: { workers: 2, batchSize: 5_000, pollingIntervalSeconds: 0.5 },
      }) satisfies ThroughputSizes,
  takeover: {
    kills: smoke ? 3 : 20,
    programs: 36,
    shards: 16,
    leaseTtl: 2_000,
    renewInterval: 600,
    safetyMargin: 300,
  } satisfies TakeoverSizes,
});

/** The whole section; `undefined` when SCHEDKIT_PG_URL is not set. */
export const postgresBench = async (smoke: boolean): Promise<PostgresBench | undefined> => {
  const url = process.env.SCHEDKIT_PG_URL;
  if (url === undefined || url === "") return undefined;
  const sizes = postgresSizes(smoke);
  const loadBefore = loadavg().map((value) => Math.round(value * 100) / 100);
  const schedkit: Throughput[] = [];
  for (const shards of sizes.throughput.shards) {
    schedkit.push(await run("schedkit", { ...common(sizes.throughput), shards }));
  }
  const pgBoss = await run("pg-boss", { ...common(sizes.throughput), ...sizes.throughput.pgBoss });
  const takeover = await takeoverBench(url, sizes.takeover);
  const loadAfter = loadavg().map((value) => Math.round(value * 100) / 100);
  const main = schedkit[0] as Throughput;
  return {
    smoke,
    loadBefore,
    loadAfter,
    schedkit,
    pgBoss,
    takeover,
    ratio: mainWindow(main).completedPerSecond / mainWindow(pgBoss).completedPerSecond,
  };
};

const lateLine = (label: string, value: { p50: number; p99: number; max: number }) =>
  `${label} p50 ${fmt(value.p50)} / p99 ${fmt(value.p99)} / max ${fmt(value.max)} ms`;

const windowLines = (run: Throughput, window: Window): string[] => {
  const name =
    run.contender === "schedkit"
      ? `schedkit, ${String(run.settings.shards)} shards`
      : `pg-boss, ${String(run.settings.workers)} × work(batchSize ${String(run.settings.batchSize)})`;
  const schedkit = run.contender === "schedkit";
  const lines = [
    `   ${name}${keepsUpWith(window) ? "" : " (FALLING BEHIND)"}, ${window.label} window (${window.offset} s after the first due time, ${window.windowSeconds.toFixed(1)} s): ${fmt(window.due)} due, ${fmt(window.recorded)} ${schedkit ? "recorded" : "started"}, ${fmt(window.completed)} completed: ${fmt(window.completedPerSecond)}/s (${fmt(window.writtenInWindowPerSecond)}/s ${schedkit ? "recorded" : "completed"} in the window)`,
    `      lateness: ${lateLine(schedkit ? "kernel start" : "started_on", window.startLateness)}; ${lateLine(schedkit ? "recorded_at" : "completed_on", window.storeLateness)}; ${lateLine("handler", window.handlerLateness)}`,
    `      cpu: node ${window.cpu.node}%, postgres ${window.cpu.postgres ?? "?"}% (of one core; ${window.cpu.postgres === undefined || window.completedPerSecond === 0 ? "?" : fmt((window.cpu.postgres * 10_000) / window.completedPerSecond)} ms of server CPU per 1,000 completed), machine ${window.cpu.machine ?? "?"}% of ${window.cpu.cores} cores; ${fmt(window.wire.roundTrips)} round trips (${fmt(window.wire.roundTripsPerSecond)}/s, ${(window.wire.roundTrips / Math.max(1, window.completed)).toFixed(2)} per completed job)`,
  ];
  const ticks = window.wire.ticks;
  if (ticks !== undefined) {
    lines.push(
      `      ticks (appends with fires): ${fmt(ticks.count)} (${fmt(ticks.perSecond)}/s), ${ticks.firesPerTick} fires each, ${ticks.roundTripsPerTick} round trips each (${JSON.stringify(ticks.histogram)}), ${ticks.msPerTick} ms each, ${ticks.checkpointShare} with a checkpoint; all round trips per tick ${ticks.allRoundTripsPerTick}`,
    );
  }
  const bytes = window.wire.appendBytes;
  if (bytes !== undefined) {
    lines.push(
      `      an append is ${fmt(bytes.bytes)} bytes of JSON on average; a checkpoint ${bytes.checkpointBytes === 0 ? "(none sampled)" : fmt(bytes.checkpointBytes)}`,
    );
  }
  const requests = Object.entries(window.wire.byRequest)
    .filter(([, stats]) => stats.requests > 0)
    .map(([type, stats]) => `${type} ${fmt(stats.requests)} × ${stats.roundTripsPerRequest} (${stats.msPerRequest} ms)`)
    .join(", ");
  lines.push(`      by request (count × round trips each, mean time): ${requests}`);
  return lines;
};

/** The section's lines, as `pnpm bench` prints them. */
export const postgresLines = (bench: PostgresBench): string[] => {
  const lines: string[] = [];
  for (const run of [...bench.schedkit, bench.pgBoss]) {
    for (const window of run.windows) lines.push(...windowLines(run, window));
  }
  lines.push(
    `   schedkit (${String(bench.schedkit[0]?.settings.shards)} shards) completed/s ÷ pg-boss completed/s, steady windows: ${bench.ratio.toFixed(2)}`,
  );
  const t = bench.takeover;
  lines.push(
    `   takeover after kill -9 (3 nodes, ${t.sizes.shards} shards, ${t.sizes.programs} programs, leaseTtl ${t.sizes.leaseTtl}, renewInterval ${t.sizes.renewInterval}): ${t.kills.length} kills${t.failures > 0 ? ` (${t.failures} not taken over in time!)` : ""}, all shards back p50 ${fmt(t.p50)} / p99 ${fmt(t.p99)} / max ${fmt(t.max)} ms (bound ${fmt(t.bound)}); per shard p50 ${fmt(t.shardP50)} / p99 ${fmt(t.shardP99)}; lease left at the kill p50 ${fmt(t.leaseLeftP50)}, after the lapse p50 ${fmt(t.afterLapseP50)} / p99 ${fmt(t.afterLapseP99)} ms`,
  );
  lines.push(`   load average before ${bench.loadBefore.join(" ")}, after ${bench.loadAfter.join(" ")}`);
  return lines;
};

/** A run keeps up when its fires are durable within this long of their due time (p99). */
export const KEEP_UP_MS = 5_000;

/** Fires recorded within `KEEP_UP_MS` of their due time (p99), and 99% of the window's due fires completed. */
export const keepsUpWith = (window: Window): boolean =>
  window.storeLateness.p99 <= KEEP_UP_MS && window.completed >= 0.99 * window.due;

/** The section's goals (issue #17); fire rate only at full size. */
export const postgresGoals = (bench: PostgresBench): SectionGoal[] => {
  const goals: SectionGoal[] = [];
  const main = bench.schedkit[0];
  if (main !== undefined && !bench.smoke) {
    const window = mainWindow(main);
    const keepsUp = keepsUpWith(window);
    goals.push({
      name: `postgres: fires/s recorded, 10,000 programs at 1 s, ${String(main.settings.shards)} shards, keeping up (${keepsUp ? "yes" : "NO"}: recorded p99 ${fmt(window.storeLateness.p99)} ms, ${fmt(window.completed)} of ${fmt(window.due)} due completed)`,
      value: window.writtenInWindowPerSecond,
      target: `>= 5,000 and keeping up (recorded p99 <= ${fmt(KEEP_UP_MS)} ms, 99% of the due fires completed)`,
      met: window.writtenInWindowPerSecond >= 5_000 && keepsUp,
    });
  }
  for (const run of bench.schedkit) {
    const ticks = mainWindow(run).wire.ticks;
    if (ticks === undefined) continue;
    goals.push({
      name: `postgres: round trips per tick per shard (one append with fires), ${String(run.settings.shards)} shards`,
      value: ticks.roundTripsPerTick,
      target: "<= 2",
      met: ticks.roundTripsPerTick <= 2,
    });
  }
  const t = bench.takeover;
  goals.push({
    name: "postgres: takeover p99 after kill -9 (ms)",
    value: t.p99,
    target: `<= leaseTtl + renewInterval + 1 s = ${fmt(t.bound)}`,
    met: t.failures === 0 && t.p99 <= t.bound,
  });
  return goals;
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const smoke = process.argv.includes("--smoke");
  const bench = await postgresBench(smoke);
  if (bench === undefined) console.log(`10. postgres: ${SKIPPED}`);
  else {
    for (const line of postgresLines(bench)) console.log(line);
    for (const goal of postgresGoals(bench)) {
      console.log(`   ${goal.met ? "met   " : "MISSED"} ${goal.name}: ${goal.value} (goal ${goal.target})`);
    }
    if (process.argv.includes("--json")) console.log(JSON.stringify(bench));
  }
}
