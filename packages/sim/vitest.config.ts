import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "sim",
    include: ["test/**/*.test.ts"],
    // Seeded simulations are CPU-bound: on a 2-core machine that also runs the real-process fleet
    // tests, one can take several times its usual second or two.
    testTimeout: 30_000,
  },
});
