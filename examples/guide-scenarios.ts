/**
 * The guide's five scenarios, driven through the pure kernel in virtual time.
 *
 * A tiny host loop stands in for the runner: it delivers each `wake` as a
 * `tick`, answers every `run` effect by calling the program's `mainFn`, and
 * reports the result back as a `complete` command some milliseconds later.
 * Everything is seeded, so the report is the same on every machine.
 *
 *   pnpm sim            # or: pnpm tsx examples/guide-scenarios.ts --seed 7
 */
import { type Command, createKernel, type KernelEffect, type ProgramSpec, type UnspawnPolicy } from "@schedkit/kernel";

const seedArg = process.argv.indexOf("--seed");
const seed = seedArg >= 0 ? Number(process.argv[seedArg + 1]) : 1;

/** A seeded generator for the host's own randomness (job durations, queue sizes). */
const hostRandom = (initial: number) => {
  let state = initial >>> 0;
  return (bound: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * bound);
  };
};

// Policies are plugins (packages @schedkit/policy-lifo / -fifo); inline here.
const last: UnspawnPolicy = { name: "last", select: (spawns) => spawns.latest()?.id };

interface Scenario {
  readonly name: string;
  readonly story: string;
  readonly programs: ProgramSpec[];
  readonly until: number;
  /** Commands the "operator" issues at given times. */
  readonly script: (at: number, kernel: ReturnType<typeof createKernel>) => Command[];
  readonly report: (kernel: ReturnType<typeof createKernel>) => string[];
}

const runScenario = (scenario: Scenario) => {
  const random = hostRandom(seed);
  const kernel = createKernel({ policies: [last], seed });
  const specs = new Map(scenario.programs.map((spec) => [spec.id, spec]));
  const completions: { at: number; command: Command }[] = [];
  const lateness: number[] = [];
  let wake: number | null = null;
  let now = 0;
  let jobs = 0;

  const apply = (effects: readonly KernelEffect[]) => {
    for (const effect of effects) {
      if (effect.type === "wake") wake = effect.at;
      if (effect.type === "rejected") throw new Error(effect.message);
      if (effect.type !== "run") continue;
      jobs++;
      lateness.push(effect.startedAt - effect.scheduledAt);
      const spec = specs.get(effect.programId) as ProgramSpec;
      const ctx = {
        signal: new AbortController().signal,
        jobId: effect.jobId,
        spawnId: effect.spawnId,
        programId: effect.programId,
      };
      let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: spec.mainFn(effect.args, effect.scheduledAt, ctx) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const duration = 1 + random(20);
      completions.push({
        at: now + duration,
        command: { type: "complete", at: now + duration, jobId: effect.jobId, outcome },
      });
    }
  };

  for (const program of scenario.programs) apply(kernel.dispatch({ type: "install", at: 0, program }));
  for (let step = 0; step <= scenario.until; step += 1000) {
    // Between operator steps, deliver completions and wakes in time order.
    for (;;) {
      completions.sort((a, b) => a.at - b.at);
      const nextCompletion = completions[0]?.at ?? Number.POSITIVE_INFINITY;
      const nextWake = wake ?? Number.POSITIVE_INFINITY;
      const next = Math.min(nextCompletion, nextWake);
      if (next > step) break;
      now = next;
      if (nextCompletion <= nextWake) apply(kernel.dispatch((completions.shift() as { command: Command }).command));
      else apply(kernel.dispatch({ type: "tick", at: now }));
    }
    now = step;
    for (const command of scenario.script(step, kernel)) apply(kernel.dispatch(command));
  }
  const sorted = [...lateness].sort((a, b) => a - b);
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { kernel, jobs, lateness: { p50: p(0.5), p99: p(0.99), max: sorted.at(-1) ?? 0 } };
};

const scenarios: Scenario[] = [
  {
    name: "cron-cleanup",
    story: "Run a cleanup task every minute.",
    programs: [
      {
        id: "cleanup",
        interval: 60_000,
        createFn: () => ({ deleted: 0 }),
        mergeFn: (state: { deleted: number }, output: { count: number }) => ({ deleted: state.deleted + output.count }),
        mainFn: () => ({ count: 1 }),
      },
    ],
    until: 10 * 60_000,
    script: (at) => (at === 0 ? [{ type: "spawn", at, programId: "cleanup" }] : []),
    report: (kernel) => [`state after 10 minutes: ${JSON.stringify(kernel.getState("cleanup"))}`],
  },
  {
    name: "worker-pool",
    story: "A job queue worked by a pool of three workers (min 1, max 5).",
    programs: [{ id: "worker", interval: 100, min: 1, max: 5, mainFn: () => ({ processed: 1 }) }],
    until: 10_000,
    script: (at) =>
      at === 0
        ? [0, 1, 2].map((): Command => ({ type: "spawn", at, programId: "worker" }))
        : at === 5000
          ? [0, 1, 2].map((): Command => ({ type: "spawn", at, programId: "worker" }))
          : [],
    report: (kernel) => {
      const props = kernel.getProps("worker");
      return [
        `spawns running: ${kernel.countSpawns("worker")} (3 more were asked for at 5s; max 5 refused one)`,
        ...Object.entries(props).map(([id, p]) => `  ${id}: ${p.completed} jobs, started at ${p.startedAt} ms`),
      ];
    },
  },
  (() => {
    const random = hostRandom(seed + 1);
    let queue = 50;
    return {
      name: "dynamic-scaling",
      story: "Spawn workers when the queue grows past 100, unspawn (policy: last) below 10.",
      programs: [{ id: "worker", interval: 250, min: 1, max: 8, mainFn: () => (queue = Math.max(0, queue - 5)) }],
      until: 30_000,
      script: (at, kernel) => {
        if (at === 0) return [{ type: "spawn", at, programId: "worker" }];
        queue += random(60);
        if (queue > 100) return [{ type: "spawn", at, programId: "worker" }];
        if (queue < 10 && kernel.countSpawns("worker") > 1) return [{ type: "unspawn", at, programId: "worker" }];
        return [];
      },
      report: (kernel) => [
        `final queue ${queue}, spawns running ${kernel.countSpawns("worker")}, stopped ${kernel.listStopped("worker").length}`,
      ],
    } satisfies Scenario;
  })(),
  {
    name: "manual-trigger",
    story: "Force the cleanup now (an admin button), without waiting for the interval.",
    programs: [
      {
        id: "cleanup",
        interval: 60_000,
        createFn: () => ({ runs: 0 }),
        mainFn: () => ({ runs: 1 }),
        mergeFn: (s: { runs: number }, o: { runs: number }) => ({ runs: s.runs + o.runs }),
      },
    ],
    until: 5000,
    script: (at) =>
      at === 0
        ? [{ type: "spawn", at, programId: "cleanup" }]
        : at % 2000 === 0
          ? [{ type: "trigger", at, programId: "cleanup" }]
          : [],
    report: (kernel) => [`runs by trigger within 5 s (interval 60 s): ${JSON.stringify(kernel.getState("cleanup"))}`],
  },
  (() => {
    const random = hostRandom(seed + 2);
    return {
      name: "stats",
      story: "Accumulate results: state starts at 0 and each job adds a random 0-9.",
      programs: [
        {
          id: "stats",
          interval: 1000,
          createFn: () => 0,
          mainFn: () => random(10),
          mergeFn: (state: number, value: number) => state + value,
        },
      ],
      until: 20_000,
      script: (at) => (at === 0 ? [{ type: "spawn", at, programId: "stats" }] : []),
      report: (kernel) => [`state after 20 s: ${String(kernel.getState("stats"))}`],
    } satisfies Scenario;
  })(),
];

console.log(`schedkit: the guide's scenarios through the pure kernel (seed ${seed})\n`);
for (const scenario of scenarios) {
  const { kernel, jobs, lateness } = runScenario(scenario);
  console.log(`■ ${scenario.name}: ${scenario.story}`);
  console.log(`  jobs run: ${jobs}, lateness p50 ${lateness.p50} ms, p99 ${lateness.p99} ms, max ${lateness.max} ms`);
  for (const line of scenario.report(kernel)) console.log(`  ${line}`);
  console.log("");
}
