import type { SpawnView, UnspawnPolicy } from "@schedkit/kernel";

/**
 * The unspawn policy named `"idlest"`: stop the spawn with the fewest jobs in
 * flight, so scaling down interrupts as little work as possible. Ties go to
 * the most recently started spawn.
 *
 * One pass over the running spawns: O(n) per `unspawn`. That is fine for pools
 * of thousands; `checkPolicy` confirms it stays within the contract's time
 * bound at 100,000 spawns.
 */
export const idlest = (): UnspawnPolicy => ({
  name: "idlest",
  select: (spawns) => {
    let chosen: SpawnView | undefined;
    // Oldest first, so `<=` lets a later spawn win a tie.
    for (const spawn of spawns) if (chosen === undefined || spawn.inFlight <= chosen.inFlight) chosen = spawn;
    return chosen?.id;
  },
});
