import type { SimEffect } from "../model/spec18.js";
import { RanFires } from "./ranFires.js";
import { keysOfProgram } from "./spawnConfig.js";
import { describeKey, spawnKey, type Verify } from "./verify.js";

export const SKIPPED_ONCE = "skipped-once";

/**
 * `skipped-once`: every skipped due time is reported once (never two `skipped` for one
 * fire id of a spawn), names its own due time (`<programId>/<spawnId>/<scheduledAt>`), and
 * a skipped fire id never also runs, before or after. (That no due time of a fixed grid is
 * dropped without a `run`, `skipped` or `missed` is the `grid` check's part.)
 */
export class SkippedOnce {
  private readonly skipped = new Map<string, Set<string>>();
  private readonly ran = new Map<string, RanFires>();

  constructor(private readonly verify: Verify) {}

  effect(effect: SimEffect): void {
    switch (effect.type) {
      case "installed":
      case "uninstalled":
      case "cleared":
        for (const key of keysOfProgram(this.skipped.keys(), effect.programId)) this.skipped.delete(key);
        for (const key of keysOfProgram(this.ran.keys(), effect.programId)) this.ran.delete(key);
        return;
      case "spawned":
      case "stopped": {
        // A stopped spawn has no more due times: what it ran and skipped can no longer matter (a
        // `skipped` after its `stopped` is `one-stopped`'s), so the sets do not grow with every spawn.
        const key = spawnKey(effect.programId, effect.spawnId);
        this.skipped.delete(key);
        this.ran.delete(key);
        return;
      }
      case "skipped": {
        // A backfill's due times are the program's (named `<programId>/backfill/<t>`), not a spawn's.
        if (effect.spawnId === null) return;
        const key = spawnKey(effect.programId, effect.spawnId);
        const skipped = this.setOf(this.skipped, key);
        const fire = effect.fireId;
        this.verify(
          SKIPPED_ONCE,
          fire === `${effect.programId}/${effect.spawnId}/${effect.scheduledAt}`,
          () => `spawn ${describeKey(key)}: skipped fire id ${fire} does not name its due time ${effect.scheduledAt}`,
        );
        this.verify(
          SKIPPED_ONCE,
          !skipped.has(fire),
          () => `spawn ${describeKey(key)}: due time ${fire} skipped twice`,
        );
        this.verify(
          SKIPPED_ONCE,
          this.ran.get(key)?.has(fire) !== true,
          () => `spawn ${describeKey(key)}: due time ${fire} skipped after it ran`,
        );
        skipped.add(fire);
        return;
      }
      case "run": {
        if (effect.spawnId === null) return;
        const key = spawnKey(effect.programId, effect.spawnId);
        const skipped = this.skipped.get(key);
        if (skipped !== undefined) {
          this.verify(
            SKIPPED_ONCE,
            !skipped.has(effect.fireId),
            () => `spawn ${describeKey(key)}: due time ${effect.fireId} ran (${effect.jobId}) after it was skipped`,
          );
        }
        let ran = this.ran.get(key);
        if (ran === undefined) {
          ran = new RanFires(effect.programId, effect.spawnId);
          this.ran.set(key, ran);
        }
        ran.add(effect.fireId, effect.scheduledAt);
        return;
      }
      default:
        return;
    }
  }

  private setOf(map: Map<string, Set<string>>, key: string): Set<string> {
    const set = map.get(key) ?? new Set<string>();
    map.set(key, set);
    return set;
  }
}
