import { DataPointType } from "@opentelemetry/sdk-metrics";
import { afterEach, describe, expect, it } from "vitest";
import { BUCKETS_MS, instrument } from "../src/index.js";
import { after, createTelemetry, createTestRunner, T0, type Telemetry } from "./support/telemetry.js";

let telemetry: Telemetry;
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const instrumented = () => {
  const made = createTestRunner();
  telemetry = createTelemetry();
  instrument(made.runner, { tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider });
  cleanups.push(
    () => telemetry.shutdown(),
    () => made.runner.kill(),
  );
  return made;
};

const RUNNER = { "schedkit.runner.id": "test-runner" };

/**
 * The script: three spawns on one runner, for 900 ms.
 * - slow: every 100 ms, `overlap: "skip"`, jobs of 250 ms. Runs at 100, 400, 700 (settled at 350,
 *   650; in flight from 700 until 950); skips 200, 300, 500, 600, 800, 900.
 * - flaky: every 100 ms, `max: 1`, fails at its due time 300. Runs 100..900: 8 succeeded, 1 errored.
 *   A second spawn is refused (`max-reached`).
 * - stale: every 100 ms, `catchUpWindow` 275 ms, paused from 150 to 750. At the resume the due times
 *   200, 300, 400 are older than the window (missed: 3) and 500, 600, 700 catch up at 750 (lateness
 *   250, 150, 50); 100, 800, 900 run on time. 6 succeeded.
 */
const script = () => {
  const made = instrumented();
  const { clock, runner } = made;
  runner.install({
    id: "slow",
    type: "constant",
    interval: 100,
    overlap: "skip",
    mainFn: () => after(clock, 250, "slow"),
  });
  runner.install({
    id: "flaky",
    type: "constant",
    interval: 100,
    max: 1,
    mainFn: (_args, t) => {
      if (t === T0 + 300) throw new Error("flaky");
      return "ok";
    },
  });
  runner.install({ id: "stale", type: "constant", interval: 100, catchUpWindow: 275, mainFn: () => "ok" });
  for (const id of ["slow", "flaky", "stale"]) runner.spawn(id);
  expect(runner.spawn("flaky")).toBeUndefined();
  runner.start();
  return made;
};

describe("instrument: metrics", () => {
  it("instrument - after a scripted run, the counters count each job, skip, miss, failure and refusal exactly", async () => {
    const { clock, runner } = script();
    await clock.tickAsync(150);
    runner.pause("stale");
    await clock.tickAsync(600);
    runner.resume("stale");
    await clock.tickAsync(150);
    expect(runner.now()).toBe(T0 + 900);
    const m = await telemetry.collect();

    const settled = (program: string, status: string) =>
      m.sum("schedkit.job.settled", { "schedkit.program.id": program, "schedkit.job.status": status });
    expect(settled("slow", "succeeded")).toBe(2);
    expect(settled("flaky", "succeeded")).toBe(8);
    expect(settled("flaky", "errored")).toBe(1);
    expect(settled("stale", "succeeded")).toBe(6);
    expect(m.sum("schedkit.job.settled", { "schedkit.job.status": "succeeded" })).toBe(16);
    expect(m.sum("schedkit.job.settled", { "schedkit.job.status": "errored" })).toBe(1);
    expect(m.sum("schedkit.job.settled")).toBe(17);
    expect(
      m.points("schedkit.job.settled", { "schedkit.program.id": "flaky", "schedkit.job.status": "errored" }),
    ).toEqual([
      expect.objectContaining({
        attributes: {
          ...RUNNER,
          "schedkit.program.id": "flaky",
          "schedkit.job.kind": "spawn",
          "schedkit.job.status": "errored",
        },
        value: 1,
      }),
    ]);

    expect(m.points("schedkit.job.skipped")).toEqual([
      expect.objectContaining({
        attributes: { ...RUNNER, "schedkit.program.id": "slow", "schedkit.reason": "overlap" },
        value: 6,
      }),
    ]);
    expect(m.points("schedkit.job.missed")).toEqual([
      expect.objectContaining({
        attributes: { ...RUNNER, "schedkit.program.id": "stale", "schedkit.reason": "catch-up-window" },
        value: 3,
      }),
    ]);
    expect(m.points("schedkit.command.refused")).toEqual([
      expect.objectContaining({
        attributes: { ...RUNNER, "schedkit.program.id": "flaky", "schedkit.code": "max-reached" },
        value: 1,
      }),
    ]);
    expect(m.sum("schedkit.job.discarded")).toBe(0);
  });

  it("instrument - the lateness and duration histograms count and sum every job, in the 0.1 ms to 1 h buckets", async () => {
    const { clock, runner } = script();
    await clock.tickAsync(150);
    runner.pause("stale");
    await clock.tickAsync(600);
    runner.resume("stale");
    await clock.tickAsync(150);
    const m = await telemetry.collect();

    expect(m.metric("schedkit.job.lateness")?.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(m.metric("schedkit.job.lateness")?.descriptor.unit).toBe("ms");
    expect(m.metric("schedkit.job.duration")?.descriptor.unit).toBe("ms");
    const stale = m.histogram("schedkit.job.lateness", { "schedkit.program.id": "stale" });
    expect(stale.buckets.boundaries).toEqual([
      0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000,
      300_000, 600_000, 1_800_000, 3_600_000,
    ]);
    expect(stale.buckets.boundaries).toEqual(BUCKETS_MS);
    expect(stale.count).toBe(6);
    expect(stale.sum).toBe(450);
    expect(stale.min).toBe(0);
    expect(stale.max).toBe(250);
    const bucket = (ms: number) => BUCKETS_MS.indexOf(ms);
    // 0, 0, 0 in (-inf, 0.1]; 50 in (25, 50]; 150 and 250 in (100, 250].
    const counts = new Array(BUCKETS_MS.length + 1).fill(0);
    counts[bucket(0.1)] = 3;
    counts[bucket(50)] = 1;
    counts[bucket(250)] = 2;
    expect(stale.buckets.counts).toEqual(counts);

    // Every job started (the slow job in flight too), all on time.
    expect(m.histogram("schedkit.job.lateness", { "schedkit.program.id": "slow" })).toMatchObject({ count: 3, sum: 0 });
    expect(m.histogram("schedkit.job.lateness", { "schedkit.program.id": "flaky" })).toMatchObject({
      count: 9,
      sum: 0,
    });

    // Durations: settled jobs only, by status.
    const slow = m.histogram("schedkit.job.duration", { "schedkit.program.id": "slow" });
    expect(slow).toMatchObject({ count: 2, sum: 500, min: 250, max: 250 });
    expect(slow.buckets.counts[bucket(250)]).toBe(2);
    expect(
      m.histogram("schedkit.job.duration", { "schedkit.program.id": "flaky", "schedkit.job.status": "errored" }),
    ).toMatchObject({ count: 1, sum: 0 });
    expect(
      m.histogram("schedkit.job.duration", { "schedkit.program.id": "flaky", "schedkit.job.status": "succeeded" }),
    ).toMatchObject({ count: 8, sum: 0 });
  });

  it("instrument - spawns.running and jobs.in_flight follow the run, and are 0 after a graceful stop", async () => {
    const { clock, runner } = script();
    const upDown = async () => {
      const m = await telemetry.collect();
      return {
        spawns: m.sum("schedkit.spawns.running"),
        slowSpawns: m.sum("schedkit.spawns.running", { "schedkit.program.id": "slow" }),
        inFlight: m.sum("schedkit.jobs.in_flight"),
        slowInFlight: m.sum("schedkit.jobs.in_flight", { "schedkit.program.id": "slow" }),
      };
    };
    expect(await upDown()).toEqual({ spawns: 3, slowSpawns: 1, inFlight: 0, slowInFlight: 0 });
    await clock.tickAsync(100); // slow's first job runs until 350
    expect(await upDown()).toEqual({ spawns: 3, slowSpawns: 1, inFlight: 1, slowInFlight: 1 });
    await clock.tickAsync(250);
    expect(await upDown()).toEqual({ spawns: 3, slowSpawns: 1, inFlight: 0, slowInFlight: 0 });
    await clock.tickAsync(350); // 700: its third job starts
    expect(await upDown()).toEqual({ spawns: 3, slowSpawns: 1, inFlight: 1, slowInFlight: 1 });
    const stopped = runner.stop();
    await clock.tickAsync(250);
    await stopped;
    expect(await upDown()).toEqual({ spawns: 0, slowSpawns: 0, inFlight: 0, slowInFlight: 0 });
    const m = await telemetry.collect();
    expect(m.points("schedkit.spawns.running").map((point) => point.attributes)).toContainEqual({
      ...RUNNER,
      "schedkit.program.id": "slow",
    });
    expect(m.sum("schedkit.job.settled", { "schedkit.program.id": "slow", "schedkit.job.status": "succeeded" })).toBe(
      3,
    );
  });

  it("instrument - a clock jump past the catch-up window and limit adds every missed due time, by reason", async () => {
    const made = createTestRunner({ catchUpLimit: 2 });
    const { clock, runner, effects } = made;
    telemetry = createTelemetry();
    instrument(runner, { tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider });
    cleanups.push(
      () => telemetry.shutdown(),
      () => runner.kill(),
    );
    runner.install({ id: "window", type: "constant", interval: 100, catchUpWindow: 250, mainFn: () => 1 });
    runner.install({ id: "limit", type: "constant", interval: 100, mainFn: () => 1 });
    runner.spawn("window");
    runner.spawn("limit");
    runner.start();
    // Away for a second: at 1,000 "window" misses 100..700 (older than 250 ms); of the rest, each
    // spawn's first runs (limit 100, window 800), the limit of 2 runs limit 200 and 300, and the
    // due times left (limit 400..1,000, window 900 and 1,000) are missed past the limit.
    clock.jump(1_000);
    await clock.tickAsync(0);
    const m = await telemetry.collect();
    const missed = (program: string, reason: string) =>
      m.sum("schedkit.job.missed", { "schedkit.program.id": program, "schedkit.reason": reason });
    expect(missed("window", "catch-up-window")).toBe(7);
    expect(missed("window", "catch-up-limit")).toBe(2);
    expect(missed("limit", "catch-up-limit")).toBe(7);
    expect(missed("limit", "catch-up-window")).toBe(0);
    const reported = effects.reduce((total, effect) => total + (effect.type === "missed" ? effect.count : 0), 0);
    expect(m.sum("schedkit.job.missed")).toBe(reported);
    expect(m.sum("schedkit.job.settled", { "schedkit.program.id": "limit" })).toBe(3);
    expect(m.sum("schedkit.job.settled", { "schedkit.program.id": "window" })).toBe(1);
    expect(m.histogram("schedkit.job.lateness", { "schedkit.program.id": "limit" })).toMatchObject({
      count: 3,
      sum: 900 + 800 + 700,
    });
  });

  it("instrument - a backfill's skipped runs are counted as skipped, and its jobs as backfills", async () => {
    const { clock, runner } = instrumented();
    runner.install({ id: "sync", type: "constant", interval: 100, mainFn: () => "ok" });
    runner.start();
    await clock.tickAsync(1_000);
    runner.backfill("sync", { from: T0, to: T0 + 500, overlap: "skip" });
    await clock.tickAsync(0);
    const m = await telemetry.collect();
    expect(m.sum("schedkit.job.skipped", { "schedkit.program.id": "sync", "schedkit.reason": "overlap" })).toBe(4);
    expect(m.sum("schedkit.job.settled", { "schedkit.job.kind": "backfill", "schedkit.job.status": "succeeded" })).toBe(
      1,
    );
    expect(m.histogram("schedkit.job.lateness", { "schedkit.job.kind": "backfill" })).toMatchObject({
      count: 1,
      sum: 1_000,
    });
  });
});
