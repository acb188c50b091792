/**
 * Guide scenario 1, periodic "cron" job: run a cleanup task every minute.
 *
 * The program starts from the state `{ deleted: 0 }`; each job returns
 * `{ count: n }` (one by default, as in the guide) and the `mergeFn` folds
 * that count into `deleted`.
 *
 *   pnpm tsx examples/runner/cron-cleanup.ts
 */
import { pathToFileURL } from "node:url";
import { createRunner, type KernelEffect, type Runner, systemClock } from "@schedkit/kernel";

export interface CleanupState {
  readonly deleted: number;
}

export interface CleanupOutput {
  readonly count: number;
}

export interface CleanupOptions {
  /** Ms between cleanups. Default 60 000 (once a minute). */
  readonly interval?: number;
  /** `"basic"` (the guide's default: the next run is `interval` after the previous one ends) or `"constant"` (a fixed grid). */
  readonly type?: "basic" | "constant";
  /** For a `"constant"` program: what to do about minutes missed while the host slept. Default `"catch-up"`. */
  readonly misfire?: "catch-up" | "skip";
  /** The cleanup itself: given the job's scheduled time, returns how many items it deleted. Default: one. */
  readonly cleanup?: (t: number) => number;
}

export const CLEANUP_ID = "cleanup";

/** Installs the `cleanup` program on `runner` and starts one spawn of it. */
export function setupCleanup(runner: Runner, options: CleanupOptions = {}) {
  const { interval = 60_000, type = "basic", cleanup = () => 1 } = options;
  runner.install({
    id: CLEANUP_ID,
    type,
    interval,
    ...(options.misfire === undefined ? {} : { misfire: options.misfire }),
    createFn: (): CleanupState => ({ deleted: 0 }),
    mainFn: (_args: undefined, t: number): CleanupOutput => ({ count: cleanup(t) }),
    mergeFn: (state: CleanupState, output: CleanupOutput): CleanupState => ({
      deleted: state.deleted + output.count,
    }),
  });
  const spawnId = runner.spawn(CLEANUP_ID);
  if (spawnId === undefined) throw new Error("cleanup: spawn was refused");
  return { programId: CLEANUP_ID, spawnId };
}

async function main(): Promise<void> {
  // Scaled down so the run ends in about 2 seconds: one "minute" is 500 ms here.
  const minute = 500;
  const runner = createRunner({ id: "system-runner" });
  const t0 = systemClock.now();
  const ms = (t: number) => (t - t0).toFixed(1);
  runner.subscribe((effect: KernelEffect) => {
    if (effect.type !== "settled") return;
    console.log(
      `  ${effect.jobId} ${effect.status}: scheduled +${ms(effect.scheduledAt)} ms, started +${ms(effect.startedAt)} ms` +
        ` (late ${(effect.startedAt - effect.scheduledAt).toFixed(1)} ms), value ${JSON.stringify(effect.value)}`,
    );
  });
  console.log(`cron-cleanup: one "minute" scaled down to ${minute} ms; running for 2.2 s on the system clock`);
  const { spawnId } = setupCleanup(runner, { interval: minute });
  runner.start();
  await new Promise((resolve) => setTimeout(resolve, 2_200));
  const props = runner.getProps(CLEANUP_ID, spawnId);
  console.log(
    `cron-cleanup: ${props.completed} cleanups by ${spawnId}, state ${JSON.stringify(runner.getState(CLEANUP_ID))}`,
  );
  await runner.stop();
  console.log(`cron-cleanup: runner stopped (${runner.health().status})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
