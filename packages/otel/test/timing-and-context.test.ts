import { metrics, trace } from "@opentelemetry/api";
import { createRunner } from "@schedkit/kernel";
import * as Effect from "effect/Effect";
import { afterEach, describe, expect, it } from "vitest";
import { instrument } from "../src/index.js";
import { createTelemetry, createTestRunner, hrAt, type Telemetry, useContextManager } from "./support/telemetry.js";

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

describe("instrument: timing and context", () => {
  it("instrument - a synchronous job that takes 40 ms has a 40 ms span and duration, the next job starts after it", async () => {
    const providers = withTelemetry();
    const { clock, runner } = createTestRunner();
    cleanups.push(() => runner.kill());
    instrument(runner, providers);
    // Two spawns due at the same time: the first one's mainFn keeps the (fake) clock busy for 40 ms.
    runner.install({
      id: "busy",
      interval: 100,
      mainFn: () => {
        clock.tick(40);
        return "done";
      },
    });
    runner.install({ id: "after", interval: 100, mainFn: () => "quick" });
    runner.spawn("busy");
    runner.spawn("after");
    runner.start();
    await clock.tickAsync(100);
    const [busy] = telemetry.jobSpans("busy");
    const [next] = telemetry.jobSpans("after");
    expect(busy?.startTime).toEqual(hrAt(100));
    expect(busy?.endTime).toEqual(hrAt(140));
    // The second job of the step starts when its mainFn does: 40 ms late, not at the step's time.
    expect(next?.startTime).toEqual(hrAt(140));
    expect(next?.attributes["schedkit.job.lateness_ms"]).toBe(40);
    const m = await telemetry.collect();
    expect(m.histogram("schedkit.job.duration", { "schedkit.program.id": "busy" })).toMatchObject({
      count: 1,
      sum: 40,
    });
    expect(m.histogram("schedkit.job.lateness", { "schedkit.program.id": "after" })).toMatchObject({ sum: 40 });
  });

  it("instrument - an Effect job's spans, after an Effect.sleep, nest under the job's span (real clock)", async () => {
    cleanups.push(useContextManager());
    const providers = withTelemetry();
    const runner = createRunner({ id: "effects", onJobError: false });
    cleanups.push(() => runner.kill());
    instrument(runner, providers);
    const tracer = providers.tracerProvider.getTracer("user");
    runner.install({
      id: "effectful",
      interval: 60_000,
      mainFn: () =>
        Effect.gen(function* () {
          yield* Effect.sleep("5 millis");
          yield* Effect.sync(() => tracer.startSpan("user.query").end());
          return "ok";
        }),
    });
    runner.install({
      id: "promised",
      interval: 60_000,
      mainFn: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        tracer.startSpan("user.call").end();
        return "ok";
      },
    });
    runner.start();
    expect(await runner.trigger("effectful")).toBe("ok");
    expect(await runner.trigger("promised")).toBe("ok");
    for (const [program, child] of [
      ["effectful", "user.query"],
      ["promised", "user.call"],
    ] as const) {
      const [job] = telemetry.jobSpans(program);
      const user = telemetry.spans().find((span) => span.name === child);
      expect(user?.parentSpanContext?.spanId, program).toBe(job?.spanContext().spanId);
      expect(user?.spanContext().traceId, program).toBe(job?.spanContext().traceId);
    }
  });

  it("instrument - with no options, a meter provider registered after instrument() still gets the metrics", async () => {
    withTelemetry();
    cleanups.push(() => {
      trace.disable();
      metrics.disable();
    });
    const { clock, runner } = createTestRunner();
    cleanups.push(() => runner.kill());
    instrument(runner);
    runner.install({ id: "early", interval: 100, mainFn: () => 1 });
    runner.spawn("early");
    runner.start();
    await clock.tickAsync(100);
    // The SDK starts after the runner was instrumented (and after a first job).
    trace.setGlobalTracerProvider(telemetry.tracerProvider);
    metrics.setGlobalMeterProvider(telemetry.meterProvider);
    await clock.tickAsync(200);
    const m = await telemetry.collect();
    expect(m.sum("schedkit.job.settled", { "schedkit.program.id": "early" })).toBe(2);
    expect(m.sum("schedkit.jobs.in_flight")).toBe(0);
    expect(telemetry.jobSpans("early")).toHaveLength(2);
  });
});
