/**
 * `schedkit-sim --workers N`: a sweep's seeds run in N `node:worker_threads` workers.
 *
 * Each worker loads the simulator and the `--policies` module itself (policies are functions and
 * cannot be posted); the main thread hands out small batches of runs from the front of the plan as
 * workers become free (so one slow seed holds up only its own batch), and gets each run's result
 * back as plain data (a structured clone of what `simulate` returned in the worker). A run's result
 * depends on its seed and options only, so which worker ran it changes nothing.
 *
 * A worker that dies (an uncaught error, `process.exit` in a policy, a result that cannot be
 * posted) rejects the whole sweep with a `worker-crashed` error naming the runs it had not
 * finished; the other workers are stopped, so the command line never waits for it.
 *
 * Loading: the built package's worker is `simWorker.js` beside this file, loaded by plain node.
 * From the TypeScript sources (`pnpm sim` runs `tsx packages/sim/src/cli.ts`; the tests run them
 * under vitest), the worker is `simWorker.ts`: on Node 20, tsx's `--import` loader registers its
 * hooks on the main thread only, so each worker registers tsx itself (`tsx/esm/api`'s `register`)
 * before importing it. It does the same when this process runs under tsx at all (a `.ts` policy
 * module with the built package under `node --import tsx`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Transferable, Worker } from "node:worker_threads";
import type { SimulateResult } from "../simulate.js";
import type { ChecksMode, FaultsOption, ScenarioName } from "../types.js";
import { CliError } from "./cliError.js";

/** One run of the command line's plan. */
export interface PlannedRun {
  readonly label: string;
  readonly scenario: ScenarioName | undefined;
  readonly seed: number;
  readonly faults: FaultsOption;
}

/** What every run of a sweep shares, sent to each worker when it starts. */
export interface WorkerSetup {
  readonly steps: number;
  readonly checks: ChecksMode;
  /** `--policies MODULE` as given, resolved from `cwd` in the worker. */
  readonly policies?: string;
  readonly cwd: string;
}

/** Main thread to worker: runs to do, by their place in the plan. */
export interface WorkerBatch {
  readonly runs: readonly { readonly index: number; readonly run: PlannedRun }[];
}

/** Worker to main thread: one run's result. */
export interface WorkerMessage {
  readonly index: number;
  readonly result: SimulateResult;
}

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

/** The worker module beside this one: `simWorker.ts` in the sources, `simWorker.js` when built. */
const simWorker = new URL(`./simWorker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

/** Runs by label and seed: `swarm seeds 55–60`, `worker-pool seed 1, swarm seeds 2–4 and 7`. */
export const describeRuns = (runs: readonly PlannedRun[]): string => {
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

/**
 * Runs `runs` in `workers` worker threads; `onResult` is called in the main thread as each result
 * arrives (in any order; the index is the run's place in `runs`). Resolves when every run is done
 * and the workers have stopped; rejects with a `WorkerCrashError` when a worker dies, or with what
 * `onResult` threw.
 */
export const runInWorkers = (
  runs: readonly PlannedRun[],
  setup: WorkerSetup,
  workers: number,
  onResult: (index: number, result: SimulateResult) => void,
): Promise<void> => {
  const count = Math.max(1, Math.min(workers, runs.length));
  // Small batches from the front of the plan, two per worker in flight (the next is there when one is
  // done): one slow seed holds up little, and a worker never waits for the main thread.
  const batchSize = Math.max(1, Math.min(8, Math.floor(runs.length / (count * 32))));
  return new Promise<void>((resolvePool, rejectPool) => {
    let next = 0;
    let received = 0;
    let settled = false;
    const pool: { worker: Worker; pending: Set<number>; retired: boolean }[] = [];
    const stopAll = () => Promise.allSettled(pool.map(({ worker }) => worker.terminate()));
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      void stopAll().then(() => rejectPool(error));
    };
    const crash = (number: number, pending: ReadonlySet<number>, why: string, stack?: string) => {
      const unfinished = [...pending].sort((a, b) => a - b).map((index) => runs[index] as PlannedRun);
      const what = unfinished.length === 0 ? "no runs in flight" : `running ${describeRuns(unfinished)}`;
      fail(new WorkerCrashError(`--workers: worker ${number} of ${count} crashed, ${what}: ${why}`, stack));
    };
    for (let number = 1; number <= count; number++) {
      let worker: Worker;
      try {
        worker = startWorker(simWorker, setup);
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
        const batch: WorkerBatch["runs"][number][] = [];
        for (; batch.length < batchSize && next < runs.length; next++) {
          batch.push({ index: next, run: runs[next] as PlannedRun });
          slot.pending.add(next);
        }
        worker.postMessage({ runs: batch } satisfies WorkerBatch);
      };
      worker.on("message", ({ index, result }: WorkerMessage) => {
        if (settled) return;
        slot.pending.delete(index);
        received++;
        try {
          onResult(index, result);
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
