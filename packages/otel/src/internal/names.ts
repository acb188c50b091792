/** The names this package writes, in one place: attributes on spans and metrics, and the instruments. */

/** The instrumentation scope: the package's name (no version: a constant here would go stale at each release). */
export const INSTRUMENTATION_NAME = "@schedkit/otel";

export const attr = {
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
} as const;

export const metric = {
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
} as const;

/**
 * Bucket boundaries (ms) of the lateness and duration histograms: 0.1 ms to an hour, about
 * 2.5x apart, so a sub-ms lateness and an hour-long job both land in a bucket of their own size.
 */
export const BUCKETS_MS: readonly number[] = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000,
  600_000, 1_800_000, 3_600_000,
];

/** How a job came to run. */
export type JobKind = "spawn" | "trigger" | "backfill";

/** How a job's span ended: the kernel's `settled` statuses, and the cases where no result will come. */
export type JobEnd = "succeeded" | "errored" | "lost" | "cancelled" | "abandoned";
