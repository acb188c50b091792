import { describe, expect, it } from "vitest";
import {
  type Command,
  createKernel,
  type Kernel,
  type KernelEffect,
  type KernelSnapshot,
  type Outcome,
  type ProgramSpec,
  restoreKernel,
  SchedkitError,
} from "../src/index.js";
import { policies } from "./support/timeline.js";

/** 2026-01-01T00:00:09.700Z: the cron program's first match (every 10 s) is 300 ms away. */
const T0 = Date.UTC(2026, 0, 1) + 9_700;
const mainFn = () => undefined;

/** Fresh specs per kernel (nothing in them keeps state, but keep the habit). */
const makeSpecs = (): ProgramSpec[] => [
  {
    id: "b",
    interval: 100,
    max: 5,
    createFn: () => ({ count: 0 }),
    mergeFn: (state: { count: number }) => ({ count: state.count + 1 }),
    mainFn,
  },
  // Program state null, kept null: successFn maps every value to undefined (state unchanged).
  // Due times older than 100 ms are missed, not run.
  {
    id: "c",
    type: "constant",
    interval: 50,
    output: "all",
    catchUpWindow: 100,
    createFn: () => null,
    successFn: () => undefined,
    mainFn,
  },
  { id: "cr", type: "cron", cron: "*/10 * * * * *", mainFn },
  // Spawn state null; spawn s-1's jobs fail with the error null.
  { id: "s", interval: 30, scope: "spawn", policy: "last", createFn: () => null, mainFn },
];

type Run = Extract<KernelEffect, { type: "run" }>;

/** Which started jobs the test keeps in flight; the others complete at once. */
const holds = (run: Run): boolean =>
  run.spawnId === null ||
  run.spawnId === "b-2" ||
  run.programId === "cr" ||
  (run.programId === "c" && Number(run.jobId.slice(4)) % 3 === 0);

const outcomeOf = (run: Run) =>
  run.spawnId === "s-1" ? { ok: false as const, error: null } : { ok: true as const, value: { jobs: 1 } };

/**
 * Drives one or two kernels with the same commands: every command goes to
 * each, their effects must be equal, and jobs that start are completed (or
 * held) by the same rule. Returns the effects of the first kernel.
 */
class Driver {
  readonly held: string[] = [];
  constructor(readonly kernels: Kernel[]) {}

  send(command: Command): readonly KernelEffect[] {
    const [first, ...others] = this.kernels.map((kernel) => kernel.dispatch(command));
    for (const effects of others) expect(effects).toEqual(first);
    const effects = first ?? [];
    for (const effect of effects) {
      if (effect.type !== "run") continue;
      if (holds(effect)) this.held.push(effect.jobId);
      else this.send({ type: "complete", at: command.at, jobId: effect.jobId, outcome: outcomeOf(effect) });
    }
    return effects;
  }

  completeHeld(at: number, count: number): void {
    for (const jobId of this.held.splice(0, count)) {
      this.send({ type: "complete", at, jobId, outcome: { ok: true, value: { late: 1 } } });
    }
  }
}

/**
 * A kernel in the middle of things: basic, constant, cron and scope-spawn
 * programs; output "all"; jobs in flight; a pending and a running trigger;
 * a terminating, a killed and an unspawned spawn in the stopped history; a
 * set-interval; spawn overrides; null state and a null lastError; a wall
 * clock ahead of kernel time; due times missed in a jump (ends at T0 + 1000).
 */
const busyKernel = () => {
  const kernel = createKernel({ policies, seed: 3 });
  const driver = new Driver([kernel]);
  for (const program of makeSpecs()) driver.send({ type: "install", at: T0, program });
  for (const programId of ["b", "b", "b", "c", "c", "cr", "s", "s"]) driver.send({ type: "spawn", at: T0, programId });
  driver.send({ type: "spawn", at: T0, programId: "b", opts: { spawnId: "custom", interval: 70, meta: { tag: "x" } } });
  for (let step = 1; step <= 40; step++) {
    const at = T0 + step * 10;
    driver.send({ type: "tick", at });
    if (step === 20) {
      driver.send({ type: "stop-spawn", at, programId: "b", spawnId: "b-2" });
      driver.send({ type: "kill-spawn", at, programId: "b", spawnId: "b-3" });
      driver.send({ type: "trigger", at, programId: "b" });
      driver.send({ type: "trigger", at, programId: "b", scheduledAt: at + 10_000 });
      driver.send({ type: "unspawn", at, programId: "s" });
      driver.send({ type: "set-interval", at, programId: "c", spawnId: "c-1", interval: 40 });
    }
    if (step === 30) driver.send({ type: "tick", at, wall: at + 5_000 });
  }
  driver.send({ type: "tick", at: T0 + 1_000 });
  return { kernel, driver };
};

const roundTrip = (snapshot: KernelSnapshot): KernelSnapshot => JSON.parse(JSON.stringify(snapshot));

// Finding things in a snapshot (plain JSON data) by id, with their paths.
// biome-ignore lint/suspicious/noExplicitAny: tampering reaches anywhere
type Json = Record<string, any>;

/** Sets a field and returns the path the refusal must name. */
const set = (target: Json, key: string, value: unknown, path: string): string => {
  target[key] = value;
  return path;
};

const programAt = (snapshot: Json, id: string): { program: Json; path: string } => {
  const index = (snapshot.programs as Json[]).findIndex((program) => program.id === id);
  if (index < 0) throw new Error(`no program ${id}`);
  return { program: snapshot.programs[index], path: `snapshot.programs[${index}]` };
};

const spawnAt = (snapshot: Json, programId: string, spawnId: string): { spawn: Json; path: string } => {
  const { program, path } = programAt(snapshot, programId);
  const index = (program.spawns as Json[]).findIndex((spawn) => spawn.id === spawnId);
  if (index < 0) throw new Error(`no spawn ${spawnId}`);
  return { spawn: program.spawns[index], path: `${path}.spawns[${index}]` };
};

/** Every live job with its path, in the order the checker visits them. */
const liveJobs = (snapshot: Json): { job: Json; path: string }[] =>
  (snapshot.programs as Json[]).flatMap((program, p) => [
    ...(program.spawns as Json[]).flatMap((spawn, s) => [
      ...(spawn.pending === null ? [] : [{ job: spawn.pending, path: `snapshot.programs[${p}].spawns[${s}].pending` }]),
      ...(spawn.inFlight as Json[]).map((job, j) => ({
        job,
        path: `snapshot.programs[${p}].spawns[${s}].inFlight[${j}]`,
      })),
    ]),
    ...(program.triggers as Json[]).map((job, t) => ({ job, path: `snapshot.programs[${p}].triggers[${t}]` })),
  ]);

interface Tampering {
  readonly name: string;
  /** Changes the snapshot and returns the path the refusal must name. */
  readonly apply: (snapshot: Json) => string;
  /** Specs to restore with instead of the right ones. */
  readonly specs?: () => ProgramSpec[];
}

const tamperings: Tampering[] = [
  // The kernel.
  { name: "now far beyond any date", apply: (s) => set(s, "now", 1e300, "snapshot.now") },
  { name: "now before any date", apply: (s) => set(s, "now", -9e15, "snapshot.now") },
  { name: "negative regressions", apply: (s) => set(s, "regressions", -1, "snapshot.regressions") },
  {
    name: "jobSeq below a live job's number",
    apply: (s) => {
      const newest = liveJobs(s).reduce((a, b) => (b.job.seq > a.job.seq ? b : a));
      s.jobSeq = newest.job.seq - 1;
      return `${newest.path}.seq`;
    },
  },
  {
    name: "spawnSeq below a spawn's number",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "custom");
      s.spawnSeq = spawn.seq - 1;
      return `${path}.seq`;
    },
  },
  { name: "seed beyond 32 bits", apply: (s) => set(s, "seed", 2 ** 32, "snapshot.seed") },
  {
    name: "a program's generator state beyond 32 bits",
    apply: (s) => set(programAt(s, "b").program, "random", -1, `${programAt(s, "b").path}.random`),
  },
  {
    name: "a fresh program with spawns",
    apply: (s) => set(programAt(s, "b").program, "fresh", true, `${programAt(s, "b").path}.fresh`),
  },
  {
    name: "a spawn's waiting job with another fire id",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.pending.fireId = "b/b-1/0";
      return `${path}.pending.fireId`;
    },
  },
  {
    name: "a trigger with an empty fire id",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.triggers[0].fireId = "";
      return `${path}.triggers[0].fireId`;
    },
  },
  {
    name: "negative lost count",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.lost = -1;
      return `${path}.lost`;
    },
  },
  {
    name: "history longer than historyLimit",
    apply: (s) => set(s, "historyLimit", 1, `${programAt(s, "b").path}.history`),
  },
  { name: "catchUpLimit 0", apply: (s) => set(s, "catchUpLimit", 0, "snapshot.catchUpLimit") },
  { name: "wallOffset beyond any date", apply: (s) => set(s, "wallOffset", 1e300, "snapshot.wallOffset") },
  { name: "defaultPolicy not registered", apply: (s) => set(s, "defaultPolicy", "nope", "snapshot.defaultPolicy") },
  { name: "a policy listed twice", apply: (s) => set(s, "policies", ["last", "last"], "snapshot.policies[1]") },
  // Programs.
  {
    name: "a program listed twice",
    apply: (s) => {
      s.programs.push(structuredClone(s.programs[0]));
      return `snapshot.programs[${s.programs.length - 1}].id`;
    },
  },
  {
    name: "program type changed",
    apply: (s) => {
      const { program, path } = programAt(s, "c");
      program.type = "basic";
      return `${path}.type`;
    },
  },
  {
    name: "restored with a spec of another type",
    apply: (s) => `${programAt(s, "c").path}.type`,
    specs: () => makeSpecs().map((spec) => (spec.id === "c" ? { ...spec, type: "basic" as const } : spec)),
  },
  {
    name: "program scope changed",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.scope = "spawn";
      return `${path}.scope`;
    },
  },
  {
    name: "non-positive program interval",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.interval = -5;
      return `${path}.interval`;
    },
  },
  {
    name: "an interval on a cron program",
    apply: (s) => {
      const { program, path } = programAt(s, "cr");
      program.interval = 100;
      return `${path}.interval`;
    },
  },
  {
    name: "program counts: more completed than submitted",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.counts.succeeded = program.counts.submitted + 1;
      return `${path}.counts.submitted`;
    },
  },
  {
    name: "program counts below its spawns' sum",
    apply: (s) => {
      const { program, path } = programAt(s, "s");
      program.counts.errored = 0;
      return `${path}.counts.errored`;
    },
  },
  {
    name: "negative spawnCounter",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.spawnCounter = -1;
      return `${path}.spawnCounter`;
    },
  },
  // The running list and the stopped history.
  {
    name: "duplicate running entry",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.running.push(program.running[0]);
      return `${path}.running[${program.running.length - 1}]`;
    },
  },
  {
    name: "an unknown spawn running",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.running.push("ghost");
      return `${path}.running[${program.running.length - 1}]`;
    },
  },
  {
    name: "a stopped spawn listed as running",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.running.push("b-3");
      return `${path}.running[${program.running.length - 1}]`;
    },
  },
  {
    name: "a running spawn missing from the running list",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.running = program.running.filter((id: string) => id !== "custom");
      return `${path}.running`;
    },
  },
  {
    name: "running spawns out of order",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.running.reverse();
      return `${path}.running[1]`;
    },
  },
  {
    name: "a running spawn in the history",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.history.push("b-1");
      return `${path}.history[${program.history.length - 1}]`;
    },
  },
  {
    name: "a stopped spawn missing from the history",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.history = program.history.filter((id: string) => id !== "b-3");
      return `${path}.history`;
    },
  },
  // Spawns.
  {
    name: "a spawn id twice in one program",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.spawns.push({ ...structuredClone(program.spawns[0]), seq: s.spawnSeq + 1 });
      s.spawnSeq += 1;
      return `${path}.spawns[${program.spawns.length - 1}].id`;
    },
  },
  {
    name: "a spawn number used by two programs",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "s", "s-1");
      spawn.seq = spawnAt(s, "b", "b-1").spawn.seq;
      return `${path}.seq`;
    },
  },
  {
    name: "spawn number 0",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.seq = 0;
      return `${path}.seq`;
    },
  },
  {
    name: "a running spawn marked stopped",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.status = "stopped";
      return `${path}.stopReason`;
    },
  },
  {
    name: "a stop reason on a running spawn",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.stopReason = "kill";
      return `${path}.stopReason`;
    },
  },
  {
    name: "a running spawn that started no job",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.status = "created";
      return `${path}.status`;
    },
  },
  {
    name: "a stopped spawn out of the history",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-3");
      spawn.inHistory = false;
      s.programs[0].history = s.programs[0].history.filter((id: string) => id !== "b-3");
      return `${path}.inHistory`;
    },
  },
  {
    name: "spawn started beyond any date",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.startedAt = 1e300;
      return `${path}.startedAt`;
    },
  },
  {
    name: "spawn updated after now",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.updatedAt = s.now + 1;
      return `${path}.updatedAt`;
    },
  },
  {
    name: "updatedAt not the latest result's end",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.updatedAt -= 1;
      return `${path}.updatedAt`;
    },
  },
  {
    name: "fewer jobs submitted than completed",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.submitted = 1;
      return `${path}.submitted`;
    },
  },
  {
    name: "negative missed count",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.missed = -1;
      return `${path}.missed`;
    },
  },
  {
    name: "own state on a spawn of a program-scope program",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.state = { count: 99 };
      return `${path}.state`;
    },
  },
  {
    name: "a lastError with no errored job",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.lastError = "boom";
      return `${path}.lastError`;
    },
  },
  {
    name: "an override interval that is not among the overrides",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.interval = { fn: "override" };
      return `${path}.interval`;
    },
  },
  // Jobs.
  {
    name: "an in-flight job without startedAt",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "c", "c-1");
      spawn.inFlight[0].startedAt = null;
      return `${path}.inFlight[0].startedAt`;
    },
  },
  {
    name: "a waiting job that has started",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.pending.startedAt = s.now;
      return `${path}.pending.startedAt`;
    },
  },
  {
    name: "a job started after now",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "c", "c-1");
      spawn.inFlight[0].startedAt = s.now + 5;
      return `${path}.inFlight[0].startedAt`;
    },
  },
  {
    name: "a job started before its due time",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "c", "c-1");
      spawn.inFlight[0].startedAt = spawn.inFlight[0].dueAt - 1;
      return `${path}.inFlight[0].startedAt`;
    },
  },
  {
    name: "a job due beyond any date",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.pending.dueAt = 1e300;
      return `${path}.pending.dueAt`;
    },
  },
  {
    name: "a foreign job id",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "c", "c-1");
      spawn.inFlight[0].id = "job-99999";
      return `${path}.inFlight[0].id`;
    },
  },
  {
    name: "a job number the kernel never issued",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.pending.seq = s.jobSeq + 5;
      spawn.pending.id = `job-${s.jobSeq + 5}`;
      return `${path}.pending.seq`;
    },
  },
  {
    name: "one job owned by two spawns",
    apply: (s) => {
      const { path } = spawnAt(s, "b", "custom");
      spawnAt(s, "b", "custom").spawn.pending = structuredClone(spawnAt(s, "b", "b-1").spawn.pending);
      return `${path}.pending.id`;
    },
  },
  {
    name: "a trigger that is also a spawn's job",
    apply: (s) => {
      const { program, path } = programAt(s, "b");
      program.triggers.push(structuredClone(spawnAt(s, "b", "b-2").spawn.inFlight[0]));
      return `${path}.triggers[${program.triggers.length - 1}].id`;
    },
  },
  {
    name: "a running basic spawn with no next job",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.pending = null;
      return `${path}.pending`;
    },
  },
  {
    name: "two jobs in flight on a basic spawn",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-2");
      s.jobSeq += 1;
      spawn.inFlight.push({ ...spawn.inFlight[0], id: `job-${s.jobSeq}`, seq: s.jobSeq });
      spawn.submitted += 1;
      return `${path}.inFlight`;
    },
  },
  {
    name: "a terminating spawn with nothing in flight",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-2");
      spawn.inFlight = [];
      return `${path}.inFlight`;
    },
  },
  {
    name: "a waiting job on a stopped spawn",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-3");
      s.jobSeq += 1;
      const dueAt = s.now + 100;
      spawn.pending = { id: `job-${s.jobSeq}`, seq: s.jobSeq, fireId: `b/b-3/${dueAt}`, dueAt, startedAt: null };
      spawn.submitted += 1;
      return `${path}.pending`;
    },
  },
  // Results.
  {
    name: "no latest result after completed jobs",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.latestResult = null;
      return `${path}.latestResult`;
    },
  },
  {
    name: "a result that ends before it starts",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.latestResult.endedAt = spawn.latestResult.startedAt - 1;
      return `${path}.latestResult.endedAt`;
    },
  },
  {
    name: "a result of a job that is still waiting",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.latestResult.jobId = spawn.pending.id;
      return `${path}.latestResult.jobId`;
    },
  },
  {
    name: "a result of a job never issued",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.latestResult.jobId = "job-0";
      return `${path}.latestResult.jobId`;
    },
  },
  {
    name: "output all without its results",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "c", "c-2");
      spawn.results = null;
      return `${path}.results`;
    },
  },
  {
    name: "results on an output-latest spawn",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "b-1");
      spawn.results = [];
      return `${path}.results`;
    },
  },
  {
    name: "a result dropped from output all",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "c", "c-2");
      spawn.results.shift();
      return `${path}.results`;
    },
  },
  // Overrides.
  {
    name: "an unknown override",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "custom");
      spawn.overrides.data.bogus = 1;
      return `${path}.overrides.data.bogus`;
    },
  },
  {
    name: "an invalid override value",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "custom");
      spawn.overrides.data.interval = -1;
      return `${path}.overrides.data.interval`;
    },
  },
  {
    name: "an unknown function override",
    apply: (s) => {
      const { spawn, path } = spawnAt(s, "b", "custom");
      spawn.overrides.functions.push("launchFn");
      return `${path}.overrides.functions[${spawn.overrides.functions.length - 1}]`;
    },
  },
];

const refusal = (run: () => unknown): SchedkitError => {
  try {
    run();
  } catch (error) {
    if (error instanceof SchedkitError) return error;
    throw error;
  }
  throw new Error("expected a refusal, but it restored");
};

describe("snapshot robustness", () => {
  const { kernel: busy } = busyKernel();
  const snapshot = roundTrip(busy.snapshot());

  it("snapshot - the busy kernel has what the tamperings need", () => {
    const s = snapshot as Json;
    expect(programAt(s, "b").program.running).toEqual(["b-1", "custom"]);
    expect(programAt(s, "b").program.history).toEqual(["b-2", "b-3"]);
    expect(spawnAt(s, "b", "b-1").spawn.pending).not.toBeNull();
    expect(spawnAt(s, "b", "b-2").spawn).toMatchObject({ status: "terminating", inFlight: [{}] });
    expect(spawnAt(s, "b", "b-3").spawn).toMatchObject({ status: "stopped", inFlight: [], pending: null });
    expect(spawnAt(s, "c", "c-1").spawn.inFlight.length).toBeGreaterThan(0);
    expect(spawnAt(s, "c", "c-2").spawn.results.length).toBeGreaterThan(1);
    expect(spawnAt(s, "cr", "cr-1").spawn.inFlight).toHaveLength(1);
    expect(spawnAt(s, "s", "s-2").spawn.status).toBe("stopped");
    expect(programAt(s, "b").program.triggers.map((job: Json) => job.startedAt === null)).toEqual([false, true]);
    expect(spawnAt(s, "b", "custom").spawn.overrides).toEqual({
      data: { interval: 70, meta: { tag: "x" } },
      functions: [],
    });
    expect(spawnAt(s, "c", "c-1").spawn.missed).toBeGreaterThan(0);
    expect(s.wallOffset).toBe(5_000);
  });

  it(`restoreKernel - refuses ${tamperings.length} tampered snapshots, each naming the path`, () => {
    expect(tamperings.length).toBeGreaterThanOrEqual(38);
    expect(new Set(tamperings.map((tampering) => tampering.name)).size).toBe(tamperings.length);
    // The untampered snapshot restores; every tampered copy is refused where it was changed.
    restoreKernel(structuredClone(snapshot), makeSpecs(), { policies });
    const failures: string[] = [];
    for (const tampering of tamperings) {
      const copy = structuredClone(snapshot) as Json;
      const path = tampering.apply(copy);
      const error = refusal(() => restoreKernel(copy, tampering.specs?.() ?? makeSpecs(), { policies }));
      if (error.code !== "invalid-snapshot" || error.field !== path || !error.message.startsWith(`${path}: `)) {
        failures.push(`${tampering.name}: expected invalid-snapshot at ${path}, got ${error.code}: ${error.message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("restoreKernel - the untampered snapshot continues with the same effects as the original", () => {
    const { kernel: original, driver: first } = busyKernel();
    const restored = restoreKernel(roundTrip(original.snapshot()), makeSpecs(), { policies });
    expect(restored.snapshot()).toEqual(roundTrip(original.snapshot()));
    expect(restored.info()).toEqual(original.info());
    const both = new Driver([original, restored]);
    both.held.push(...first.held);
    let at = T0 + 1_000;
    for (let step = 1; step <= 30; step++) {
      at += 10;
      both.send({ type: "tick", at });
      both.completeHeld(at, 2);
      if (step === 5) both.send({ type: "spawn", at, programId: "b" });
      if (step === 6) both.send({ type: "unspawn", at, programId: "b" });
      if (step === 7) both.send({ type: "spawn", at, programId: "s" });
      if (step === 8) both.send({ type: "trigger", at, programId: "c" });
    }
    // A jump: the constant program catches up, the cron program runs again, the pending trigger starts.
    at += 10_000;
    both.send({ type: "tick", at });
    both.completeHeld(at, both.held.length);
    both.send({ type: "stop-all", at: at + 1 });
    expect(restored.info()).toEqual(original.info());
    expect(restored.getState("b")).toEqual(original.getState("b"));
    expect(restored.snapshot()).toEqual(original.snapshot());
  });

  it("restoreKernel - null and undefined state and lastError survive exactly", () => {
    const restored = restoreKernel(structuredClone(snapshot), makeSpecs(), { policies });
    for (const kernel of [busy, restored]) {
      expect(kernel.getState("c")).toBeNull();
      expect(kernel.getState("cr")).toBeUndefined();
      expect(kernel.getSpawnState("s", "s-1")).toBeNull();
      expect(kernel.getProps("s", "s-1").errored).toBeGreaterThan(0);
      expect(kernel.getProps("s", "s-1").lastError).toBeNull();
      expect(kernel.getProps("b", "b-1").lastError).toBeUndefined();
    }
    const s = snapshot as Json;
    expect(programAt(s, "c").program).toHaveProperty("state", null);
    expect(programAt(s, "cr").program).not.toHaveProperty("state");
    expect(spawnAt(s, "s", "s-1").spawn).toHaveProperty("lastError", null);
    expect(spawnAt(s, "b", "b-1").spawn).not.toHaveProperty("lastError");
  });

  it("restoreKernel - the kernel shares nothing with the snapshot object it was given", () => {
    const given = structuredClone(snapshot) as Json;
    const restored = restoreKernel(given, makeSpecs(), { policies });
    programAt(given, "b").program.state.count = -1;
    expect(restored.getState("b")).toEqual(busy.getState("b"));
  });

  it("restoreKernel - a snapshot that is not JSON data is refused", () => {
    const given = structuredClone(snapshot) as Json;
    given.self = given;
    const error = refusal(() => restoreKernel(given, makeSpecs(), { policies }));
    expect(error.code).toBe("invalid-snapshot");
    expect(error.field).toBe("snapshot");
  });

  it("restoreKernel - a version 1 snapshot is refused", () => {
    const error = refusal(() => restoreKernel({ ...snapshot, version: 1 }, makeSpecs(), { policies }));
    expect(error.code).toBe("invalid-snapshot");
    expect(error.field).toBe("snapshot.version");
  });
});

describe("snapshot: unusual but real states restore", () => {
  const continuesAlike = (kernel: Kernel, specs: ProgramSpec[], commands: Command[]) => {
    const restored = restoreKernel(roundTrip(kernel.snapshot()), specs, { policies });
    expect(restored.snapshot()).toEqual(roundTrip(kernel.snapshot()));
    for (const command of commands) expect(restored.dispatch(command)).toEqual(kernel.dispatch(command));
    return restored;
  };

  it("restoreKernel - a job due past the time range (now near its end, a long interval) restores", () => {
    const at = 8.64e15 - 10;
    const spec: ProgramSpec = { id: "p", interval: 1_000, mainFn };
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at, program: spec });
    kernel.dispatch({ type: "spawn", at, programId: "p" });
    expect((kernel.snapshot() as Json).programs[0].spawns[0].pending.dueAt).toBeGreaterThan(8.64e15);
    continuesAlike(kernel, [spec], [{ type: "tick", at: 8.64e15 }]);
  });

  it("restoreKernel - a faulted spawn keeps its lastError without an errored job, also once killed", () => {
    const spec: ProgramSpec = {
      id: "p",
      type: "constant",
      interval: 10,
      continueFn: () => {
        throw new Error("no");
      },
      mainFn,
    };
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: spec });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 20 }); // job-1 and job-2 in flight
    kernel.dispatch({ type: "complete", at: 21, jobId: "job-1", outcome: { ok: true, value: 1 } }); // fault
    kernel.dispatch({ type: "kill-spawn", at: 22, programId: "p", spawnId: "p-1" });
    expect(kernel.getProps("p", "p-1")).toMatchObject({ errored: 0, succeeded: 1 });
    const restored = continuesAlike(kernel, [spec], [{ type: "tick", at: 30 }]);
    expect(restored.getProps("p", "p-1").lastError).toEqual({ name: "Error", message: "no" });
  });

  it("restoreKernel - a terminating spawn trimmed from a history of 0 finishes alike", () => {
    const spec: ProgramSpec = { id: "p", type: "constant", interval: 10, output: "all", mainFn };
    const kernel = createKernel({ historyLimit: 0 });
    kernel.dispatch({ type: "install", at: 0, program: spec });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 10 });
    kernel.dispatch({ type: "stop-spawn", at: 11, programId: "p", spawnId: "p-1" });
    expect((kernel.snapshot() as Json).programs[0].spawns[0]).toMatchObject({
      status: "terminating",
      inHistory: false,
    });
    continuesAlike(kernel, [spec], [{ type: "complete", at: 12, jobId: "job-1", outcome: { ok: true, value: 1 } }]);
  });
});

describe("snapshot: values JSON cannot hold", () => {
  const refusedSnapshot = (kernel: Kernel): SchedkitError => refusal(() => kernel.snapshot());

  const oneJob = (program: Partial<ProgramSpec>, outcome: Outcome) => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 10, mainFn, ...program } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 10 });
    kernel.dispatch({ type: "complete", at: 11, jobId: "job-1", outcome });
    return kernel;
  };

  it("snapshot - circular program state is refused naming the program's state", () => {
    const kernel = createKernel();
    const createFn = () => {
      const state: Record<string, unknown> = {};
      state.self = state;
      return state;
    };
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 10, createFn, mainFn } });
    const error = refusedSnapshot(kernel);
    expect(error.code).toBe("invalid-snapshot");
    expect(error.field).toBe('programs["p"].state');
    expect(error.message).toMatch(/^programs\["p"\]\.state: not JSON data \(.*circular/i);
  });

  it("snapshot - a BigInt in a spawn's state is refused naming the program, the spawn and its state", () => {
    const kernel = createKernel();
    kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "p", interval: 10, scope: "spawn", createFn: () => ({ n: 1 }), mainFn },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { createFn: () => ({ n: 1n }) } });
    const error = refusedSnapshot(kernel);
    expect(error.code).toBe("invalid-snapshot");
    expect(error.field).toBe('programs["p"].spawns["p-1"].state');
    expect(error.message).toContain('programs["p"].spawns["p-1"].state: not JSON data');
    expect(error.message).toContain("BigInt");
  });

  it("snapshot - a BigInt lastError is refused naming the spawn's lastError", () => {
    const error = refusedSnapshot(oneJob({}, { ok: false, error: 10n }));
    expect(error.code).toBe("invalid-snapshot");
    expect(error.field).toBe('programs["p"].spawns["p-1"].lastError');
  });

  it("snapshot - a circular result value is refused naming the latest result's value", () => {
    const value: Record<string, unknown> = {};
    value.self = value;
    const error = refusedSnapshot(oneJob({ successFn: () => undefined }, { ok: true, value }));
    expect(error.code).toBe("invalid-snapshot");
    expect(error.field).toBe('programs["p"].spawns["p-1"].latestResult.value');
  });

  it("snapshot - a BigInt in kept results (output all) is refused naming the result", () => {
    const kernel = oneJob({ output: "all", successFn: () => undefined }, { ok: true, value: 1 });
    kernel.dispatch({ type: "tick", at: 21 });
    kernel.dispatch({ type: "complete", at: 22, jobId: "job-2", outcome: { ok: true, value: 2 } });
    expect(() => kernel.snapshot()).not.toThrow();
    const bad = oneJob({ output: "all", successFn: () => undefined }, { ok: true, value: 5n });
    expect(refusedSnapshot(bad).field).toBe('programs["p"].spawns["p-1"].latestResult.value');
  });

  it("snapshot - a BigInt in a spawn override is refused naming the override", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 10, mainFn } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { meta: { big: 2n } } });
    const error = refusedSnapshot(kernel);
    expect(error.code).toBe("invalid-snapshot");
    expect(error.field).toBe('programs["p"].spawns["p-1"].overrides.meta');
  });

  it("snapshot - an Error becomes { name, message } and restores as that data", () => {
    const kernel = oneJob({}, { ok: false, error: new TypeError("bad") });
    const snapshot = roundTrip(kernel.snapshot());
    const restored = restoreKernel(snapshot, [{ id: "p", interval: 10, mainFn }]);
    expect(restored.getProps("p", "p-1").lastError).toEqual({ name: "TypeError", message: "bad" });
  });
});

describe("snapshot: hostile errors", () => {
  it("snapshot - a lastError whose message getter throws is kept as data, and restores", () => {
    const error = new Error("x");
    Object.defineProperty(error, "message", {
      get() {
        throw new Error("no message for you");
      },
    });
    const spec = {
      id: "p",
      interval: 10,
      mainFn: () => undefined,
      continueFn: () => {
        throw error;
      },
    };
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: spec });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    kernel.dispatch({ type: "tick", at: 10 });
    kernel.dispatch({ type: "complete", at: 11, jobId: "job-1", outcome: { ok: true } });
    const snapshot = kernel.snapshot();
    const restored = restoreKernel(snapshot, [spec]);
    expect(restored.getProps("p", "p-1").lastError).toEqual({
      name: "Error",
      message: "(a value that cannot be shown)",
    });
    expect(restored.snapshot()).toEqual(snapshot);
  });
});
