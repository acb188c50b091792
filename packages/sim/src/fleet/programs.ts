import type { KernelOptions, ProgramSpec } from "@schedkit/kernel";
import { fifo } from "@schedkit/policy-fifo";
import { lifo } from "@schedkit/policy-lifo";
import type { Delivery } from "./types.js";

/** A fleet scenario's program: its data, from which every node builds the same spec. */
export interface FleetProgram {
  readonly id: string;
  readonly type: "constant" | "basic";
  readonly interval: number;
  readonly misfire: "catch-up" | "skip";
  /** Due times form a fixed grid (constant, catch-up, interval never changed): the no-due-time-lost check covers it. */
  readonly gridded: boolean;
}

const table: readonly FleetProgram[] = [
  { id: "reports", type: "constant", interval: 100, misfire: "catch-up", gridded: true },
  { id: "sync", type: "constant", interval: 150, misfire: "catch-up", gridded: true },
  { id: "mail", type: "constant", interval: 200, misfire: "catch-up", gridded: true },
  { id: "billing", type: "constant", interval: 250, misfire: "catch-up", gridded: true },
  { id: "index", type: "constant", interval: 300, misfire: "catch-up", gridded: true },
  // Its interval changes with the build (350 ms at odd versions, 175 at even): a deploy upgrades it.
  { id: "backup", type: "constant", interval: 350, misfire: "catch-up", gridded: false },
  { id: "cache", type: "constant", interval: 400, misfire: "catch-up", gridded: true },
  { id: "audit", type: "constant", interval: 500, misfire: "catch-up", gridded: true },
  { id: "poll-a", type: "basic", interval: 200, misfire: "catch-up", gridded: false },
  { id: "poll-b", type: "basic", interval: 400, misfire: "catch-up", gridded: false },
  { id: "digest", type: "constant", interval: 300, misfire: "skip", gridded: false },
  { id: "tuned", type: "constant", interval: 250, misfire: "catch-up", gridded: false },
];

export const fleetProgramTable = (): readonly FleetProgram[] => table;

/** The program whose interval the `commands` scenario changes. */
export const tunedProgram = "tuned";

/** The program whose spec a deploy changes: the new build's interval must be what runs after it. */
export const upgradedProgram = "backup";

/** A program's interval in a build: the upgraded one's halves at every even version. */
export const intervalIn = (program: FleetProgram, version: number): number =>
  program.id === upgradedProgram && version % 2 === 0 ? program.interval / 2 : program.interval;

/**
 * The specs every node installs at `version` (a deploy bumps it and changes
 * `meta`). A `canary` build changes `meta` but forgets to bump the version:
 * the store must keep it off every shard it already knows.
 */
export const fleetSpecs = (version: number, delivery: Delivery, canary = false, stale = false): ProgramSpec[] =>
  table.map(
    (program): ProgramSpec => ({
      id: program.id,
      type: program.type,
      // `stale`: a planted bug, a build that forgot its own change (the simulator's tests).
      interval: intervalIn(program, stale ? 1 : version),
      misfire: program.misfire,
      delivery,
      version,
      meta: canary ? { build: version, canary: true } : { build: version },
      createFn: () => 0,
      mergeFn: (state: unknown) => (typeof state === "number" ? state : 0) + 1,
      mainFn: () => undefined,
    }),
  );

/** Every node's shard kernels (and the checks' own kernels) run with these: the same on every node. */
export const fleetKernelOptions = (seed: number): KernelOptions => ({ seed, policies: [lifo(), fifo()] });
