/**
 * The real-clock contenders, each alone in turn, in a fresh process: the
 * sections before it leave hundreds of MB of heap behind (100,000-spawn
 * kernels), and the collector working through that would land in whichever
 * contender runs next. Prints one JSON line.
 *
 * node --import tsx bench/realclock-main.ts <spawns> <period ms> <seconds> <repeats> [--headroom] [--loaded] [--no-resident]
 *
 * schedkit runs `repeats` times at each precision (alternating) and the run
 * with the median p99 is reported, with every run's p99 beside it: on a
 * shared machine one run's tail moves by several ms with the host's load.
 * Early starts are summed over all runs and drift is the worst of them.
 *
 * --headroom: the bare timer loop (`bareLoop`, the ceiling on this host) runs
 * `repeats` times too, alternating with schedkit at "ms" (the order swapped
 * every round, so neither always runs first). --loaded (implies --headroom):
 * then the same alternation again while a second process spins on one core
 * (`schedkitLoaded`, `bareLoopLoaded`), to show the margin. Without these
 * flags the line has the keys it always had, and `resident` (below).
 *
 * --no-resident: the warm-up's runners are not kept (see `schedkitTiming`), so each run's runner
 * follows a collected one; the line says which with `resident`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  bareLoopTiming,
  cronerTiming,
  schedkitTiming,
  setIntervalTiming,
  type Timing,
  toadTiming,
} from "./realclock.js";

const [spawns, period, seconds, repeats] = process.argv.slice(2, 6).map(Number) as [number, number, number, number];
const loaded = process.argv.includes("--loaded");
const headroom = loaded || process.argv.includes("--headroom");
const resident = !process.argv.includes("--no-resident");

// A full collection between runs: each run starts from a clean heap instead of
// collecting the one before it (a run leaves a runner and ~10 MB of samples),
// which would land in whichever contender comes next.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** The median of the runs' steady-state p99s, and each run's (when every run has one). */
const steadyMedian = (runs: readonly Timing[]): Pick<Timing, "p99Steady" | "p99SteadyRuns"> => {
  const steady = runs.map((run) => run.p99Steady);
  if (steady.length === 0 || steady.some((value) => value === undefined)) return {};
  const values = steady as number[];
  const sorted = [...values].sort((a, b) => a - b);
  return { p99Steady: sorted[Math.floor((sorted.length - 1) / 2)] as number, p99SteadyRuns: values };
};

/** The median run by p99, with all runs' p99, their summed early starts and their worst drift. */
const medianRun = (runs: readonly Timing[]): Timing => {
  const byP99 = [...runs].sort((a, b) => a.p99 - b.p99);
  const median = byP99[Math.floor((byP99.length - 1) / 2)] as Timing;
  return {
    ...median,
    earlyStarts: runs.reduce((sum, run) => sum + run.earlyStarts, 0),
    drift: runs.reduce((worst, run) => (Math.abs(run.drift) > Math.abs(worst) ? run.drift : worst), 0),
    p99Runs: runs.map((run) => run.p99),
    ...steadyMedian(runs),
  };
};

const measured = async (run: () => Promise<Timing>): Promise<Timing> => {
  gc();
  return run();
};

/**
 * `repeats` rounds of schedkit ("ms") and the bare loop, the pair's order
 * swapped each round, and schedkit at "sub-ms" after the pair when asked.
 */
const alternate = async (withSubMs: boolean) => {
  const schedkit: Timing[] = [];
  const bare: Timing[] = [];
  const subMs: Timing[] = [];
  for (let run = 0; run < repeats; run++) {
    if (run % 2 === 1) bare.push(await measured(() => bareLoopTiming(spawns, period, seconds)));
    schedkit.push(await measured(() => schedkitTiming(spawns, period, seconds)));
    if (run % 2 === 0) bare.push(await measured(() => bareLoopTiming(spawns, period, seconds)));
    if (withSubMs) subMs.push(await measured(() => schedkitTiming(spawns, period, seconds, "sub-ms")));
  }
  return { schedkit, bare, subMs };
};

/** A second process spinning on one core, running once its loop has started. */
const startLoad = async (): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
  // Never left spinning, whatever ends this process.
  process.on("exit", () => child.kill("SIGKILL"));
  await new Promise((resolve) => setTimeout(resolve, 500));
  return child;
};

const stopLoad = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });

// A short run first, at the full spawn count: what is compiled during the measured run
// would count as lateness. At 100 spawns the first full-size run still compiled its
// large steps (the first catch-up step took ~55 us a job, not ~1.5) and its p99 was ~120 ms.
// Its runner stays for the life of the process, as a service's runner does (see
// `schedkitTiming`); --no-resident lets it go, to show what a process that replaced its
// only runner pays.
await schedkitTiming(spawns, period, 1, "ms", { resident });
await schedkitTiming(spawns, period, 1, "sub-ms", { resident });
if (headroom) await bareLoopTiming(spawns, period, 1);
const msRuns: Timing[] = [];
const subMsRuns: Timing[] = [];
const bareRuns: Timing[] = [];
if (headroom) {
  const rounds = await alternate(true);
  msRuns.push(...rounds.schedkit);
  bareRuns.push(...rounds.bare);
  subMsRuns.push(...rounds.subMs);
} else {
  for (let run = 0; run < repeats; run++) {
    msRuns.push(await measured(() => schedkitTiming(spawns, period, seconds)));
    subMsRuns.push(await measured(() => schedkitTiming(spawns, period, seconds, "sub-ms")));
  }
}
const timings: Record<string, Timing> = {
  schedkit: medianRun(msRuns),
  schedkitSubMs: medianRun(subMsRuns),
  setInterval: await measured(() => setIntervalTiming(spawns, period, seconds)),
  toadScheduler: await measured(() => toadTiming(spawns, period, seconds)),
  croner: await measured(() => cronerTiming(Math.min(spawns, 100), Math.max(2, Math.min(seconds, 3)))),
};
if (headroom) timings.bareLoop = medianRun(bareRuns);
if (loaded) {
  const load = await startLoad();
  try {
    const rounds = await alternate(false);
    timings.schedkitLoaded = medianRun(rounds.schedkit);
    timings.bareLoopLoaded = medianRun(rounds.bare);
  } finally {
    await stopLoad(load);
  }
}
console.log(JSON.stringify({ ...timings, resident }));
