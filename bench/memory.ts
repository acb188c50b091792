/**
 * Heap per idle spawn at N spawns, in a process started with --expose-gc:
 * heap used after spawning, minus before, over N. Prints one JSON line.
 */
import { createKernel } from "@schedkit/kernel";

const spawns = Number(process.argv[2] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");
const settle = () => {
  for (let round = 0; round < 3; round++) gc();
  return process.memoryUsage().heapUsed;
};
const kernel = createKernel();
kernel.dispatch({ type: "install", at: 0, program: { id: "idle", interval: 3_600_000, mainFn: () => undefined } });
const before = settle();
for (let index = 0; index < spawns; index++) kernel.dispatch({ type: "spawn", at: 0, programId: "idle" });
const after = settle();
console.log(
  JSON.stringify({ spawns, bytesPerSpawn: Math.round((after - before) / spawns), live: kernel.countSpawns("idle") }),
);
