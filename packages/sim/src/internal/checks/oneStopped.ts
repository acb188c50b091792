import type { Command, KernelEffect } from "@schedkit/kernel";
import { describeKey, spawnKey, type Verify } from "./verify.js";

/**
 * `one-stopped`: every spawn gets exactly one `stopped`, and nothing of it
 * (no run, settled, cancel, skipped or missed due time, or fault) comes after that. A program removed by
 * `uninstall` or `clear` leaves no spawn without its `stopped` (jobs in flight
 * or not), and a killed spawn is stopped within the same dispatch.
 */
export class OneStopped {
  /** Spawns that were spawned and have not had their `stopped` yet, by key, with their program. */
  private readonly open = new Map<string, string>();
  /** Spawns that had their `stopped` (until a new spawn takes the same id). */
  private readonly closed = new Set<string>();

  constructor(private readonly verify: Verify) {}

  /** Feeds one effect, in order. */
  effect(effect: KernelEffect): void {
    switch (effect.type) {
      case "spawned": {
        const key = spawnKey(effect.programId, effect.spawnId);
        this.verify(
          "one-stopped",
          !this.open.has(key),
          () => `spawn ${describeKey(key)} was spawned again before the first one with that id had its stopped`,
        );
        this.closed.delete(key);
        this.open.set(key, effect.programId);
        return;
      }
      case "stopped": {
        const key = spawnKey(effect.programId, effect.spawnId);
        this.verify("one-stopped", this.open.has(key), () =>
          this.closed.has(key)
            ? `spawn ${describeKey(key)} got a second stopped (reason ${effect.reason})`
            : `stopped for spawn ${describeKey(key)}, which was never spawned`,
        );
        this.open.delete(key);
        this.closed.add(key);
        return;
      }
      case "run":
      case "settled":
      case "cancel":
      case "skipped":
      case "missed":
      case "fault": {
        if (effect.spawnId === null) return;
        const key = spawnKey(effect.programId, effect.spawnId);
        if (this.closed.has(key)) {
          const job = "jobId" in effect ? ` (job ${effect.jobId})` : "";
          this.verify(
            "one-stopped",
            false,
            () => `${effect.type}${job} for spawn ${describeKey(key)} after its stopped`,
          );
        }
        return;
      }
      default:
        return;
    }
  }

  /** After a whole dispatch: what the command and its effects demand be stopped by now. */
  dispatched(command: Command, effects: readonly KernelEffect[]): void {
    if (effects[0]?.type === "rejected") return;
    for (const effect of effects) {
      if (effect.type === "uninstalled" || effect.type === "cleared") this.programGone(effect.programId, effect.type);
    }
    if (command.type === "kill-spawn") {
      const key = spawnKey(command.programId, command.spawnId);
      this.verify(
        "one-stopped",
        !this.open.has(key),
        () => `kill-spawn ${describeKey(key)} was accepted but the spawn has no stopped`,
      );
    } else if (command.type === "kill-all") {
      for (const [key, programId] of this.open) {
        if (command.programId !== undefined && programId !== command.programId) continue;
        this.verify("one-stopped", false, () => `kill-all was accepted but spawn ${describeKey(key)} has no stopped`);
      }
    }
  }

  private programGone(programId: string, how: string): void {
    let clean = true;
    for (const [key, owner] of this.open) {
      if (owner !== programId) continue;
      clean = false;
      this.verify(
        "one-stopped",
        false,
        () => `program ${programId} was ${how} but its spawn ${describeKey(key)} never got a stopped`,
      );
      this.open.delete(key);
    }
    if (clean) this.verify("one-stopped", true, () => "");
  }

  /** At the end of a run: how many spawns are still waiting for their stopped (running or terminating). */
  get live(): number {
    return this.open.size;
  }
}
