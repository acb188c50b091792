import type { SimCommand, SimEffect } from "../model/spec18.js";
import { keysOfProgram, type SpawnConfigs } from "./spawnConfig.js";
import { describeKey, spawnKey, type Verify } from "./verify.js";

export const JITTER_BOUNDS = "jitter-bounds";

/**
 * `jitter-bounds`: a job of a spawn with `jitter` starts a whole number of ms in `[0, jitter]`
 * after its due time, and before the spawn's next due time (the next `run`, `skipped` or
 * `missed` due time of the spawn, whatever it was). Other lateness (a late host, a catch-up, a
 * pause, a buffer) is told apart by when the run started: in a `tick` delivered at the kernel's
 * own wake, for a due time that came after the previous dispatch, the kernel woke for nothing
 * but this job's start, so its lateness is its jitter alone. Only such runs are held to it.
 */
export class JitterBounds {
  private lastWake: number | null = null;
  private lastTime = Number.NEGATIVE_INFINITY;
  /** Per spawn, its latest run held to the bounds: its next due time must come after its start. */
  private readonly open = new Map<
    string,
    { readonly jobId: string; readonly scheduledAt: number; readonly startedAt: number }
  >();

  constructor(
    private readonly verify: Verify,
    private readonly configs: SpawnConfigs,
  ) {}

  dispatched(command: SimCommand, effects: readonly SimEffect[]): void {
    const onTime = command.type === "tick" && command.at === this.lastWake;
    const since = this.lastTime;
    for (const effect of effects) {
      switch (effect.type) {
        case "installed":
        case "uninstalled":
        case "cleared":
          for (const key of keysOfProgram(this.open.keys(), effect.programId)) this.open.delete(key);
          break;
        case "run": {
          if (effect.spawnId === null) break;
          const key = spawnKey(effect.programId, effect.spawnId);
          this.nextDue(key, effect.scheduledAt);
          const jitter = this.configs.of(effect.programId, effect.spawnId)?.jitter ?? 0;
          if (jitter <= 0 || !onTime || effect.scheduledAt < since) break;
          const delay = effect.startedAt - effect.scheduledAt;
          this.verify(
            JITTER_BOUNDS,
            Number.isInteger(delay) && delay >= 0 && delay <= Math.floor(jitter),
            () =>
              `${describeKey(key)} started ${effect.jobId} (due ${effect.scheduledAt}) ${delay} ms late, on time otherwise: its jitter is ${jitter} (a whole number of ms in [0, ${Math.floor(jitter)}])`,
          );
          this.open.set(key, { jobId: effect.jobId, scheduledAt: effect.scheduledAt, startedAt: effect.startedAt });
          break;
        }
        case "skipped":
          if (effect.spawnId !== null) this.nextDue(spawnKey(effect.programId, effect.spawnId), effect.scheduledAt);
          break;
        case "missed":
          this.nextDue(spawnKey(effect.programId, effect.spawnId), effect.from);
          break;
        case "wake":
          this.lastWake = effect.at;
          break;
        default:
          break;
      }
    }
    if (command.at > this.lastTime) this.lastTime = command.at;
  }

  /** The spawn's next due time is known: its held-to-bounds run must have started before it. */
  private nextDue(key: string, dueAt: number): void {
    const run = this.open.get(key);
    if (run === undefined || !(dueAt > run.scheduledAt)) return;
    this.open.delete(key);
    this.verify(
      JITTER_BOUNDS,
      run.startedAt < dueAt,
      () =>
        `${describeKey(key)} started ${run.jobId} (due ${run.scheduledAt}) at ${run.startedAt}: jitter moved it to or past the next due time ${dueAt}`,
    );
  }
}
