import { createKernel, type SpawnSet, type SpawnView } from "@schedkit/kernel";
import { checkPolicy } from "@schedkit/kernel/testing";
import { describe, expect, it } from "vitest";
import { idlest } from "../src/index.js";

const view = (id: string, inFlight: number): SpawnView => ({
  id,
  programId: "p",
  startedAt: 0,
  inFlight,
  submitted: inFlight,
  succeeded: 0,
  errored: 0,
  completed: 0,
});

const setOf = (views: SpawnView[]): SpawnSet => ({
  size: views.length,
  earliest: () => views[0],
  latest: () => views.at(-1),
  [Symbol.iterator]: () => views[Symbol.iterator](),
});

describe("idlest", () => {
  it("select - picks the spawn with the fewest jobs in flight", () => {
    expect(idlest().select(setOf([view("a", 2), view("b", 0), view("c", 1)]))).toBe("b");
  });

  it("select - a tie goes to the most recently started spawn", () => {
    expect(idlest().select(setOf([view("a", 0), view("b", 1), view("c", 0)]))).toBe("c");
  });

  it("checkPolicy - every rule of the policy contract holds", () => {
    expect(checkPolicy(idlest(), { seed: 7 }).failures).toEqual([]);
  });

  it("unspawn - a kernel with idlest() stops the worker that is not busy", () => {
    const kernel = createKernel({ policies: [idlest()] });
    kernel.dispatch({ type: "install", at: 0, program: { id: "worker", interval: 100, mainFn: () => undefined } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "worker" }); // due at 100
    kernel.dispatch({ type: "spawn", at: 50, programId: "worker" }); // due at 150
    kernel.dispatch({ type: "tick", at: 120 }); // worker-1 is busy, worker-2 is idle
    const effects = kernel.dispatch({ type: "unspawn", at: 120, programId: "worker" });
    expect(effects[0]).toEqual({ type: "unspawned", programId: "worker", spawnId: "worker-2" });
  });
});
