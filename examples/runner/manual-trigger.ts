/**
 * Guide scenario 4, manual triggering: force the cleanup to run now (say from
 * an admin UI) without waiting for its interval. `runner.trigger` runs one job
 * outside any spawn; its value goes through the program's `mergeFn`, and the
 * returned Promise resolves with that value (or rejects with the job's error).
 *
 *   pnpm tsx examples/runner/manual-trigger.ts
 */
import { pathToFileURL } from "node:url";
import { createRunner, type KernelEffect, type Runner, systemClock } from "@schedkit/kernel";
import { CLEANUP_ID, type CleanupOptions, type CleanupOutput, setupCleanup } from "./cron-cleanup.js";

/** The admin UI's "clean up now" button: one cleanup now, or at `at` (ms on the runner's clock). */
export function forceCleanup(runner: Runner, at?: number): Promise<CleanupOutput> {
  return runner.trigger(CLEANUP_ID, at) as Promise<CleanupOutput>;
}

/** Installs the every-minute cleanup of scenario 1, and returns the button that forces it. */
export function setupManualTrigger(runner: Runner, options: CleanupOptions = {}) {
  const handles = setupCleanup(runner, options);
  return { ...handles, trigger: (at?: number) => forceCleanup(runner, at) };
}

async function main(): Promise<void> {
  // The real one-minute interval: the scheduled cleanup never comes within this sub-second run.
  const runner = createRunner({ id: "system-runner" });
  const t0 = systemClock.now();
  runner.subscribe((effect: KernelEffect) => {
    if (effect.type !== "settled") return;
    const who = effect.spawnId ?? "trigger";
    console.log(
      `  ${effect.jobId} (${who}) ${effect.status}: scheduled +${(effect.scheduledAt - t0).toFixed(1)} ms,` +
        ` late ${(effect.startedAt - effect.scheduledAt).toFixed(1)} ms`,
    );
  });
  console.log("manual-trigger: cleanup every 60 s (real interval); two manual triggers in a 0.3 s run");
  const { trigger, spawnId } = setupManualTrigger(runner);
  runner.start();
  const now = await trigger();
  console.log(`manual-trigger: trigger() resolved ${JSON.stringify(now)}`);
  const later = await trigger(systemClock.now() + 300);
  console.log(`manual-trigger: trigger(now + 300 ms) resolved ${JSON.stringify(later)}`);
  const props = runner.getProps(CLEANUP_ID, spawnId);
  console.log(
    `manual-trigger: state ${JSON.stringify(runner.getState(CLEANUP_ID))}; ${spawnId} completed ${props.completed} (next run still a minute after start)`,
  );
  await runner.stop();
  console.log(`manual-trigger: runner stopped (${runner.health().status})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
