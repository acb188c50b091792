import type { SimEffect } from "../model/spec18.js";
import { keysOfProgram } from "./spawnConfig.js";
import { describeKey, noMessage, spawnKey, type Verify } from "./verify.js";

export const MISSED_ONCE = "missed-once";

/** Per spawn: its missed ranges (in order) and the due times it ran or skipped (sorted). */
interface Reported {
  readonly missed: { readonly from: number; readonly to: number }[];
  readonly due: number[];
}

/** The index of the first element of sorted `values` that is >= `value`. */
const lowerBound = (values: readonly number[], value: number): number => {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
};

/**
 * `missed-once`: a missed due time is reported once, and never also run or skipped. A spawn's
 * `missed` effects cover ranges `[from, to]` of its due times that never overlap (not always in
 * order: buffered runs are missed when they would start), and no `run` or `skipped` of the spawn names a due
 * time inside one, before or after the report. A step of the wall clock re-aims cron due times
 * in kernel time (their wall-clock times stay): what was reported before it is forgotten then.
 */
export class MissedOnce {
  private readonly spawns = new Map<string, Reported>();
  private wallOffset = 0;

  constructor(private readonly verify: Verify) {}

  /** A command that carries `wall`: a step of more than the kernel's reading noise (100 ms) re-aims cron jobs. */
  command(command: { readonly at: number; readonly wall?: number }): void {
    if (command.wall === undefined) return;
    const offset = command.wall - command.at;
    if (Math.abs(offset - this.wallOffset) <= 100) return;
    this.wallOffset = offset;
    this.spawns.clear();
  }

  effect(effect: SimEffect): void {
    switch (effect.type) {
      case "installed":
      case "uninstalled":
      case "cleared":
        for (const key of keysOfProgram(this.spawns.keys(), effect.programId)) this.spawns.delete(key);
        return;
      case "spawned":
      case "stopped":
        // A stopped spawn has no more due times (a `missed`, `run` or `skipped` after its `stopped`
        // is `one-stopped`'s): what it reported can no longer matter, so it is not kept for good.
        this.spawns.delete(spawnKey(effect.programId, effect.spawnId));
        return;
      case "missed": {
        const key = spawnKey(effect.programId, effect.spawnId);
        const reported = this.of(key);
        // Not always in order (buffered runs are missed when they would start, after later due times were),
        // but never the same due time twice.
        const again = reported.missed.find((each) => effect.from <= each.to && each.from <= effect.to);
        this.verify(
          MISSED_ONCE,
          again === undefined,
          () =>
            `spawn ${describeKey(key)}: missed ${effect.from}..${effect.to} again (already missed ${again?.from}..${again?.to})`,
        );
        const index = lowerBound(reported.due, effect.from);
        const inside = reported.due[index];
        this.verify(
          MISSED_ONCE,
          inside === undefined || inside > effect.to,
          () =>
            `spawn ${describeKey(key)}: missed ${effect.from}..${effect.to}, but its due time ${inside} ran or was skipped`,
        );
        reported.missed.push({ from: effect.from, to: effect.to });
        return;
      }
      case "run":
      case "skipped": {
        if (effect.spawnId === null) return;
        const key = spawnKey(effect.programId, effect.spawnId);
        const reported = this.of(key);
        const due = effect.scheduledAt;
        // Once per job: a loop and an in-place pass, no closures made.
        let range: { readonly from: number; readonly to: number } | undefined;
        for (const each of reported.missed) {
          if (each.from <= due && due <= each.to) {
            range = each;
            break;
          }
        }
        if (range === undefined) this.verify(MISSED_ONCE, true, noMessage);
        else {
          const found = range;
          this.verify(
            MISSED_ONCE,
            false,
            () =>
              `spawn ${describeKey(key)}: due time ${due} ${effect.type === "run" ? "ran" : "was skipped"} after it was missed (${found.from}..${found.to})`,
          );
        }
        // Due times come in order but for buffered and jittered jobs: an append, most of the time.
        const last = reported.due[reported.due.length - 1];
        if (last === undefined || last <= due) reported.due.push(due);
        else reported.due.splice(lowerBound(reported.due, due), 0, due);
        return;
      }
      default:
        return;
    }
  }

  private of(key: string): Reported {
    let reported = this.spawns.get(key);
    if (reported === undefined) {
      reported = { missed: [], due: [] };
      this.spawns.set(key, reported);
    }
    return reported;
  }
}
