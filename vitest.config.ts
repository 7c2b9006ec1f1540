import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["host-tests/**/*.test.ts"],
    // Long campaigns (power cuts, fuzzing) are bounded by iteration counts,
    // not by time; this limit only catches a hang.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
  },
});
