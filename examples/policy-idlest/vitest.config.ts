import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "example-policy-idlest",
    include: ["test/**/*.test.ts"],
  },
});
