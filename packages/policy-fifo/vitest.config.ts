import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "policy-fifo",
    include: ["test/**/*.test.ts"],
  },
});
