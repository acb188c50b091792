import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "postgres",
    include: ["test/**/*.test.ts"],
    // An embedded PGlite takes 1-3 s to boot alone, several times that on a loaded 2-core machine.
    testTimeout: 30_000,
  },
});
