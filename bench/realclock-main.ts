/**
 * The real-clock contenders, each alone in turn, in a fresh process: the
 * sections before it leave hundreds of MB of heap behind (100,000-spawn
 * kernels), and the collector working through that would land in whichever
 * contender runs next. Prints one JSON line.
 *
 * node --import tsx bench/realclock-main.ts <spawns> <period ms> <seconds> <repeats>
 *
 * schedkit runs `repeats` times at each precision (alternating) and the run
 * with the median p99 is reported, with every run's p99 beside it: on a
 * shared machine one run's tail moves by several ms with the host's load.
 * Early starts are summed over all runs and drift is the worst of them.
 */
import { cronerTiming, schedkitTiming, setIntervalTiming, type Timing, toadTiming } from "./realclock.js";

const [spawns, period, seconds, repeats] = process.argv.slice(2, 6).map(Number) as [number, number, number, number];

/** The median run by p99, with all runs' p99, their summed early starts and their worst drift. */
const medianRun = (runs: readonly Timing[]): Timing => {
  const byP99 = [...runs].sort((a, b) => a.p99 - b.p99);
  const median = byP99[Math.floor((byP99.length - 1) / 2)] as Timing;
  return {
    ...median,
    earlyStarts: runs.reduce((sum, run) => sum + run.earlyStarts, 0),
    drift: runs.reduce((worst, run) => (Math.abs(run.drift) > Math.abs(worst) ? run.drift : worst), 0),
    p99Runs: runs.map((run) => run.p99),
  };
};

// A short run first: what is compiled during the measured run would count as lateness.
await schedkitTiming(Math.min(spawns, 100), period, 1);
await schedkitTiming(Math.min(spawns, 100), period, 1, "sub-ms");
const msRuns: Timing[] = [];
const subMsRuns: Timing[] = [];
for (let run = 0; run < repeats; run++) {
  msRuns.push(await schedkitTiming(spawns, period, seconds));
  subMsRuns.push(await schedkitTiming(spawns, period, seconds, "sub-ms"));
}
const timings = {
  schedkit: medianRun(msRuns),
  schedkitSubMs: medianRun(subMsRuns),
  setInterval: await setIntervalTiming(spawns, period, seconds),
  toadScheduler: await toadTiming(spawns, period, seconds),
  croner: await cronerTiming(Math.min(spawns, 100), Math.max(2, Math.min(seconds, 3))),
};
console.log(JSON.stringify(timings));
