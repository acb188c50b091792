import type { SimEffect } from "../model/spec18.js";
import { keysOfProgram, type SpawnConfigs } from "./spawnConfig.js";
import { describeKey, spawnKey, type Verify } from "./verify.js";

export const MAX_RUNS = "max-runs";

/**
 * `max-runs`: a spawn never has more `run` effects than its `maxRuns` (buffered runs
 * count; skipped and missed due times do not), and the spawn that had them says why it
 * stopped: `stopped {reason: "max-runs"}` (a spawn runs only while running, so no earlier
 * stop can have come first).
 */
export class MaxRuns {
  private readonly runs = new Map<string, number>();
  /** Spawns that reached their maxRuns. */
  private readonly reached = new Set<string>();

  constructor(
    private readonly verify: Verify,
    private readonly configs: SpawnConfigs,
  ) {}

  effect(effect: SimEffect): void {
    switch (effect.type) {
      case "installed":
      case "uninstalled":
      case "cleared":
        for (const key of keysOfProgram(this.runs.keys(), effect.programId)) this.forget(key);
        return;
      case "spawned":
        this.forget(spawnKey(effect.programId, effect.spawnId));
        return;
      case "run": {
        if (effect.spawnId === null) return;
        const maxRuns = this.configs.of(effect.programId, effect.spawnId)?.maxRuns;
        if (maxRuns === undefined) return;
        const key = spawnKey(effect.programId, effect.spawnId);
        const runs = (this.runs.get(key) ?? 0) + 1;
        this.runs.set(key, runs);
        this.verify(
          MAX_RUNS,
          runs <= maxRuns,
          () => `spawn ${describeKey(key)} started its run number ${runs} (${effect.jobId}); its maxRuns is ${maxRuns}`,
        );
        if (runs === maxRuns) this.reached.add(key);
        return;
      }
      case "stopped": {
        const key = spawnKey(effect.programId, effect.spawnId);
        if (this.reached.has(key)) {
          this.verify(
            MAX_RUNS,
            effect.reason === "max-runs",
            () => `spawn ${describeKey(key)} had all its runs but stopped with reason ${effect.reason}`,
          );
        }
        return;
      }
      default:
        return;
    }
  }

  private forget(key: string): void {
    this.runs.delete(key);
    this.reached.delete(key);
  }
}
