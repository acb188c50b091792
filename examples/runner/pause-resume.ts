/**
 * Pause and resume: hold a program during a deploy window and let it catch up after.
 *
 * `sync` runs every 200 ms (`constant`). During a maintenance window the operator pauses the
 * program with a note; nothing of it starts (a trigger still would), `info()` and `getProps()` say
 * it is paused and why. On resume the due times it missed follow `misfire`: with the default
 * `"catch-up"` each one runs, one job each, inside the `catchUpWindow` (older ones are reported
 * `missed`); with `"skip"` one runs now and the grid goes on.
 *
 *   pnpm tsx examples/runner/pause-resume.ts
 */
import { pathToFileURL } from "node:url";
import { createRunner, type KernelEffect, type Runner, systemClock } from "@schedkit/kernel";

export const SYNC_ID = "sync";

export interface SyncOptions {
  readonly interval?: number;
  readonly misfire?: "catch-up" | "skip";
  /** Due times older than this at the resume are reported missed, not run. Default: 24 h. */
  readonly catchUpWindow?: number;
}

/** Installs `sync` (every `interval` ms) on `runner` and spawns it. */
export function setupSync(runner: Runner, options: SyncOptions = {}) {
  runner.install({
    id: SYNC_ID,
    type: "constant",
    interval: options.interval ?? 200,
    ...(options.misfire === undefined ? {} : { misfire: options.misfire }),
    ...(options.catchUpWindow === undefined ? {} : { catchUpWindow: options.catchUpWindow }),
    mainFn: (_args: undefined, t: number) => ({ syncedAt: t }),
  });
  const spawnId = runner.spawn(SYNC_ID);
  if (spawnId === undefined) throw new Error("sync: spawn was refused");
  return { programId: SYNC_ID, spawnId };
}

async function main(): Promise<void> {
  const runner = createRunner({ id: "sync-runner" });
  const t0 = systemClock.now();
  const ms = (t: number) => `+${Math.round(t - t0)} ms`;
  runner.subscribe((effect: KernelEffect) => {
    if (effect.type === "run")
      console.log(
        `  run ${effect.fireId.split("/").pop()} due ${ms(effect.scheduledAt)}, started ${ms(effect.startedAt)}`,
      );
    if (effect.type === "paused") console.log(`  paused (${effect.note ?? "no note"})`);
    if (effect.type === "resumed") console.log("  resumed");
    if (effect.type === "missed") console.log(`  missed ${effect.count} due time(s) (${effect.reason})`);
  });
  console.log("pause-resume: sync every 200 ms; paused for 1 s after 0.5 s; catch-up window 500 ms");
  const { spawnId } = setupSync(runner, { catchUpWindow: 500 });
  runner.start();
  await new Promise((resolve) => setTimeout(resolve, 500));
  runner.pause(SYNC_ID, undefined, { note: "deploy 1.4.2" });
  console.log(`  info: ${JSON.stringify(runner.info().programs[SYNC_ID]?.current[spawnId])}`);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  runner.resume(SYNC_ID);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const props = runner.getProps(SYNC_ID, spawnId);
  console.log(`pause-resume: ${props.runs} syncs, ${props.missed} missed during the pause`);
  await runner.stop();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
