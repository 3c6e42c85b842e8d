// `npm run test:unit`: the unit tests beside the code, without setup, k6 or servers, files in
// parallel (none of them measures latency). End-to-end tests (test/) and the reference target's
// tests (they start redis-server) run in the full `npm test`.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['node_modules/**', 'dist/**', 'tools/**', 'scenarios/**', 'test/**', 'target/**'],
      fileParallelism: true,
    },
  }),
);
