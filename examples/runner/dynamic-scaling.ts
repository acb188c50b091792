/**
 * Guide scenario 3, dynamic scaling: add workers under high load, remove them
 * when the load drops. A `check-load` program looks at the queue every second:
 * above 100 items it spawns a `worker`, below 10 it unspawns one (policy
 * "last": the most recently created worker stops). Each worker job takes one
 * item off the queue.
 *
 *   pnpm tsx examples/runner/dynamic-scaling.ts
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { createRunner, type KernelEffect, type Runner } from "@schedkit/kernel";
// The policy packages are workspace packages the root does not depend on, so import the source directly.
import { lifo } from "@schedkit/policy-lifo";

/** The queue, reduced to what scaling looks at: how many items wait. Set `size` freely. */
export interface LoadQueue {
  size: number;
}

export interface Thresholds {
  /** Spawn a worker when the queue holds more than this. Default 100. */
  readonly high?: number;
  /** Unspawn a worker when the queue holds fewer than this. Default 10. */
  readonly low?: number;
}

export type ScalingAction = "spawn" | "unspawn" | "hold";

/** How many times `check-load` decided each action (a refused spawn or unspawn still counts). */
export type CheckState = Readonly<Record<ScalingAction, number>>;

export const SCALED_ID = "worker";
export const CHECK_ID = "check-load";

/**
 * The guide's `check-load`. Called from outside a job, the id of the spawned or
 * unspawned worker comes back (`undefined` when `max` or `min` refused); called
 * from inside a job, the runner queues the call, so the id is always `undefined`.
 */
export function checkLoad(
  runner: Runner,
  queue: LoadQueue,
  { high = 100, low = 10 }: Thresholds = {},
): { action: ScalingAction; spawnId: string | undefined } {
  if (queue.size > high) return { action: "spawn", spawnId: runner.spawn(SCALED_ID) };
  if (queue.size < low) return { action: "unspawn", spawnId: runner.unspawn(SCALED_ID) };
  return { action: "hold", spawnId: undefined };
}

export interface ScalingOptions extends Thresholds {
  /** The queue the workers drain and the check looks at. Default `{ size: 0 }`. */
  readonly queue?: LoadQueue;
  /** Ms between load checks. Default 1000. */
  readonly checkInterval?: number;
  /** Ms between a worker's jobs. Default 100. */
  readonly workerInterval?: number;
  readonly min?: number;
  readonly max?: number;
}

/** Installs `worker` (one spawn) and `check-load` (one spawn) on `runner`, which must know the "last" policy. */
export function setupDynamicScaling(runner: Runner, options: ScalingOptions = {}) {
  const { checkInterval = 1000, workerInterval = 100, min = 1, max = 5 } = options;
  const queue = options.queue ?? { size: 0 };
  const thresholds: Thresholds = {
    ...(options.high === undefined ? {} : { high: options.high }),
    ...(options.low === undefined ? {} : { low: options.low }),
  };
  runner.install({
    id: SCALED_ID,
    interval: workerInterval,
    min,
    max,
    policy: "last",
    createFn: () => 0, // items processed by all workers
    mainFn: () => {
      if (queue.size === 0) return 0;
      queue.size--;
      return 1;
    },
    mergeFn: (processed: number, taken: number) => processed + taken,
  });
  runner.install({
    id: CHECK_ID,
    interval: checkInterval,
    createFn: (): CheckState => ({ spawn: 0, unspawn: 0, hold: 0 }),
    mainFn: (): ScalingAction => checkLoad(runner, queue, thresholds).action,
    mergeFn: (state: CheckState, action: ScalingAction): CheckState => ({ ...state, [action]: state[action] + 1 }),
  });
  const workerId = runner.spawn(SCALED_ID);
  const checkerId = runner.spawn(CHECK_ID);
  if (workerId === undefined || checkerId === undefined) throw new Error("dynamic-scaling: spawn was refused");
  return { queue, workerId, checkerId };
}

async function main(): Promise<void> {
  // Scaled down 5x so the run ends in about 2.5 s: the load is checked every 200 ms
  // (not 1 s), workers take an item every 20 ms (not 100 ms).
  const runner = createRunner({ id: "system-runner", policies: [lifo()] });
  const lateness: number[] = [];
  runner.subscribe((effect: KernelEffect) => {
    if (effect.type === "settled" && effect.programId === CHECK_ID)
      lateness.push(effect.startedAt - effect.scheduledAt);
    if (effect.type === "spawned" && effect.programId === SCALED_ID) console.log(`  + ${effect.spawnId}`);
    if (effect.type === "unspawned") console.log(`  - ${effect.spawnId}`);
  });
  console.log("dynamic-scaling: checks every 200 ms and workers every 20 ms (scaled down 5x); 1000 items queued");
  const { queue } = setupDynamicScaling(runner, { checkInterval: 200, workerInterval: 20, queue: { size: 1000 } });
  runner.start();
  await sleep(1100);
  console.log(`dynamic-scaling: ${runner.countSpawns(SCALED_ID)} workers, queue ${queue.size}; the queue drops to 5`);
  queue.size = 5;
  await sleep(1300);
  console.log(
    `dynamic-scaling: ${runner.countSpawns(SCALED_ID)} worker left, ${String(runner.getState(SCALED_ID))} items done,` +
      ` decisions ${JSON.stringify(runner.getState(CHECK_ID))}, max check lateness ${Math.max(...lateness).toFixed(1)} ms`,
  );
  await runner.stop();
  console.log(`dynamic-scaling: runner stopped (${runner.health().status})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
