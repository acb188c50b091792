import FakeTimers from "@sinonjs/fake-timers";
import * as Effect from "effect/Effect";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  createKernel,
  createRunner,
  defineProgram,
  effectsOf,
  SchedkitError,
  type UnspawnPolicy,
} from "../src/index.js";

// The typed handle `runner.install` returns (issue #15, section 1); the type
// tests are in types/program.test-d.ts.

const setup = () => {
  const clock = FakeTimers.createClock(0);
  const last: UnspawnPolicy = { name: "last", select: (spawns) => spawns.latest()?.id };
  return { clock, runner: createRunner({ clock, policies: [last] }) };
};

describe("runner: install returns a typed handle", () => {
  it("install - the handle reads the state and spawns, triggers and unspawns its program", async () => {
    const { clock, runner } = setup();
    const handle = runner.install({
      id: "cleanup",
      interval: 100,
      createFn: () => ({ deleted: 0 }),
      mainFn: async () => ({ cnt: 2 }),
      mergeFn: (state, output) => ({ deleted: state.deleted + output.cnt }),
    });
    expect(handle.id).toBe("cleanup");
    expect(handle.getState()).toEqual({ deleted: 0 });
    expect(handle.spawn()).toBe("cleanup-1");
    expect(handle.spawn({ spawnId: "named" })).toBe("named");
    runner.start();
    await clock.tickAsync(100);
    expect(handle.getState()).toEqual({ deleted: 4 });
    expect(handle.getSpawnState("named")).toEqual(runner.getSpawnState("cleanup", "named"));
    const value = await handle.trigger();
    expectTypeOf(value).toEqualTypeOf<{ cnt: number }>();
    expect(value).toEqual({ cnt: 2 });
    expect(handle.getState()).toEqual({ deleted: 6 });
    expect(handle.unspawn()).toBe("named");
    expect(runner.countSpawns("cleanup")).toBe(1);
    runner.kill();
  });

  it("install - trigger resolves with an Effect's success and rejects with its failure", async () => {
    const { clock, runner } = setup();
    const ok = runner.install({ id: "ok", interval: 100, mainFn: () => Effect.succeed(7) });
    const bad = runner.install({ id: "bad", interval: 100, mainFn: () => Effect.fail("no luck") });
    runner.start();
    await expect(ok.trigger()).resolves.toBe(7);
    const later = ok.trigger(50);
    await clock.tickAsync(50);
    await expect(later).resolves.toBe(7);
    await expect(bad.trigger()).rejects.toBe("no luck");
    runner.kill();
  });

  it("install - the untyped methods keep working beside the handle", () => {
    const { runner } = setup();
    const returned: unknown = runner.install({ id: "p", interval: 10, createFn: () => 1, mainFn: () => 1 });
    expect(returned).toMatchObject({ id: "p" });
    expect(runner.getState("p")).toBe(1);
    expect(runner.spawn("p")).toBe("p-1");
  });

  it("install - a bad spec still throws the kernel's rejection and gives no handle", () => {
    const { runner } = setup();
    expect(() => runner.install({ id: "", interval: 10, mainFn: () => 1 })).toThrow(SchedkitError);
    expect(runner.isInstalled("")).toBe(false);
  });

  it("defineProgram - returns the spec itself, usable with a kernel", () => {
    const spec = defineProgram({ id: "p", interval: 10, createFn: () => 0, mainFn: () => 1 });
    const kernel = createKernel();
    expect(effectsOf(kernel.dispatch({ type: "install", at: 0, program: spec }), "installed")).toHaveLength(1);
    expect(kernel.getProgram("p").createFn).toBe(spec.createFn);
  });
});
