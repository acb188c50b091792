/**
 * Churn: spawn + unspawn pairs per second with N live spawns (policy "last"),
 * beside the same with a plain array-based pool.
 */
import { createKernel } from "@schedkit/kernel";
import { lifo } from "@schedkit/policy-lifo";

export const kernelChurn = (live: number, pairs: number) => {
  const kernel = createKernel({ policies: [lifo()] });
  kernel.dispatch({ type: "install", at: 0, program: { id: "pool", interval: 3_600_000, mainFn: () => undefined } });
  for (let index = 0; index < live; index++) kernel.dispatch({ type: "spawn", at: 0, programId: "pool" });
  const started = performance.now();
  for (let index = 0; index < pairs; index++) {
    kernel.dispatch({ type: "spawn", at: 0, programId: "pool" });
    kernel.dispatch({ type: "unspawn", at: 0, programId: "pool" });
  }
  const seconds = (performance.now() - started) / 1000;
  if (kernel.countSpawns("pool") !== live) throw new Error("churn changed the pool size");
  return Math.round(pairs / seconds);
};

/** What a user might write by hand: an array of workers, push to grow, pop to shrink. */
export const arrayChurn = (live: number, pairs: number) => {
  const pool: { id: string; timer: number }[] = [];
  for (let index = 0; index < live; index++) pool.push({ id: `w-${index}`, timer: index });
  let next = live;
  const started = performance.now();
  for (let index = 0; index < pairs; index++) {
    pool.push({ id: `w-${next}`, timer: next++ });
    pool.pop();
  }
  const seconds = (performance.now() - started) / 1000;
  return Math.round(pairs / seconds);
};
