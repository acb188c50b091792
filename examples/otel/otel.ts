/**
 * OpenTelemetry: a span for every job and the runner's metrics, printed on the console.
 *
 * Two programs on one runner, instrumented with `@schedkit/otel`:
 * - `sync-orders`, every second: fetches orders inside a span of its own ("fetch orders"),
 *   which nests under the job's span; every third run fails ("upstream timed out");
 * - `build-report`, every second with `overlap: "skip"`: each report takes 1.5 s, so every
 *   other due time finds the previous report still running and is skipped.
 * One `trigger` of `sync-orders` ("sync now") runs as soon as the runner starts.
 *
 * It runs for 4.5 s of real time, stops the runner (waiting for the report in progress),
 * shuts the providers down (which flushes them: the metrics are exported once, at the end)
 * and exits. The SDK's console exporters print every span as it ends, then every metric.
 *
 *   npx tsx examples/otel/otel.ts
 */
import { pathToFileURL } from "node:url";
import { context, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import {
  type Clock,
  createRunner,
  type FakeTimersClock,
  type JobErrorHandler,
  type Runner,
  systemClock,
} from "@schedkit/kernel";
import { instrument } from "@schedkit/otel";

export const SYNC_ID = "sync-orders";
export const REPORT_ID = "build-report";
/** The name of the span `sync-orders` opens inside its job. */
export const FETCH_SPAN = "fetch orders";

export interface ProgramsOptions {
  /** Ms between two `sync-orders` runs. Default 1,000. */
  readonly syncEvery?: number;
  /** How long fetching the orders takes, ms. Default 50. */
  readonly fetchTakes?: number;
  /** Which runs of `sync-orders` fail (counted from 0, triggers too). Default: every third one. */
  readonly fails?: (run: number) => boolean;
  /** Ms between two `build-report` due times. Default 1,000. */
  readonly reportEvery?: number;
  /** How long a report takes, ms. Default 1,500: longer than `reportEvery`, so every other one is skipped. */
  readonly reportTakes?: number;
}

const sleep = (clock: Pick<Clock, "setTimeout">, ms: number) =>
  new Promise<void>((resolve) => {
    clock.setTimeout(resolve, ms);
  });

/**
 * Installs and spawns the two programs. `tracer` is the application's own: the span it opens
 * in `sync-orders` finds the job's span as its parent in the active context.
 */
export function setupPrograms(
  runner: Runner,
  clock: Pick<Clock, "setTimeout">,
  tracer: Tracer,
  options: ProgramsOptions = {},
) {
  const {
    syncEvery = 1_000,
    fetchTakes = 50,
    fails = (run: number) => run % 3 === 2,
    reportEvery = 1_000,
    reportTakes = 1_500,
  } = options;
  let run = 0;
  runner.install({
    id: SYNC_ID,
    type: "constant",
    interval: syncEvery,
    createFn: () => ({ orders: 0 }),
    // startActiveSpan parents the new span on the active context: inside a job, the job's span.
    mainFn: (_args: undefined, t: number) =>
      tracer.startActiveSpan(FETCH_SPAN, async (span) => {
        const mine = run++;
        span.setAttribute("orders.due_at", t);
        try {
          await sleep(clock, fetchTakes);
          if (fails(mine)) throw new Error("upstream timed out");
          const orders = 1 + (mine % 4);
          span.setAttribute("orders.count", orders);
          return { orders };
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      }),
    // A failed run adds nothing (mergeFn is told errorFn's output; the job still counts as errored).
    errorFn: () => ({ orders: 0 }),
    mergeFn: (state: { orders: number }, output: { orders: number }) => ({ orders: state.orders + output.orders }),
  });
  runner.install({
    id: REPORT_ID,
    type: "constant",
    interval: reportEvery,
    overlap: "skip",
    createFn: () => ({ reports: 0 }),
    mainFn: async () => {
      await sleep(clock, reportTakes);
      return { reports: 1 };
    },
    mergeFn: (state: { reports: number }, output: { reports: number }) => ({
      reports: state.reports + output.reports,
    }),
  });
  const syncSpawn = runner.spawn(SYNC_ID);
  const reportSpawn = runner.spawn(REPORT_ID);
  if (syncSpawn === undefined || reportSpawn === undefined) throw new Error("otel: a spawn was refused");
  return { syncSpawn, reportSpawn };
}

export interface ExampleOptions {
  /** Where spans go (the example: `ConsoleSpanExporter`; a test: an in-memory one). */
  readonly spanExporter: SpanExporter;
  /** Where metrics go (the example: `ConsoleMetricExporter`). Exported once, at shutdown. */
  readonly metricExporter: PushMetricExporter;
  /** The runner's clock. Default: the system clock. A test passes a fake-timers clock. */
  readonly clock?: Clock | FakeTimersClock;
  /** How long the runner runs, ms (on `clock`). Default 4,500. */
  readonly runFor?: number;
  /** The example's own lines. Default: `console.log`. */
  readonly log?: (line: string) => void;
  /** The runner's `onJobError`. Default: the runner's own (one line on stderr per failed job). */
  readonly onJobError?: JobErrorHandler | false;
  readonly programs?: ProgramsOptions;
}

export interface ExampleResult {
  readonly syncRuns: number;
  readonly syncFailures: number;
  readonly reportRuns: number;
  readonly reportSkipped: number;
  readonly triggered: unknown;
}

/** Sets OpenTelemetry up, runs the runner for `runFor` ms, stops it and shuts OpenTelemetry down. */
export async function runExample(options: ExampleOptions): Promise<ExampleResult> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => console.log(line));

  // 1. The context manager: without one the API's context is a no-op, and a span opened inside
  // `mainFn` would not see the job's span. AsyncLocalStorage carries it across `await` too.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);

  // 2. The SDK: a tracer provider exporting each span as it ends, a meter provider with a reader.
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(options.spanExporter)],
  });
  const meterProvider = new MeterProvider({
    // Every 60 s (the SDK's default): within this run, only the final collection at shutdown.
    readers: [new PeriodicExportingMetricReader({ exporter: options.metricExporter, exportIntervalMillis: 60_000 })],
  });

  // 3. The runner, instrumented before it starts, so every job gets a span.
  const runner = createRunner({
    id: "otel-example",
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.onJobError === undefined ? {} : { onJobError: options.onJobError }),
  });
  const uninstrument = instrument(runner, { tracerProvider, meterProvider });
  const { syncSpawn, reportSpawn } = setupPrograms(
    runner,
    clock,
    tracerProvider.getTracer("otel-example"),
    options.programs,
  );

  try {
    runner.start();
    // "Sync now": a job of the program outside any spawn, its span's kind "trigger".
    const triggered = runner.trigger(SYNC_ID).then(
      (value) => {
        log(`otel: the trigger of ${SYNC_ID} resolved ${JSON.stringify(value)}`);
        return value;
      },
      (error: unknown) => {
        log(`otel: the trigger of ${SYNC_ID} failed: ${(error as Error).message}`);
        return error;
      },
    );
    await sleep(clock, options.runFor ?? 4_500);
    // Waits for the jobs in flight (a report may still run): their spans end as they settle.
    await runner.stop();
    const sync = runner.getProps(SYNC_ID, syncSpawn);
    const report = runner.getProps(REPORT_ID, reportSpawn);
    const result: ExampleResult = {
      syncRuns: sync.runs,
      syncFailures: sync.errored,
      reportRuns: report.runs,
      reportSkipped: report.skipped,
      triggered: await triggered,
    };
    log(
      `otel: ${SYNC_ID} ran ${result.syncRuns} times (${result.syncFailures} failed), ` +
        `${REPORT_ID} ran ${result.reportRuns} times (${result.reportSkipped} skipped: the previous report still ran)`,
    );
    return result;
  } finally {
    runner.kill(); // a no-op after stop(); ends the runner if something above threw
    uninstrument();
    // 4. Shutting down flushes first: spans still queued, and one last collection of the metrics.
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    context.disable();
  }
}

async function main(): Promise<void> {
  console.log("otel: two programs for 4.5 s; each span is printed as it ends, the metrics at the end");
  await runExample({ spanExporter: new ConsoleSpanExporter(), metricExporter: new ConsoleMetricExporter() });
  console.log("otel: runner stopped, providers shut down");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
