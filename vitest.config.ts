import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: [
      "test/support/bundle-global.ts",
      "test/support/pglite-seed-global.ts",
      "test/support/postgres-template-global.ts",
    ],
    setupFiles: ["test/support/pglite-seed.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real databases, servers and daemons; two cores run two files at a time.
    maxWorkers: 2,
  },
});
