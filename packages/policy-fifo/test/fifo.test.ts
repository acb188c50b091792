import { createKernel, type SpawnSet, type SpawnView } from "@schedkit/kernel";
import { checkPolicy } from "@schedkit/kernel/testing";
import { describe, expect, it } from "vitest";
import { fifo } from "../src/index.js";

const view = (id: string, startedAt: number): SpawnView => ({
  id,
  programId: "p",
  startedAt,
  inFlight: 0,
  submitted: 0,
  succeeded: 0,
  errored: 0,
  completed: 0,
});

/** A set that refuses iteration: an O(1) policy never needs it. */
const endsOnly = (views: SpawnView[]): SpawnSet => ({
  size: views.length,
  earliest: () => views[0],
  latest: () => views.at(-1),
  [Symbol.iterator]: () => {
    throw new Error("iterated the whole set");
  },
});

describe("fifo", () => {
  it("fifo - is named first", () => {
    expect(fifo().name).toBe("first");
  });

  it("select - picks the earliest started spawn from the ends alone", () => {
    expect(fifo().select(endsOnly([view("a", 0), view("b", 5), view("c", 9)]))).toBe("a");
  });

  it("select - an empty set gives undefined", () => {
    expect(fifo().select(endsOnly([]))).toBeUndefined();
  });

  it("checkPolicy - every rule of the policy contract holds", () => {
    const report = checkPolicy(fifo(), { seed: 1 });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("unspawn - a kernel with fifo() stops the oldest spawn first", () => {
    const kernel = createKernel({ policies: [fifo()] });
    kernel.dispatch({ type: "install", at: 0, program: { id: "worker", interval: 100, mainFn: () => undefined } });
    for (const at of [0, 10, 20]) kernel.dispatch({ type: "spawn", at, programId: "worker" });
    const stopped = [30, 40].map((at) =>
      kernel.dispatch({ type: "unspawn", at, programId: "worker" }).find((effect) => effect.type === "unspawned"),
    );
    expect(stopped.map((effect) => effect?.type === "unspawned" && effect.spawnId)).toEqual(["worker-1", "worker-2"]);
    expect(kernel.listSpawns("worker").map((spawn) => spawn.id)).toEqual(["worker-3"]);
  });

  it("registration - a kernel without fifo() refuses a program that names it", () => {
    createKernel({ policies: [fifo()] });
    const other = createKernel();
    const [effect] = other.dispatch({
      type: "install",
      at: 0,
      program: { id: "worker", interval: 100, policy: "first", mainFn: () => undefined },
    });
    expect(effect).toMatchObject({ type: "rejected", code: "unknown-policy", field: "program.policy" });
  });
});
