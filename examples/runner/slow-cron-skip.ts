/**
 * Overlap: a cron job that sometimes runs longer than its period, with `overlap: "skip"`.
 *
 * The `report` program matches every second (`* * * * * *`, a 6-field cron expression with
 * seconds). Its work usually takes 300 ms, but every third run takes 2.5 s. With the default
 * `overlap: "allow"` those slow runs would pile up beside the next ones; with `"skip"` a match
 * that comes while the previous report still runs is not started: the kernel reports it in a
 * `skipped` effect (counted in `getProps().skipped`) and the next match runs as usual.
 *
 *   pnpm tsx examples/runner/slow-cron-skip.ts
 */
import { pathToFileURL } from "node:url";
import { type Clock, createRunner, type KernelEffect, type Runner, systemClock } from "@schedkit/kernel";

export const REPORT_ID = "report";

export interface ReportOptions {
  /** How long the run due at `t` takes, in ms. Default: 2,500 for every third run, else 300. */
  readonly duration?: (t: number, run: number) => number;
}

/** Installs the `report` program (every second, `overlap: "skip"`) on `runner` and spawns it. */
export function setupReport(runner: Runner, clock: Pick<Clock, "setTimeout">, options: ReportOptions = {}) {
  const duration = options.duration ?? ((_t: number, run: number) => (run % 3 === 2 ? 2_500 : 300));
  let run = 0;
  runner.install({
    id: REPORT_ID,
    type: "cron",
    cron: "* * * * * *",
    overlap: "skip",
    createFn: () => ({ reports: 0 }),
    mainFn: (_args: undefined, t: number) =>
      new Promise<{ reports: number }>((resolve) => {
        clock.setTimeout(() => resolve({ reports: 1 }), duration(t, run++));
      }),
    mergeFn: (state: { reports: number }, output: { reports: number }) => ({ reports: state.reports + output.reports }),
  });
  const spawnId = runner.spawn(REPORT_ID);
  if (spawnId === undefined) throw new Error("report: spawn was refused");
  return { programId: REPORT_ID, spawnId };
}

async function main(): Promise<void> {
  const runner = createRunner({ id: "reports" });
  const t0 = systemClock.now();
  const s = (t: number) => `+${((t - t0) / 1000).toFixed(1)} s`;
  runner.subscribe((effect: KernelEffect) => {
    if (effect.type === "run") console.log(`  run      ${effect.fireId} (due ${s(effect.scheduledAt)})`);
    if (effect.type === "skipped")
      console.log(`  skipped  ${effect.fireId} (${effect.reason}: the previous report still runs)`);
  });
  console.log('slow-cron-skip: a report every second, every third one takes 2.5 s, overlap "skip"; 8 s');
  const { spawnId } = setupReport(runner, systemClock);
  runner.start();
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  const props = runner.getProps(REPORT_ID, spawnId);
  console.log(`slow-cron-skip: ${props.runs} reports started, ${props.skipped} matches skipped, never two at once`);
  await runner.stop();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
