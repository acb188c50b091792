/**
 * Guide scenario 2, worker pool: a job queue with several workers processing
 * in parallel. One `worker` program (check the queue every 100 ms, min 1,
 * max 5) spawned three times; each job pops one item and processes it.
 *
 *   pnpm tsx examples/runner/worker-pool.ts
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { createRunner, type JobContext, type KernelEffect, type Runner, systemClock } from "@schedkit/kernel";
// The policy packages are workspace packages the root does not depend on, so import the source directly.
import { lifo } from "@schedkit/policy-lifo";

/** A small in-memory FIFO queue. */
export interface JobQueue<T> {
  push(...items: T[]): void;
  pop(): T | undefined;
  readonly size: number;
}

export const createQueue = <T>(items: readonly T[] = []): JobQueue<T> => {
  const queue = [...items];
  return {
    push: (...more) => {
      queue.push(...more);
    },
    pop: () => queue.shift(),
    get size() {
      return queue.length;
    },
  };
};

/** One processed item: which spawn took it, and when its job was due. */
export interface Processed<T> {
  readonly item: T;
  readonly spawnId: string | null;
  readonly t: number;
}

export interface WorkerPoolOptions<T> {
  /** Ms between a worker's checks of the queue (after its previous job ends). Default 100. */
  readonly interval?: number;
  readonly min?: number;
  readonly max?: number;
  /** Workers spawned at once. Default 3. */
  readonly workers?: number;
  /** Processes one item; may return a Promise (the worker is busy until it settles). Default: nothing to do. */
  readonly process?: (item: T, ctx: JobContext) => unknown;
  /** The queue to drain. Default: a new empty queue. */
  readonly queue?: JobQueue<T>;
}

export const WORKER_ID = "worker";

/** Installs the `worker` program on `runner` and spawns `workers` of it. */
export function setupWorkerPool<T = string>(runner: Runner, options: WorkerPoolOptions<T> = {}) {
  const { interval = 100, min = 1, max = 5, workers = 3, process = () => undefined } = options;
  const queue = options.queue ?? createQueue<T>();
  const processed: Processed<T>[] = [];
  runner.install({
    id: WORKER_ID,
    interval,
    min,
    max,
    mainFn: (_args: undefined, t: number, ctx: JobContext) => {
      const item = queue.pop();
      if (item === undefined) return undefined; // nothing queued: done at once
      processed.push({ item, spawnId: ctx.spawnId, t });
      return process(item, ctx);
    },
  });
  const spawnIds: string[] = [];
  for (let i = 0; i < workers; i++) {
    const id = runner.spawn(WORKER_ID);
    if (id !== undefined) spawnIds.push(id);
  }
  return { programId: WORKER_ID, queue, processed, spawnIds };
}

async function main(): Promise<void> {
  // Real parameters (100 ms interval); each item takes 30 ms of "work". Runs about 0.8 s.
  const runner = createRunner({ id: "system-runner", policies: [lifo()] });
  const t0 = systemClock.now();
  const lateness: number[] = [];
  runner.subscribe((effect: KernelEffect) => {
    if (effect.type === "settled") lateness.push(effect.startedAt - effect.scheduledAt);
  });
  const queue = createQueue(Array.from({ length: 10 }, (_, i) => `order-${i + 1}`));
  console.log(`worker-pool: 3 workers, interval 100 ms, 30 ms per item, ${queue.size} items queued`);
  const { processed, spawnIds } = setupWorkerPool(runner, { queue, process: () => sleep(30) });
  runner.start();
  await sleep(800);
  for (const spawnId of spawnIds) {
    const mine = processed.filter((entry) => entry.spawnId === spawnId);
    const items = mine.map(({ item, t }) => `${item}@+${(t - t0).toFixed(0)}ms`).join(", ");
    console.log(`  ${spawnId}: ${items}`);
  }
  const extra = [runner.spawn(WORKER_ID), runner.spawn(WORKER_ID), runner.spawn(WORKER_ID)];
  console.log(`worker-pool: spawn x3 more -> ${extra.map(String).join(", ")} (max 5: the third is refused)`);
  const removed: (string | undefined)[] = [];
  for (let i = 0; i < 5; i++) removed.push(runner.unspawn(WORKER_ID));
  console.log(`worker-pool: unspawn x5 -> ${removed.map(String).join(", ")} (policy "last", min 1)`);
  const maxLate = Math.max(...lateness);
  console.log(
    `worker-pool: ${processed.length} items done, queue ${queue.size}, ${lateness.length} jobs settled, max lateness ${maxLate.toFixed(1)} ms`,
  );
  await runner.stop();
  console.log(`worker-pool: runner stopped (${runner.health().status})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
