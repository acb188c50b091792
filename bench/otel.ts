/**
 * What `@schedkit/otel` costs the runner on the real clock: section 4's workload (N `constant`
 * spawns at a fixed period, zero-work `mainFn`, one grid from 200 ms after set-up) run
 *
 * - `bare`: a runner as it is;
 * - `noop`: `instrument(runner)` with its defaults and nothing registered, so the API's no-op
 *   tracer and meter (what a library user pays before choosing an SDK);
 * - `sdkSimple`: a real SDK, `BasicTracerProvider` + `SimpleSpanProcessor(InMemorySpanExporter)`
 *   (the exporter reset every 20 ms to bound memory) and a `MeterProvider` with a
 *   `PeriodicExportingMetricReader` (in-memory exporter, every second), with the
 *   `AsyncLocalStorageContextManager` registered for the run, as an application would;
 * - `sdkBatch`: the same with a `BatchSpanProcessor` (its defaults) and an exporter that drops
 *   what it is given, the shape of a production OTLP set-up without the network.
 *
 * Each contender warms up at full size first, then `runs` rounds, the order rotated every round,
 * a full GC before each run; the figure is the median of the runs. Reported: jobs/s over the
 * measured window, CPU in % of one core, p99 lateness (start − due, ms), jobs per CPU-second
 * and its ratio to the bare runner. No goal is judged: these are figures.
 *
 *   npx tsx bench/otel.ts [--smoke] [--json] [--only bare|noop|sdkSimple|sdkBatch]
 *
 * `--json` prints one JSON line only (bench/run.ts runs it so, in a fresh process); `--only`
 * runs one contender once after its warm-up (for `node --cpu-prof --import tsx bench/otel.ts`).
 */
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createRunner } from "@schedkit/kernel";
import { instrument } from "@schedkit/otel";
import { machineTicks } from "./machineCpu.js";
import { Samples } from "./realclock.js";

export const CONTENDERS = ["bare", "noop", "sdkSimple", "sdkBatch"] as const;
export type Contender = (typeof CONTENDERS)[number];

export const CONTENDER_NAMES: Record<Contender, string> = {
  bare: "bare runner",
  noop: "instrument(), no-op API",
  sdkSimple: "SDK, Simple + in-memory",
  sdkBatch: "SDK, Batch + drop exporter",
};

export interface OtelRun {
  /** Jobs started in the measured window. */
  readonly jobs: number;
  readonly jobsPerSecond: number;
  /** CPU time of the process over the window, % of one core. */
  readonly cpu: number;
  /** Lateness p99 (start − due), ms. */
  readonly p99: number;
  readonly jobsPerCpuSecond: number;
  /**
   * CPU the other processes of the machine used meanwhile, % of one core (from /proc/stat: the
   * machine's busy time less this process's; undefined off Linux). Tails move with it.
   */
  readonly elsewhere?: number;
  /** Spans that reached the exporter, per job started (the SDK contenders; a batch processor drops when full). */
  readonly spansPerJob?: number;
}

export interface OtelBench {
  readonly spawns: number;
  readonly period: number;
  readonly seconds: number;
  readonly runs: number;
  /** Medians over the runs, figure by figure. */
  readonly contenders: Record<Contender, OtelRun & { readonly jobsPerCpuSecondRuns: readonly number[] }>;
  /** Jobs per CPU-second, instrumented over bare. */
  readonly ratios: Record<Exclude<Contender, "bare">, number>;
  /** CPU µs per job, instrumented minus bare (from the medians). */
  readonly costPerJobUs: Record<Exclude<Contender, "bare">, number>;
  /** The machine's 1-minute load average before and after. */
  readonly loadAverage: readonly [number, number];
}

/** The sizes of a full run and of `--smoke`. */
export const otelSize = (smoke: boolean) =>
  smoke ? { spawns: 100, period: 10, seconds: 0.5, runs: 1 } : { spawns: 1_000, period: 10, seconds: 5, runs: 3 };

const SETUP_MS = 200;

/** The machine's busy and total CPU time so far, seconds summed over its cores (Linux; else undefined). */
const machineCpu = (): { busy: number; total: number } | undefined => {
  const ticks = machineTicks();
  return ticks === undefined ? undefined : { busy: ticks.busy / 100, total: ticks.total / 100 };
};
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

/** An exporter that takes spans and drops them (counting them): the exporter's own cost left out. */
class DropExporter implements SpanExporter {
  spans = 0;
  export(spans: Parameters<SpanExporter["export"]>[0], done: Parameters<SpanExporter["export"]>[1]): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Telemetry {
  readonly instrument: (runner: Parameters<typeof instrument>[0]) => () => void;
  /** Spans exported so far (SDK contenders). */
  readonly spans?: () => number;
  readonly close: () => Promise<void>;
}

const sdkTelemetry = (kind: "simple" | "batch"): Telemetry => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  let spans: () => number;
  let processor: SpanProcessor;
  let reset: ReturnType<typeof setInterval> | undefined;
  if (kind === "simple") {
    const exporter = new InMemorySpanExporter();
    let dropped = 0;
    processor = new SimpleSpanProcessor(exporter);
    reset = setInterval(() => {
      dropped += exporter.getFinishedSpans().length;
      exporter.reset();
    }, 20);
    spans = () => dropped + exporter.getFinishedSpans().length;
  } else {
    const exporter = new DropExporter();
    processor = new BatchSpanProcessor(exporter);
    spans = () => exporter.spans;
  }
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [processor] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 1_000 })],
  });
  return {
    instrument: (runner) => instrument(runner, { tracerProvider, meterProvider }),
    spans,
    close: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      clearInterval(reset);
      metricExporter.reset();
      context.disable();
    },
  };
};

const telemetryOf = (contender: Contender): Telemetry | undefined => {
  switch (contender) {
    case "bare":
      return undefined;
    case "noop":
      return { instrument: (runner) => instrument(runner), close: () => Promise.resolve() };
    case "sdkSimple":
      return sdkTelemetry("simple");
    case "sdkBatch":
      return sdkTelemetry("batch");
  }
};

/** One run: `spawns` constant spawns every `period` ms, measured over `seconds` from the first due time. */
export const otelRun = async (
  contender: Contender,
  spawns: number,
  period: number,
  seconds: number,
): Promise<OtelRun> => {
  const telemetry = telemetryOf(contender);
  const runner = createRunner({ id: "bench", onJobError: false });
  const uninstrument = telemetry?.instrument(runner);
  const lateness = new Samples((spawns * seconds * 1000) / period);
  let counting = false;
  runner.subscribe((effect) => {
    if (counting && effect.type === "run") lateness.push(effect.startedAt - effect.scheduledAt);
  });
  runner.install({ id: "p", type: "constant", interval: period, mainFn: () => undefined });
  // One grid for all spawns from a moment after set-up, as section 4 does.
  const firstDue = now() + SETUP_MS;
  for (let index = 0; index < spawns; index++) {
    runner.spawn("p", { delay: Math.max(0, firstDue + (index % period) - now()) });
  }
  runner.start();
  await wait(Math.max(0, firstDue - now()));
  const spansBefore = telemetry?.spans?.() ?? 0;
  counting = true;
  const started = now();
  const machineBefore = machineCpu();
  const cpuBefore = process.cpuUsage();
  await wait(seconds * 1000);
  const cpuUsed = process.cpuUsage(cpuBefore);
  const machineAfter = machineCpu();
  const elapsed = (now() - started) / 1000;
  counting = false;
  const spansAfter = telemetry?.spans?.() ?? 0;
  runner.kill();
  uninstrument?.();
  await telemetry?.close();
  const cpuSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;
  const jobs = lateness.length;
  // /proc/stat counts in ticks (1/100 s), so a few % either way.
  const elsewhere =
    machineBefore === undefined || machineAfter === undefined
      ? undefined
      : Math.max(0, Math.round((100 * (machineAfter.busy - machineBefore.busy - cpuSeconds)) / elapsed));
  return {
    jobs,
    jobsPerSecond: Math.round(jobs / elapsed),
    cpu: Math.round((100 * cpuSeconds) / elapsed),
    p99: Math.round(lateness.p99() * 1000) / 1000,
    jobsPerCpuSecond: Math.round(jobs / cpuSeconds),
    ...(elsewhere === undefined ? {} : { elsewhere }),
    ...(telemetry?.spans === undefined || jobs === 0
      ? {}
      : { spansPerJob: Math.round((1000 * (spansAfter - spansBefore)) / jobs) / 1000 }),
  };
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
};

let collect: (() => void) | undefined;
/** A full collection before each run, so that none pays for the garbage of the one before. */
const gc = () => {
  if (collect === undefined) {
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
  }
  collect();
};

export const otelBench = async (smoke: boolean): Promise<OtelBench> => {
  const size = otelSize(smoke);
  const { spawns, period, seconds, runs } = size;
  const loadBefore = loadavg()[0] as number;
  // Warm-up at full size: what is compiled during a measured run would count as lateness and CPU.
  for (const contender of CONTENDERS) await otelRun(contender, spawns, period, smoke ? 0.2 : 1);
  const samples = Object.fromEntries(CONTENDERS.map((contender) => [contender, [] as OtelRun[]])) as Record<
    Contender,
    OtelRun[]
  >;
  for (let round = 0; round < runs; round++) {
    // Rotated, so that no contender always runs first (or right after the heaviest one).
    for (let index = 0; index < CONTENDERS.length; index++) {
      const contender = CONTENDERS[(index + round) % CONTENDERS.length] as Contender;
      gc();
      samples[contender].push(await otelRun(contender, spawns, period, seconds));
    }
  }
  /** One contender's runs, median by median. */
  const medians = (each: readonly OtelRun[]): OtelBench["contenders"][Contender] => {
    const mid = (pick: (run: OtelRun) => number) => median(each.map(pick));
    const optional = (pick: (run: OtelRun) => number | undefined) =>
      each.every((run) => pick(run) !== undefined) ? mid((run) => pick(run) as number) : undefined;
    const elsewhere = optional((run) => run.elsewhere);
    const spansPerJob = optional((run) => run.spansPerJob);
    return {
      jobs: mid((run) => run.jobs),
      jobsPerSecond: mid((run) => run.jobsPerSecond),
      cpu: mid((run) => run.cpu),
      p99: mid((run) => run.p99),
      jobsPerCpuSecond: mid((run) => run.jobsPerCpuSecond),
      jobsPerCpuSecondRuns: each.map((run) => run.jobsPerCpuSecond),
      ...(elsewhere === undefined ? {} : { elsewhere }),
      ...(spansPerJob === undefined ? {} : { spansPerJob }),
    };
  };
  const contenders = {
    bare: medians(samples.bare),
    noop: medians(samples.noop),
    sdkSimple: medians(samples.sdkSimple),
    sdkBatch: medians(samples.sdkBatch),
  };
  const bare = contenders.bare.jobsPerCpuSecond;
  const ratio = (contender: Contender) => Math.round((1000 * contenders[contender].jobsPerCpuSecond) / bare) / 1000;
  const cost = (contender: Contender) =>
    Math.round(100 * (1e6 / contenders[contender].jobsPerCpuSecond - 1e6 / bare)) / 100;
  return {
    ...size,
    contenders,
    ratios: { noop: ratio("noop"), sdkSimple: ratio("sdkSimple"), sdkBatch: ratio("sdkBatch") },
    costPerJobUs: { noop: cost("noop"), sdkSimple: cost("sdkSimple"), sdkBatch: cost("sdkBatch") },
    loadAverage: [loadBefore, loadavg()[0] as number],
  };
};

const fmt = (value: number) => value.toLocaleString("en-US");

/** The lines of the section, in the format of bench/run.ts's others. */
export const otelLines = (bench: OtelBench): string[] => {
  const lines: string[] = [];
  for (const contender of CONTENDERS) {
    const run = bench.contenders[contender];
    const against =
      contender === "bare"
        ? ""
        : `  = ${bench.ratios[contender].toFixed(3)} of bare (+${bench.costPerJobUs[contender]} µs CPU per job)`;
    const spans = run.spansPerJob === undefined ? "" : `  spans/job ${run.spansPerJob}`;
    const elsewhere = run.elsewhere === undefined ? "" : `  others ${run.elsewhere}%`;
    lines.push(
      `   ${CONTENDER_NAMES[contender].padEnd(27)} jobs/s ${fmt(run.jobsPerSecond).padStart(7)}  cpu ${String(run.cpu).padStart(3)}%  p99 ${run.p99}${elsewhere}  jobs per CPU-s ${fmt(run.jobsPerCpuSecond).padStart(9)}${against}${spans}`,
    );
    if (run.jobsPerCpuSecondRuns.length > 1) {
      lines.push(`   ${"".padEnd(27)} (jobs per CPU-s by run: ${run.jobsPerCpuSecondRuns.map(fmt).join(", ")})`);
    }
  }
  const [before, after] = bench.loadAverage;
  lines.push(
    `   (others: CPU the machine's other processes used meanwhile, % of one core of ${cpus().length}; load average ${before.toFixed(2)} before, ${after.toFixed(2)} after)`,
  );
  return lines;
};

/** The section's heading line. */
export const otelHeading = (bench: Pick<OtelBench, "spawns" | "period" | "seconds" | "runs">): string =>
  `11. OpenTelemetry: ${fmt(bench.spawns)} constant spawns every ${bench.period} ms for ${bench.seconds} s, zero-work jobs, bare / instrumented (medians of ${bench.runs}, alternating)`;

const main = async () => {
  const smoke = process.argv.includes("--smoke");
  const json = process.argv.includes("--json");
  const onlyAt = process.argv.indexOf("--only");
  if (onlyAt >= 0) {
    const contender = process.argv[onlyAt + 1] as Contender;
    if (!CONTENDERS.includes(contender)) {
      console.error(`--only: one of ${CONTENDERS.join(", ")}`);
      process.exit(2);
    }
    const size = otelSize(smoke);
    await otelRun(contender, size.spawns, size.period, 1);
    gc();
    console.log(JSON.stringify({ [contender]: await otelRun(contender, size.spawns, size.period, size.seconds) }));
    return;
  }
  const bench = await otelBench(smoke);
  if (json) {
    console.log(JSON.stringify(bench));
    return;
  }
  console.log(otelHeading(bench));
  for (const line of otelLines(bench)) console.log(line);
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
