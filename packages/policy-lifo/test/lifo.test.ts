import { createKernel, type SpawnSet, type SpawnView } from "@schedkit/kernel";
import { checkPolicy } from "@schedkit/kernel/testing";
import { describe, expect, it } from "vitest";
import { lifo } from "../src/index.js";

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

describe("lifo", () => {
  it("lifo - is named last", () => {
    expect(lifo().name).toBe("last");
  });

  it("select - picks the most recently started spawn from the ends alone", () => {
    expect(lifo().select(endsOnly([view("a", 0), view("b", 5), view("c", 9)]))).toBe("c");
  });

  it("select - an empty set gives undefined", () => {
    expect(lifo().select(endsOnly([]))).toBeUndefined();
  });

  it("checkPolicy - every rule of the policy contract holds", () => {
    const report = checkPolicy(lifo(), { seed: 1 });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("unspawn - a kernel with lifo() stops the newest spawn first", () => {
    const kernel = createKernel({ policies: [lifo()] });
    kernel.dispatch({ type: "install", at: 0, program: { id: "worker", interval: 100, mainFn: () => undefined } });
    for (const at of [0, 10, 20]) kernel.dispatch({ type: "spawn", at, programId: "worker" });
    const stopped = [30, 40].map((at) =>
      kernel.dispatch({ type: "unspawn", at, programId: "worker" }).find((effect) => effect.type === "unspawned"),
    );
    expect(stopped.map((effect) => effect?.type === "unspawned" && effect.spawnId)).toEqual(["worker-3", "worker-2"]);
    expect(kernel.listSpawns("worker").map((spawn) => spawn.id)).toEqual(["worker-1"]);
  });

  it("registration - a kernel without lifo() refuses a program that names it", () => {
    createKernel({ policies: [lifo()] });
    const other = createKernel();
    const [effect] = other.dispatch({
      type: "install",
      at: 0,
      program: { id: "worker", interval: 100, policy: "last", mainFn: () => undefined },
    });
    expect(effect).toMatchObject({ type: "rejected", code: "unknown-policy", field: "program.policy" });
  });
});
