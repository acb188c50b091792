import type { Command } from "./Command.js";
import { MAX_TIME } from "./internal/limits.js";
import { type KernelOptions, Machine } from "./internal/machine.js";
import { nextRunsOf, type ProgramProblem, validateProgramOf } from "./internal/preview.js";
import { exportProgram } from "./internal/programExport.js";
import { createQueries, type KernelQueries } from "./internal/queries.js";
import { restoreMachine, snapshotOf } from "./internal/snapshot.js";
import type { KernelSnapshot, ProgramExport, RestoreOptions } from "./internal/snapshotTypes.js";
import type { KernelEffect } from "./KernelEffect.js";
import type { ProgramSpec } from "./Program.js";

export type { KernelOptions } from "./internal/kernelOptions.js";

/**
 * The largest time in ms the kernel accepts (`at`, `scheduledAt`, `wall`,
 * intervals), either side of 0: a JavaScript Date's range, 8.64e15.
 * @since 0.1.0
 */
export const maxTime: number = MAX_TIME;
export type { ProgramProblem } from "./internal/preview.js";
export type { KernelInfo, KernelQueries, ProgramInfo, SpawnInfo } from "./internal/queries.js";
export type {
  JobExport,
  KernelSnapshot,
  PauseSnapshot,
  ProgramExport,
  RestoreOptions,
  SpawnExport,
} from "./internal/snapshotTypes.js";

/**
 * A pure scheduler kernel: `dispatch` takes one command and returns the
 * effects it causes, in order. It never reads a clock, draws ambient
 * randomness, sets a timer or does I/O, so the same options and commands give
 * the same effects every time.
 *
 * @since 0.1.0
 */
export interface Kernel extends KernelQueries {
  /**
   * Applies one command at its `at` time: first every job due by then starts,
   * then the command is checked against that state and applies, then jobs it
   * made due start. Bad input gives a `rejected` effect; the command changes
   * nothing (a malformed one not even the time). The last effect is always `wake`.
   */
  dispatch(command: Command): readonly KernelEffect[];
  /**
   * Everything but the programs' functions, as plain JSON data. Program state
   * and results must be JSON data to survive the round trip (an Error becomes
   * `{ name, message }`).
   */
  snapshot(): KernelSnapshot;
  /**
   * One program's whole state as plain JSON data, for the `adopt` command of another kernel
   * (a new owner): its spawns, waiting and in-flight jobs (by fire id, those in flight with
   * their args), state, counters, history, results and generator, with this kernel's time and
   * wall-clock offset. `undefined` when no such program is installed. Throws `invalid-snapshot`
   * as `snapshot()` does (data that is not JSON, a call from inside a hook).
   */
  exportProgram(programId: string): ProgramExport | undefined;
  /**
   * The checks of `install`, without installing: the problems `install` would reject `spec` for,
   * each `{ code, field, message }` as in its `rejected` effect, or `[]` when it would accept it.
   * Installs nothing and changes nothing (no effect, no time); it calls `createFn`, as `install`
   * does. Throws `invalid-command` when called from inside a hook, mid-dispatch.
   * @since 0.2.0
   */
  validateProgram(spec: unknown): readonly ProgramProblem[];
  /**
   * The next `count` due times (kernel time), changing nothing. With `spawnId`: that spawn's,
   * from its waiting job's. Without: those of a spawn `spawn(programId)` would make at `from`
   * (default: the kernel's time). Jobs are taken to start on time and take no time (a `basic`
   * spawn's due times are then one interval apart). An entry is `undefined` when it is not known
   * without calling a hook (an interval function is not called; a random delay is not drawn) or
   * when there is none (past `endAt`, beyond `maxRuns`, a stopped spawn); the list always has
   * `count` entries. `count` is a whole number from 0 to 10,000. Throws a `SchedkitError`:
   * `invalid-command` naming a bad argument, `unknown-program`, `unknown-spawn`.
   * @since 0.2.0
   */
  nextRuns(
    programId: string,
    spawnId: string | undefined,
    count: number,
    from?: number,
  ): readonly (number | undefined)[];
  /** `nextRuns(programId, undefined, count, from?)`: a spawn made at `from` (default: now). */
  nextRuns(programId: string, count: number, from?: number): readonly (number | undefined)[];
}

/** `nextRuns`'s two forms, `(programId, spawnId, count, from?)` and `(programId, count, from?)`, as one. */
export const nextRunsArgs = (
  spawnOrCount: string | number | undefined,
  countOrFrom: number | undefined,
  from: number | undefined,
): { spawnId: string | undefined; count: number; from: number | undefined } =>
  typeof spawnOrCount === "number"
    ? { spawnId: undefined, count: spawnOrCount, from: countOrFrom }
    : { spawnId: spawnOrCount, count: countOrFrom as number, from };

/**
 * Creates a kernel. Throws a `SchedkitError` for bad options (duplicate
 * policy names, an unknown `defaultPolicy`, a non-integer seed).
 *
 * @example
 * const kernel = createKernel({ policies: [lifo()], seed: 1 });
 * kernel.dispatch({ type: "install", at: 0, program: { id: "cleanup", interval: 60_000, mainFn: () => ({}) } });
 *
 * @since 0.1.0
 */
export const createKernel = (options: KernelOptions = {}): Kernel => fromMachine(new Machine(options));

/**
 * Rebuilds a kernel from `kernel.snapshot()` and the programs' specs (by id,
 * or as a list), so that the next commands give the same effects as on the
 * original. Pass the same policies; function-valued spawn overrides go in
 * `options.spawnOverrides`. Throws a `SchedkitError` (`invalid-snapshot`,
 * `restore-mismatch`, `invalid-program`) naming what is missing or wrong.
 *
 * @since 0.1.0
 */
export const restoreKernel = (
  snapshot: unknown,
  programs: Readonly<Record<string, ProgramSpec>> | readonly ProgramSpec[],
  options?: RestoreOptions,
): Kernel => fromMachine(restoreMachine(snapshot, programs, options));

const fromMachine = (machine: Machine): Kernel => ({
  dispatch: (command) => machine.dispatch(command),
  snapshot: () => snapshotOf(machine),
  exportProgram: (programId) => exportProgram(machine, programId),
  validateProgram: (spec) => validateProgramOf(machine, spec),
  nextRuns: (programId: string, spawnOrCount?: string | number, countOrFrom?: number, at?: number) => {
    const { spawnId, count, from } = nextRunsArgs(spawnOrCount, countOrFrom, at);
    return nextRunsOf(machine, programId, spawnId, count, from, machine.now);
  },
  ...createQueries(machine),
});
