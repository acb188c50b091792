import { defineConfig } from "vitest/config";

// CI asks for a JSON report beside the usual output through the environment, so
// that it runs the README's test command as it is written.
const jsonReport = process.env.SCHEDKIT_TEST_REPORT;

// One project per package; each package's own vitest.config.ts names its tests.
export default defineConfig({
  test: {
    projects: ["packages/*", "examples/policy-idlest", "examples"],
    ...(jsonReport ? { reporters: ["default", "json"], outputFile: { json: jsonReport } } : {}),
  },
});
