import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'tools/**', 'scenarios/**'],
    // End-to-end tests start real servers and k6 and some judge latency gates: on two cores, one
    // test file at a time, so no test's figures are another test's noise.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
