/**
 * Real clock: N constant spawns at a fixed period for some seconds, each job
 * recording its lateness (start - due) in ms; beside a bare timer loop (the
 * ceiling on this host), setInterval, toad-scheduler and croner doing the
 * same in the same process.
 */
import { createRunner } from "@schedkit/kernel";
import { Cron } from "croner";
import { SimpleIntervalJob, Task, ToadScheduler } from "toad-scheduler";
import { STEADY_AFTER_MS } from "./realclockGoals.js";

export interface Timing {
  readonly jobs: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly earlyStarts: number;
  /** How far the last start is from the grid point it belongs to, ms (end drift). */
  readonly drift: number;
  /** CPU time the process used while it ran, in % of one core (the scheduler's cost; the jobs do nothing). */
  readonly cpu: number;
  /**
   * Times the OS took a core from this process while it ran (involuntary context switches, per
   * second). They grow with the CPU a contender uses (schedkit's 16-35% of a core met 26-70 a
   * second here, the bare loop's 4-11% met 3-10), and each can cost a scheduler slice of lateness.
   */
  readonly preempted: number;
  /** When the figure is the median of several runs: every run's p99. */
  readonly p99Runs?: readonly number[];
  /**
   * p99 of the jobs due from `STEADY_AFTER_MS` after the first due time on (the run's steady
   * state), for the contenders of the headroom goal; absent when the run is shorter than that.
   * Without a resident runner (`--no-resident`) a run's first moments are not the runner's own:
   * the bench's full GC before each run collects the previous run's runner, and V8 then drops
   * the optimized code that referred to its objects' shapes ("weak objects" in `--trace-deopt`),
   * so a new runner starts its first 100-200 ms on unoptimized code and falls behind
   * (BENCHMARKS.md, section 4); the steady state shows the runner without that.
   */
  readonly p99Steady?: number;
  /** When the figure is the median of several runs: every run's steady-state p99. */
  readonly p99SteadyRuns?: readonly number[];
}

const now = () => performance.timeOrigin + performance.now();

/**
 * Lateness samples in a preallocated typed array: a plain array pushed 100,000
 * times a second reallocates megabytes as it grows, and the measurement would
 * add GC pauses of its own to whatever it measures.
 */
export class Samples {
  private values: Float64Array;
  length = 0;

  constructor(expected: number) {
    this.values = new Float64Array(Math.ceil(expected * 1.25) + 1024);
  }

  push(value: number): void {
    if (this.length === this.values.length) {
      const larger = new Float64Array(this.values.length * 2);
      larger.set(this.values);
      this.values = larger;
    }
    this.values[this.length++] = value;
  }

  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }

  p99(): number {
    const sorted = this.sorted();
    return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? 0;
  }
}

const expectedJobs = (spawns: number, period: number, seconds: number) => (spawns * seconds * 1000) / period;

/** What a run cost the process: CPU in % of one core, and preemptions per second. */
interface RunCost {
  readonly cpu: number;
  readonly preempted: number;
}

/** Waits `seconds` of wall time; returns what the process used meanwhile. */
const runFor = async (seconds: number): Promise<RunCost> => {
  const before = process.cpuUsage();
  const preemptedBefore = process.resourceUsage().involuntaryContextSwitches;
  await wait(seconds * 1000);
  const used = process.cpuUsage(before);
  const preempted = process.resourceUsage().involuntaryContextSwitches - preemptedBefore;
  return {
    cpu: Math.round((used.user + used.system) / (seconds * 10_000)),
    preempted: Math.round(preempted / seconds),
  };
};

const summarise = (lateness: Samples, drift: number, { cpu, preempted }: RunCost, steady?: Samples): Timing => {
  const sorted = lateness.sorted();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    jobs: sorted.length,
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1] ?? 0),
    earlyStarts: sorted.filter((value) => value < 0).length,
    drift: round(drift),
    cpu,
    preempted,
    ...(steady !== undefined && steady.length > 0 ? { p99Steady: round(steady.p99()) } : {}),
  };
};

/** Time allowed for creating the spawns before the first one is due. */
const SETUP_MS = 200;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runners kept for the life of the process (the warm-up's, see `schedkitTiming`), as a service
 * keeps its runner. When every runner of a process has been collected, the shapes V8 gave their
 * objects (hidden classes, held only by live objects) go with them, and with those shapes goes
 * the optimized code specialized on them: the next runner starts its first 100-200 ms on
 * unoptimized code, at 5-9 us a job instead of ~2 (18% of a core at 100,000 jobs/s), and falls behind by
 * 15-115 ms (BENCHMARKS.md, section 4). That is a cost of a process that replaces its only
 * runner, and it is shown apart (`--no-resident`), not mixed into every run's tail.
 */
const residents: unknown[] = [];

export const schedkitTiming = async (
  spawns: number,
  period: number,
  seconds: number,
  precision: "ms" | "sub-ms" = "ms",
  { resident = false }: { readonly resident?: boolean } = {},
): Promise<Timing> => {
  const runner = createRunner({ precision });
  if (resident) residents.push(runner);
  const lateness = new Samples(expectedJobs(spawns, period, seconds));
  const steady = new Samples(expectedJobs(spawns, period, seconds));
  let drift = 0;
  let steadyFrom = Number.POSITIVE_INFINITY;
  runner.subscribe((effect) => {
    if (effect.type !== "run") return;
    const late = effect.startedAt - effect.scheduledAt;
    lateness.push(late);
    if (effect.scheduledAt >= steadyFrom) steady.push(late);
    drift = late;
  });
  runner.install({ id: "p", type: "constant", interval: period, mainFn: () => undefined });
  // One grid for all spawns, from a moment after setting up: spawning 1,000 (each
  // validated) takes tens of ms, and due times counted from each spawn call would
  // make the set-up itself show as lateness (a catch-up burst at the first tick).
  const firstDue = now() + SETUP_MS;
  steadyFrom = firstDue + STEADY_AFTER_MS;
  for (let index = 0; index < spawns; index++) {
    runner.spawn("p", { delay: Math.max(0, firstDue + (index % period) - now()) });
  }
  runner.start();
  const cost = await runFor(seconds);
  runner.kill();
  return summarise(lateness, drift, cost, steady);
};

/**
 * The ceiling a runner could reach on this host: what the runner at its
 * default precision does per wake, and nothing else. One timer for all
 * spawns, re-armed for the earliest due time the way "ms" precision arms
 * (clock.ts: `setTimeout(Math.ceil(at - now))`, the delay read just before
 * arming), and a binary min-heap of due times (O(log n) per job: it knows
 * only "these are the due times"). Same grid as `schedkitTiming`; a due time
 * counts from the last one, not from the start (no drift), and one behind
 * runs at once (catch-up, the kernel's default). Every job due at a wake
 * runs with that wake's one clock reading, as every job of a runner's tick
 * starts at the tick's time.
 */
export const bareLoopTiming = async (spawns: number, period: number, seconds: number): Promise<Timing> => {
  const lateness = new Samples(expectedJobs(spawns, period, seconds));
  const steady = new Samples(expectedJobs(spawns, period, seconds));
  const mainFn = (_index: number): unknown => undefined;
  const due = new Float64Array(spawns);
  const job = new Int32Array(spawns);
  const firstDue = now() + SETUP_MS;
  const steadyFrom = firstDue + STEADY_AFTER_MS;
  for (let index = 0; index < spawns; index++) {
    due[index] = firstDue + (index % period);
    job[index] = index;
  }
  // Sifts slot `at` down to its place: after a pop-and-push of the top, the one step the heap needs.
  const siftDown = (at: number) => {
    const dueAt = due[at] as number;
    const jobAt = job[at] as number;
    let slot = at;
    for (;;) {
      const left = 2 * slot + 1;
      if (left >= spawns) break;
      const right = left + 1;
      const child = right < spawns && (due[right] as number) < (due[left] as number) ? right : left;
      if ((due[child] as number) >= dueAt) break;
      due[slot] = due[child] as number;
      job[slot] = job[child] as number;
      slot = child;
    }
    due[slot] = dueAt;
    job[slot] = jobAt;
  };
  for (let index = (spawns >> 1) - 1; index >= 0; index--) siftDown(index);
  let drift = 0;
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    handle = setTimeout(wake, Math.max(0, Math.ceil((due[0] as number) - now())));
  };
  const wake = () => {
    const at = now();
    // A Node timer counts libuv's whole-ms loop time, so it can fire a fraction of a ms
    // before its due time by performance.now(): then it waits again, as the runner does.
    while ((due[0] as number) <= at) {
      const late = at - (due[0] as number);
      lateness.push(late);
      if ((due[0] as number) >= steadyFrom) steady.push(late);
      drift = late;
      mainFn(job[0] as number);
      due[0] = (due[0] as number) + period;
      siftDown(0);
    }
    arm();
  };
  arm();
  const cost = await runFor(seconds);
  clearTimeout(handle);
  return summarise(lateness, drift, cost, steady);
};

/** Each spawn a setInterval; its due times are start + k * period. */
export const setIntervalTiming = async (spawns: number, period: number, seconds: number): Promise<Timing> => {
  const lateness = new Samples(expectedJobs(spawns, period, seconds));
  const handles: ReturnType<typeof setInterval>[] = [];
  let drift = 0;
  const start = now();
  for (let index = 0; index < spawns; index++) {
    let k = 0;
    const first = start + period;
    handles.push(
      setInterval(() => {
        const late = now() - (first + period * k++);
        lateness.push(late);
        drift = late;
      }, period),
    );
  }
  const cost = await runFor(seconds);
  for (const handle of handles) clearInterval(handle);
  return summarise(lateness, drift, cost);
};

export const toadTiming = async (spawns: number, period: number, seconds: number): Promise<Timing> => {
  const scheduler = new ToadScheduler();
  const lateness = new Samples(expectedJobs(spawns, period, seconds));
  let drift = 0;
  const start = now();
  for (let index = 0; index < spawns; index++) {
    let k = 0;
    const task = new Task(`t${index}`, () => {
      const late = now() - (start + period * ++k);
      lateness.push(late);
      drift = late;
    });
    scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ milliseconds: period }, task, { id: `j${index}` }));
  }
  const cost = await runFor(seconds);
  scheduler.stop();
  return summarise(lateness, drift, cost);
};

/** croner's finest grain is one second: it runs at whole seconds, so its lateness is measured against them. */
export const cronerTiming = async (spawns: number, seconds: number): Promise<Timing> => {
  const lateness = new Samples(spawns * seconds);
  let drift = 0;
  const jobs: Cron[] = [];
  for (let index = 0; index < spawns; index++) {
    jobs.push(
      new Cron("* * * * * *", () => {
        const wall = Date.now();
        const late = wall - Math.floor(wall / 1000) * 1000;
        lateness.push(late);
        drift = late;
      }),
    );
  }
  const cost = await runFor(seconds);
  for (const job of jobs) job.stop();
  return summarise(lateness, drift, cost);
};
