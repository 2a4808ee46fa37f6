import { defineConfig } from 'vitest/config';

/** The Windows test run (scripts/test-windows.sh): the CLI under the Windows Node in Wine. */
export default defineConfig({
  test: {
    include: ['test/windows/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // One Windows process at a time: Wine's server is shared, and the machine is small.
    fileParallelism: false,
    reporters: ['default'],
  },
});
