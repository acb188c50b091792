/**
 * `--workers N`: a sweep's seeds run in N `node:worker_threads` workers (`schedkit-sim` and
 * `schedkit-sim fleet`).
 *
 * Each worker is a module of this folder (`simWorker` for single-node runs, `fleetWorker` for fleet
 * seeds) that loads what its runs need itself (the simulator; the `--policies` module, since policies
 * are functions and cannot be posted) and serves its runs with `serveRuns`. The main thread hands
 * out small batches of runs from the front of the plan as workers become free (so one slow seed
 * holds up only its own batch), and gets each run's result back as plain data (a structured clone
 * of what the worker computed). A run's result depends on its seed and options only, so which
 * worker ran it changes nothing; `runInWorkers` hands the results on in the plan's order.
 *
 * A worker that dies (an uncaught error, `process.exit` in a policy, a result that cannot be
 * posted) rejects the whole sweep with a `worker-crashed` error naming the runs it had not
 * finished; the other workers are stopped, so the command line never waits for it.
 *
 * Loading: the built package's workers are `simWorker.js` and `fleetWorker.js` beside this file,
 * loaded by plain node. From the TypeScript sources (`pnpm sim` runs `tsx packages/sim/src/cli.ts`;
 * the tests run them under vitest), the worker is the `.ts` module: on Node 20, tsx's `--import`
 * loader registers its hooks on the main thread only, so each worker registers tsx itself
 * (`tsx/esm/api`'s `register`) before importing it. It does the same when this process runs under
 * tsx at all (a `.ts` policy module with the built package under `node --import tsx`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parentPort, type Transferable, Worker, workerData } from "node:worker_threads";
import { CliError } from "./cliError.js";

/** What the pool needs of a run: a label and a seed, to name the runs a crashed worker had. */
export interface PoolRun {
  readonly label: string;
  readonly seed: number;
}

/** Main thread to worker: runs to do, by their place in the plan. */
export interface WorkerBatch<Run extends PoolRun = PoolRun> {
  readonly runs: readonly { readonly index: number; readonly run: Run }[];
}

/** Worker to main thread: one run's result. */
export interface WorkerMessage<Result = unknown> {
  readonly index: number;
  readonly result: Result;
}

/** `--workers` asked for threads from the synchronous `main`. */
export const workersNeedAsync = (): CliError =>
  new CliError("needs-async", "--workers runs worker threads: call mainAsync (or runCli), not main");

/** A worker that died; `line` names the runs it had not finished. */
export class WorkerCrashError extends CliError {
  constructor(
    line: string,
    /** The worker's stack, if it threw (printed with SCHEDKIT_SIM_DEBUG=1). */
    readonly workerStack: string | undefined,
  ) {
    super("worker-crashed", line);
  }
}

/**
 * The worker's bootstrap (CommonJS, run with `eval`): with tsx, the packages of `PRELOAD` first (by
 * node's own loader), then tsx; then the worker module.
 */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsx !== undefined) {
    for (const url of workerData.preload) await import(url);
    (await import(workerData.tsx)).register();
  }
  await import(workerData.entry);
})().catch((error) => {
  process.nextTick(() => {
    throw error;
  });
});
`;

/** `tsx/esm/api`, found from this package, else from the current folder: a file URL, or undefined. */
const tsxApi = (): string | undefined => {
  for (const from of [fileURLToPath(import.meta.url), join(process.cwd(), "noop.js")]) {
    try {
      const file = createRequire(from).resolve("tsx/package.json");
      const exports = (JSON.parse(readFileSync(file, "utf8")) as { exports?: Record<string, unknown> }).exports;
      const api = exports?.["./esm/api"] as { import?: string | { default?: string } } | undefined;
      const target = typeof api?.import === "string" ? api.import : api?.import?.default;
      if (typeof target === "string") return pathToFileURL(join(dirname(file), target)).href;
    } catch {
      // not installed there
    }
  }
  return undefined;
};

/**
 * The modules of the simulator's dependencies (and the kernel's) that a worker loads. Under tsx
 * they are loaded before tsx is registered: its hooks would see each of their hundreds of files
 * (half a worker's start-up); loaded first, they are in the module map when the sources import
 * them (the same URLs). Only a shortcut: a module missing here is loaded through tsx, as usual.
 */
const PRELOAD = [
  "effect/Schema",
  "effect/SchemaIssue",
  "effect/Cron",
  "effect/Result",
  "effect/Exit",
  "effect/Cause",
  "effect/Effect",
  "fast-check",
];

/** `PRELOAD` as file URLs, resolved from this module (none where `import.meta.resolve` is missing). */
const preloadUrls = (): string[] => {
  const resolveHere = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (typeof resolveHere !== "function") return [];
  return PRELOAD.flatMap((specifier) => {
    try {
      const url = resolveHere(specifier);
      return url.startsWith("file:") ? [url] : [];
    } catch {
      return [];
    }
  });
};

/** Whether this process runs under tsx (its loader in the node flags). */
const underTsx = (): boolean => /\btsx\b/.test([...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" "));

/**
 * Starts a worker thread running the module `entry` (a file URL) with `data` as its
 * `workerData.setup`. A TypeScript module (or any module, when this process runs under tsx) gets
 * tsx registered in the worker first; throws a `workers-need-tsx` `CliError` when a TypeScript
 * module needs it and it is not installed.
 */
export const startWorker = (entry: URL, data: unknown, transferList: readonly Transferable[] = []): Worker => {
  const typescript = entry.pathname.endsWith(".ts");
  const tsx = typescript || underTsx() ? tsxApi() : undefined;
  if (typescript && tsx === undefined) {
    throw new CliError(
      "workers-need-tsx",
      "--workers: the simulator runs from its TypeScript sources here, and its worker threads load them with tsx, which is not installed (from here or the current folder): install tsx, or run the built package (npx schedkit-sim)",
    );
  }
  return new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { entry: entry.href, ...(tsx === undefined ? {} : { tsx, preload: preloadUrls() }), setup: data },
    transferList: [...transferList],
  });
};

/** A worker module of this folder by name: `NAME.ts` in the sources, `NAME.js` when built. */
export const workerModule = (name: string): URL =>
  new URL(`./${name}${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/**
 * In a worker module: the `setup` the main thread gave `runInWorkers` (throws outside a worker
 * thread).
 */
export const workerSetup = <Setup>(): Setup => {
  if (parentPort === null) throw new Error("workerSetup: expected to run in a worker thread");
  return (workerData as { setup: Setup }).setup;
};

/**
 * In a worker module: runs each batch of runs the main thread sends with `run`, posting each
 * result back (as plain data) as soon as it is done. An error `run` throws is not caught: it ends
 * the worker, and the pool reports it with the runs that were in flight.
 */
export const serveRuns = <Run extends PoolRun, Result>(run: (run: Run) => Result): void => {
  const port = parentPort;
  if (port === null) throw new Error("serveRuns: expected to run in a worker thread");
  port.on("message", (batch: WorkerBatch<Run>) => {
    for (const { index, run: planned } of batch.runs) {
      port.postMessage({ index, result: run(planned) } satisfies WorkerMessage<Result>);
    }
  });
};

/** Runs by label and seed: `swarm seeds 55–60`, `worker-pool seed 1, swarm seeds 2–4 and 7`. */
export const describeRuns = (runs: readonly PoolRun[]): string => {
  const groups: { label: string; seeds: number[] }[] = [];
  for (const run of runs) {
    const group = groups.at(-1);
    if (group !== undefined && group.label === run.label) group.seeds.push(run.seed);
    else groups.push({ label: run.label, seeds: [run.seed] });
  }
  return groups
    .map(({ label, seeds }) => {
      const ranges: string[] = [];
      for (let at = 0; at < seeds.length; ) {
        let end = at;
        while (end + 1 < seeds.length && seeds[end + 1] === (seeds[end] as number) + 1) end++;
        ranges.push(end === at ? `${seeds[at]}` : `${seeds[at]}–${seeds[end]}`);
        at = end + 1;
      }
      const list = ranges.length === 1 ? ranges[0] : `${ranges.slice(0, -1).join(", ")} and ${ranges.at(-1)}`;
      return `${label} seed${seeds.length === 1 ? "" : "s"} ${list}`;
    })
    .join(", ");
};

/** A sweep for `runInWorkers`. */
export interface PoolSweep<Run extends PoolRun, Result> {
  /** The worker module (`workerModule(name)`); it calls `serveRuns`. */
  readonly entry: URL;
  /** What every run shares (plain data), the worker's `workerSetup()`. */
  readonly setup: unknown;
  readonly runs: readonly Run[];
  /** Worker threads to start (at most one per run). */
  readonly workers: number;
  /**
   * Each result, in the runs' order (one that comes early waits for the ones before it), so what
   * the main thread does with them (files written, lines listed) is what one thread does.
   */
  readonly onResult: (result: Result, index: number) => void;
  /** As each result arrives, in any order: how many have (for a progress bar). */
  readonly onArrival?: (arrived: number, index: number) => void;
}

/**
 * Runs a sweep's runs in worker threads. Resolves when every run is done (every `onResult` called)
 * and the workers have stopped; rejects with a `WorkerCrashError` when a worker dies, or with what
 * a callback threw.
 */
export const runInWorkers = <Run extends PoolRun, Result>(sweep: PoolSweep<Run, Result>): Promise<void> => {
  const { runs, setup } = sweep;
  const count = Math.max(1, Math.min(sweep.workers, runs.length));
  // Small batches from the front of the plan, two per worker in flight (the next is there when one is
  // done): one slow seed holds up little, and a worker never waits for the main thread.
  const batchSize = Math.max(1, Math.min(8, Math.floor(runs.length / (count * 32))));
  return new Promise<void>((resolvePool, rejectPool) => {
    let next = 0;
    let received = 0;
    /** Results that came before one of the runs ahead of them, by index; `ordered` have been handed on. */
    const early = new Map<number, Result>();
    let ordered = 0;
    let settled = false;
    const pool: { worker: Worker; pending: Set<number>; retired: boolean }[] = [];
    const stopAll = () => Promise.allSettled(pool.map(({ worker }) => worker.terminate()));
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      void stopAll().then(() => rejectPool(error));
    };
    const crash = (number: number, pending: ReadonlySet<number>, why: string, stack?: string) => {
      const unfinished = [...pending].sort((a, b) => a - b).map((index) => runs[index] as Run);
      const what = unfinished.length === 0 ? "no runs in flight" : `running ${describeRuns(unfinished)}`;
      fail(new WorkerCrashError(`--workers: worker ${number} of ${count} crashed, ${what}: ${why}`, stack));
    };
    const arrive = (index: number, result: Result) => {
      received++;
      sweep.onArrival?.(received, index);
      early.set(index, result);
      while (early.has(ordered)) {
        const ready = early.get(ordered) as Result;
        early.delete(ordered);
        sweep.onResult(ready, ordered);
        ordered++;
      }
    };
    for (let number = 1; number <= count; number++) {
      let worker: Worker;
      try {
        worker = startWorker(sweep.entry, setup);
      } catch (error) {
        fail(error);
        return;
      }
      const slot = { worker, pending: new Set<number>(), retired: false };
      pool.push(slot);
      const give = () => {
        if (next >= runs.length) {
          if (slot.pending.size > 0) return;
          slot.retired = true;
          void worker.terminate();
          return;
        }
        const batch: WorkerBatch<Run>["runs"][number][] = [];
        for (; batch.length < batchSize && next < runs.length; next++) {
          batch.push({ index: next, run: runs[next] as Run });
          slot.pending.add(next);
        }
        worker.postMessage({ runs: batch } satisfies WorkerBatch<Run>);
      };
      worker.on("message", ({ index, result }: WorkerMessage<Result>) => {
        if (settled) return;
        slot.pending.delete(index);
        try {
          arrive(index, result);
        } catch (error) {
          fail(error);
          return;
        }
        if (received === runs.length) {
          settled = true;
          void stopAll().then(() => resolvePool());
        } else if (slot.pending.size <= batchSize) give();
      });
      worker.on("error", (error: unknown) => {
        const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        crash(number, slot.pending, why.split("\n")[0] ?? why, error instanceof Error ? error.stack : undefined);
      });
      worker.on("messageerror", (error) => crash(number, slot.pending, `a result could not be read: ${error.message}`));
      worker.on("exit", (code) => {
        if (!slot.retired) crash(number, slot.pending, `it exited with code ${code}`);
      });
      give();
      give();
    }
  });
};
