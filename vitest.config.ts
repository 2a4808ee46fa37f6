import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Windows run needs node.exe under Wine: scripts/test-windows.sh, vitest.windows.config.ts.
    exclude: ['test/windows/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Unit tests share one process per worker: a fresh process per file (start-up and
          // re-importing the modules) cost more than the tests themselves — 69 s against 22 s
          // for the 89 files on a 2-core machine. They keep no state that outlives a file.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'system',
          include: ['test/**/*.test.ts'],
          // Integration, network-namespace and fuzz tests keep a process per file: some watch
          // timing under garbage collection, which a heap shared with earlier files would skew.
          exclude: ['test/unit/**', 'test/windows/**', '**/node_modules/**'],
        },
      },
    ],
  },
});
