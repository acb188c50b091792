import type { Coordinator } from "@schedkit/kernel/fleet";

/** Wall-clock time at simulated time 0 (the kernels' epoch ms). */
export const WALL0 = 1_800_000_000_000;

/**
 * One simulated process: which life it is in (`inc`, one up at every crash or exit), the build
 * it runs, the faults it is under, and its clocks. A node's monotonic and wall clocks run at
 * `rate` from an anchor (where a skew fault last set them), so both can drift and the wall
 * clock can jump, while the monotonic one never goes back.
 */
export interface SimNode {
  readonly index: number;
  readonly id: string;
  inc: number;
  coordinator: Coordinator | null;
  version: number;
  /** Runs a changed program under an unchanged version. */
  canary: boolean;
  /** A graceful stop under way: the build to start with and how long the process stays down. */
  stopping: { readonly version: number; readonly canary: boolean; readonly downFor: number } | null;
  pausedUntil: number;
  partitionedUntil: number;
  lostAcksUntil: number;
  lostAckRate: number;
  anchorT: number;
  anchorMono: number;
  anchorWall: number;
  rate: number;
  /** Only the latest `wake` effect's event wakes the node: each one bumps it. */
  wakeToken: number;
}

/** Node `index` before its first boot: build 1, no faults, clocks true (monotonic ones apart). */
export const newSimNode = (index: number): SimNode => ({
  index,
  id: `n${index}`,
  inc: 0,
  coordinator: null,
  version: 1,
  canary: false,
  stopping: null,
  pausedUntil: 0,
  partitionedUntil: 0,
  lostAcksUntil: 0,
  lostAckRate: 0,
  anchorT: 0,
  anchorMono: 10_000 * (index + 1),
  anchorWall: WALL0,
  rate: 1,
  wakeToken: 0,
});

/** The node's monotonic clock at simulated time `now`. */
export const monoOf = (node: SimNode, now: number): number => node.anchorMono + (now - node.anchorT) * node.rate;

/** The node's wall clock at simulated time `now` (whole ms, as `Date.now()`). */
export const wallOf = (node: SimNode, now: number): number =>
  Math.floor(node.anchorWall + (now - node.anchorT) * node.rate);

/**
 * The first simulated instant, not before `now`, at which the node's monotonic clock reads at
 * least `mono` (float rounding must not wake it a hair early, forever).
 */
export const whenMonoReads = (node: SimNode, mono: number, now: number): number => {
  let at = Math.max(now, node.anchorT + (mono - node.anchorMono) / node.rate);
  while (node.anchorMono + (at - node.anchorT) * node.rate < mono) at += 1e-6 * Math.max(1, Math.abs(at));
  return at;
};

/** The program build a node runs: its version, and whether it is a canary's changed one. */
export const buildOf = (node: SimNode): string => (node.canary ? `${node.version}-canary` : `${node.version}`);
