import type { Command, Kernel, SpawnProps } from "@schedkit/kernel";
import type { ProgramDescriptor } from "../../types.js";
import type { Liveness } from "./liveness.js";
import { noMessage, spawnKey, type Verify } from "./verify.js";

/** How often (in steps) every running spawn of a touched program is read back, whatever the command. */
export const FULL_SCAN_EVERY = 64;

export interface ProgramCheckContext {
  readonly verify: Verify;
  readonly kernel: () => Kernel;
  readonly descriptors: ReadonlyMap<string, ProgramDescriptor>;
  readonly liveness: Liveness;
  /** Test only: read every running spawn back after every dispatch (the old scan, the reference). */
  readonly scanAlways: boolean;
}

/**
 * After a dispatch, per program it touched: `bounds` (max, and min across an unspawn) and
 * `counters` (a spawn's completed = succeeded + errored <= submitted), and liveness forgets the
 * spawns that left the running set.
 *
 * Reading every running spawn back (`getProps`, an object per spawn) after every job was most of
 * the checks' cost, so a hot dispatch (tick, complete) reads back only the spawns its effects
 * name: a correct kernel changes a spawn's counters only with an effect naming it (a `run`
 * submits, a `settled` completes), and a spawn leaves the running set only in a dispatch that
 * changes the program's running count (or spawns). Every other dispatch, every `FULL_SCAN_EVERY`
 * steps and whenever the count is not the one last read back, the whole running set is read back
 * as before, so a counter changed behind an effect's back is still found (a few steps later).
 */
export class ProgramChecks {
  /** Each program's running spawn ids as last read back in full. */
  private readonly running = new Map<string, Set<string>>();

  constructor(private readonly context: ProgramCheckContext) {}

  forgetProgram(programId: string): void {
    this.running.delete(programId);
  }

  /** A new kernel (restored after a crash): nothing read back from the old one counts. */
  forgetAll(): void {
    this.running.clear();
  }

  /**
   * `named`: the spawn ids this dispatch's effects named for the program (`spawned` ones among
   * them when `spawned`); `full`: read everything back (a non-hot command, a periodic scan).
   */
  check(
    programId: string,
    command: Command,
    runningBefore: readonly string[] | undefined,
    unspawned: boolean,
    named: readonly string[],
    spawned: boolean,
    full: boolean,
  ): void {
    const { verify, descriptors } = this.context;
    const kernel = this.context.kernel();
    if (!kernel.isInstalled(programId)) return;
    const descriptor = descriptors.get(programId);
    const count = kernel.countSpawns(programId);
    if (descriptor?.max !== undefined) {
      verify(
        "bounds",
        count <= descriptor.max,
        () => `program ${programId} has ${count} running spawns; max is ${descriptor.max}`,
      );
    }
    if (
      command.type === "unspawn" &&
      command.programId === programId &&
      descriptor?.min !== undefined &&
      runningBefore !== undefined &&
      runningBefore.length <= descriptor.min
    ) {
      // Spawns the command's arrival stopped (a fault, continueFn) are not the unspawn's doing.
      verify(
        "bounds",
        count === runningBefore.length || !unspawned,
        () => `unspawn went below min ${descriptor.min}: ${runningBefore.length} → ${count}`,
      );
    }
    const known = this.running.get(programId);
    if (full || spawned || this.context.scanAlways || known === undefined || known.size !== count) {
      this.scan(programId, kernel);
      return;
    }
    // The running set is the one last read back: only the spawns named here can have changed.
    for (const spawnId of named) {
      if (known.has(spawnId)) this.counters(programId, spawnId, kernel.getProps(programId, spawnId));
    }
  }

  /** Every running spawn of the program, read back (the reference scan). */
  private scan(programId: string, kernel: Kernel): void {
    const keys = new Set<string>();
    const ids = new Set<string>();
    for (const [spawnId, props] of Object.entries(kernel.getProps(programId))) {
      keys.add(spawnKey(programId, spawnId));
      ids.add(spawnId);
      this.counters(programId, spawnId, props);
    }
    this.running.set(programId, ids);
    // Spawns that left the running set (stopped, unspawned, done) are no longer owed a job.
    this.context.liveness.retain(programId, keys);
  }

  private counters(programId: string, spawnId: string, props: SpawnProps): void {
    if (props.completed === props.succeeded + props.errored && props.submitted >= props.completed) {
      this.context.verify("counters", true, noMessage);
      return;
    }
    this.context.verify(
      "counters",
      false,
      () =>
        `spawn ${programId}/${spawnId}: submitted ${props.submitted}, succeeded ${props.succeeded}, errored ${props.errored}, completed ${props.completed}`,
    );
  }
}
