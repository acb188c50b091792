import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
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

/** A runner on a fake clock, instrumented with this test's SDK providers. */
const instrumented = () => {
  const made = createTestRunner();
  telemetry = createTelemetry();
  const remove = instrument(made.runner, {
    tracerProvider: telemetry.tracerProvider,
    meterProvider: telemetry.meterProvider,
  });
  // Undone last first: the instrumentation, the runner, the providers.
  cleanups.push(
    () => telemetry.shutdown(),
    () => made.runner.kill(),
    remove,
  );
  return made;
};

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("instrument: spans", () => {
  it("instrument - a Promise job's span runs from its start time to its settle time, with every attribute", async () => {
    const { clock, runner, runs } = instrumented();
    runner.install({ id: "report", interval: 100, mainFn: () => after(clock, 25, "done") });
    const spawnId = runner.spawn("report");
    runner.start();
    await clock.tickAsync(100);
    expect(runs()).toHaveLength(1);
    expect(telemetry.spans()).toEqual([]); // started, not ended
    await clock.tickAsync(25);
    const spans = telemetry.spans();
    expect(spans).toHaveLength(1);
    const span = spans[0];
    expect(span?.name).toBe("schedkit.job report");
    expect(span?.kind).toBe(SpanKind.INTERNAL);
    expect(span?.startTime).toEqual(hrAt(100));
    expect(span?.endTime).toEqual(hrAt(125));
    expect(span?.duration).toEqual([0, 25_000_000]);
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(span?.events).toEqual([]);
    expect(span?.instrumentationScope).toMatchObject({ name: "@schedkit/otel" });
    expect(spawnId).toBe("report-1");
    expect(span?.attributes).toEqual({
      "schedkit.runner.id": "test-runner",
      "schedkit.program.id": "report",
      "schedkit.spawn.id": "report-1",
      "schedkit.fire.id": `report/report-1/${T0 + 100}`,
      "schedkit.job.id": runs()[0]?.jobId,
      "schedkit.job.kind": "spawn",
      "schedkit.job.scheduled_at": T0 + 100,
      "schedkit.job.lateness_ms": 0,
      "schedkit.job.status": "succeeded",
    });
  });

  it("instrument - a synchronous job's span starts and ends at its start time", async () => {
    const { clock, runner } = instrumented();
    runner.install({ id: "sync", type: "constant", interval: 100, mainFn: () => 1 });
    runner.spawn("sync");
    runner.start();
    await clock.tickAsync(200);
    const spans = telemetry.jobSpans("sync");
    expect(spans.map((span) => [span.startTime, span.endTime])).toEqual([
      [hrAt(100), hrAt(100)],
      [hrAt(200), hrAt(200)],
    ]);
    expect(spans.map((span) => span.attributes["schedkit.job.status"])).toEqual(["succeeded", "succeeded"]);
  });

  it("instrument - a job that starts late says by how much: lateness_ms is its start minus its due time", async () => {
    const { clock, runner } = instrumented();
    runner.install({ id: "tick", type: "constant", interval: 100, mainFn: () => "ok" });
    runner.spawn("tick");
    runner.start();
    // The host was away for 350 ms: the timer due at +100 fires at +350, and the spawn catches up.
    clock.jump(350);
    await clock.tickAsync(0);
    const spans = telemetry.jobSpans("tick");
    expect(
      spans.map((span) => [
        span.attributes["schedkit.job.scheduled_at"],
        span.attributes["schedkit.job.lateness_ms"],
        span.startTime,
      ]),
    ).toEqual([
      [T0 + 100, 250, hrAt(350)],
      [T0 + 200, 150, hrAt(350)],
      [T0 + 300, 50, hrAt(350)],
    ]);
  });

  it("instrument - each job is a root span of its own trace, even when a user span is active where it starts", async () => {
    const removeManager = useContextManager();
    cleanups.push(removeManager);
    const { clock, runner } = instrumented();
    runner.install({ id: "sync", interval: 100, mainFn: () => "ok" });
    runner.start();
    const caller = telemetry.tracerProvider.getTracer("caller").startSpan("request");
    // The trigger's job runs inside this call, so inside the caller's context.
    await context.with(trace.setSpan(context.active(), caller), () => runner.trigger("sync"));
    caller.end();
    await clock.tickAsync(10);
    await runner.trigger("sync");
    const jobs = telemetry.jobSpans("sync");
    expect(jobs).toHaveLength(2);
    for (const job of jobs) expect(job.parentSpanContext).toBeUndefined();
    const traces = new Set([caller.spanContext().traceId, ...jobs.map((job) => job.spanContext().traceId)]);
    expect(traces.size).toBe(3);
  });

  it("instrument - a span started inside mainFn is a child of the job span, in a synchronous job and after an await", async () => {
    const removeManager = useContextManager();
    cleanups.push(removeManager);
    const { clock, runner } = instrumented();
    const user = telemetry.tracerProvider.getTracer("user");
    runner.install({
      id: "sync",
      interval: 100,
      mainFn: () => {
        user.startSpan("sync work").end();
        return "ok";
      },
    });
    runner.install({
      id: "async",
      interval: 100,
      mainFn: async () => {
        user.startSpan("before await").end();
        await after(clock, 10, undefined);
        user.startSpan("after await").end();
        return "ok";
      },
    });
    runner.spawn("sync");
    runner.spawn("async");
    runner.start();
    await clock.tickAsync(110);
    const byName = (name: string) => telemetry.spans().find((span) => span.name === name);
    const syncJob = byName("schedkit.job sync");
    const asyncJob = byName("schedkit.job async");
    const pairs = [
      ["sync work", syncJob],
      ["before await", asyncJob],
      ["after await", asyncJob],
    ] as const;
    for (const [name, job] of pairs) {
      const child = byName(name);
      expect(child?.parentSpanContext?.spanId, name).toBe(job?.spanContext().spanId);
      expect(child?.spanContext().traceId, name).toBe(job?.spanContext().traceId);
    }
    expect(syncJob?.spanContext().traceId).not.toBe(asyncJob?.spanContext().traceId);
  });

  it("instrument - a thrown Error marks the span ERROR with its message and records the exception", async () => {
    const { clock, runner } = instrumented();
    runner.install({
      id: "fail",
      interval: 100,
      mainFn: () => {
        throw new Error("disk full");
      },
    });
    runner.spawn("fail");
    runner.start();
    await clock.tickAsync(100);
    const [span] = telemetry.jobSpans("fail");
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: "disk full" });
    expect(span?.attributes["schedkit.job.status"]).toBe("errored");
    expect(span?.events).toHaveLength(1);
    expect(span?.events[0]?.name).toBe("exception");
    expect(span?.events[0]?.time).toEqual(hrAt(100));
    expect(span?.events[0]?.attributes).toMatchObject({ "exception.type": "Error", "exception.message": "disk full" });
    expect(span?.events[0]?.attributes?.["exception.stacktrace"]).toContain("disk full");
  });

  it("instrument - a rejected Promise marks the span ERROR at the time it rejected", async () => {
    const { clock, runner } = instrumented();
    runner.install({
      id: "reject",
      interval: 100,
      mainFn: async () => {
        await after(clock, 40, undefined);
        throw new TypeError("bad row");
      },
    });
    runner.spawn("reject");
    runner.start();
    await clock.tickAsync(140);
    const [span] = telemetry.jobSpans("reject");
    expect(span?.endTime).toEqual(hrAt(140));
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: "bad row" });
    expect(span?.attributes["schedkit.job.status"]).toBe("errored");
    expect(span?.events.map((event) => [event.name, event.time, event.attributes?.["exception.type"]])).toEqual([
      ["exception", hrAt(140), "TypeError"],
    ]);
    expect(span?.events[0]?.attributes?.["exception.message"]).toBe("bad row");
  });

  it("instrument - a thrown non-Error marks the span ERROR with the value as its message", async () => {
    const { clock, runner } = instrumented();
    runner.install({
      id: "throws-string",
      interval: 100,
      mainFn: () => {
        throw "quota exceeded";
      },
    });
    runner.spawn("throws-string");
    runner.start();
    await clock.tickAsync(100);
    const [span] = telemetry.jobSpans("throws-string");
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: "quota exceeded" });
    expect(span?.attributes["schedkit.job.status"]).toBe("errored");
    expect(span?.events.map((event) => event.name)).toEqual(["exception"]);
    expect(span?.events[0]?.attributes?.["exception.message"]).toBe("quota exceeded");
  });

  it("instrument - an error as data ({ name, message }, as a fleet logs it) or a plain object gives a readable message", async () => {
    const { clock, runner } = instrumented();
    runner.install({
      id: "throws-data",
      interval: 100,
      mainFn: (_args, t) => {
        throw t === T0 + 100 ? { name: "QuotaError", message: "over quota" } : { code: 42 };
      },
    });
    runner.spawn("throws-data");
    runner.start();
    await clock.tickAsync(200);
    const [first, second] = telemetry.jobSpans("throws-data");
    expect(first?.status).toEqual({ code: SpanStatusCode.ERROR, message: "over quota" });
    expect(first?.events[0]?.attributes?.["exception.type"]).toBe("QuotaError");
    expect(second?.status).toEqual({ code: SpanStatusCode.ERROR, message: '{"code":42}' });
  });

  it("instrument - an Error whose message cannot be read still marks the span ERROR, and the runner goes on", async () => {
    const { clock, runner } = instrumented();
    const hostile = new Error("unused");
    Object.defineProperty(hostile, "message", {
      get() {
        throw new Error("no message for you");
      },
    });
    let calls = 0;
    runner.install({
      id: "hostile",
      type: "constant",
      interval: 100,
      mainFn: () => {
        calls += 1;
        if (calls === 1) throw hostile;
        return "ok";
      },
    });
    runner.spawn("hostile");
    runner.start();
    await clock.tickAsync(200);
    const spans = telemetry.jobSpans("hostile");
    expect(spans.map((span) => span.attributes["schedkit.job.status"])).toEqual(["errored", "succeeded"]);
    expect(spans[0]?.status).toEqual({ code: SpanStatusCode.ERROR, message: "(an error that could not be shown)" });
  });

  it("instrument - triggers and backfills are marked by kind, and have no spawn id", async () => {
    const { clock, runner, runs } = instrumented();
    runner.install({ id: "sync", type: "constant", interval: 100, mainFn: () => "ok" });
    runner.start();
    await clock.tickAsync(1_000);
    await runner.trigger("sync");
    const fireIds = runner.backfill("sync", { from: T0, to: T0 + 300 });
    await clock.tickAsync(0);
    const later = runner.trigger("sync", T0 + 1_500);
    await clock.tickAsync(500);
    await later;
    runner.spawn("sync");
    await clock.tickAsync(100);
    const spans = telemetry.jobSpans("sync");
    const row = (index: number) => {
      const attributes = spans[index]?.attributes ?? {};
      return [
        attributes["schedkit.job.kind"],
        attributes["schedkit.fire.id"],
        attributes["schedkit.job.lateness_ms"],
        "schedkit.spawn.id" in attributes,
      ];
    };
    expect(fireIds).toEqual([`sync/backfill/${T0}`, `sync/backfill/${T0 + 100}`, `sync/backfill/${T0 + 200}`]);
    expect(spans.map((_, index) => row(index))).toEqual([
      ["trigger", `sync/trigger/${runs()[0]?.jobId}`, 0, false],
      ["backfill", `sync/backfill/${T0}`, 1_000, false],
      ["backfill", `sync/backfill/${T0 + 100}`, 900, false],
      ["backfill", `sync/backfill/${T0 + 200}`, 800, false],
      ["trigger", `sync/trigger/${runs()[4]?.jobId}`, 0, false],
      ["spawn", `sync/sync-1/${T0 + 1_600}`, 0, true],
    ]);
    expect(spans.at(-1)?.attributes["schedkit.spawn.id"]).toBe("sync-1");
  });
});
