import { defineProject } from "vitest/config";

// The runnable examples' own tests (each checks its scenario under a fake clock).
export default defineProject({
  test: {
    name: "examples",
    include: ["runner/**/*.test.ts"],
  },
});
