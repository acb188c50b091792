import { MAX_TIME } from "./internal/limits.js";
import { Machine } from "./internal/machine.js";
import { nextRunsOf, validateProgramOf } from "./internal/preview.js";
import { exportProgram } from "./internal/programExport.js";
import { createQueries } from "./internal/queries.js";
import { restoreMachine, snapshotOf } from "./internal/snapshot.js";
/**
 * The largest time in ms the kernel accepts (`at`, `scheduledAt`, `wall`,
 * intervals), either side of 0: a JavaScript Date's range, 8.64e15.
 * @since 0.1.0
 */
export const maxTime = MAX_TIME;
/** `nextRuns`'s two forms, `(programId, spawnId, count, from?)` and `(programId, count, from?)`, as one. */
export const nextRunsArgs = (spawnOrCount, countOrFrom, from) =>
  typeof spawnOrCount === "number"
    ? { spawnId: undefined, count: spawnOrCount, from: countOrFrom }
    : { spawnId: spawnOrCount, count: countOrFrom, from };
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
export const createKernel = (options = {}) => fromMachine(new Machine(options));
/**
 * Rebuilds a kernel from `kernel.snapshot()` and the programs' specs (by id,
 * or as a list), so that the next commands give the same effects as on the
 * original. Pass the same policies; function-valued spawn overrides go in
 * `options.spawnOverrides`. Throws a `SchedkitError` (`invalid-snapshot`,
 * `restore-mismatch`, `invalid-program`) naming what is missing or wrong.
 *
 * @since 0.1.0
 */
export const restoreKernel = (snapshot, programs, options) => fromMachine(restoreMachine(snapshot, programs, options));
const fromMachine = (machine) => ({
  dispatch: (command) => machine.dispatch(command),
  snapshot: () => snapshotOf(machine),
  exportProgram: (programId) => exportProgram(machine, programId),
  validateProgram: (spec) => validateProgramOf(machine, spec),
  nextRuns: (programId, spawnOrCount, countOrFrom, at) => {
    const { spawnId, count, from } = nextRunsArgs(spawnOrCount, countOrFrom, at);
    return nextRunsOf(machine, programId, spawnId, count, from, machine.now);
  },
  ...createQueries(machine),
});
