import type { ProgramSpec } from "@schedkit/kernel";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { type CliIo, parseDuration, runCli } from "../src/cli.js";
import { createFleetRunner } from "../src/fleetRunner.js";
import { postgresStore } from "../src/postgres.js";
import { itWithPostgres, pgUrl } from "./support/backends.js";

const capture = (env: Record<string, string | undefined> = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (text) => out.push(text), err: (text) => err.push(text), env };
  return { io, out: () => out.join(""), err: () => err.join("") };
};

describe("schedkit-pg", () => {
  it("runCli - usage, unknown commands and bad options exit 2 with a message naming the problem", async () => {
    const help = capture();
    expect(await runCli(["--help"], help.io)).toBe(0);
    expect(help.out()).toMatch(/schedkit-pg status/);
    const none = capture();
    expect(await runCli([], none.io)).toBe(2);
    const unknown = capture({ DATABASE_URL: "postgres://x" });
    expect(await runCli(["frobnicate"], unknown.io)).toBe(2);
    expect(unknown.err()).toMatch(/unknown command "frobnicate"/);
    const noUrl = capture();
    expect(await runCli(["status"], noUrl.io)).toBe(2);
    expect(noUrl.err()).toMatch(/--url or set DATABASE_URL/);
    const badSchema = capture({ DATABASE_URL: "postgres://x" });
    expect(await runCli(["status", "--schema", "Bad-Name"], badSchema.io)).toBe(2);
    expect(badSchema.err()).toMatch(/schema must be a lower-case SQL identifier/);
    const shortPrune = capture({ DATABASE_URL: "postgres://x" });
    expect(await runCli(["prune", "--older-than", "5m"], shortPrune.io)).toBe(2);
    expect(shortPrune.err()).toMatch(/at least 1h/);
    const badLimit = capture({ DATABASE_URL: "postgres://x" });
    expect(await runCli(["fires", "--limit", "0"], badLimit.io)).toBe(2);
  });

  it("parseDuration - seconds to days", () => {
    expect(parseDuration("45s")).toBe(45_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("12h")).toBe(43_200_000);
    expect(parseDuration("7d")).toBe(604_800_000);
    expect(parseDuration("7 days")).toBeUndefined();
  });

  itWithPostgres(
    "status, fires, prune - an operator reads the leases, nodes and fires of a running fleet",
    async () => {
      const schema = `schedkit_cli_${process.pid}_${Date.now().toString(36)}`;
      const pool = new pg.Pool({ connectionString: pgUrl, max: 4 });
      const program: ProgramSpec = { id: "report", interval: 50, mainFn: () => "ok" };
      const runner = createFleetRunner({
        store: postgresStore({ pool, schema }),
        programs: [program],
        nodeId: "cli-node",
        shards: 4,
        leaseTtl: 3_000,
        renewInterval: 1_000,
      });
      try {
        runner.start();
        await runner.spawn("report");
        await new Promise((resolve) => setTimeout(resolve, 600));
        const env = { DATABASE_URL: pgUrl };
        const status = capture(env);
        expect(await runCli(["status", "--schema", schema], status.io), status.err()).toBe(0);
        expect(status.out()).toMatch(/leases\nshard +state +owner +epoch/);
        expect(status.out()).toMatch(/held +cli-node +1/);
        expect(status.out()).toMatch(/cli-node +\d+ +\d+ +0 /);
        const json = capture(env);
        expect(await runCli(["status", "--schema", schema, "--json"], json.io)).toBe(0);
        const parsed = JSON.parse(json.out()) as {
          leases: { owner: string; state: string }[];
          fires: { fires: number }[];
        };
        expect(parsed.leases.filter((lease) => lease.state === "held")).toHaveLength(4);
        expect(parsed.fires[0]?.fires).toBeGreaterThan(3);
        const fires = capture(env);
        expect(await runCli(["fires", "--schema", schema, "--program", "report", "--limit", "3"], fires.io)).toBe(0);
        const lines = fires.out().trim().split("\n");
        expect(lines[0]).toMatch(/^fire_id +node +epoch +due +lag_ms +completed/);
        expect(lines.slice(1)).toHaveLength(3);
        expect(lines[1]).toMatch(/^report\/report-1\/\d+ +cli-node/);
        const prune = capture(env);
        expect(await runCli(["prune", "--schema", schema, "--older-than", "1h"], prune.io)).toBe(0);
        expect(prune.out()).toMatch(/deleted 0 finished fire records, 0 answers and 0 nodes not seen for 1h/);
        const missing = capture(env);
        expect(await runCli(["status", "--schema", "no_such_schema"], missing.io)).toBe(1);
        expect(missing.err()).toMatch(/holds no schedkit store/);
      } finally {
        await runner.stop();
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pool.end();
      }
    },
  );
});
