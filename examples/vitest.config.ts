import { defineProject } from "vitest/config";

// The runnable examples' own tests: the runner scenarios under a fake clock; the fleet example
// with real replica processes on PostgreSQL (SCHEDKIT_PG_URL; skipped with a notice without it).
export default defineProject({
  test: {
    name: "examples",
    include: ["runner/**/*.test.ts", "fleet/**/*.test.ts"],
  },
});
