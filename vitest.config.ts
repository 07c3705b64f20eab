import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'scripts/**/*.test.ts', 'test/**/*.test.ts', 'site/**/*.test.ts'],
    // Git- and process-heavy suites share 2 cores; generous timeouts keep them from flaking.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
