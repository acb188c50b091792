import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { attributeNames, BUCKETS_MS, metricNames } from "../src/index.js";
import { INSTRUMENTATION_NAME } from "../src/internal/names.js";

describe("instrument: names", () => {
  it("names - the instrumentation scope is the package's name", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      name: string;
    };
    expect(INSTRUMENTATION_NAME).toBe(manifest.name);
  });

  it("names - the attribute and metric names are the documented ones", () => {
    expect(attributeNames).toEqual({
      runnerId: "schedkit.runner.id",
      programId: "schedkit.program.id",
      spawnId: "schedkit.spawn.id",
      fireId: "schedkit.fire.id",
      jobId: "schedkit.job.id",
      kind: "schedkit.job.kind",
      scheduledAt: "schedkit.job.scheduled_at",
      latenessMs: "schedkit.job.lateness_ms",
      status: "schedkit.job.status",
      reason: "schedkit.reason",
      code: "schedkit.code",
      shard: "schedkit.fleet.shard",
      epoch: "schedkit.fleet.epoch",
      rerun: "schedkit.job.rerun",
      nodeId: "schedkit.fleet.node.id",
    });
    expect(metricNames).toEqual({
      lateness: "schedkit.job.lateness",
      duration: "schedkit.job.duration",
      settled: "schedkit.job.settled",
      missed: "schedkit.job.missed",
      skipped: "schedkit.job.skipped",
      refused: "schedkit.command.refused",
      discarded: "schedkit.job.discarded",
      spawnsRunning: "schedkit.spawns.running",
      jobsInFlight: "schedkit.jobs.in_flight",
      shardsOwned: "schedkit.fleet.shards.owned",
      takeovers: "schedkit.fleet.takeovers",
    });
    expect(BUCKETS_MS[0]).toBe(0.1);
    expect(BUCKETS_MS.at(-1)).toBe(3_600_000);
    expect([...BUCKETS_MS].sort((a, b) => a - b)).toEqual(BUCKETS_MS);
  });
});
