/**
 * A small seeded generator (mulberry32). Its whole state is one 32-bit
 * integer, so it fits in a JSON snapshot and replays exactly.
 */
export interface RandomState {
  state: number;
}

export const seedRandom = (seed: number): RandomState => ({ state: seed >>> 0 });

/** A float in [0, 1); advances the state. */
export const nextFloat = (random: RandomState): number => {
  random.state = (random.state + 0x6d2b79f5) >>> 0;
  let t = random.state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** A whole number in [0, bound) for a positive bound. */
export const nextInt = (random: RandomState, bound: number): number =>
  Math.floor(nextFloat(random) * Math.max(1, Math.floor(bound)));
