/**
 * The single-node simulator's speed (issue #19, part 2), on section 5's workload: the
 * worker-pool scenario, seed 1, no faults, policies lifo and fifo, about 254,000 kernel
 * dispatches per simulated hour. All figures are CPU seconds of this process
 * (`process.cpuUsage`), so another process on the machine slows them less than wall time.
 *
 * (a) every check on, as `simulate()` runs a seed: the checked run (reference model, every
 *     invariant, the snapshot checks) plus the determinism run (trace hash only), for 24
 *     simulated hours (1 in smoke), one run;
 * (b) `checks: "determinism-only"`: both runs of a seed hash their traces and nothing else;
 *     simulated events are the dispatches of both runs (median of 3);
 * (b') the same in `availableParallelism()` worker threads, as `schedkit-sim --workers auto`
 *     spreads a sweep: one seed of the same size per worker (seeds 1 to N), each generated in its
 *     worker before the clock starts; events of both runs of every seed over the wall seconds
 *     from the start signal to the last worker's answer (median of 3; CPU seconds of every
 *     thread beside it);
 * (c) the checked run's events/s over a bare kernel's dispatches/s replaying the very commands
 *     the engine dispatched (recorded from a run of the same timeline), in this process, medians
 *     of 3, alternating;
 * (d) a sweep as `schedkit-sim --seeds N` runs it (the swarm: seeds 2 to N + 1, each its own
 *     scenario and fault families, 2,000 steps), with every check on and determinism-only: seeds
 *     per CPU minute, what a CI minute buys (one thread). The worker-pool workload of (a) to (c)
 *     is the cheapest scenario per step; a sweep also runs cron, churn and hostile ones (the CPU
 *     seconds of each scenario's seeds are shown);
 * (e) the same with every check on for the two scenarios slowest per seed: 20 hostile seeds, and
 *     20 of policy-churn (hundreds of spawns: what a sweep with custom policies runs).
 *
 * `npx tsx bench/sim.ts [--smoke]` runs this section alone.
 */
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { isMainThread, MessageChannel, type MessagePort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { type Command, createKernel, type Kernel } from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import { kernelOptionsFor, runTimeline } from "../packages/sim/src/internal/engine.js";
import { generateTimeline } from "../packages/sim/src/internal/generate.js";
import { createReferenceModel } from "../packages/sim/src/internal/referenceModel.js";
import { startWorker } from "../packages/sim/src/internal/workerPool.js";
import { simulate } from "../packages/sim/src/simulate.js";
import type { ScenarioName, Timeline } from "../packages/sim/src/types.js";

/** Dispatches per simulated hour of this workload, as section 5 counts them. */
const stepsFor = (hours: number): number => Math.ceil(((hours * 3_600_000) / 85) * 3 * 2);

const timelineFor = (hours: number, seed = 1): Timeline =>
  generateTimeline({
    seed,
    scenario: "worker-pool",
    steps: stepsFor(hours),
    faults: "none",
    policies: ["last", "first"],
  });

const policies = () => [lifo(), fifo()];

/** CPU seconds (user + system) of `work` (and its wall seconds), and its result. */
const cpu = <T>(work: () => T): { seconds: number; wallSeconds: number; value: T } => {
  const before = process.cpuUsage();
  const started = performance.now();
  const value = work();
  const wallSeconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(before);
  return { seconds: (used.user + used.system) / 1e6, wallSeconds, value };
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** The checked run of a seed, as `simulate()` makes it (less its policy probe). */
const checkedRun = (timeline: Timeline) => {
  const given = policies();
  return runTimeline({ timeline, policies: given, oracle: createReferenceModel(kernelOptionsFor(timeline, given)) });
};

/** A run that only drives the kernel and hashes its trace (the determinism run). */
const hashedRun = (timeline: Timeline) => runTimeline({ timeline, policies: policies(), checks: false });

/** The commands the engine dispatched to its kernel for this timeline (no crashes in it: one kernel). */
const recordCommands = (timeline: Timeline): Command[] => {
  const commands: Command[] = [];
  const recording = (kernel: Kernel): Kernel => ({
    ...kernel,
    dispatch: (command) => {
      commands.push(command);
      return kernel.dispatch(command);
    },
  });
  runTimeline({ timeline, policies: policies(), checks: false, wrapKernel: recording });
  return commands;
};

/** What (b') sends a worker (its `workerData.setup`): its seed, the size, where to answer. */
interface BenchWorkerSetup {
  readonly simBenchWorker: true;
  readonly seed: number;
  readonly hours: number;
  readonly port: MessagePort;
  /** [0]: answers posted by all workers, bumped (and notified) after each. */
  readonly signal: Int32Array;
}

type BenchAnswer =
  | { readonly type: "ready" }
  | { readonly type: "done"; readonly events: number }
  | { readonly type: "error"; readonly message: string };

/**
 * (b')'s worker (this module, loaded in a worker thread): generates its seed's timeline, warms
 * up, answers "ready"; then, for each message, runs it twice (determinism-only: hash only),
 * compares the hashes and answers with the events of both runs.
 */
const benchWorker = (setup: BenchWorkerSetup): void => {
  const answer = (message: BenchAnswer) => {
    setup.port.postMessage(message);
    Atomics.add(setup.signal, 0, 1);
    Atomics.notify(setup.signal, 0);
  };
  const failed = (error: unknown) =>
    answer({ type: "error", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  try {
    const timeline = timelineFor(setup.hours, setup.seed);
    const warm = timelineFor(0.05, setup.seed);
    hashedRun(warm);
    hashedRun(warm);
    setup.port.on("message", () => {
      try {
        const first = hashedRun(timeline);
        const second = hashedRun(timeline);
        if (first.traceHash !== second.traceHash) throw new Error(`seed ${setup.seed}: two runs differ`);
        answer({ type: "done", events: first.steps + second.steps });
      } catch (error) {
        failed(error);
      }
    });
    answer({ type: "ready" });
  } catch (error) {
    failed(error);
  }
};

/**
 * (b'): `availableParallelism()` workers, one seed each. Synchronous, as `simBench` is: the main
 * thread sleeps on a shared counter (`Atomics.wait`) and reads the answers with
 * `receiveMessageOnPort`, so it needs no event loop turn.
 */
const inWorkers = (hours: number): SimBench["determinismWorkers"] => {
  const workers = availableParallelism();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const threads = Array.from({ length: workers }, (_, index) => {
    const { port1, port2 } = new MessageChannel();
    const setup: BenchWorkerSetup = { simBenchWorker: true, seed: index + 1, hours, port: port2, signal };
    return { worker: startWorker(new URL(import.meta.url), setup, [port2]), port: port1 };
  });
  /** Waits for one answer from every worker (at most 10 minutes). */
  const answers = (): BenchAnswer[] => {
    const got: (BenchAnswer | undefined)[] = threads.map(() => undefined);
    const deadline = performance.now() + 600_000;
    while (got.some((answer) => answer === undefined)) {
      const seen = Atomics.load(signal, 0);
      threads.forEach(({ port }, index) => {
        if (got[index] !== undefined) return;
        const message = receiveMessageOnPort(port);
        if (message !== undefined) got[index] = message.message as BenchAnswer;
      });
      if (got.every((answer) => answer !== undefined)) break;
      if (performance.now() > deadline) throw new Error("determinism-only in workers: a worker did not answer");
      Atomics.wait(signal, 0, seen, 1_000);
    }
    const error = got.find((answer) => answer?.type === "error");
    if (error !== undefined && error.type === "error") throw new Error(`determinism-only in workers: ${error.message}`);
    return got as BenchAnswer[];
  };
  try {
    answers();
    const rounds: { wallSeconds: number; cpuSeconds: number; events: number }[] = [];
    for (let round = 0; round < 3; round++) {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (const { port } of threads) port.postMessage("go");
      const done = answers();
      const wallSeconds = (performance.now() - started) / 1000;
      const cpuUsed = process.cpuUsage(cpuBefore);
      const events = done.reduce((sum, answer) => sum + (answer.type === "done" ? answer.events : 0), 0);
      rounds.push({ wallSeconds, cpuSeconds: (cpuUsed.user + cpuUsed.system) / 1e6, events });
    }
    const middle = rounds.sort((a, b) => a.wallSeconds - b.wallSeconds)[1] as (typeof rounds)[number];
    return {
      workers,
      seeds: workers,
      hours,
      events: middle.events,
      wallSeconds: middle.wallSeconds,
      cpuSeconds: middle.cpuSeconds,
      eventsPerSecond: middle.events / middle.wallSeconds,
      eventsPerCpuSecond: middle.events / middle.cpuSeconds,
    };
  } finally {
    for (const { worker, port } of threads) {
      port.close();
      void worker.terminate();
    }
  }
};

/** A fresh kernel with the run's options dispatching the recorded commands: dispatches per CPU second. */
const bareKernel = (timeline: Timeline, commands: readonly Command[]): number => {
  const kernel = createKernel(kernelOptionsFor(timeline, policies()));
  const { seconds } = cpu(() => {
    for (const command of commands) kernel.dispatch(command);
  });
  return commands.length / seconds;
};

/**
 * (d): the swarm's first `seeds` seeds, as the command line runs them, in one thread: CPU seconds
 * and steps, and the CPU seconds of each scenario's seeds. (e): with `scenario`, that scenario's.
 */
const sweep = (seeds: number, checks: "full" | "determinism-only", scenario?: ScenarioName) =>
  cpu(() => {
    let steps = 0;
    let violations = 0;
    const byScenario: Record<string, number> = {};
    for (let seed = 2; seed < seeds + 2; seed++) {
      const before = process.cpuUsage();
      const result = simulate({ seed, checks, ...(scenario === undefined ? {} : { scenario }) });
      const used = process.cpuUsage(before);
      byScenario[result.scenario] = (byScenario[result.scenario] ?? 0) + (used.user + used.system) / 1e6;
      steps += result.stats.steps;
      violations += result.violations.length;
    }
    return { steps, violations, byScenario };
  });

export interface SimSweep {
  readonly seeds: number;
  readonly checks: "full" | "determinism-only";
  /** (e): one scenario's seeds only (the swarm's otherwise). */
  readonly scenario?: ScenarioName;
  readonly cpuSeconds: number;
  /** Steps of a seed (each run twice). */
  readonly steps: number;
  readonly violations: number;
  readonly seedsPerCpuMinute: number;
  /** CPU seconds of each scenario's seeds. */
  readonly byScenario: Readonly<Record<string, number>>;
}

export interface SimBench {
  readonly smoke: boolean;
  /** (a) */
  readonly full: {
    readonly hours: number;
    readonly events: number;
    readonly violations: number;
    readonly checkedSeconds: number;
    readonly determinismSeconds: number;
    /** Both runs: what `simulate()` costs for the seed. */
    readonly seconds: number;
    /** Seconds allowed for these hours (20 s per 24 h). */
    readonly targetSeconds: number;
  };
  /** (b) */
  readonly determinismOnly: {
    readonly hours: number;
    /** Dispatches of both runs. */
    readonly events: number;
    readonly seconds: number;
    readonly eventsPerSecond: number;
    /** Dispatches of one run per second: seeds' steps per second. */
    readonly stepsPerSecond: number;
    /** The same round's wall seconds (CPU seconds count the GC's helper threads too). */
    readonly wallSeconds: number;
  };
  /** (b') */
  readonly determinismWorkers: {
    readonly workers: number;
    /** Seeds, one per worker, each of `hours`. */
    readonly seeds: number;
    readonly hours: number;
    /** Dispatches of both runs of every seed. */
    readonly events: number;
    readonly wallSeconds: number;
    /** CPU seconds of the process over the same time: every thread's. */
    readonly cpuSeconds: number;
    readonly eventsPerSecond: number;
    /** Events per CPU second of every thread, as (b) counts its own. */
    readonly eventsPerCpuSecond: number;
  };
  /** (d) */
  readonly sweeps: readonly SimSweep[];
  /** (c) */
  readonly ratio: {
    readonly hours: number;
    readonly events: number;
    readonly checkedEventsPerSecond: number;
    readonly kernelDispatchesPerSecond: number;
    readonly ratio: number;
  };
}

export const simBench = (smoke: boolean): SimBench => {
  const fullHours = smoke ? 1 : 24;
  const shortHours = smoke ? 0.25 : 2;
  // Warm-up: every path once, on a short timeline.
  const warm = timelineFor(0.05);
  checkedRun(warm);
  hashedRun(warm);
  bareKernel(warm, recordCommands(warm));

  // (c) first, on the short timeline: alternating, medians of 3.
  const short = timelineFor(shortHours);
  const commands = recordCommands(short);
  const checkedRates: number[] = [];
  const kernelRates: number[] = [];
  let shortEvents = 0;
  for (let round = 0; round < 3; round++) {
    const checked = cpu(() => checkedRun(short));
    shortEvents = checked.value.steps;
    checkedRates.push(checked.value.steps / checked.seconds);
    kernelRates.push(bareKernel(short, commands));
  }

  // (b) on the short timeline, median of 3.
  const determinismRuns: { seconds: number; wallSeconds: number; events: number }[] = [];
  for (let round = 0; round < 3; round++) {
    const both = cpu(() => [hashedRun(short), hashedRun(short)] as const);
    const [first, second] = both.value;
    if (first.traceHash !== second.traceHash) throw new Error("determinism-only: two runs of one seed differ");
    determinismRuns.push({ seconds: both.seconds, wallSeconds: both.wallSeconds, events: first.steps + second.steps });
  }
  const determinism = determinismRuns.sort((a, b) => a.seconds - b.seconds)[1] as (typeof determinismRuns)[number];

  // (b') in worker threads, median of 3.
  const determinismWorkers = inWorkers(shortHours);

  // (a) the long run, once.
  const long = timelineFor(fullHours);
  const checked = cpu(() => checkedRun(long));
  const again = cpu(() => hashedRun(long));
  if (again.value.traceHash !== checked.value.traceHash) throw new Error("full: the determinism run differs");

  // (d) a sweep, both modes, once each; (e) the scenarios that are slowest per seed, every check on.
  const sweepSeeds = smoke ? 6 : 100;
  const scenarioSeeds = smoke ? 2 : 20;
  const sweepsAsked: readonly [number, "full" | "determinism-only", ScenarioName | undefined][] = [
    [sweepSeeds, "full", undefined],
    [sweepSeeds, "determinism-only", undefined],
    [scenarioSeeds, "full", "hostile"],
    [scenarioSeeds, "full", "policy-churn"],
  ];
  const sweeps = sweepsAsked.map(([seeds, checks, scenario]): SimSweep => {
    const measured = sweep(seeds, checks, scenario);
    return {
      seeds,
      checks,
      ...(scenario === undefined ? {} : { scenario }),
      cpuSeconds: measured.seconds,
      steps: measured.value.steps,
      violations: measured.value.violations,
      seedsPerCpuMinute: (60 * seeds) / measured.seconds,
      byScenario: measured.value.byScenario,
    };
  });

  const checkedEventsPerSecond = median(checkedRates);
  const kernelDispatchesPerSecond = median(kernelRates);
  return {
    smoke,
    full: {
      hours: checked.value.simulatedMs / 3_600_000,
      events: checked.value.steps,
      violations: checked.value.violations.length,
      checkedSeconds: checked.seconds,
      determinismSeconds: again.seconds,
      seconds: checked.seconds + again.seconds,
      targetSeconds: (20 * fullHours) / 24,
    },
    determinismOnly: {
      hours: shortHours,
      events: determinism.events,
      seconds: determinism.seconds,
      eventsPerSecond: determinism.events / determinism.seconds,
      stepsPerSecond: determinism.events / 2 / determinism.seconds,
      wallSeconds: determinism.wallSeconds,
    },
    determinismWorkers,
    sweeps,
    ratio: {
      hours: shortHours,
      events: shortEvents,
      checkedEventsPerSecond,
      kernelDispatchesPerSecond,
      ratio: checkedEventsPerSecond / kernelDispatchesPerSecond,
    },
  };
};

const fmt = (value: number) => Math.round(value).toLocaleString("en-US");

/** The section's lines, as `pnpm bench` prints them. */
export const simLines = (bench: SimBench): string[] => [
  `   every check on: ${bench.full.hours.toFixed(1)} h of worker-pool (${fmt(bench.full.events)} events${bench.full.violations > 0 ? `, ${bench.full.violations} violations!` : ""}) in ${bench.full.seconds.toFixed(1)} CPU s (checked run ${bench.full.checkedSeconds.toFixed(1)} s: ${fmt(bench.full.events / bench.full.checkedSeconds)} events/s; determinism run ${bench.full.determinismSeconds.toFixed(1)} s)`,
  `   determinism-only: ${bench.determinismOnly.hours} h twice, ${fmt(bench.determinismOnly.events)} events in ${bench.determinismOnly.seconds.toFixed(2)} CPU s: ${fmt(bench.determinismOnly.eventsPerSecond)} simulated events/s (${fmt(bench.determinismOnly.stepsPerSecond)} steps of a seed/s), median of 3`,
  `   determinism-only in ${bench.determinismWorkers.workers} worker threads: ${bench.determinismWorkers.seeds} seeds × ${bench.determinismWorkers.hours} h twice, ${fmt(bench.determinismWorkers.events)} events in ${bench.determinismWorkers.wallSeconds.toFixed(2)} wall s: ${fmt(bench.determinismWorkers.eventsPerSecond)} simulated events/s, ${(bench.determinismWorkers.eventsPerSecond / (bench.determinismOnly.events / bench.determinismOnly.wallSeconds)).toFixed(2)}× one thread's ${fmt(bench.determinismOnly.events / bench.determinismOnly.wallSeconds)} per wall s (${bench.determinismWorkers.cpuSeconds.toFixed(2)} CPU s of all threads: ${fmt(bench.determinismWorkers.eventsPerCpuSecond)} per CPU s), median of 3`,
  ...bench.sweeps.map(
    (run) =>
      `   a sweep as schedkit-sim --seeds ${run.seeds}${run.scenario === undefined ? "" : ` --scenario ${run.scenario}`} runs it, ${run.checks === "full" ? "every check on" : "determinism-only"}: ${fmt(run.steps)} steps (each run twice${run.violations > 0 ? `, ${run.violations} violations!` : ""}) in ${run.cpuSeconds.toFixed(1)} CPU s: ${fmt(run.seedsPerCpuMinute)} seeds per CPU minute${
        run.scenario === undefined
          ? ` (CPU s by scenario: ${Object.entries(run.byScenario)
              .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
              .join(", ")})`
          : ""
      }`,
  ),
  `   checked run ${fmt(bench.ratio.checkedEventsPerSecond)} events/s vs bare kernel replaying its ${fmt(bench.ratio.events)} commands ${fmt(bench.ratio.kernelDispatchesPerSecond)} dispatches/s: ${bench.ratio.ratio.toFixed(3)} (medians of 3)`,
];

/** The section's goals (issue #19). */
export const simGoals = (
  bench: SimBench,
): { readonly name: string; readonly value: number; readonly target: string; readonly met: boolean }[] => [
  {
    name: `simulator: ${bench.smoke ? "1" : "24"} simulated h of worker-pool, every check on (CPU s)`,
    value: Number(bench.full.seconds.toFixed(1)),
    target: `<= ${bench.full.targetSeconds.toFixed(1)}`,
    met: bench.full.seconds <= bench.full.targetSeconds && bench.full.violations === 0,
  },
  {
    name: "simulator: determinism-only simulated events/s",
    value: Math.round(bench.determinismOnly.eventsPerSecond),
    target: ">= 1,000,000",
    met: bench.determinismOnly.eventsPerSecond >= 1_000_000,
  },
  {
    name: `simulator: determinism-only simulated events/s in ${bench.determinismWorkers.workers} worker threads (wall)`,
    value: Math.round(bench.determinismWorkers.eventsPerSecond),
    target: ">= 1,000,000",
    met: bench.determinismWorkers.eventsPerSecond >= 1_000_000,
  },
  {
    name: "simulator: checked events/s over the bare kernel's dispatches/s",
    value: Number(bench.ratio.ratio.toFixed(3)),
    target: ">= 0.25",
    met: bench.ratio.ratio >= 0.25,
  },
];

const benchSetup = isMainThread ? undefined : (workerData as { setup?: BenchWorkerSetup } | null)?.setup;
if (benchSetup?.simBenchWorker === true) benchWorker(benchSetup);

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const bench = simBench(process.argv.includes("--smoke"));
  for (const line of simLines(bench)) console.log(line);
  for (const goal of simGoals(bench))
    console.log(`   goal ${goal.name}: ${goal.value} (${goal.target}) ${goal.met ? "met" : "NOT met"}`);
  console.log(JSON.stringify(bench));
}
