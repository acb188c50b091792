/** What the fault tests' node processes (`node.ts`) run, shared with the tests that check them. */

/** The programs every node installs: constant (fixed-rate) intervals between 100 and 500 ms. */
export const PROGRAMS: readonly { readonly id: string; readonly interval: number }[] = [
  { id: "p100a", interval: 100 },
  { id: "p150", interval: 150 },
  { id: "p200", interval: 200 },
  { id: "p250", interval: 250 },
  { id: "p300", interval: 300 },
  { id: "p400", interval: 400 },
  { id: "p500", interval: 500 },
  { id: "p100b", interval: 100 },
];

export const NODE_OPTIONS = { shards: 8, leaseTtl: 2_000, renewInterval: 600, safetyMargin: 300 } as const;
