import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "kernel",
    include: ["test/**/*.test.ts"],
    // The type tests (test/types/*.test-d.ts) run in the same `vitest run`: tsc checks
    // them, and a type error or an unused `@ts-expect-error` fails the run.
    typecheck: {
      enabled: true,
      include: ["test/types/**/*.test-d.ts"],
      tsconfig: "./tsconfig.typetest.json",
    },
  },
});
