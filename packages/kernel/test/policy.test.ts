import { describe, expect, it } from "vitest";
import { createKernel, type SpawnView, type UnspawnPolicy } from "../src/index.js";

const mainFn = () => undefined;

const install = (kernel: ReturnType<typeof createKernel>, policy?: string) =>
  kernel.dispatch({
    type: "install",
    at: 0,
    program: { id: "worker", interval: 100, mainFn, ...(policy === undefined ? {} : { policy }) },
  });

describe("policies", () => {
  it("unspawn - the views a policy sees are read-only: writing to one fails with policy-failed and nothing changes", () => {
    const writer: UnspawnPolicy = {
      name: "writer",
      select: (spawns) => {
        const view = spawns.latest() as { startedAt: number; id: string };
        view.startedAt = -1;
        return view.id;
      },
    };
    const kernel = createKernel({ policies: [writer] });
    install(kernel);
    kernel.dispatch({ type: "spawn", at: 0, programId: "worker" });
    kernel.dispatch({ type: "tick", at: 5 });
    const before = kernel.info();
    const [effect] = kernel.dispatch({ type: "unspawn", at: 5, programId: "worker" });
    expect(effect).toMatchObject({ type: "rejected", code: "policy-failed", field: 'policy "writer"' });
    expect(effect?.type === "rejected" && effect.message).toMatch(/^policy "writer" threw: /);
    expect(kernel.info()).toEqual(before);
    expect(kernel.getSpawn("worker", "worker-1").startedAt).toBe(0);
  });

  it("unspawn - the set holds running spawns only, not those still finishing a job after a stop", () => {
    const seen: string[][] = [];
    const spy: UnspawnPolicy = {
      name: "spy",
      select: (spawns) => {
        seen.push([...spawns].map((view: SpawnView) => view.id));
        return spawns.latest()?.id;
      },
    };
    const kernel = createKernel({ policies: [spy] });
    install(kernel);
    for (const at of [0, 1, 2]) kernel.dispatch({ type: "spawn", at, programId: "worker" });
    kernel.dispatch({ type: "tick", at: 100 }); // worker-1 starts a job
    kernel.dispatch({ type: "stop-spawn", at: 100, programId: "worker", spawnId: "worker-1" });
    expect(kernel.getSpawn("worker", "worker-1").status).toBe("terminating");
    kernel.dispatch({ type: "unspawn", at: 100, programId: "worker" });
    expect(seen).toEqual([["worker-2", "worker-3"]]);
  });

  it("createKernel - policies are registered per instance: the same name can mean different policies", () => {
    const oldest: UnspawnPolicy = { name: "pick", select: (spawns) => spawns.earliest()?.id };
    const newest: UnspawnPolicy = { name: "pick", select: (spawns) => spawns.latest()?.id };
    const kernels = [createKernel({ policies: [oldest] }), createKernel({ policies: [newest] })];
    const chosen = kernels.map((kernel) => {
      install(kernel, "pick");
      for (const at of [0, 1]) kernel.dispatch({ type: "spawn", at, programId: "worker" });
      const effect = kernel.dispatch({ type: "unspawn", at: 2, programId: "worker" })[0];
      return effect?.type === "unspawned" ? effect.spawnId : undefined;
    });
    expect(chosen).toEqual(["worker-1", "worker-2"]);
  });

  it("install - a program naming an unregistered policy is refused, naming the policy and what is registered", () => {
    const kernel = createKernel({ policies: [{ name: "last", select: (spawns) => spawns.latest()?.id }] });
    const [effect] = install(kernel, "idlest");
    expect(effect).toEqual({
      type: "rejected",
      command: expect.objectContaining({ type: "install" }),
      code: "unknown-policy",
      field: "program.policy",
      message: 'program.policy: no policy named "idlest" is registered (registered: last)',
    });
    expect(kernel.isInstalled("worker")).toBe(false);
  });

  it("unspawn - at 100,000 spawns the set's ends are the oldest and newest spawn", () => {
    const ends: (string | undefined)[] = [];
    const last: UnspawnPolicy = {
      name: "last",
      select: (spawns) => {
        ends.push(spawns.earliest()?.id, spawns.latest()?.id);
        return spawns.latest()?.id;
      },
    };
    const kernel = createKernel({ policies: [last] });
    install(kernel);
    for (let index = 0; index < 100_000; index++) kernel.dispatch({ type: "spawn", at: 0, programId: "worker" });
    const effects = kernel.dispatch({ type: "unspawn", at: 1, programId: "worker" });
    expect(effects[0]).toEqual({ type: "unspawned", programId: "worker", spawnId: "worker-100000" });
    expect(ends).toEqual(["worker-1", "worker-100000"]);
    expect(kernel.countSpawns("worker")).toBe(99_999);
  });
});
