import type { SimCommand, SimEffect } from "../model/spec18.js";
import { keysOfProgram } from "./spawnConfig.js";
import { describeKey, noMessage, spawnKey, type Verify } from "./verify.js";

export const PAUSED_STARTS_NOTHING = "paused-starts-nothing";

/**
 * `paused-starts-nothing`: no `run` of a spawn while it or its program is paused. What is
 * paused follows the `paused` and `resumed` effects, in order (a pause applies after the
 * jobs its command's time made due), and every accepted `pause` / `resume` command must
 * say so with its one effect for the program or spawn it names. Triggers (`spawnId: null`)
 * still run.
 */
export class PausedStartsNothing {
  private readonly programs = new Set<string>();
  private readonly spawns = new Set<string>();

  constructor(private readonly verify: Verify) {}

  effect(effect: SimEffect): void {
    switch (effect.type) {
      case "installed":
      case "uninstalled":
      case "cleared":
        this.programs.delete(effect.programId);
        for (const key of keysOfProgram(this.spawns, effect.programId)) this.spawns.delete(key);
        return;
      case "spawned":
        // A new spawn (perhaps with an old one's id) is paused only by its program.
        this.spawns.delete(spawnKey(effect.programId, effect.spawnId));
        return;
      case "paused":
        if (effect.spawnId === null) this.programs.add(effect.programId);
        else this.spawns.add(spawnKey(effect.programId, effect.spawnId));
        return;
      case "resumed":
        if (effect.spawnId === null) this.programs.delete(effect.programId);
        else this.spawns.delete(spawnKey(effect.programId, effect.spawnId));
        return;
      case "run": {
        if (effect.spawnId === null) return;
        const key = spawnKey(effect.programId, effect.spawnId);
        const byProgram = this.programs.has(effect.programId);
        const bySpawn = this.spawns.has(key);
        // Once per job: a pass makes no message closure.
        if (!byProgram && !bySpawn) {
          this.verify(PAUSED_STARTS_NOTHING, true, noMessage);
          return;
        }
        this.verify(
          PAUSED_STARTS_NOTHING,
          false,
          () =>
            `spawn ${describeKey(key)} started ${effect.jobId} (due ${effect.scheduledAt}) while ${bySpawn ? "it" : "its program"} was paused`,
        );
        return;
      }
      default:
        return;
    }
  }

  /** After a whole dispatch: an accepted pause or resume said so, once, for what it named. */
  dispatched(command: SimCommand, effects: readonly SimEffect[]): void {
    if (command.type !== "pause" && command.type !== "resume") return;
    if (effects.some((effect) => effect.type === "rejected")) return;
    const wanted = command.type === "pause" ? "paused" : "resumed";
    const said = effects.filter(
      (effect) =>
        effect.type === wanted &&
        effect.programId === command.programId &&
        effect.spawnId === (command.spawnId ?? null),
    );
    this.verify(
      PAUSED_STARTS_NOTHING,
      said.length === 1,
      () =>
        `an accepted ${command.type} of ${command.programId}/${command.spawnId ?? "*"} gave ${said.length} ${wanted} effects`,
    );
  }
}
