import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "lib/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start real servers on loopback ports; files run in parallel processes, tests within a file in order.
    // Three at once, whatever the cores: most files wait on servers, engines and outages rather than compute
    // (vitest's default on a 2-core machine is one file at a time: 15 min instead of 9).
    pool: "forks",
    maxWorkers: 3,
    globalSetup: ["test/support/global-setup.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
