/**
 * Completions per second with many jobs of one spawn in flight at once (a
 * burst or a catch-up), at a small and a large burst. Settling must cost the
 * same however many are in flight: the ratio of the two rates is the figure.
 */
import { createKernel } from "@schedkit/kernel";

export const completionRate = (inFlight: number): number => {
  const kernel = createKernel({ catchUpLimit: inFlight });
  kernel.dispatch({
    type: "install",
    at: 0,
    program: { id: "p", type: "constant", interval: 1, mainFn: () => undefined },
  });
  kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
  const runs = kernel.dispatch({ type: "tick", at: inFlight }).filter((effect) => effect.type === "run");
  if (runs.length !== inFlight) throw new Error(`expected ${inFlight} jobs in flight, got ${runs.length}`);
  // Oldest first: the order a host reports a burst of equal jobs in.
  const started = performance.now();
  for (const run of runs) {
    kernel.dispatch({ type: "complete", at: inFlight, jobId: run.jobId, outcome: { ok: true } });
  }
  const seconds = (performance.now() - started) / 1000;
  if (kernel.getSpawn("p", "p-1").inFlight !== 0) throw new Error("jobs left in flight");
  return Math.round(inFlight / seconds);
};
