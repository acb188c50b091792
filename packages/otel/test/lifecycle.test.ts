import { context, metrics, ROOT_CONTEXT, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it, vi } from "vitest";
import { instrument } from "../src/index.js";
import {
  after,
  createTelemetry,
  createTestRunner,
  hrAt,
  T0,
  type Telemetry,
  useContextManager,
} from "./support/telemetry.js";

let telemetry: Telemetry;
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const withTelemetry = () => {
  telemetry = createTelemetry();
  cleanups.push(() => telemetry.shutdown());
  return { tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider };
};

const upDown = async () => {
  const m = await telemetry.collect();
  return { spawns: m.sum("schedkit.spawns.running"), inFlight: m.sum("schedkit.jobs.in_flight") };
};

/** A program whose jobs take 500 ms. */
const slowProgram = (clock: ReturnType<typeof createTestRunner>["clock"]) => ({
  id: "slow",
  interval: 100,
  mainFn: () => after(clock, 500, "late"),
});

describe("instrument: lifecycle", () => {
  it("killSpawn - a Promise job killed while it runs ends its span as cancelled, and in_flight goes back to 0", async () => {
    const { clock, runner } = createTestRunner();
    instrument(runner, withTelemetry());
    cleanups.push(() => runner.kill());
    runner.install(slowProgram(clock));
    const spawnId = runner.spawn("slow") as string;
    runner.start();
    await clock.tickAsync(100);
    expect(await upDown()).toEqual({ spawns: 1, inFlight: 1 });
    await clock.tickAsync(30);
    runner.killSpawn("slow", spawnId);
    const [span] = telemetry.jobSpans("slow");
    expect(span?.attributes["schedkit.job.status"]).toBe("cancelled");
    expect(span?.startTime).toEqual(hrAt(100));
    expect(span?.endTime).toEqual(hrAt(130));
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(await upDown()).toEqual({ spawns: 0, inFlight: 0 });
    // Its result, arriving later, is discarded: counted once, and no second end.
    await clock.tickAsync(500);
    const m = await telemetry.collect();
    expect(m.sum("schedkit.job.settled", { "schedkit.job.status": "cancelled" })).toBe(1);
    expect(m.sum("schedkit.job.settled")).toBe(1);
    expect(m.histogram("schedkit.job.duration", { "schedkit.job.status": "cancelled" })).toMatchObject({
      count: 1,
      sum: 30,
    });
    expect(telemetry.spans()).toHaveLength(1);
  });

  it("kill - killing the runner ends the spans of its running jobs as cancelled", async () => {
    const { clock, runner } = createTestRunner();
    instrument(runner, withTelemetry());
    runner.install(slowProgram(clock));
    runner.spawn("slow");
    runner.spawn("slow");
    runner.start();
    await clock.tickAsync(200);
    runner.kill();
    const spans = telemetry.jobSpans("slow");
    expect(spans.map((span) => [span.attributes["schedkit.job.status"], span.endTime])).toEqual([
      ["cancelled", hrAt(200)],
      ["cancelled", hrAt(200)],
    ]);
    expect(await upDown()).toEqual({ spawns: 0, inFlight: 0 });
  });

  it("instrument - the remover ends open spans as abandoned, later jobs make no spans, the up-down counters return to 0", async () => {
    const removeManager = useContextManager();
    cleanups.push(removeManager);
    const { clock, runner } = createTestRunner();
    const remove = instrument(runner, withTelemetry());
    cleanups.push(() => runner.kill());
    const active: boolean[] = [];
    runner.install({
      id: "slow",
      interval: 100,
      mainFn: () => {
        active.push(trace.getActiveSpan() !== undefined);
        return after(clock, 500, "late");
      },
    });
    runner.spawn("slow");
    runner.start();
    await clock.tickAsync(150);
    expect(await upDown()).toEqual({ spawns: 1, inFlight: 1 });
    remove();
    const [span] = telemetry.jobSpans("slow");
    expect(span?.attributes["schedkit.job.status"]).toBe("abandoned");
    expect(span?.endTime).toEqual(hrAt(150));
    expect(await upDown()).toEqual({ spawns: 0, inFlight: 0 });
    const before = await telemetry.collect();
    expect(before.sum("schedkit.job.settled", { "schedkit.job.status": "abandoned" })).toBe(1);

    // The job settles (at 600) and the next one runs (700 to 1200): nothing of them reaches the providers.
    await clock.tickAsync(1_050);
    expect(active).toEqual([true, false]);
    expect(telemetry.spans()).toHaveLength(1);
    const later = await telemetry.collect();
    expect(later.sum("schedkit.job.settled")).toBe(1);
    expect(later.histogram("schedkit.job.lateness", {}).count).toBe(1);
    expect({ spawns: later.sum("schedkit.spawns.running"), inFlight: later.sum("schedkit.jobs.in_flight") }).toEqual({
      spawns: 0,
      inFlight: 0,
    });
  });

  it("instrument - calling the remover twice is harmless", async () => {
    const { clock, runner } = createTestRunner();
    const remove = instrument(runner, withTelemetry());
    cleanups.push(() => runner.kill());
    runner.install(slowProgram(clock));
    runner.spawn("slow");
    runner.spawn("slow");
    runner.start();
    await clock.tickAsync(100);
    remove();
    const once = { spans: telemetry.spans().length, ...(await upDown()) };
    expect(() => remove()).not.toThrow();
    expect({ spans: telemetry.spans().length, ...(await upDown()) }).toEqual(once);
    expect(once).toEqual({ spans: 2, spawns: 0, inFlight: 0 });
  });

  it("instrument - instrumenting after install and spawn, before start, counts the spawns already there", async () => {
    const { clock, runner } = createTestRunner();
    cleanups.push(() => runner.kill());
    runner.install({ id: "a", interval: 100, mainFn: () => 1 });
    runner.install({ id: "b", interval: 100, mainFn: () => 1 });
    runner.spawn("a");
    runner.spawn("a");
    const stopped = runner.spawn("b") as string;
    runner.spawn("b");
    runner.stopSpawn("b", stopped);
    instrument(runner, withTelemetry());
    const m = await telemetry.collect();
    expect(m.sum("schedkit.spawns.running", { "schedkit.program.id": "a" })).toBe(2);
    expect(m.sum("schedkit.spawns.running", { "schedkit.program.id": "b" })).toBe(1);
    runner.start();
    await clock.tickAsync(100);
    expect(telemetry.spans()).toHaveLength(3);
    // Stopping the spawns made before instrumenting takes them back off, to 0 and no lower.
    await runner.stop();
    expect(await upDown()).toEqual({ spawns: 0, inFlight: 0 });
  });

  it("instrument - a job that started before instrumenting settles without a span and without moving in_flight", async () => {
    const { clock, runner } = createTestRunner();
    cleanups.push(() => runner.kill());
    runner.install(slowProgram(clock));
    runner.spawn("slow");
    runner.start();
    await clock.tickAsync(100);
    instrument(runner, withTelemetry());
    await clock.tickAsync(500);
    expect(telemetry.spans()).toEqual([]);
    const m = await telemetry.collect();
    expect(m.sum("schedkit.job.settled", { "schedkit.job.status": "succeeded" })).toBe(1);
    expect(m.sum("schedkit.jobs.in_flight")).toBe(0);
    expect(m.sum("schedkit.spawns.running")).toBe(1);
  });

  it("instrument - with no options, the global tracer and meter providers are used", async () => {
    withTelemetry();
    trace.setGlobalTracerProvider(telemetry.tracerProvider);
    metrics.setGlobalMeterProvider(telemetry.meterProvider);
    cleanups.push(() => {
      trace.disable();
      metrics.disable();
    });
    const { clock, runner } = createTestRunner();
    const remove = instrument(runner);
    cleanups.push(() => runner.kill(), remove);
    runner.install({ id: "global", interval: 100, mainFn: () => after(clock, 10, 1) });
    runner.spawn("global");
    runner.start();
    await clock.tickAsync(110);
    const [span] = telemetry.jobSpans("global");
    expect(span?.startTime).toEqual(hrAt(100));
    expect(span?.endTime).toEqual(hrAt(110));
    expect(span?.instrumentationScope.name).toBe("@schedkit/otel");
    const m = await telemetry.collect();
    expect(m.sum("schedkit.job.settled", { "schedkit.program.id": "global" })).toBe(1);
    expect(m.sum("schedkit.spawns.running")).toBe(1);
  });

  it("instrument - a runner never instrumented runs its jobs with no wrapper: no active span, no span, no metric", async () => {
    const removeManager = useContextManager();
    cleanups.push(removeManager);
    withTelemetry();
    trace.setGlobalTracerProvider(telemetry.tracerProvider);
    metrics.setGlobalMeterProvider(telemetry.meterProvider);
    cleanups.push(() => {
      trace.disable();
      metrics.disable();
    });
    // Another runner, instrumented, on the same providers: instrumenting is per runner.
    const other = createTestRunner();
    cleanups.push(instrument(other.runner), () => other.runner.kill());
    other.runner.install({ id: "other", interval: 100, mainFn: () => 1 });
    other.runner.spawn("other");
    other.runner.start();

    const { clock, runner } = createTestRunner();
    cleanups.push(() => runner.kill());
    const wrapJobs = vi.spyOn(runner, "wrapJobs");
    const subscribe = vi.spyOn(runner, "subscribe");
    const seen: { active: boolean; root: boolean; args: unknown; t: number; jobId: string }[] = [];
    runner.install({
      id: "plain",
      interval: 100,
      argsFn: () => "args",
      mainFn: async (args, t, ctx) => {
        seen.push({
          active: trace.getActiveSpan() !== undefined,
          root: context.active() === ROOT_CONTEXT,
          args,
          t,
          jobId: ctx.jobId,
        });
        await after(clock, 5, undefined);
        return "value";
      },
    });
    runner.spawn("plain");
    runner.start();
    await clock.tickAsync(210);
    await other.clock.tickAsync(100);
    expect(seen).toEqual([
      { active: false, root: true, args: "args", t: T0 + 100, jobId: expect.any(String) },
      { active: false, root: true, args: "args", t: T0 + 205, jobId: expect.any(String) },
    ]);
    // Nothing reached into this runner: no wrapper was added, no listener.
    expect(wrapJobs).not.toHaveBeenCalled();
    expect(subscribe).not.toHaveBeenCalled();
    expect(telemetry.spans().map((span) => span.name)).toEqual(["schedkit.job other"]);
    const m = await telemetry.collect();
    expect(m.points("schedkit.job.settled").map((point) => point.attributes["schedkit.program.id"])).toEqual(["other"]);
  });
});
