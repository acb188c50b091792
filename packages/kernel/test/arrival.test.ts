import { describe, expect, it } from "vitest";
import { createKernel, type UnspawnPolicy } from "../src/index.js";

const last: UnspawnPolicy = { name: "last", select: (spawns) => spawns.latest()?.id };
const failingArgs = () => {
  throw new Error("x");
};

// Each dispatch lets time arrive first: jobs due by `at` start (and may stop their
// spawn) before the command is judged. These are the sequences that once broke that.
describe("dispatch: time arrives before the command is judged", () => {
  it("unspawn - refused with min-reached when due jobs already stopped a spawn", () => {
    const kernel = createKernel({ policies: [last] });
    kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "p", interval: 10, min: 1, continueFn: () => false, mainFn: () => 1 },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p", opts: { argsFn: failingArgs } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "unspawn", at: 10, programId: "p" });
    // p-1's job fails at 10 and its continueFn stops it: one spawn is left, which min keeps.
    expect(effects.map((effect) => effect.type)).toEqual(["settled", "stopped", "run", "refused", "wake"]);
    expect(effects[3]).toMatchObject({ type: "refused", code: "min-reached" });
    expect(kernel.listSpawns("p").map((spawn) => spawn.id)).toEqual(["p-2"]);
  });

  it("spawn - not refused by max when due jobs already stopped the spawn that filled it", () => {
    const kernel = createKernel({ policies: [last] });
    kernel.dispatch({
      type: "install",
      at: 0,
      program: { id: "p", interval: 10, max: 1, argsFn: failingArgs, continueFn: () => false, mainFn: () => 1 },
    });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const effects = kernel.dispatch({ type: "spawn", at: 10, programId: "p" });
    expect(effects.map((effect) => effect.type)).toEqual(["settled", "stopped", "spawned", "wake"]);
    expect(kernel.listSpawns("p").map((spawn) => spawn.id)).toEqual(["p-2"]);
  });

  it("dispatch - a rejected command changes nothing, not even the time it carries", () => {
    const kernel = createKernel();
    kernel.dispatch({ type: "install", at: 0, program: { id: "p", interval: 10, mainFn: () => 1 } });
    kernel.dispatch({ type: "spawn", at: 0, programId: "p" });
    const before = kernel.snapshot();
    const effects = kernel.dispatch({ type: "spawn", at: 10, programId: "nope" });
    // The due job is not started by a command that was rejected: the wake still asks for a tick at 10.
    expect(effects.map((effect) => effect.type)).toEqual(["rejected", "wake"]);
    expect(effects.at(-1)).toEqual({ type: "wake", at: 10 });
    expect(kernel.snapshot()).toEqual(before);
    expect(kernel.info().clock.now).toBe(0);
  });
});
