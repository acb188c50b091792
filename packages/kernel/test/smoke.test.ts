import { describe, expect, it } from "vitest";
import { createKernel } from "../src/index.js";

describe("createKernel", () => {
  it("dispatch - ends with wake", () => {
    const kernel = createKernel();
    const effects = kernel.dispatch({ type: "tick", at: 0 });
    expect(effects.at(-1)).toEqual({ type: "wake", at: null });
  });
});
