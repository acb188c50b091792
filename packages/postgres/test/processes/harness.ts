/**
 * The real-process fault tests' harness (issue #17): a fleet of node processes
 * (`node.ts`) on one fresh PostgreSQL schema, read back from the database and
 * the nodes' own logs. The checks every scenario ends with are in `checks.ts`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { onTestFailed } from "vitest";
import { pgUrl } from "../support/backends.js";
import { applicationName, type Build, NODE_OPTIONS } from "./fleet.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..", "..");
export const NODES = ["n0", "n1", "n2"] as const;
export const { leaseTtl, renewInterval, safetyMargin, shards } = NODE_OPTIONS;
/** FLEET.md guarantee 5, plus 1 s for the test's polling and process scheduling (issue #17). */
export const TAKEOVER_BOUND = leaseTtl + renewInterval + 1_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface LeaseRow {
  readonly shard: number;
  readonly owner: string | null;
  readonly epoch: number;
  /** Ms left on the lease, by the database's clock. */
  readonly left: number;
}
export interface FireRow {
  readonly fireId: string;
  readonly shard: number;
  readonly programId: string;
  readonly spawnId: string | null;
  readonly scheduledAt: number;
  readonly epoch: number;
  readonly node: string;
  readonly completed: string | null;
  readonly recordedAt: number;
}
export interface JobLine {
  readonly node: string;
  readonly pid: number;
  readonly build?: Build;
  readonly fireId: string;
  readonly at: number;
}
export interface EventLine {
  readonly type: string;
  readonly node: string;
  readonly at: number;
  readonly pid?: number;
  readonly build?: Build;
  readonly shard?: number;
  readonly epoch?: number;
  readonly fireId?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly previousOwner?: string | null;
  readonly problems?: readonly { readonly programId: string; readonly reason: string }[];
}
/** One run of a fire, from a node's own logs. */
export interface Run {
  readonly node: string;
  readonly at: number;
  readonly epoch: number;
  readonly build: Build | undefined;
}

export interface FleetOptions {
  /** The server (default SCHEDKIT_PG_URL). */
  readonly url?: string;
  /** Drop the schema at the end (default true; a private server is removed whole instead). */
  readonly dropSchema?: boolean;
}

/** One test's fleet: a fresh schema, a log directory, node processes and a pool for reading back. */
export class Fleet {
  readonly schema = `schedkit_t${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  readonly dir = mkdtempSync(join(tmpdir(), "schedkit-faults-"));
  readonly url: string;
  readonly pool: pg.Pool;
  readonly children = new Map<string, ChildProcess>();
  readonly exits = new Map<string, { code: number | null; signal: string | null }>();
  private readonly dropSchema: boolean;

  constructor(options: FleetOptions = {}) {
    const url = options.url ?? pgUrl;
    if (url === undefined) throw new Error("SCHEDKIT_PG_URL is not set");
    this.url = url;
    this.dropSchema = options.dropSchema ?? true;
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    // A reading connection the server drops (a restart) is replaced at the next query.
    this.pool.on("error", () => {});
  }

  /** Starts (or, after it exited, restarts) `node` as `build`; `spawn`: it spawns every program once. */
  start(node: string, options: { readonly build?: Build; readonly spawn?: boolean } = {}): void {
    if (this.alive(node)) throw new Error(`${node} is running`);
    const out = openSync(join(this.dir, `${node}.out.log`), "a");
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "node.ts"), node], {
      cwd: packageDir,
      env: {
        ...process.env,
        SCHEDKIT_PG_URL: this.url,
        SCHEDKIT_TEST_SCHEMA: this.schema,
        SCHEDKIT_TEST_LOGS: this.dir,
        SCHEDKIT_TEST_BUILD: options.build ?? "v1",
        SCHEDKIT_TEST_SPAWN: options.spawn === true ? "1" : "0",
      },
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    this.exits.delete(node);
    child.on("exit", (code, signal) => {
      if (this.children.get(node) === child) this.exits.set(node, { code, signal });
    });
    this.children.set(node, child);
  }

  child(node: string): ChildProcess {
    const child = this.children.get(node);
    if (child === undefined) throw new Error(`no process for ${node}`);
    return child;
  }

  alive(node: string): boolean {
    return this.children.has(node) && !this.exits.has(node);
  }

  /** Every node started in this test (restarted ones once). */
  nodes(): string[] {
    return [...this.children.keys()];
  }

  /** SIGTERM `node` and wait (up to `timeout` ms) for it to exit: its exit code, or "still running". */
  async terminate(node: string, timeout = 5_000): Promise<number | null | "still running"> {
    const child = this.child(node);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    return Promise.race([exited, sleep(timeout).then(() => "still running" as const)]);
  }

  async leases(): Promise<LeaseRow[]> {
    const result = await this.pool.query(
      `SELECT shard, owner, epoch, expires_at - extract(epoch FROM clock_timestamp()) * 1000 AS left
       FROM "${this.schema}".leases ORDER BY shard`,
    );
    return result.rows.map((row) => ({
      shard: Number(row.shard),
      owner: row.owner === null ? null : String(row.owner),
      epoch: Number(row.epoch),
      left: Number(row.left),
    }));
  }

  async fires(): Promise<FireRow[]> {
    const result = await this.pool.query(
      `SELECT fire_id, shard, program_id, spawn_id, scheduled_at, epoch, node, completed,
              extract(epoch FROM recorded_at) * 1000 AS recorded_ms
       FROM "${this.schema}".fires ORDER BY scheduled_at, fire_id`,
    );
    return result.rows.map((row) => ({
      fireId: String(row.fire_id),
      shard: Number(row.shard),
      programId: String(row.program_id),
      spawnId: row.spawn_id === null ? null : String(row.spawn_id),
      scheduledAt: Number(row.scheduled_at),
      epoch: Number(row.epoch),
      node: String(row.node),
      completed: row.completed === null ? null : String(row.completed),
      recordedAt: Number(row.recorded_ms),
    }));
  }

  /** The program fingerprints the store holds, per shard (the ones the shard was last taken with). */
  async fingerprints(): Promise<{ shard: number; programId: string; hash: string; version: unknown }[]> {
    const result = await this.pool.query(
      `SELECT shard, program_id, hash, version FROM "${this.schema}".fingerprints ORDER BY shard, program_id`,
    );
    return result.rows.map((row) => ({
      shard: Number(row.shard),
      programId: String(row.program_id),
      hash: String(row.hash),
      version: row.version,
    }));
  }

  /** The server processes serving `node`'s pool (by its `application_name`), from `pg_stat_activity`. */
  async backends(node: string): Promise<{ pid: number; state: string | null; query: string }[]> {
    const result = await this.pool.query(
      "SELECT pid, state, query FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid",
      [applicationName(this.schema, node)],
    );
    return result.rows.map((row) => ({
      pid: Number(row.pid),
      state: row.state === null ? null : String(row.state),
      query: String(row.query ?? ""),
    }));
  }

  private lines<T>(file: string): T[] {
    const path = join(this.dir, file);
    if (!existsSync(path)) return [];
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as T);
  }
  jobs(node: string): JobLine[] {
    return this.lines<JobLine>(`${node}.jobs.jsonl`);
  }
  events(node: string): EventLine[] {
    return this.lines<EventLine>(`${node}.events.jsonl`);
  }
  output(node: string): string {
    const path = join(this.dir, `${node}.out.log`);
    return existsSync(path) ? readFileSync(path, "utf8") : "";
  }

  /** Kill -9 every process still there, drop the schema, end the pool; logs kept when `keep`. */
  async cleanUp(keep: boolean): Promise<void> {
    const exited: Promise<unknown>[] = [];
    for (const [node, child] of this.children) {
      if (this.exits.has(node)) continue;
      exited.push(new Promise((resolve) => child.once("exit", resolve)));
      child.kill("SIGKILL");
    }
    await Promise.race([Promise.all(exited), sleep(5_000)]);
    try {
      if (this.dropSchema) await this.pool.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    } finally {
      await this.pool.end();
      if (!keep) rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Polls `check` every `every` ms until it returns a value (not undefined), or throws after `timeout` ms. */
export const waitFor = async <T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeout: number,
  every = 50,
): Promise<T> => {
  const end = Date.now() + timeout;
  for (;;) {
    let value: T | undefined;
    try {
      value = await check();
    } catch {
      value = undefined; // e.g. the schema is not migrated yet
    }
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
};

let current: Fleet | undefined;
/** For each test file's `afterEach`: kills and cleans up the fleet `startFleet` made. */
export const cleanUpFleet = async (): Promise<void> => {
  const fleet = current;
  current = undefined;
  await fleet?.cleanUp(process.env.SCHEDKIT_KEEP_LOGS === "1");
};

/** True when every shard has a live owner. */
export const allOwned = (leases: readonly LeaseRow[]): boolean =>
  leases.length === shards && leases.every((lease) => lease.owner !== null && lease.left > 0);

/** Starts three nodes (`build`, n0 spawning); resolves once n0's spawns are answered and every shard has a live owner. */
export const startFleet = async (options: FleetOptions & { readonly build?: Build } = {}): Promise<Fleet> => {
  const started = new Fleet(options);
  current = started;
  onTestFailed(() => {
    console.error(`[faults] logs of the failed test: ${started.dir} (schema ${started.schema})`);
    for (const node of started.nodes()) {
      const output = started.output(node).trim();
      if (output !== "") console.error(`[faults] ${node} output:\n${output.slice(-4_000)}`);
    }
  });
  const build = options.build ?? "v1";
  for (const node of NODES) started.start(node, { build, spawn: node === "n0" });
  await waitFor(
    "n0 to spawn every program",
    () => (started.events("n0").some((event) => event.type === "spawned") ? true : undefined),
    20_000,
    100,
  );
  await waitFor(
    "every shard to have a live owner",
    async () => (allOwned(await started.leases()) ? true : undefined),
    10_000,
  );
  return started;
};

export const report = (label: string, fields: Record<string, unknown>) =>
  console.log(`[faults] ${label}: ${JSON.stringify(fields)}`);
