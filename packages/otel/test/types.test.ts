import type { Runner } from "@schedkit/kernel";
import type { FleetRunner } from "@schedkit/postgres";
import { describe, expectTypeOf, it } from "vitest";
import { type Instrumentable, instrument } from "../src/index.js";

describe("instrument: types", () => {
  it("instrument - takes a runner and a fleet runner as they are, and returns the remover", () => {
    expectTypeOf<Runner extends Instrumentable ? true : false>().toEqualTypeOf<true>();
    expectTypeOf<FleetRunner extends Instrumentable ? true : false>().toEqualTypeOf<true>();
    expectTypeOf(instrument).returns.toEqualTypeOf<() => void>();
  });
});
