import { type Attributes, SpanStatusCode } from "@opentelemetry/api";
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { attributeNames as attr, metricNames } from "@schedkit/otel";
import FakeTimers from "@sinonjs/fake-timers";
import { describe, expect, it } from "vitest";
import { FETCH_SPAN, REPORT_ID, runExample, SYNC_ID } from "./otel.js";

/** The SDK's in-memory exporter forgets its spans when shut down, and the example shuts it down. */
class KeptSpans extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return this.forceFlush();
  }
}

/** Runs the example on a fake clock: 4.5 s of it, and the rest until the report in progress ends. */
const run = async () => {
  const clock = FakeTimers.createClock(0);
  const spanExporter = new KeptSpans();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const lines: string[] = [];
  const done = runExample({
    spanExporter,
    metricExporter,
    clock,
    onJobError: false,
    log: (line) => lines.push(line),
  });
  await clock.tickAsync(10_000);
  const result = await done;
  const spans = spanExporter.getFinishedSpans();
  // One collection, at shutdown (the reader's interval is longer than the run).
  const exports = metricExporter.getMetrics();
  const metrics = exports.flatMap((each) => each.scopeMetrics.flatMap((scope) => scope.metrics));
  return { result, spans, exports, metrics, lines };
};

const jobSpans = (spans: readonly ReadableSpan[], programId: string) =>
  spans.filter((span) => span.name === `schedkit.job ${programId}`);

const points = (metrics: readonly MetricData[], name: string) => {
  const metric = metrics.find((each) => each.descriptor.name === name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  return metric.dataPoints as DataPoint<unknown>[];
};

/** The value of the data point whose attributes include `where`. */
const valueWhere = (metrics: readonly MetricData[], name: string, where: Attributes) =>
  points(metrics, name).find((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
    ?.value;

describe("otel", () => {
  it("otel - one span per job, named by program, with its kind and status", async () => {
    const { result, spans, lines } = await run();
    expect(result).toMatchObject({ syncRuns: 4, syncFailures: 1, reportRuns: 2, reportSkipped: 2 });
    expect(result.triggered).toEqual({ orders: 1 });

    const sync = jobSpans(spans, SYNC_ID);
    const report = jobSpans(spans, REPORT_ID);
    // Four runs of the spawn and the trigger; the report ran twice (the other two due times were skipped).
    expect(sync).toHaveLength(5);
    expect(report).toHaveLength(2);
    expect(sync.map((span) => span.attributes[attr.kind]).sort()).toEqual([
      "spawn",
      "spawn",
      "spawn",
      "spawn",
      "trigger",
    ]);
    for (const span of [...sync, ...report]) {
      expect(span.instrumentationScope.name).toBe("@schedkit/otel");
      expect(span.parentSpanContext).toBeUndefined(); // each job is a trace of its own
      expect(span.attributes[attr.runnerId]).toBe("otel-example");
      expect(span.attributes[attr.jobId]).toEqual(expect.any(String));
      expect(span.attributes[attr.fireId]).toEqual(expect.any(String));
    }
    expect(report.map((span) => span.attributes[attr.status])).toEqual(["succeeded", "succeeded"]);
    expect(report.every((span) => span.attributes[attr.spawnId] === "build-report-1")).toBe(true);

    // The third sync (the trigger was the first) failed: the span says so, with the exception.
    const failed = sync.filter((span) => span.status.code === SpanStatusCode.ERROR);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.attributes[attr.status]).toBe("errored");
    expect(failed[0]?.status.message).toBe("upstream timed out");
    expect(failed[0]?.events.map((event) => event.name)).toEqual(["exception"]);
    expect(failed[0]?.events[0]?.attributes?.["exception.message"]).toBe("upstream timed out");
    expect(sync.filter((span) => span.attributes[attr.status] === "succeeded")).toHaveLength(4);

    expect(lines).toContain('otel: the trigger of sync-orders resolved {"orders":1}');
  });

  it("otel - the span opened inside mainFn is a child of the job's span", async () => {
    const { spans } = await run();
    const sync = jobSpans(spans, SYNC_ID);
    const fetches = spans.filter((span) => span.name === FETCH_SPAN);
    expect(fetches).toHaveLength(sync.length);
    for (const fetch of fetches) {
      const parent = sync.find((span) => span.spanContext().spanId === fetch.parentSpanContext?.spanId);
      expect(parent).toBeDefined();
      expect(fetch.spanContext().traceId).toBe(parent?.spanContext().traceId);
      // The child failed where its job failed.
      expect(fetch.status.code).toBe(parent?.status.code);
    }
    // Every job has its own trace.
    expect(new Set(sync.map((span) => span.spanContext().traceId)).size).toBe(sync.length);
  });

  it("otel - the metrics count the jobs by status, the skipped due times, and end at zero in flight", async () => {
    const { exports, metrics } = await run();
    expect(exports).toHaveLength(1);
    const sync = { [attr.programId]: SYNC_ID };
    const report = { [attr.programId]: REPORT_ID };

    expect(
      valueWhere(metrics, metricNames.settled, { ...sync, [attr.kind]: "spawn", [attr.status]: "succeeded" }),
    ).toBe(3);
    expect(valueWhere(metrics, metricNames.settled, { ...sync, [attr.kind]: "spawn", [attr.status]: "errored" })).toBe(
      1,
    );
    expect(
      valueWhere(metrics, metricNames.settled, { ...sync, [attr.kind]: "trigger", [attr.status]: "succeeded" }),
    ).toBe(1);
    expect(valueWhere(metrics, metricNames.settled, { ...report, [attr.status]: "succeeded" })).toBe(2);
    expect(valueWhere(metrics, metricNames.skipped, { ...report, [attr.reason]: "overlap" })).toBe(2);

    // A lateness and a duration for every job that ran: histograms, one count per job.
    const histogramCount = (name: string, where: Attributes) =>
      points(metrics, name)
        .filter((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
        .reduce((sum, point) => sum + (point.value as { count: number }).count, 0);
    expect(histogramCount(metricNames.lateness, sync)).toBe(5);
    expect(histogramCount(metricNames.lateness, report)).toBe(2);
    expect(histogramCount(metricNames.duration, sync)).toBe(5);
    expect(histogramCount(metricNames.duration, report)).toBe(2);

    // The runner was stopped: no spawn running, no job in flight.
    for (const where of [sync, report]) {
      expect(valueWhere(metrics, metricNames.spawnsRunning, where)).toBe(0);
      expect(valueWhere(metrics, metricNames.jobsInFlight, where)).toBe(0);
    }
    // Every measurement carries the runner's id.
    for (const metric of metrics) {
      for (const point of metric.dataPoints) expect(point.attributes[attr.runnerId]).toBe("otel-example");
    }
  });
});
