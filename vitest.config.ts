import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Workspace packages point the "source" condition at their TypeScript, so tests run the
    // code as written instead of a stale build.
    conditions: ["source"],
  },
  // Tests run in Vite's server (SSR) environment, which does not read the list above; without
  // this, importing another workspace package by name fails to resolve. The rest of the list is
  // Vite's default server conditions, kept so that dependencies resolve as before.
  ssr: {
    resolve: {
      conditions: ["source", "module", "node", "development|production"],
    },
  },
  test: {
    include: ["*/src/**/*.test.ts", "*/test/**/*.test.ts", "docs/scripts/**/*.test.ts"],
    setupFiles: ["./vitest.setup.ts"],
    // The failed tests' names come last, so a check that keeps only the tail still names them.
    reporters: ["default", "./vitest.failed-summary.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
