import { Command } from 'commander';
import type { MockFlags } from '../run-mock.js';

/**
 * registerMockCommand adds `smtprobe mock [NAME|FILE]`: run a bundled scenario (or any
 * scenario file, such as a recording) as a mock smart host on loopback, print how to probe
 * it, log each session to stderr, and stop cleanly on Ctrl-C or SIGTERM.
 */
export function registerMockCommand(program: Command): void {
  program
    .command('mock')
    .description('run the bundled mock smart host with a scenario (a bundled name or a scenario file)')
    .argument('[scenario]', 'bundled scenario name (see --list) or path to a scenario .yaml file')
    .option('--list', 'list the bundled scenarios, one line each')
    .option('--port <n>', 'port to listen on (0 = any free port)', '2525')
    .option('--listen <address>', 'address to bind (default 127.0.0.1: loopback only)', '127.0.0.1')
    .option('-q, --quiet', 'do not log sessions to stderr')
    .action(async (name: string | undefined, flags: MockFlags) => {
      const { runMock } = await import('../run-mock.js');
      process.exitCode = await runMock(name, flags);
    });
}
