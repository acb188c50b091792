import { type Limits18, limitsOf, type SimCommand, type SimEffect } from "../model/spec18.js";
import { spawnKey } from "./verify.js";

/** A spawn's spec 18 settings, as its commands gave them: its options', else its program's. */
export interface SpawnLimits extends Limits18 {
  readonly programId: string;
}

/**
 * What each spawn was told by the commands that made it (spec 18's `overlap`, `bufferLimit`,
 * `maxRuns`, `startAt`, `endAt`, `jitter`): the spec of the install the kernel accepted (`installed`),
 * overridden by the options of the spawn command it accepted (`spawned`). Read from the
 * commands and effects only, never from the kernel or the model.
 */
export class SpawnConfigs {
  private readonly programs = new Map<string, Limits18>();
  private readonly spawns = new Map<string, SpawnLimits>();

  /** Feeds one effect of the dispatch of `command`, in order. */
  effect(command: SimCommand, effect: SimEffect): void {
    switch (effect.type) {
      case "installed":
        this.forgetSpawns(effect.programId);
        this.programs.set(effect.programId, command.type === "install" ? limitsOf(command.program) : {});
        return;
      case "uninstalled":
      case "cleared":
        this.forgetSpawns(effect.programId);
        this.programs.delete(effect.programId);
        return;
      case "spawned": {
        const program = this.programs.get(effect.programId) ?? {};
        const own = command.type === "spawn" ? limitsOf(command.opts) : {};
        const pick = <K extends keyof Limits18>(key: K): Limits18[K] => own[key] ?? program[key];
        const limits: Record<string, unknown> = { programId: effect.programId };
        for (const key of ["overlap", "bufferLimit", "maxRuns", "startAt", "endAt", "jitter"] as const) {
          const value = pick(key);
          if (value !== undefined) limits[key] = value;
        }
        this.spawns.set(spawnKey(effect.programId, effect.spawnId), limits as unknown as SpawnLimits);
        return;
      }
      default:
        return;
    }
  }

  of(programId: string, spawnId: string): SpawnLimits | undefined {
    return this.spawns.get(spawnKey(programId, spawnId));
  }

  private forgetSpawns(programId: string): void {
    for (const [key, limits] of this.spawns) if (limits.programId === programId) this.spawns.delete(key);
  }
}

/** Keys of a program's spawns in a map keyed by `spawnKey`, for forgetting them. */
export const keysOfProgram = (keys: Iterable<string>, programId: string): string[] =>
  [...keys].filter((key) => key.startsWith(`${programId}\u0000`));
