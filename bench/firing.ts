/**
 * Simulated firing rate: zero-duration fixed-rate jobs for N spawns, driven in
 * virtual time, beside the same loops under @sinonjs/fake-timers, under
 * Effect's TestClock with Schedule.fixed, and a bare binary heap doing only
 * pop + push (the ceiling). Jobs fired per CPU-second of this process.
 *
 * The ceiling is a heap of its own here, over two parallel number arrays: the
 * kernel's heap class, shared with the kernel in one process, turns
 * polymorphic and runs slower than a private copy, which flattered the
 * kernel's ratio (see ../shared/PERF-NOTES.md, "The benchmark's own bias").
 */
import { createKernel, type KernelEffect, type Outcome } from "@schedkit/kernel";
import FakeTimers from "@sinonjs/fake-timers";
import { Effect, Schedule } from "effect";
import { TestClock } from "effect/testing";

const PERIOD = 1000;

export interface Rate {
  readonly jobs: number;
  /** CPU seconds (user + system) of this process over the run. */
  readonly seconds: number;
  readonly perSecond: number;
}

/** CPU time, not wall time: another process on the machine then costs this one less. */
const cpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

const rate = (jobs: number, started: number): Rate => {
  const seconds = cpuSeconds() - started;
  return { jobs, seconds, perSecond: Math.round(jobs / seconds) };
};

/** The median of `runs` measurements (each a fresh run). */
export const median = (runs: number, measure: () => number): number => {
  const values = Array.from({ length: runs }, measure).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] as number;
};

const OK: Outcome = { ok: true };

/**
 * The kernel: a tick starts every due job; each is completed at once, with one
 * `complete` command per job (`"single"`) or one `complete` carrying every
 * result of the tick (`"batch"`).
 */
export const kernelRate = (spawns: number, target: number, mode: "single" | "batch" = "single"): Rate => {
  const kernel = createKernel();
  kernel.dispatch({
    type: "install",
    at: 0,
    program: { id: "p", type: "constant", interval: PERIOD, mainFn: () => undefined },
  });
  for (let index = 0; index < spawns; index++) {
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { delay: index % PERIOD } });
  }
  const lastWake = (effects: readonly KernelEffect[]) => {
    const wake = effects[effects.length - 1];
    return wake?.type === "wake" ? wake.at : null;
  };
  let wake = lastWake(kernel.dispatch({ type: "tick", at: 0 }));
  let jobs = 0;
  const results: { jobId: string; outcome: Outcome }[] = [];
  const started = cpuSeconds();
  while (jobs < target && wake !== null) {
    const at = wake;
    const effects = kernel.dispatch({ type: "tick", at });
    for (const effect of effects) {
      if (effect.type !== "run") continue;
      jobs++;
      if (mode === "single") kernel.dispatch({ type: "complete", at, jobId: effect.jobId, outcome: OK });
      else results.push({ jobId: effect.jobId, outcome: OK });
    }
    if (results.length > 0) {
      kernel.dispatch({ type: "complete", at, results: results.slice() });
      results.length = 0;
    }
    wake = lastWake(effects);
  }
  return rate(jobs, started);
};

/** Plain fixed-rate setTimeout loops under a fake clock. */
export const fakeTimersRate = (spawns: number, target: number): Rate => {
  const clock = FakeTimers.createClock(0, Number.POSITIVE_INFINITY);
  let jobs = 0;
  const loop = (due: number) => {
    clock.setTimeout(() => {
      jobs++;
      loop(due + PERIOD);
    }, due - clock.now);
  };
  for (let index = 0; index < spawns; index++) loop((index % PERIOD) + PERIOD);
  const started = cpuSeconds();
  while (jobs < target) clock.tick(PERIOD);
  return rate(jobs, started);
};

/** Effect fibers repeating on Schedule.fixed, advanced by TestClock. */
export const effectRate = async (spawns: number, target: number): Promise<Rate> => {
  let jobs = 0;
  const periods = Math.ceil(target / spawns);
  let started = 0;
  await Effect.runPromise(
    Effect.gen(function* () {
      for (let index = 0; index < spawns; index++) {
        yield* Effect.forkChild(
          Effect.repeat(
            Effect.sync(() => jobs++),
            Schedule.fixed(PERIOD),
          ),
        );
      }
      yield* Effect.yieldNow;
      jobs = 0;
      started = cpuSeconds();
      for (let period = 0; period < periods; period++) yield* TestClock.adjust(PERIOD);
    }).pipe(Effect.scoped, Effect.provide(TestClock.layer())),
  );
  return rate(jobs, started);
};

/**
 * A binary min-heap of (due, seq) pairs in two parallel number arrays: no
 * objects, no indexes kept, nothing the kernel's code shares.
 */
class NumberHeap {
  private readonly due: Float64Array;
  private readonly seq: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.due = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
  }

  private before(a: number, b: number): boolean {
    const { due, seq } = this;
    return (due[a] as number) < (due[b] as number) || (due[a] === due[b] && (seq[a] as number) < (seq[b] as number));
  }

  private swap(a: number, b: number): void {
    const { due, seq } = this;
    const d = due[a] as number;
    const s = seq[a] as number;
    due[a] = due[b] as number;
    seq[a] = seq[b] as number;
    due[b] = d;
    seq[b] = s;
  }

  push(dueAt: number, order: number): void {
    let index = this.size++;
    this.due[index] = dueAt;
    this.seq[index] = order;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  /** The earliest entry's sequence number (the heap must not be empty). */
  topSeq(): number {
    return this.seq[0] as number;
  }

  /** Removes the earliest entry and returns its due time (the heap must not be empty). */
  pop(): number {
    const top = this.due[0] as number;
    const last = --this.size;
    this.due[0] = this.due[last] as number;
    this.seq[0] = this.seq[last] as number;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= last) break;
      const right = left + 1;
      const child = right < last && this.before(right, left) ? right : left;
      if (!this.before(child, index)) break;
      this.swap(child, index);
      index = child;
    }
    return top;
  }
}

/** Only what a timer wheel must do: pop the earliest, push it one period later. */
export const heapRate = (spawns: number, target: number): Rate => {
  const heap = new NumberHeap(spawns + 1);
  for (let index = 0; index < spawns; index++) heap.push((index % PERIOD) + PERIOD, index);
  let jobs = 0;
  let seq = spawns;
  const started = cpuSeconds();
  while (jobs < target) {
    const dueAt = heap.pop();
    jobs++;
    heap.push(dueAt + PERIOD, seq++);
  }
  return rate(jobs, started);
};

/**
 * The contract's own cost on top of the bare heap: per job the strings and objects any kernel
 * with today's commands and effects makes (a job id, a fire id, a `run` effect, the host's
 * `complete` command, a `settled` effect), and no scheduler state at all. What separates the
 * kernel from this is its state per spawn (counters, the latest result, its records): see
 * BENCHMARKS.md, section 1.
 */
export const contractFloorRate = (spawns: number, target: number): Rate => {
  const heap = new NumberHeap(spawns + 1);
  const prefixes: string[] = [];
  // Which spawn each sequence number belongs to (a ring: a spawn's entry is replaced as it fires).
  const owner = new Int32Array(spawns);
  for (let index = 0; index < spawns; index++) {
    heap.push((index % PERIOD) + PERIOD, index);
    prefixes.push(`p/p-${index}/`);
    owner[index] = index;
  }
  let jobs = 0;
  let seq = spawns;
  let sink = 0;
  const started = cpuSeconds();
  while (jobs < target) {
    const order = heap.topSeq();
    const dueAt = heap.pop();
    const spawn = owner[order % spawns] as number;
    jobs++;
    const jobId = `job-${order}`;
    const fireId = (prefixes[spawn] as string) + dueAt;
    const run = {
      type: "run",
      jobId,
      fireId,
      programId: "p",
      spawnId: "x",
      scheduledAt: dueAt,
      startedAt: dueAt,
      args: undefined,
    };
    const command = { type: "complete", at: dueAt, jobId: run.jobId, outcome: OK };
    const settled = {
      type: "settled",
      jobId: command.jobId,
      fireId: run.fireId,
      programId: "p",
      spawnId: "x",
      status: "succeeded",
      scheduledAt: dueAt,
      startedAt: run.startedAt,
      endedAt: command.at,
      value: undefined,
    };
    sink += settled.jobId.length;
    owner[seq % spawns] = spawn;
    heap.push(dueAt + PERIOD, seq++);
  }
  if (sink < 0) throw new Error("unreachable");
  return rate(jobs, started);
};
