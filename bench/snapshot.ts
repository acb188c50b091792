/**
 * Snapshots (section 13): ms per `kernel.snapshot()` of a kernel whose spawns keep results
 * (`output: "all"`, 20 each) and object state, beside a JSON round trip of the very snapshot it
 * returns (`JSON.parse(JSON.stringify(snapshot))`: what copying that much plain data costs), in
 * this process, alternating, medians of 3. A durable runner writes snapshots and exports, and
 * the simulator reads one every 64 steps and after every command that may be refused.
 *
 * `npx tsx bench/snapshot.ts [--smoke]` runs this section alone.
 */
import { pathToFileURL } from "node:url";
import { createKernel, type Kernel, type KernelEffect } from "@schedkit/kernel";

export interface SnapshotBench {
  readonly spawns: number;
  readonly resultsPerSpawn: number;
  /** Characters of the snapshot's JSON text. */
  readonly jsonLength: number;
  /** ms per `kernel.snapshot()`. */
  readonly snapshotMs: number;
  /** ms per JSON round trip of that snapshot. */
  readonly jsonRoundTripMs: number;
}

const HISTORY = 20;

const kernelWithHistory = (spawns: number): Kernel => {
  const kernel = createKernel({ historyLimit: HISTORY });
  kernel.dispatch({
    type: "install",
    at: 0,
    program: {
      id: "p",
      type: "constant",
      interval: 10,
      output: "all",
      mainFn: () => undefined,
      mergeFn: (state, output) => ({ total: ((state as { total?: number })?.total ?? 0) + 1, last: output }),
    },
  });
  for (let index = 0; index < spawns; index++) kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
  for (let round = 1; round <= HISTORY * 2; round++) {
    const at = round * 10;
    const runs = kernel
      .dispatch({ type: "tick", at })
      .filter((effect): effect is Extract<KernelEffect, { type: "run" }> => effect.type === "run");
    if (runs.length === 0) continue;
    kernel.dispatch({
      type: "complete",
      at,
      results: runs.map((run) => ({
        jobId: run.jobId,
        outcome: { ok: true, value: { n: round % 10, tags: ["a", "b"] } },
      })),
    });
  }
  return kernel;
};

/** ms per call of `work`, over `times` calls. */
const perCall = (work: () => unknown, times: number): number => {
  const started = performance.now();
  for (let index = 0; index < times; index++) work();
  return (performance.now() - started) / times;
};

const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export const snapshotBench = (smoke: boolean): SnapshotBench => {
  const spawns = smoke ? 30 : 300;
  const kernel = kernelWithHistory(spawns);
  const snapshot = kernel.snapshot();
  const roundTrip = () => JSON.parse(JSON.stringify(snapshot));
  const times = smoke ? 5 : 100;
  perCall(() => kernel.snapshot(), times);
  perCall(roundTrip, times);
  const ours: number[] = [];
  const json: number[] = [];
  for (let round = 0; round < 3; round++) {
    ours.push(perCall(() => kernel.snapshot(), times));
    json.push(perCall(roundTrip, times));
  }
  return {
    spawns,
    resultsPerSpawn: HISTORY,
    jsonLength: JSON.stringify(snapshot).length,
    snapshotMs: median(ours),
    jsonRoundTripMs: median(json),
  };
};

export const snapshotLines = (bench: SnapshotBench): string[] => [
  `   ${bench.spawns} spawns keeping ${bench.resultsPerSpawn} results each (${(bench.jsonLength / 1e6).toFixed(2)} M characters of JSON): snapshot() ${bench.snapshotMs.toFixed(2)} ms, a JSON round trip of it ${bench.jsonRoundTripMs.toFixed(2)} ms (snapshot / round trip ${(bench.snapshotMs / bench.jsonRoundTripMs).toFixed(2)})`,
];

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) for (const line of snapshotLines(snapshotBench(process.argv.includes("--smoke")))) console.log(line);
