import * as Effect from "effect/Effect";
import { describe, expectTypeOf, it } from "vitest";
import {
  createKernel,
  createRunner,
  defineProgram,
  type KernelSnapshot,
  type ProgramHandle,
  type ProgramSpec,
  type ResolvedValue,
  type Runner,
} from "../../src/index.js";

// Type tests (issue #15, section 1): run by `pnpm test` in vitest's typecheck
// mode (see ../../vitest.config.ts); every `@ts-expect-error` must meet an error.

declare const runner: Runner;

describe("ProgramSpec: the hooks infer from each other", () => {
  it("install - createFn's return is the state, mainFn's value feeds successFn, its output feeds mergeFn", () => {
    const handle = runner.install({
      id: "cleanup",
      interval: 60_000,
      createFn: () => ({ deleted: 0 }),
      mainFn: () => ({ cnt: 3 }),
      successFn: (value) => {
        expectTypeOf(value).toEqualTypeOf<{ cnt: number }>();
        return { count: value.cnt };
      },
      mergeFn: (state, output) => {
        expectTypeOf(state).toEqualTypeOf<{ deleted: number }>();
        // A spawn's job gives successFn's output; a trigger's value skips successFn.
        expectTypeOf(output).toEqualTypeOf<{ count: number } | { cnt: number }>();
        return { deleted: state.deleted + ("count" in output ? output.count : output.cnt) };
      },
    });
    expectTypeOf(handle).toEqualTypeOf<
      ProgramHandle<{ deleted: number }, unknown, { cnt: number }, { count: number }>
    >();
    expectTypeOf(handle.getState()).toEqualTypeOf<{ deleted: number }>();
    expectTypeOf(handle.getSpawnState("cleanup-1")).toEqualTypeOf<{ deleted: number }>();
    expectTypeOf(handle.trigger()).toEqualTypeOf<Promise<{ cnt: number }>>();
    expectTypeOf(handle.trigger(5)).toEqualTypeOf<Promise<{ cnt: number }>>();
    expectTypeOf(handle.spawn()).toEqualTypeOf<string | undefined>();
    expectTypeOf(handle.unspawn()).toEqualTypeOf<string | undefined>();
    expectTypeOf(handle.id).toEqualTypeOf<string>();
  });

  it("install - successFn's output (and a trigger's value) is mergeFn's output", () => {
    runner.install({
      id: "mapped",
      interval: 10,
      createFn: () => 0,
      mainFn: () => "abc",
      successFn: (value) => value.length,
      mergeFn: (state, output) => {
        expectTypeOf(output).toEqualTypeOf<number | string>();
        return state + (typeof output === "number" ? output : output.length);
      },
    });
  });

  it("install - without successFn, mainFn's value is mergeFn's output", () => {
    const handle = runner.install({
      id: "sum",
      interval: 10,
      createFn: () => 0,
      mainFn: () => 2,
      mergeFn: (state, output) => {
        expectTypeOf(output).toEqualTypeOf<number>();
        return state + output;
      },
    });
    expectTypeOf(handle.getState()).toEqualTypeOf<number>();
  });

  it("install - a Promise's and an Effect's success is the value (plain, Promise or Effect)", () => {
    const fromPromise = runner.install({
      id: "promise",
      interval: 10,
      mainFn: async () => 42,
      successFn: (value) => {
        expectTypeOf(value).toEqualTypeOf<number>();
        return value;
      },
    });
    expectTypeOf(fromPromise.trigger()).toEqualTypeOf<Promise<number>>();
    const fromEffect = runner.install({
      id: "effect",
      interval: 10,
      mainFn: () => Effect.succeed("done" as const),
      successFn: (value) => {
        expectTypeOf(value).toEqualTypeOf<"done">();
        return value.length;
      },
    });
    expectTypeOf(fromEffect.trigger()).toEqualTypeOf<Promise<"done">>();
    const failing = runner.install({ id: "fails", interval: 10, mainFn: () => Effect.fail(new Error("no")) });
    expectTypeOf(failing.trigger()).toEqualTypeOf<Promise<never>>();
    expectTypeOf<ResolvedValue<Effect.Effect<number, string>>>().toEqualTypeOf<number>();
    expectTypeOf<ResolvedValue<Promise<string>>>().toEqualTypeOf<string>();
    expectTypeOf<ResolvedValue<boolean>>().toEqualTypeOf<boolean>();
  });

  it("install - argsFn's return is mainFn's args; ctx is the job context", () => {
    runner.install({
      id: "args",
      interval: 10,
      argsFn: () => ({ batch: 5 }),
      mainFn: (args, t, ctx) => {
        expectTypeOf(args).toEqualTypeOf<{ batch: number }>();
        expectTypeOf(t).toEqualTypeOf<number>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(ctx.spawnId).toEqualTypeOf<string | null>();
        return args.batch;
      },
    });
  });

  it("errorFn - takes unknown, and its output is merged like successFn's", () => {
    runner.install({
      id: "errors",
      interval: 10,
      createFn: () => ({ failures: 0 }),
      mainFn: () => 1,
      successFn: () => ({ failures: 0 }),
      errorFn: (error) => {
        expectTypeOf(error).toBeUnknown();
        return { failures: 1 };
      },
      continueFn: (props) => {
        expectTypeOf(props.state).toEqualTypeOf<{ failures: number }>();
        return true;
      },
    });
  });

  it("spawn options are typed from the program", () => {
    const handle = runner.install({ id: "opts", interval: 10, createFn: () => [""], mainFn: () => "x" });
    handle.spawn({ mergeFn: (state, output) => [...state, output] });
    // @ts-expect-error the state is string[], not number
    handle.spawn({ createFn: () => 0 });
  });

  it("defineProgram - the same inference for a spec kept in a variable", () => {
    const spec = defineProgram({ id: "kept", interval: 10, createFn: () => 0, mainFn: async () => 1 });
    expectTypeOf(spec).toEqualTypeOf<ProgramSpec<number, unknown, number, number>>();
    // A typed spec is still a ProgramSpec: restoreKernel and the install command take it.
    expectTypeOf(spec).toExtend<ProgramSpec>();
    createKernel().dispatch({ type: "install", at: 0, program: spec });
  });
});

describe("ProgramSpec: the mistakes of issue #15 do not compile", () => {
  it("mergeFn reading a misspelt state field", () => {
    runner.install({
      id: "cleanup",
      interval: 60_000,
      createFn: () => ({ deleted: 0 }),
      mainFn: () => ({ cnt: 1 }),
      // @ts-expect-error `deletd` is not a field of the state
      mergeFn: (state, output) => ({ deleted: state.deletd + output.cnt }),
    });
  });

  it("successFn calling toUpperCase on a number", () => {
    runner.install({
      id: "count",
      interval: 10,
      mainFn: () => 42,
      // @ts-expect-error mainFn's value is a number
      successFn: (value) => value.toUpperCase(),
    });
  });

  it("createFn returning 0 beside mergeFn typed on string[]", () => {
    runner.install({
      id: "names",
      interval: 10,
      createFn: () => 0,
      mainFn: () => "name",
      // @ts-expect-error createFn makes the state a number, not a string[]
      mergeFn: (state: string[], output) => [...state, output],
    });
  });

  it("an Effect that needs a service is not a job", () => {
    interface Db {
      readonly query: () => number;
    }
    const needsDb: Effect.Effect<number, never, Db> = Effect.die("not run");
    runner.install({
      id: "needs-db",
      interval: 10,
      // @ts-expect-error the runner provides no services
      mainFn: () => needsDb,
    });
  });

  it("errorFn's error must be narrowed before use", () => {
    runner.install({
      id: "narrow",
      interval: 10,
      mainFn: () => 1,
      // @ts-expect-error the error is unknown
      errorFn: (error) => error.message,
    });
  });
});

describe("public types: no any", () => {
  it("ProgramSpec's defaults are unknown", () => {
    type Hooks = Required<ProgramSpec>;
    expectTypeOf<Parameters<Hooks["errorFn"]>[0]>().toBeUnknown();
    expectTypeOf<Parameters<Hooks["mergeFn"]>[0]>().toBeUnknown();
    expectTypeOf<Parameters<Hooks["mainFn"]>[0]>().toBeUnknown();
    expectTypeOf<ReturnType<Hooks["createFn"]>>().toBeUnknown();
  });

  it("the untyped runner methods keep working and answer unknown", () => {
    const r = createRunner();
    r.install({ id: "p", interval: 10, mainFn: () => 1 });
    expectTypeOf(r.getState("p")).toBeUnknown();
    expectTypeOf(r.trigger("p")).toEqualTypeOf<Promise<unknown>>();
    expectTypeOf(r.spawn("p")).toEqualTypeOf<string | undefined>();
  });

  it("KernelSnapshot is plain data", () => {
    expectTypeOf<KernelSnapshot["version"]>().toEqualTypeOf<3>();
    expectTypeOf<KernelSnapshot["programs"][number]["spawns"][number]["startedAt"]>().toEqualTypeOf<number>();
    expectTypeOf(createKernel().snapshot()).toEqualTypeOf<KernelSnapshot>();
  });
});
