import { describe, expectTypeOf, it } from "vitest";
import { createKernel, type Kernel, type Runner, type SchedkitErrorCode } from "../../src/index.js";

// Type tests for the preview and validation methods: run by `vitest run` in typecheck mode.

declare const runner: Runner;
const kernel: Kernel = createKernel();

type Problems = readonly { readonly code: SchedkitErrorCode; readonly field: string; readonly message: string }[];

describe("validateProgram and nextRuns", () => {
  it("validateProgram - takes anything and answers coded problems, on the kernel and the runner", () => {
    expectTypeOf(kernel.validateProgram({ id: "p", interval: 10, mainFn: () => 1 })).toEqualTypeOf<Problems>();
    expectTypeOf(kernel.validateProgram(JSON.parse("{}"))).toEqualTypeOf<Problems>();
    expectTypeOf(runner.validateProgram).toEqualTypeOf<Kernel["validateProgram"]>();
  });

  it("nextRuns - answers a read-only list of times or undefined; a spawn id, if any, comes before the count", () => {
    expectTypeOf(kernel.nextRuns("p", undefined, 5)).toEqualTypeOf<readonly (number | undefined)[]>();
    expectTypeOf(kernel.nextRuns("p", "p-1", 5)).toEqualTypeOf<readonly (number | undefined)[]>();
    expectTypeOf(kernel.nextRuns("p", undefined, 5, 1000)).toEqualTypeOf<readonly (number | undefined)[]>();
    expectTypeOf(runner.nextRuns).toEqualTypeOf<Kernel["nextRuns"]>();
    // Without a spawn: the count second (the same as `undefined` then the count).
    expectTypeOf(kernel.nextRuns("p", 5)).toEqualTypeOf<readonly (number | undefined)[]>();
    expectTypeOf(kernel.nextRuns("p", 5, 1000)).toEqualTypeOf<readonly (number | undefined)[]>();
    // @ts-expect-error a spawn id and no count
    kernel.nextRuns("p", "p-1");
    // @ts-expect-error the list is read-only
    kernel.nextRuns("p", undefined, 1)[0] = 3;
  });
});
