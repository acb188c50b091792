export const seedRandom = (seed) => ({ state: seed >>> 0 });
/** A float in [0, 1); advances the state. */
export const nextFloat = (random) => {
  random.state = (random.state + 0x6d2b79f5) >>> 0;
  let t = random.state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
/** A whole number in [0, bound) for a positive bound. */
export const nextInt = (random, bound) => Math.floor(nextFloat(random) * Math.max(1, Math.floor(bound)));
/**
 * FNV-1a, 32 bits, over a string's UTF-16 code units (the same as over its bytes for ASCII text).
 * Not the fleet's `fnv1a32` (over UTF-8 bytes, for shards): the two differ for other text, and
 * each is fixed (this one in every seed's random delays, that one in every fleet's shard map).
 */
const fnv1a32Utf16 = (text) => {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
};
/**
 * The first state of a program's own generator: the kernel's seed (as 32 bits)
 * XOR the FNV-1a hash of the program's id. A program's random draws then
 * depend on the seed and its own id alone, never on other programs, so a
 * program exported from one kernel and adopted by another draws the same.
 */
export const programSeed = (seed, programId) => (seed ^ fnv1a32Utf16(programId)) >>> 0;
