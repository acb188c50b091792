import { defineProject } from "vitest/config";

// The runnable examples' own tests: the runner scenarios under a fake clock; the fleet example
// with real replica processes on PostgreSQL (SCHEDKIT_PG_URL; skipped with a notice without it);
// the OpenTelemetry example under a fake clock with in-memory exporters.
export default defineProject({
  test: {
    name: "examples",
    include: ["runner/**/*.test.ts", "fleet/**/*.test.ts", "otel/**/*.test.ts"],
  },
});
