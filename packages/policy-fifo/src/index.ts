import type { UnspawnPolicy } from "@schedkit/kernel";

/**
 * The unspawn policy named `"first"`: `unspawn` stops the earliest started
 * spawn (first in, first out). O(1): it reads only the oldest end of the set.
 * Register it per kernel or runner: `createKernel({ policies: [fifo()] })`.
 *
 * @since 0.1.0
 */
export const fifo = (): UnspawnPolicy => ({
  name: "first",
  select: (spawns) => spawns.earliest()?.id,
});
