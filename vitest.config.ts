import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Workspace packages point the "source" condition at their TypeScript, so tests run the
    // code as written instead of a stale build.
    conditions: ["source"],
  },
  test: {
    include: ["*/src/**/*.test.ts", "*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
