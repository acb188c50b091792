import type { SimCommand, SimEffect } from "../model/spec18.js";
import { keysOfProgram } from "./spawnConfig.js";
import { describeKey, noMessage, spawnKey, type Verify } from "./verify.js";

export const WITHIN_WINDOW = "within-window";

/** The kernel's default `catchUpWindow` (24 h). */
const DEFAULT_WINDOW = 86_400_000;

const windowOf = (value: unknown): number | undefined => {
  if (typeof value !== "object" || value === null) return undefined;
  const window = (value as { catchUpWindow?: unknown }).catchUpWindow;
  return typeof window === "number" ? window : undefined;
};

/**
 * `within-window`: no job of a spawn starts later than its `catchUpWindow` after its due time,
 * however it started (on time, after downtime or a pause, from a buffer, at the end of a
 * jitter hold): a due time older than the window is reported `missed` instead. The window is
 * the spawn's option, else its program's, else 24 h, as the accepted commands gave it. A
 * backfill's runs are the program's (an explicit request) and not held to it.
 */
export class WithinWindow {
  private readonly programs = new Map<string, number>();
  private readonly spawns = new Map<string, number>();

  constructor(private readonly verify: Verify) {}

  dispatched(command: SimCommand, effects: readonly SimEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case "installed":
        case "uninstalled":
        case "cleared":
          for (const key of keysOfProgram(this.spawns.keys(), effect.programId)) this.spawns.delete(key);
          if (effect.type === "installed" && command.type === "install") {
            this.programs.set(effect.programId, windowOf(command.program) ?? DEFAULT_WINDOW);
          } else {
            this.programs.delete(effect.programId);
          }
          break;
        case "spawned": {
          const own = command.type === "spawn" ? windowOf(command.opts) : undefined;
          const window = own ?? this.programs.get(effect.programId) ?? DEFAULT_WINDOW;
          this.spawns.set(spawnKey(effect.programId, effect.spawnId), window);
          break;
        }
        case "run": {
          if (effect.spawnId === null) break;
          const key = spawnKey(effect.programId, effect.spawnId);
          const window = this.spawns.get(key);
          if (window === undefined) break;
          // Once per job: a pass makes no message closure.
          if (effect.startedAt - effect.scheduledAt <= window) {
            this.verify(WITHIN_WINDOW, true, noMessage);
            break;
          }
          this.verify(
            WITHIN_WINDOW,
            false,
            () =>
              `${describeKey(key)} started ${effect.jobId} (due ${effect.scheduledAt}) at ${effect.startedAt}, ${effect.startedAt - effect.scheduledAt} ms late: older than its catch-up window ${window}`,
          );
          break;
        }
        default:
          break;
      }
    }
  }
}
