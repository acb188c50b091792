import type { SimEffect } from "../model/spec18.js";
import { keysOfProgram, type SpawnConfigs } from "./spawnConfig.js";
import { describeKey, spawnKey, type Verify } from "./verify.js";

export const OVERLAP_SINGLE_FLIGHT = "overlap-skip-single-flight";

/**
 * `overlap-skip-single-flight`: a spawn whose `overlap` is `skip`, `buffer-one`,
 * `buffer-all` or `cancel-other` never has two jobs in flight: each `run` of it comes
 * when none of its jobs is in flight (`cancel-other` cancels them first). Jobs in flight
 * are counted from the effects: a `run` adds one, its `settled` or in-flight `cancel`
 * ends it (only for spawns held to it).
 */
export class OverlapSingleFlight {
  private readonly inFlight = new Map<string, Set<string>>();

  constructor(
    private readonly verify: Verify,
    private readonly configs: SpawnConfigs,
  ) {}

  effect(effect: SimEffect): void {
    switch (effect.type) {
      case "installed":
      case "uninstalled":
      case "cleared":
        for (const key of keysOfProgram(this.inFlight.keys(), effect.programId)) this.inFlight.delete(key);
        return;
      case "spawned":
        this.inFlight.delete(spawnKey(effect.programId, effect.spawnId));
        return;
      case "run": {
        if (effect.spawnId === null) return;
        const overlap = this.configs.of(effect.programId, effect.spawnId)?.overlap ?? "allow";
        // A spawn's overlap is fixed when it is spawned (a new spawn with its id starts afresh):
        // the jobs of an "allow" spawn are never held to this, so they are not counted.
        if (overlap === "allow") return;
        const key = spawnKey(effect.programId, effect.spawnId);
        const running = this.inFlight.get(key) ?? new Set<string>();
        this.inFlight.set(key, running);
        this.verify(
          OVERLAP_SINGLE_FLIGHT,
          running.size === 0,
          () =>
            `spawn ${describeKey(key)} (overlap "${overlap}") started ${effect.jobId} (due ${effect.scheduledAt}) while ${[...running].join(", ")} still in flight`,
        );
        running.add(effect.jobId);
        return;
      }
      case "settled":
        if (effect.spawnId !== null)
          this.inFlight.get(spawnKey(effect.programId, effect.spawnId))?.delete(effect.jobId);
        return;
      case "cancel":
        if (effect.inFlight && effect.spawnId !== null) {
          this.inFlight.get(spawnKey(effect.programId, effect.spawnId))?.delete(effect.jobId);
        }
        return;
      default:
        return;
    }
  }
}
