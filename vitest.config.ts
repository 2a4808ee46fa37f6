import { defineConfig } from 'vitest/config';

/**
 * Test files that must have the machine to themselves: real MTAs and network namespaces (their
 * daemons, raw sockets and routes), timing under garbage collection or under a deadline of a
 * second or so, and leak counts. Everything else runs two files at a time.
 */
const SERIAL = [
  'test/netns/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/integration/{postfix,fleet-postfix,never-data-postfix,exim,dovecot,opensmtpd,haraka}.test.ts',
  'test/integration/{interrupt-cli,cli-first-minutes,silent-port,probe-leaks,mock-leaks,record-variations,fleet-run,cert-corpus,tls-verdict-memory,workers-cli}.test.ts',
];

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
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          // Every other test file (a new folder included): mock servers and CLI processes on
          // ports of their own, two files at a time.
          include: ['test/**/*.test.ts'],
          exclude: [...SERIAL, 'test/unit/**'],
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'serial',
          include: SERIAL,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
