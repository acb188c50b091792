import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "kernel",
    include: ["test/**/*.test.ts"],
    // Property tests are CPU-bound; CI's 2 cores also run the real-process fleet tests meanwhile.
    testTimeout: 20_000,
    // The type tests (test/types/*.test-d.ts) run in the same `vitest run`: tsc checks
    // them, and a type error or an unused `@ts-expect-error` fails the run.
    typecheck: {
      enabled: true,
      include: ["test/types/**/*.test-d.ts"],
      tsconfig: "./tsconfig.typetest.json",
    },
  },
});
