import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Command,
  createKernel,
  type Kernel,
  type KernelEffect,
  type ProgramExport,
  type ProgramSpec,
  restoreKernel,
} from "../src/index.js";
import { argsOverride, Host, makeSpecs, Plan, programIds, stepArb, T0, withoutIds } from "./support/durable.js";
import { policies } from "./support/timeline.js";

const OPTIONS = { policies, historyLimit: 3 } as const;

const specOf = (programId: string): ProgramSpec => makeSpecs().find((spec) => spec.id === programId) as ProgramSpec;

/** Kernel A with every program installed, and its driver. */
const kernelA = () => {
  const host = new Host(createKernel({ ...OPTIONS, seed: 7 }));
  for (const program of makeSpecs()) host.send({ type: "install", at: T0, program });
  return { host, plan: new Plan(host) };
};

describe("adopt: the same program goes on in another kernel", () => {
  it("exportProgram then adopt - the adopting kernel gives the same effects, by fire id, as the exporting one", () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 10, maxLength: 80, size: "max" }),
        fc.nat(),
        fc.nat({ max: programIds.length - 1 }),
        (steps, cutAt, chosen) => {
          const cut = cutAt % (steps.length + 1);
          const programId = programIds[chosen] as string;
          const { host: a, plan } = kernelA();
          steps.slice(0, cut).forEach((step, index) => {
            const planned = plan.plan(step, index, "before");
            if (planned.command === undefined) return;
            plan.note(planned.command, a.send(planned.command));
          });

          // The cut: the program leaves A as data (through JSON) and B, with only that program, adopts it.
          const exported = JSON.parse(JSON.stringify(a.kernel.exportProgram(programId))) as ProgramExport;
          const b = new Host(createKernel({ ...OPTIONS, seed: 99 }));
          b.send({ type: "install", at: T0, program: specOf(programId) });
          const adopted = b.send({ type: "adopt", at: plan.now, export: exported, spawnOverrides: plan.overrides });
          expect(adopted.map((effect) => effect.type)).toEqual(["adopted", "wake"]);
          const inFlightOf = (host: Host) =>
            [...host.inFlight.entries()].filter(([, job]) => job.programId === programId).map(([fireId]) => fireId);
          expect(inFlightOf(b).sort()).toEqual(inFlightOf(a).sort());

          steps.slice(cut).forEach((step, offset) => {
            const planned = plan.plan(step, cut + offset, "after");
            const command = planned.command;
            if (command === undefined) return;
            const both = planned.programId === programId || planned.programId === "*" || planned.programId === null;
            const effectsA = a.send(command);
            plan.note(command, effectsA);
            let effectsB: readonly KernelEffect[] = [];
            if (both && planned.fire !== undefined) {
              // A result for one of the program's jobs: B knows it by the fire, under its own job id.
              const job = b.inFlight.get(planned.fire.fireId);
              expect(job, `fire ${planned.fire.fireId} in flight in B`).toBeDefined();
              effectsB = b.send({ ...command, jobId: job?.jobId ?? "job-0" } as Command);
            } else if (both) {
              effectsB = b.send(command);
            } else if (!effectsA.some((effect) => effect.type === "rejected")) {
              // Another program's command: on B only its time arrives.
              effectsB = b.send({ type: "tick", at: command.at });
            }
            expect(b.normalise(effectsB, programId, both)).toEqual(a.normalise(effectsA, programId, both));
          });
          expect(withoutIds(b.kernel.exportProgram(programId))).toEqual(withoutIds(a.kernel.exportProgram(programId)));
          expect(b.kernel.getState(programId)).toEqual(a.kernel.getState(programId));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** A kernel in the middle of things for program `b`: two spawns, one job in flight, one waiting, a trigger. */
const busy = (): { kernel: Kernel; exported: ProgramExport } => {
  const kernel = createKernel({ policies, seed: 3 });
  kernel.dispatch({ type: "install", at: 0, program: { ...specOf("b"), delay: 10 } });
  kernel.dispatch({ type: "spawn", at: 0, programId: "b" });
  kernel.dispatch({ type: "spawn", at: 5, programId: "b", opts: { spawnId: "x", argsFn: argsOverride } });
  kernel.dispatch({ type: "tick", at: 10 }); // b-1's job-1 in flight
  kernel.dispatch({ type: "complete", at: 12, jobId: "job-1", outcome: { ok: true, value: { n: 2 } } });
  kernel.dispatch({ type: "tick", at: 20 }); // x's job-2 in flight; b-1's job-3 waits for 52
  kernel.dispatch({ type: "trigger", at: 21, programId: "b", scheduledAt: 500, fireId: "manual-1" });
  return { kernel, exported: kernel.exportProgram("b") as ProgramExport };
};

const fresh = (spec: ProgramSpec = { ...specOf("b"), delay: 10 }) => {
  const kernel = createKernel({ policies, seed: 1 });
  kernel.dispatch({ type: "install", at: 0, program: spec });
  return kernel;
};

const only = (effects: readonly KernelEffect[], type: "run") => {
  const found = effects.filter((effect) => effect.type === type);
  expect(found).toHaveLength(1);
  return found[0] as Extract<KernelEffect, { type: "run" }>;
};

const rejection = (effects: readonly KernelEffect[]) => {
  const first = effects[0];
  expect(effects).toHaveLength(2);
  expect(first?.type).toBe("rejected");
  return first as Extract<KernelEffect, { type: "rejected" }>;
};

describe("adopt: what it does", () => {
  it("exportProgram - plain JSON data with fire ids, args of jobs in flight, the generator and the time", () => {
    const { kernel, exported } = busy();
    expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
    expect(exported).toMatchObject({
      version: 1,
      id: "b",
      type: "basic",
      scope: "program",
      now: 21,
      historyLimit: 100,
    });
    expect(exported.state).toEqual({ n: 2 });
    const x = exported.spawns.find((spawn) => spawn.id === "x");
    expect(x?.inFlight).toEqual([{ seq: 2, fireId: "b/x/15", dueAt: 15, startedAt: 20, args: { override: true } }]);
    expect(x?.overrides).toEqual({ data: {}, functions: ["argsFn"] });
    expect(exported.triggers).toEqual([{ seq: 4, fireId: "manual-1", dueAt: 500, startedAt: null }]);
    expect(kernel.exportProgram("nope")).toBeUndefined();
  });

  it("adopt - in-flight jobs get new ids, are listed in the adopted effect and complete as usual", () => {
    const { exported } = busy();
    const kernel = fresh();
    const effects = kernel.dispatch({
      type: "adopt",
      at: 30,
      export: exported,
      spawnOverrides: { x: { argsFn: argsOverride } },
    });
    expect(effects).toEqual([
      {
        type: "adopted",
        programId: "b",
        jobs: [
          { jobId: "job-2", fireId: "b/x/15", spawnId: "x", scheduledAt: 15, startedAt: 20, args: { override: true } },
        ],
      },
      { type: "wake", at: 52 },
    ]);
    expect(kernel.getState("b")).toEqual({ n: 2 });
    expect(kernel.getSpawn("b", "b-1").result?.jobId).toBe("job-1");
    const done = kernel.dispatch({ type: "complete", at: 40, jobId: "job-2", outcome: { ok: true, value: { n: 5 } } });
    expect(done[0]).toMatchObject({ type: "settled", jobId: "job-2", fireId: "b/x/15", status: "succeeded" });
    expect(kernel.getState("b")).toEqual({ n: 7 });
    const run = kernel.dispatch({ type: "tick", at: 52 });
    expect(run[0]).toMatchObject({ type: "run", fireId: "b/b-1/52", spawnId: "b-1" });
    // Its snapshot restores: the adopted results were given this kernel's job ids.
    const restored = restoreKernel(JSON.parse(JSON.stringify(kernel.snapshot())), [{ ...specOf("b"), delay: 10 }], {
      policies,
      spawnOverrides: { b: { x: { argsFn: argsOverride } } },
    });
    expect(restored.snapshot()).toEqual(kernel.snapshot());
  });

  it("adopt - due times already past start in its dispatch, with the usual catch-up rules", () => {
    const source = createKernel({ policies });
    source.dispatch({ type: "install", at: 0, program: { id: "g", type: "constant", interval: 100, mainFn: () => 1 } });
    source.dispatch({ type: "spawn", at: 0, programId: "g" });
    const exported = source.exportProgram("g") as ProgramExport;
    const kernel = fresh({ id: "g", type: "constant", interval: 100, mainFn: () => 1 });
    const effects = kernel.dispatch({ type: "adopt", at: 350, export: exported });
    expect(
      effects.filter((effect) => effect.type === "run").map((effect) => effect.type === "run" && effect.fireId),
    ).toEqual(["g/g-1/100", "g/g-1/200", "g/g-1/300"]);
    expect(effects.at(-1)).toEqual({ type: "wake", at: 400 });
  });

  it("adopt - a waiting cron job keeps its wall-clock time on a kernel whose wall offset differs", () => {
    const spec: ProgramSpec = { id: "cr", type: "cron", cron: "*/10 * * * * *", mainFn: () => 1 };
    const source = createKernel({ policies });
    source.dispatch({ type: "install", at: T0, program: spec });
    source.dispatch({ type: "spawn", at: T0 + 1, programId: "cr" });
    const exported = source.exportProgram("cr") as ProgramExport;
    expect(exported.spawns[0]?.pending?.dueAt).toBe(T0 + 10_000);
    // This kernel's clock is 5 s behind the wall clock: the match at wall T0 + 10 s is its T0 + 5 s.
    const kernel = createKernel({ policies });
    kernel.dispatch({ type: "install", at: T0, wall: T0 + 5_000, program: spec });
    const effects = kernel.dispatch({ type: "adopt", at: T0 + 1, wall: T0 + 5_001, export: exported });
    expect(effects.at(-1)).toEqual({ type: "wake", at: T0 + 5_000 });
    expect(only(kernel.dispatch({ type: "tick", at: T0 + 5_000 }), "run").fireId).toBe(`cr/cr-1/${T0 + 5_000}`);
  });

  it("adopt - the kernel's time becomes the export's when that is later", () => {
    const { exported } = busy();
    const kernel = fresh();
    kernel.dispatch({ type: "adopt", at: 1, export: exported, spawnOverrides: { x: { argsFn: argsOverride } } });
    expect(kernel.info().clock.now).toBe(21);
  });

  it("adopt - a smaller historyLimit trims; a larger one with too few kept results is refused", () => {
    const source = createKernel({ policies, historyLimit: 2 });
    const spec: ProgramSpec = { id: "o", interval: 10, output: "all", mainFn: () => 1 };
    source.dispatch({ type: "install", at: 0, program: spec });
    source.dispatch({ type: "spawn", at: 0, programId: "o" });
    for (let n = 1; n <= 3; n++) {
      source.dispatch({ type: "tick", at: n * 20 });
      source.dispatch({ type: "complete", at: n * 20, jobId: `job-${n}`, outcome: { ok: true, value: n } });
    }
    const exported = source.exportProgram("o") as ProgramExport;
    const small = createKernel({ policies, historyLimit: 1 });
    small.dispatch({ type: "install", at: 0, program: spec });
    expect(small.dispatch({ type: "adopt", at: 60, export: exported })[0]?.type).toBe("adopted");
    expect(small.getSpawn("o", "o-1").results?.map((result) => result.value)).toEqual([3]);
    const large = createKernel({ policies, historyLimit: 10 });
    large.dispatch({ type: "install", at: 0, program: spec });
    const refused = rejection(large.dispatch({ type: "adopt", at: 60, export: exported }));
    expect(refused).toMatchObject({ code: "restore-mismatch", field: "command.export.historyLimit" });
  });
});

/** The distinct gaps between consecutive due times. */
const gapsOf = (times: readonly number[]): number[] => [
  ...new Set(times.slice(1).map((time, index) => time - (times[index] ?? 0))),
];

describe("adopt: an upgraded spec", () => {
  const report = (interval: number, version: number): ProgramSpec => ({
    id: "report",
    type: "constant",
    interval,
    version,
    mainFn: () => "ok",
  });
  /** Ticks every 10 ms, completing each job at once; the due times run (of one spawn, if named). */
  const dueTimes = (kernel: Kernel, from: number, to: number, spawnId?: string): number[] => {
    const due: number[] = [];
    for (let at = from; at <= to; at += 10) {
      for (const effect of kernel.dispatch({ type: "tick", at })) {
        if (effect.type !== "run") continue;
        if (spawnId === undefined || effect.spawnId === spawnId) due.push(effect.scheduledAt);
        kernel.dispatch({ type: "complete", at, jobId: effect.jobId, outcome: { ok: true, value: null } });
      }
    }
    return due;
  };

  it("adopt - spawns that ran at the old spec's interval run at the new one; an interval of a spawn's own stays", () => {
    const old = createKernel({ seed: 1 });
    old.dispatch({ type: "install", at: 0, program: report(250, 1) });
    old.dispatch({ type: "spawn", at: 0, programId: "report" });
    old.dispatch({ type: "spawn", at: 0, programId: "report", opts: { spawnId: "fast", interval: 100 } });
    old.dispatch({ type: "spawn", at: 0, programId: "report", opts: { spawnId: "set" } });
    old.dispatch({ type: "set-interval", at: 0, programId: "report", spawnId: "set", interval: 400 });
    dueTimes(old, 0, 1_000);
    const exported = old.exportProgram("report") as ProgramExport;
    expect(exported.specInterval).toBe(250);

    const upgraded = createKernel({ seed: 1 });
    upgraded.dispatch({ type: "install", at: 1_000, program: report(350, 2) });
    expect(upgraded.dispatch({ type: "adopt", at: 1_000, export: exported })[0]?.type).toBe("adopted");
    const bySpawn = new Map<string, number[]>();
    for (let at = 1_010; at <= 3_000; at += 10) {
      for (const effect of upgraded.dispatch({ type: "tick", at })) {
        if (effect.type !== "run") continue;
        bySpawn.set(effect.spawnId ?? "", [...(bySpawn.get(effect.spawnId ?? "") ?? []), effect.scheduledAt]);
        upgraded.dispatch({ type: "complete", at, jobId: effect.jobId, outcome: { ok: true, value: null } });
      }
    }
    const gaps = (spawnId: string) => gapsOf(bySpawn.get(spawnId) ?? []);
    // The first due time after the adopt was fixed before it (at the old interval); every later gap is the new one.
    expect(gaps("report-1")).toEqual([350]);
    expect(gaps("fast")).toEqual([100]);
    expect(gaps("set")).toEqual([400]);
    // A spawn made after the upgrade follows the new spec too.
    upgraded.dispatch({ type: "spawn", at: 3_000, programId: "report", opts: { spawnId: "later" } });
    const later = dueTimes(upgraded, 3_010, 4_500, "later");
    expect(gapsOf(later)).toEqual([350]);
  });

  it("adopt - the same spec (no upgrade) keeps every interval as it was", () => {
    const old = createKernel({ seed: 1 });
    old.dispatch({ type: "install", at: 0, program: report(250, 1) });
    old.dispatch({ type: "spawn", at: 0, programId: "report" });
    dueTimes(old, 0, 600);
    const exported = old.exportProgram("report") as ProgramExport;
    const again = createKernel({ seed: 1 });
    again.dispatch({ type: "install", at: 600, program: report(250, 1) });
    again.dispatch({ type: "adopt", at: 600, export: exported });
    expect(gapsOf(dueTimes(again, 610, 2_000))).toEqual([250]);
  });
});

describe("adopt: rejections change nothing", () => {
  const refusedWith = (kernel: Kernel, command: Omit<Extract<Command, { type: "adopt" }>, "type" | "at">) => {
    const before = JSON.stringify(kernel.snapshot());
    const rejected = rejection(kernel.dispatch({ type: "adopt", at: 30, ...command } as Command));
    expect(JSON.stringify(kernel.snapshot())).toBe(before);
    return rejected;
  };
  const overrides = { x: { argsFn: argsOverride } };

  it("adopt - a program that is not installed is rejected unknown-program", () => {
    const { exported } = busy();
    const kernel = createKernel({ policies });
    expect(refusedWith(kernel, { export: exported })).toMatchObject({
      code: "unknown-program",
      field: "command.export.id",
    });
  });

  it("adopt - a program that has spawned, been triggered or adopted already is rejected restore-mismatch", () => {
    const { exported } = busy();
    for (const touch of [
      { type: "spawn", at: 0, programId: "b" },
      { type: "trigger", at: 0, programId: "b", scheduledAt: 1_000 },
      { type: "trigger", at: 0, programId: "b" }, // its job runs and leaves: the program is still not fresh
    ] as Command[]) {
      const kernel = fresh();
      kernel.dispatch(touch);
      expect(refusedWith(kernel, { export: exported, spawnOverrides: overrides })).toMatchObject({
        code: "restore-mismatch",
        field: "command.export.id",
      });
    }
    const twice = fresh();
    twice.dispatch({ type: "adopt", at: 30, export: exported, spawnOverrides: overrides });
    twice.dispatch({ type: "stop-all", at: 30 });
    expect(refusedWith(twice, { export: exported, spawnOverrides: overrides }).code).toBe("restore-mismatch");
  });

  it("adopt - another type or scope is rejected restore-mismatch naming the field", () => {
    const { exported } = busy();
    const constant = fresh({ id: "b", type: "constant", interval: 40, mainFn: () => 1 });
    expect(refusedWith(constant, { export: exported })).toMatchObject({
      code: "restore-mismatch",
      field: "command.export.type",
    });
    const spawnScope = fresh({ id: "b", interval: 40, scope: "spawn", mainFn: () => 1 });
    expect(refusedWith(spawnScope, { export: exported })).toMatchObject({
      code: "restore-mismatch",
      field: "command.export.scope",
    });
  });

  it("adopt - a function override the export names must be passed", () => {
    const { exported } = busy();
    expect(refusedWith(fresh(), { export: exported })).toMatchObject({
      code: "restore-mismatch",
      field: "command.spawnOverrides.x.argsFn",
    });
  });

  it("adopt - an interval function given by set-interval cannot be adopted", () => {
    const source = fresh();
    source.dispatch({ type: "set-interval", at: 0, programId: "b", interval: () => 20 });
    const exported = source.exportProgram("b") as ProgramExport;
    expect(refusedWith(fresh(), { export: exported })).toMatchObject({
      code: "restore-mismatch",
      field: "command.export.interval",
    });
  });

  // biome-ignore lint/suspicious/noExplicitAny: tampering reaches anywhere
  const tamperings: [string, (data: any) => void, string][] = [
    ["another version", (data) => (data.version = 2), "command.export.version"],
    ["a missing key", (data) => delete data.counts, "command.export.counts"],
    ["an unknown key", (data) => (data.extra = 1), "command.export.extra"],
    [
      "a job started before its due time",
      (data) => (data.spawns[1].inFlight[0].startedAt = 1),
      "command.export.spawns[1].inFlight[0].startedAt",
    ],
    [
      "a waiting job under another fire id",
      (data) => (data.spawns[0].pending.fireId = "b/b-1/0"),
      "command.export.spawns[0].pending.fireId",
    ],
    [
      "a job started after the export's time",
      (data) => (data.spawns[1].inFlight[0].startedAt = 99),
      "command.export.spawns[1].inFlight[0].startedAt",
    ],
    ["a generator state beyond 32 bits", (data) => (data.random = 2 ** 32), "command.export.random"],
    ["a running spawn that is not listed", (data) => (data.running = ["b-1"]), "command.export.running"],
    [
      "a job listed twice",
      (data) => (data.triggers = [data.triggers[0], data.triggers[0]]),
      "command.export.triggers[1].id",
    ],
  ];
  for (const [name, tamper, field] of tamperings) {
    it(`adopt - an export with ${name} is rejected invalid-snapshot naming ${field}`, () => {
      const { exported } = busy();
      const data = structuredClone(exported);
      tamper(data);
      expect(refusedWith(fresh(), { export: data, spawnOverrides: overrides })).toMatchObject({
        code: "invalid-snapshot",
        field,
      });
    });
  }

  it("adopt - an export that is not JSON data, or not an object, is rejected invalid-snapshot", () => {
    const { exported } = busy();
    expect(refusedWith(fresh(), { export: { ...exported, state: 1n } as never }).code).toBe("invalid-snapshot");
    expect(refusedWith(fresh(), { export: 7 as never })).toMatchObject({
      code: "invalid-snapshot",
      field: "command.export",
    });
  });
});
