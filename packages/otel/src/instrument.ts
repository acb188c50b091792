import { type Attributes, type MeterProvider, metrics, type TracerProvider, trace } from "@opentelemetry/api";
import type { JobWrapper } from "@schedkit/kernel";
import { JobMetrics } from "./internal/jobMetrics.js";
import { attr, INSTRUMENTATION_NAME } from "./internal/names.js";
import { JobObserver } from "./internal/observer.js";

/** @since 0.3.0 */
export interface InstrumentOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
  /** Where metrics go. Default: the global meter provider (`metrics.getMeterProvider()`). */
  readonly meterProvider?: MeterProvider;
}

/**
 * What `instrument` needs of a runner: `createRunner`'s runner and `createFleetRunner`'s fleet
 * runner both have it. A fleet runner is told apart by its `nodeId`.
 * @since 0.3.0
 */
export interface Instrumentable {
  /** Its effects: a runner's `KernelEffect`s, a fleet runner's events (told apart by `nodeId`). */
  subscribe(listener: (event: unknown) => void): () => void;
  wrapJobs(wrapper: JobWrapper): () => void;
  now(): number;
  /** A runner's id (`createRunner`). */
  readonly id?: string;
  /** A fleet runner's node id (`createFleetRunner`). */
  readonly nodeId?: string;
  /** A fleet runner's `health()`: the shards held when instrumented are counted. */
  health?(): { readonly status: string; readonly shards?: number };
  /** A runner's `info()`: the spawns running when instrumented are counted. */
  info?(): {
    readonly programs: Readonly<
      Record<string, { readonly current: Readonly<Record<string, { readonly status: string }>> }>
    >;
  };
}

/**
 * Instruments a runner or a fleet runner with OpenTelemetry: a span per job run here
 * (`schedkit.job <programId>`, its `mainFn` inside the span's context) and the job metrics (see
 * the package README for every name). Returns the function that removes it: later jobs get no
 * span, spans still open end as `abandoned`, and the up-down counters take back what they added.
 *
 * Needs only `@opentelemetry/api`: bring your own SDK and exporter, or pass nothing and the
 * global providers are used (a no-op until an SDK registers them).
 *
 * @example
 * const uninstrument = instrument(runner, { tracerProvider, meterProvider });
 *
 * @since 0.3.0
 */
export const instrument = (target: Instrumentable, options: InstrumentOptions = {}): (() => void) => {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
  const fleet = typeof target.nodeId === "string";
  const spanBase: Attributes = fleet
    ? { [attr.nodeId]: target.nodeId as string }
    : target.id === undefined
      ? {}
      : { [attr.runnerId]: target.id };
  // A fleet's node ids are drawn per replica: on spans only, not a metric dimension.
  const metricBase: Attributes = fleet || target.id === undefined ? {} : { [attr.runnerId]: target.id };
  const jobMetrics = new JobMetrics(
    options.meterProvider ?? metrics.getMeterProvider(),
    options.meterProvider === undefined ? () => metrics.getMeterProvider() : undefined,
    metricBase,
    !fleet,
    fleet,
  );
  const observer = new JobObserver(tracer, jobMetrics, spanBase, () => target.now(), target.nodeId, !fleet);
  if (!fleet && typeof target.info === "function") observer.seedSpawns(target.info().programs);
  if (fleet && typeof target.health === "function") {
    const held = target.health().shards;
    if (typeof held === "number" && held > 0) observer.seedShards(held);
  }
  const unsubscribe = target.subscribe((fleet ? observer.onFleetEvent : observer.onEffect) as (event: unknown) => void);
  const unwrap = target.wrapJobs(observer.wrap);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    unwrap();
    unsubscribe();
    observer.close();
  };
};
