/**
 * pnpm bench [--smoke] [--json] [section...]
 *
 * Measures schedkit beside what a user would otherwise use, in one process,
 * and reports ratios against the goals in issue "Benchmarks". `--smoke` runs
 * small sizes (CI keeps it working; no timing is asserted there). Named
 * sections run alone (today: `postgres`, section 10, which needs a server:
 * `bash scripts/with-postgres.sh pnpm bench postgres`; and `otel`, section
 * 11); without a name, all.
 */
import { spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { arrayChurn, kernelChurn } from "./churn.js";
import { cronBench, cronLines } from "./cron.js";
import { contractFloorRate, effectRate, fakeTimersRate, heapRate, kernelRate, median } from "./firing.js";
import { fleetBench, fleetLines } from "./fleet.js";
import { completionRate } from "./inflight.js";
import { machineTicks } from "./machineCpu.js";
import type { OtelBench } from "./otel.js";
import type { PostgresBench } from "./postgres.js";
import type { Timing } from "./realclock.js";
import { type HeadroomTimings, realclockHeadroomGoals, realclockHeadroomLines, steadyOf } from "./realclockGoals.js";
import { simBench, simGoals, simLines } from "./sim.js";
import { snapshotBench, snapshotLines } from "./snapshot.js";

/** Linux's CPU tick counters (all CPUs), to tell how much CPU the host took from this VM meanwhile. */
const cpuTicks = machineTicks;
const stealPercent = (before: ReturnType<typeof cpuTicks>, after: ReturnType<typeof cpuTicks>) =>
  before === undefined || after === undefined || after.total === before.total
    ? undefined
    : Math.round((1000 * (after.steal - before.steal)) / (after.total - before.total)) / 10;

const smoke = process.argv.includes("--smoke");
const json = process.argv.includes("--json");
const log = (line: string) => {
  if (!json) console.log(line);
};

interface Goal {
  readonly name: string;
  readonly value: number;
  readonly target: string;
  readonly met: boolean;
}
const goals: Goal[] = [];
const goal = (name: string, value: number, target: string, met: boolean) => goals.push({ name, value, target, met });
const fmt = (value: number) => value.toLocaleString("en-US");

const machine = {
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
};
/** The goals and the machine, then (with `--json`) every result as one JSON object. */
const summary = (results: Record<string, unknown>) => {
  log("");
  log("goals:");
  for (const entry of goals) {
    log(
      `   ${entry.met ? "met   " : "MISSED"} ${entry.name}: ${Number.isInteger(entry.value) ? fmt(entry.value) : entry.value.toFixed(3)} (goal ${entry.target})`,
    );
  }
  log(
    `machine: ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}${smoke ? " (smoke sizes)" : ""}`,
  );
  if (json) console.log(JSON.stringify({ smoke, machine, ...results, goals }));
};

// 10. @schedkit/postgres on a PostgreSQL server, beside pg-boss (bench/postgres.ts); skipped without one.
const postgresSection = async (): Promise<PostgresBench | undefined> => {
  log("10. postgres: fires/s on one node, round trips, takeover after kill -9, beside pg-boss on the same server");
  // Loaded here, not at the top: the sections before measure heap and import costs.
  const { postgresBench, postgresGoals, postgresLines, SKIPPED } = await import("./postgres.js");
  const bench = await postgresBench(smoke);
  if (bench === undefined) {
    log(`   ${SKIPPED}`);
    return undefined;
  }
  for (const line of postgresLines(bench)) log(line);
  for (const entry of postgresGoals(bench)) goal(entry.name, entry.value, entry.target, entry.met);
  return bench;
};

// 11. @schedkit/otel's cost on the real clock (bench/otel.ts), in a fresh process as section 4 is.
const otelSection = async (): Promise<OtelBench> => {
  const { otelHeading, otelLines, otelSize } = await import("./otel.js");
  log(otelHeading(otelSize(smoke)));
  const stealBefore = cpuTicks();
  const otelRun = spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(new URL("./otel.ts", import.meta.url)), "--json", ...(smoke ? ["--smoke"] : [])],
    { encoding: "utf8" },
  );
  if (otelRun.status !== 0) throw new Error(`otel benchmark failed: ${otelRun.stderr}`);
  const steal = stealPercent(stealBefore, cpuTicks());
  const bench = JSON.parse(otelRun.stdout.trim().split("\n").at(-1) as string) as OtelBench;
  for (const line of otelLines(bench)) log(line);
  if (steal !== undefined) log(`   host CPU steal during the runs: ${steal}%`);
  return bench;
};

const sections = new Set(process.argv.slice(2).filter((arg) => !arg.startsWith("--")));
if (sections.size > 0) {
  const known = ["postgres", "otel"];
  const unknown = [...sections].filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown section(s) ${unknown.join(", ")}; sections that run alone: ${known.join(", ")}`);
    process.exit(2);
  }
  const postgres = sections.has("postgres") ? await postgresSection() : undefined;
  const otel = sections.has("otel") ? await otelSection() : undefined;
  summary({ postgres, otel });
  process.exit(0);
}

const sizes = smoke ? [1_000, 10_000] : [1_000, 10_000, 100_000];
const jobs = smoke ? 50_000 : 600_000;

// 1. Simulated firing rate.
log("1. simulated firing rate (zero-duration constant jobs, jobs per CPU-second, medians of 3)");
interface FiringRow {
  /** One `complete` command per job. */
  readonly kernel: number;
  /** One `complete` carrying every result of a tick. */
  readonly kernelBatch: number;
  readonly fakeTimers: number;
  readonly effectTestClock: number;
  /** A private heap of two number arrays doing only pop + push: the ceiling. */
  readonly bareHeap: number;
  /** The bare heap plus the objects and strings the contract makes per job (no scheduler state). */
  readonly contractFloor: number;
}
const firing: Record<number, FiringRow> = {};
const row = (spawns: number): FiringRow => firing[spawns] as FiringRow;
// Warm every contender up first: the first code to run in a process is measured cold otherwise.
kernelRate(1_000, 20_000);
kernelRate(1_000, 20_000, "batch");
fakeTimersRate(1_000, 20_000);
heapRate(1_000, 20_000);
const runs = smoke ? 1 : 3;
for (const spawns of sizes) {
  // Alternating, so that a slow moment of the host does not land on one contender's every run.
  const samples: Record<"kernel" | "kernelBatch" | "fakeTimers" | "bareHeap" | "contractFloor", number[]> = {
    kernel: [],
    kernelBatch: [],
    fakeTimers: [],
    bareHeap: [],
    contractFloor: [],
  };
  for (let run = 0; run < runs; run++) {
    samples.bareHeap.push(heapRate(spawns, jobs).perSecond);
    samples.kernel.push(kernelRate(spawns, jobs).perSecond);
    samples.kernelBatch.push(kernelRate(spawns, jobs, "batch").perSecond);
    samples.fakeTimers.push(fakeTimersRate(spawns, jobs).perSecond);
    samples.contractFloor.push(contractFloorRate(spawns, jobs).perSecond);
  }
  const mid = (values: number[]) => median(values.length, () => values.shift() as number);
  const effect = spawns <= 10_000 ? (await effectRate(spawns, Math.min(jobs, 100_000))).perSecond : Number.NaN;
  firing[spawns] = {
    kernel: mid(samples.kernel),
    kernelBatch: mid(samples.kernelBatch),
    fakeTimers: mid(samples.fakeTimers),
    effectTestClock: effect,
    bareHeap: mid(samples.bareHeap),
    contractFloor: mid(samples.contractFloor),
  };
  const r = row(spawns);
  log(
    `   ${fmt(spawns).padStart(7)} spawns: kernel ${fmt(r.kernel)} (batch ${fmt(r.kernelBatch)}), fake-timers ${fmt(r.fakeTimers)}, Effect TestClock ${Number.isNaN(effect) ? "(not run)" : fmt(effect)}, bare heap ${fmt(r.bareHeap)} (with the contract's objects: ${fmt(r.contractFloor)})`,
  );
}
const at10k = row(10_000);
goal(
  "kernel / bare heap at 10k, batch complete",
  at10k.kernelBatch / at10k.bareHeap,
  ">= 1/3",
  at10k.kernelBatch / at10k.bareHeap >= 1 / 3,
);
goal(
  "kernel / bare heap at 10k, one complete per job",
  at10k.kernel / at10k.bareHeap,
  ">= 0.15",
  at10k.kernel / at10k.bareHeap >= 0.15,
);
const largest = row(sizes[sizes.length - 1] as number);
const smallest = row(1_000);
goal(
  `kernel rate at ${fmt(sizes[sizes.length - 1] as number)} / at 1,000`,
  largest.kernel / smallest.kernel,
  ">= 0.5",
  largest.kernel / smallest.kernel >= 0.5,
);

// 2. Memory per idle spawn.
const memorySpawns = smoke ? 10_000 : 100_000;
const memoryRun = spawnSync(
  process.execPath,
  ["--expose-gc", "--import", "tsx", fileURLToPath(new URL("./memory.ts", import.meta.url)), String(memorySpawns)],
  { encoding: "utf8" },
);
if (memoryRun.status !== 0) throw new Error(`memory benchmark failed: ${memoryRun.stderr}`);
const memory = JSON.parse(memoryRun.stdout.trim().split("\n").at(-1) as string) as { bytesPerSpawn: number };
log(`2. memory: ${fmt(memory.bytesPerSpawn)} bytes of heap per idle spawn at ${fmt(memorySpawns)} spawns`);
goal("heap per idle spawn (bytes)", memory.bytesPerSpawn, "<= 1024", memory.bytesPerSpawn <= 1024);

// 3. Churn.
const churnLive = smoke ? 10_000 : 100_000;
const churnPairs = smoke ? 20_000 : 200_000;
const churn = { kernel: kernelChurn(churnLive, churnPairs), arrayPool: arrayChurn(churnLive, churnPairs) };
log(
  `3. churn at ${fmt(churnLive)} live spawns: kernel ${fmt(churn.kernel)} spawn+unspawn pairs/s, array pool ${fmt(churn.arrayPool)}`,
);

// 4. Real clock.
const real = smoke
  ? { spawns: 100, period: 10, seconds: 1, repeats: 1 }
  : { spawns: 1_000, period: 10, seconds: 10, repeats: 3 };
log(
  `4. real clock: ${fmt(real.spawns)} constant spawns every ${real.period} ms for ${real.seconds} s (lateness in ms)`,
);
const stealBefore = cpuTicks();
const realRun = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    fileURLToPath(new URL("./realclock-main.ts", import.meta.url)),
    String(real.spawns),
    String(real.period),
    String(real.seconds),
    String(real.repeats),
    // Beside the bare timer loop (the ceiling), alternating; in full runs also with a core loaded.
    smoke ? "--headroom" : "--loaded",
  ],
  { encoding: "utf8" },
);
if (realRun.status !== 0) throw new Error(`real-clock benchmark failed: ${realRun.stderr}`);
const hostSteal = stealPercent(stealBefore, cpuTicks());
const allTimings = JSON.parse(realRun.stdout.trim().split("\n").at(-1) as string) as Record<
  "schedkit" | "schedkitSubMs" | "setInterval" | "toadScheduler" | "croner",
  Timing
> &
  HeadroomTimings & { readonly resident: boolean };
const { bareLoop: _bare, schedkitLoaded: _loaded, bareLoopLoaded: _bareLoaded, resident, ...timings } = allTimings;
log(
  resident
    ? "   (the warm-up's runner stays for the process's life, as a service's runner does: section 4)"
    : "   (--no-resident: each run's runner follows a collected one: section 4)",
);
const realNames: Record<keyof typeof timings, string> = {
  schedkit: "schedkit (ms)",
  schedkitSubMs: "schedkit (sub-ms)",
  setInterval: "setInterval",
  toadScheduler: "toad-scheduler",
  croner: "croner",
};
for (const [name, timing] of Object.entries(timings) as [keyof typeof timings, Timing][]) {
  log(
    `   ${realNames[name].padEnd(17)} jobs ${fmt(timing.jobs).padStart(9)}  p50 ${timing.p50}  p99 ${timing.p99}${steadyOf(timing)}  max ${timing.max}  early ${timing.earlyStarts}  end drift ${timing.drift}  cpu ${timing.cpu}%  preempted ${timing.preempted}/s${
      timing.p99Runs === undefined || timing.p99Runs.length < 2
        ? ""
        : `  (median of ${timing.p99Runs.length} runs by p99: ${timing.p99Runs.join(", ")})`
    }`,
  );
}
for (const line of realclockHeadroomLines(allTimings)) log(line);
if (hostSteal !== undefined)
  log(`   host CPU steal during the runs: ${hostSteal}% (time this VM's CPUs were taken by the host)`);
for (const entry of realclockHeadroomGoals(allTimings)) {
  if (entry.judged) goal(entry.name, entry.value, entry.target, entry.met);
  else log(`   ${entry.name}: ${entry.value} (${entry.target})`);
}
const { schedkit: msRunner, schedkitSubMs: subMsRunner } = timings;
goal("real clock p99 lateness, precision sub-ms (ms)", subMsRunner.p99, "<= 1.5", subMsRunner.p99 <= 1.5);
const early = msRunner.earlyStarts + subMsRunner.earlyStarts;
goal("real clock early starts (both precisions)", early, "= 0", early === 0);
const drift = Math.max(Math.abs(msRunner.drift), Math.abs(subMsRunner.drift));
goal("real clock end drift, worse of both (ms)", drift, "<= 1", drift <= 1);

// 5. The simulator (bench/sim.ts): a day of worker-pool with every check on, determinism-only, and beside a bare kernel.
log(
  "5. simulator: a simulated day of worker-pool with every check on, determinism-only, and the ratio to a bare kernel",
);
const sim = simBench(smoke);
for (const line of simLines(sim)) log(line);
for (const entry of simGoals(sim)) goal(entry.name, entry.value, entry.target, entry.met);

// 6. Completions with many jobs in flight (a burst, a catch-up).
const bursts = smoke ? [10_000, 40_000] : [10_000, 320_000];
completionRate(1_000);
const completions = bursts.map((size) => Math.max(completionRate(size), completionRate(size)));
log(
  `6. completions: ${bursts.map((size, index) => `${fmt(completions[index] as number)}/s with ${fmt(size)} in flight`).join(", ")}`,
);
const completionRatio = (completions[1] as number) / (completions[0] as number);
goal(
  `completion rate at ${fmt(bursts[1] as number)} in flight / at ${fmt(bursts[0] as number)}`,
  completionRatio,
  ">= 0.5",
  completionRatio >= 0.5,
);

// 7-8. Import and type-check cost, in fresh processes (bench/import.ts).
const importRun = spawnSync(
  process.execPath,
  ["--import", "tsx", fileURLToPath(new URL("./import.ts", import.meta.url)), ...(smoke ? ["--smoke"] : [])],
  { encoding: "utf8" },
);
if (importRun.status !== 0) throw new Error(`import benchmark failed: ${importRun.stderr}`);
const importLines = importRun.stdout.trim().split("\n");
for (const line of importLines.slice(0, -1)) log(line);
const importCost = JSON.parse(importLines.at(-1) as string) as { kernelOverNeeded: number };
goal(
  "kernel import / the Effect modules it uses",
  importCost.kernelOverNeeded,
  "<= 1.2",
  importCost.kernelOverNeeded <= 1.2,
);

// 9. The fleet simulator beside the single-node one, in this process (bench/fleet.ts).
log("9. fleet simulator: simulated events/s, every check on, determinism off, beside the single-node simulator");
const fleet = fleetBench(smoke);
for (const line of fleetLines(fleet)) log(line);

// 12. Cron matches: the kernel's schedules beside Effect's Cron.next (bench/cron.ts).
log("12. cron matches: µs per next() of a kernel cron schedule beside Effect's Cron.next, medians of 3");
const cron = cronBench(smoke);
for (const line of cronLines(cron)) log(line);

// 13. Snapshots: kernel.snapshot() beside a JSON round trip of what it returns (bench/snapshot.ts).
log("13. snapshots: ms per kernel.snapshot() with results kept, beside a JSON round trip of it, medians of 3");
const snapshots = snapshotBench(smoke);
for (const line of snapshotLines(snapshots)) log(line);

const postgres = await postgresSection();

const otel = await otelSection();

const inflight = Object.fromEntries(bursts.map((size, index) => [size, completions[index]]));
summary({
  firing,
  memory,
  churn,
  timings: allTimings,
  hostSteal,
  sim,
  inflight,
  importCost,
  fleet,
  snapshots,
  cron,
  postgres,
  otel,
});
