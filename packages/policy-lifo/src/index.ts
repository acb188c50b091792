import type { UnspawnPolicy } from "@schedkit/kernel";

/**
 * The unspawn policy named `"last"`: `unspawn` stops the most recently started
 * spawn (last in, first out). O(1): it reads only the newest end of the set.
 * Register it per kernel or runner: `createKernel({ policies: [lifo()] })`.
 *
 * @since 0.1.0
 */
export const lifo = (): UnspawnPolicy => ({
  name: "last",
  select: (spawns) => spawns.latest()?.id,
});
