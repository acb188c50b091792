import { type Attributes, type AttributeValue, context, type HrTime } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createRunner, type KernelEffect, type Runner, type RunnerOptions } from "@schedkit/kernel";
import FakeTimers from "@sinonjs/fake-timers";

/** Where every runner clock of these tests starts. */
export const T0 = Date.UTC(2026, 0, 1);

/** `ms` after T0 (runner time), as the HrTime OpenTelemetry keeps: written out, not computed by the code under test. */
export const hrAt = (ms: number): HrTime => {
  const total = T0 + ms;
  return [Math.floor(total / 1_000), (total % 1_000) * 1_000_000];
};

/** A reader the tests collect from when they choose. */
class TestReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** A collection, read by instrument name: points, sums over matching attributes, histograms. */
export class Collected {
  constructor(private readonly metrics: readonly MetricData[]) {}

  /** The metric of that name, or undefined when nothing was recorded under it. */
  metric(name: string): MetricData | undefined {
    return this.metrics.find((metric) => metric.descriptor.name === name);
  }

  points(name: string, match: Attributes = {}): DataPoint<unknown>[] {
    const metric = this.metric(name);
    if (metric === undefined) return [];
    return (metric.dataPoints as DataPoint<unknown>[]).filter((point) => matches(point.attributes, match));
  }

  /** The sum of a counter's or an up-down counter's points whose attributes include `match` (0 when none). */
  sum(name: string, match: Attributes = {}): number {
    return this.points(name, match).reduce((total, point) => total + (point.value as number), 0);
  }

  /** The one histogram point whose attributes include `match`. */
  histogram(name: string, match: Attributes = {}): Histogram {
    const points = this.points(name, match);
    if (points.length !== 1) throw new Error(`${name}: expected one point matching, found ${points.length}`);
    return points[0]?.value as Histogram;
  }
}

const matches = (attributes: Attributes, match: Attributes): boolean =>
  Object.entries(match).every(([key, value]) => attributes[key] === (value as AttributeValue));

/** An SDK tracer provider with an in-memory exporter, and an SDK meter provider with a reader. */
export const createTelemetry = () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    exporter,
    /** Ended spans, in the order they ended. */
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    /** Ended spans named for `programId`. */
    jobSpans: (programId: string): ReadableSpan[] =>
      exporter.getFinishedSpans().filter((span) => span.name === `schedkit.job ${programId}`),
    collect: async (): Promise<Collected> => {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      return new Collected(resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics));
    },
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
};

export type Telemetry = ReturnType<typeof createTelemetry>;

/**
 * A runner on a fake clock at T0 (`onJobError: false`: the failures are the tests'), and every
 * effect it gives, as an oracle of ids and times.
 */
export const createTestRunner = (options: RunnerOptions = {}) => {
  const clock = FakeTimers.createClock(T0);
  const runner: Runner = createRunner({ id: "test-runner", clock, onJobError: false, ...options });
  const effects: KernelEffect[] = [];
  runner.subscribe((effect) => effects.push(effect));
  const runs = () => effects.filter((effect) => effect.type === "run");
  return { clock, runner, effects, runs };
};

/** A Promise that resolves with `value` after `ms` on the fake clock. */
export const after = <T>(clock: FakeTimers.Clock, ms: number, value: T): Promise<T> =>
  new Promise((resolve) => {
    clock.setTimeout(() => resolve(value), ms);
  });

/** The AsyncLocalStorage context manager, registered globally for one test; returns its removal. */
export const useContextManager = (): (() => void) => {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  return () => {
    manager.disable();
    context.disable();
  };
};
