/** How a checker reports: `holds` counts one pass of `check`, else a violation with the message. */
export type Verify = (check: string, holds: boolean, message: () => string) => void;

/** The message of a check that holds: a pass made many times a run makes no closure of its own. */
export const noMessage = (): string => "";

/** Keys made lately, by program and spawn id: the same key string each time, hashed once. */
const keys = new Map<string, Map<string, string>>();
let keyCount = 0;
/** Past this many keys the cache starts again (spawns come and go over a long run). */
const MAX_KEYS = 4096;

/** The last key handed out: the checkers ask one after another for the same effect's spawn. */
let lastProgramId = "";
let lastSpawnId = "";
let lastKey = "\u0000";

/**
 * A spawn's key in the checkers' maps (program ids and spawn ids are free-form strings). Every
 * checker asks for it per effect: a fresh concatenation had to be flattened and hashed by each
 * Map it was looked up in, so the string is kept and handed out again.
 */
export const spawnKey = (programId: string, spawnId: string): string => {
  if (spawnId === lastSpawnId && programId === lastProgramId) return lastKey;
  let bySpawn = keys.get(programId);
  let key = bySpawn?.get(spawnId);
  if (key === undefined) {
    if (keyCount >= MAX_KEYS) {
      keys.clear();
      keyCount = 0;
      bySpawn = undefined;
    }
    if (bySpawn === undefined) {
      bySpawn = new Map();
      keys.set(programId, bySpawn);
    }
    key = `${programId}\u0000${spawnId}`;
    bySpawn.set(spawnId, key);
    keyCount++;
  }
  lastProgramId = programId;
  lastSpawnId = spawnId;
  lastKey = key;
  return key;
};

export const describeKey = (key: string): string => key.replace("\u0000", "/");
