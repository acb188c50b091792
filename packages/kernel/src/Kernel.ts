import type { Command } from "./Command.js";
import { createQueries, type KernelQueries } from "./internal/queries.js";
import { type KernelOptions, Machine } from "./internal/machine.js";
import type { KernelEffect } from "./KernelEffect.js";

export type { KernelOptions } from "./internal/machine.js";
export type { KernelInfo, KernelQueries, ProgramInfo, SpawnInfo } from "./internal/queries.js";

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
   * then the command applies, then jobs it made due start. Bad input gives a
   * `rejected` effect and changes nothing. The last effect is always `wake`.
   */
  dispatch(command: Command): readonly KernelEffect[];
}

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

/** @internal */
export const fromMachine = (machine: Machine): Kernel => ({
  dispatch: (command) => machine.dispatch(command),
  ...createQueries(machine),
});
