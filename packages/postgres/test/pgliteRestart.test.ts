import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProgramSpec } from "@schedkit/kernel";
import { describe, expect, it } from "vitest";
import { createFleetRunner, type FleetRunner } from "../src/fleetRunner.js";
import { type PgliteStore, pgliteStore } from "../src/postgres.js";
import { VirtualClock } from "./support/virtualClock.js";

const LEASES = { shards: 2, leaseTtl: 3_000, renewInterval: 1_000, safetyMargin: 300 } as const;

describe("pgliteStore restart", () => {
  it("pgliteStore - a durable runner killed and started again on its data directory loses and doubles no fire", {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "schedkit-pglite-"));
    const clock = new VirtualClock();
    const runs: string[] = [];
    const programs: ProgramSpec[] = [
      {
        id: "reports",
        type: "constant",
        interval: 200,
        mainFn: (_args: unknown, _t: number, ctx) => {
          runs.push(ctx.fireId);
          return runs.length;
        },
      },
    ];
    const open = (): { store: PgliteStore; runner: FleetRunner } => {
      const store = pgliteStore({ dataDir: dir, clock: () => clock.time });
      const runner = createFleetRunner({ store: clock.tracked(store), clock, nodeId: "solo", programs, ...LEASES });
      runner.start();
      return { store, runner };
    };
    try {
      let { store, runner } = open();
      expect(await clock.until(runner.spawn("reports"))).toBe("reports-1");
      await clock.advance(2_000);
      const beforeKill = runs.length;
      expect(beforeKill).toBeGreaterThan(5);
      runner.kill(); // the process dies: no checkpoint, no release
      await store.close();
      await clock.advance(1_000); // down for five due times: the new start catches them up (misfire "catch-up")

      // The same node starts again on the same files (a new session): it takes its shard back at once.
      ({ store, runner } = open());
      await clock.advance(3_000);
      await clock.until(runner.stop());
      expect(runs.length).toBeGreaterThan(beforeKill + 10);

      const { rows } = await store.db.query<{ fire_id: string; scheduled_at: number; completed: string | null }>(
        "SELECT fire_id, scheduled_at, completed FROM schedkit.fires WHERE program_id = 'reports' ORDER BY scheduled_at",
      );
      await store.close();
      // Every fire recorded once and completed; the due times form one unbroken 200 ms grid across the restart.
      expect(rows.length).toBe(new Set(rows.map((row) => row.fire_id)).size);
      expect(rows.every((row) => row.completed === "succeeded")).toBe(true);
      for (let index = 1; index < rows.length; index++) {
        expect(
          Number(rows[index]?.scheduled_at) - Number(rows[index - 1]?.scheduled_at),
          JSON.stringify(rows.slice(Math.max(0, index - 2), index + 2)),
        ).toBe(200);
      }
      // Every job ran once, but the fires in flight when the process died (run again: at-least-once).
      const recorded = new Set(rows.map((row) => row.fire_id));
      expect(new Set(runs)).toEqual(recorded);
      expect(runs.length - recorded.size).toBeLessThanOrEqual(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
