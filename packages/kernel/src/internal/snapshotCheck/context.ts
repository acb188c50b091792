import type { ProgramSpec } from "../../Program.js";
import { SchedkitError } from "../../SchedkitError.js";
import { MAX_TIME } from "../limits.js";
import type { IntervalRef, KernelSnapshot, ProgramSnapshot } from "../snapshotTypes.js";

// What every level of the snapshot check shares: the snapshot and specs being checked, the
// ids seen so far (a job, spawn or result must be unique across the whole kernel), who the
// values being checked belong to, and the refusal and range helpers that name the field.

/**
 * Due times may lie past the range of times: a time plus an interval (each up
 * to MAX_TIME), shifted by wall-clock offsets. Such a job never comes due; a
 * due time beyond this bound is not one the kernel can make.
 */
const MAX_DUE = 4 * MAX_TIME;

export const quote = JSON.stringify;

/** One check's state, passed down the levels (kernel, program, spawn, job) in the order they run. */
export class CheckContext {
  /** Every live job (waiting or in flight, of spawns and triggers) by seq, with its path. */
  readonly jobs = new Map<number, string>();
  readonly spawnSeqs = new Map<number, string>();
  /** Settled jobs named by results, by seq, with the path of the spawn that has them. */
  readonly settled = new Map<number, { spawn: string; path: string; where: string }>();
  /** Who the values being checked belong to, for messages: ` (program "p", spawn "p-1")`. */
  where = "";

  constructor(
    readonly snapshot: KernelSnapshot,
    readonly specs: ReadonlyMap<string, ProgramSpec>,
  ) {}

  fail(path: string, reason: string): never {
    throw new SchedkitError("invalid-snapshot", `${path}: ${reason}${this.where}`, { field: path });
  }

  count(value: number, path: string): void {
    if (!Number.isSafeInteger(value) || value < 0) this.fail(path, `expected a whole number >= 0, got ${value}`);
  }

  time(value: number, path: string): void {
    if (!(Math.abs(value) <= MAX_TIME)) this.fail(path, `expected a time within ±${MAX_TIME} ms, got ${value}`);
  }

  due(value: number, path: string): void {
    if (!(Math.abs(value) <= MAX_DUE)) this.fail(path, `expected a due time within ±${MAX_DUE} ms, got ${value}`);
  }

  /** A time that has come: in range and not after the kernel's `now`. */
  past(value: number, path: string): void {
    this.time(value, path);
    if (value > this.snapshot.now) this.fail(path, `${value} is after the kernel's time (now is ${this.snapshot.now})`);
  }

  uint32(value: number, path: string, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      this.fail(path, `expected ${what} (0 to 4294967295), got ${value}`);
    }
  }

  interval(ref: IntervalRef, type: ProgramSnapshot["type"], path: string): void {
    if (type === "cron") {
      if (ref !== 0) this.fail(path, `a cron program's times come from its expression; expected 0, got ${quote(ref)}`);
    } else if (typeof ref === "number" && !(ref > 0)) {
      this.fail(path, `expected a positive number of ms, got ${ref}`);
    }
  }
}
