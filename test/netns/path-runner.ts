/**
 * path-runner: `smtprobe path` as a child process for the network-namespace tests and the
 * bench (`ip netns exec <client> node <compiled runner> path HOST ...`). The test process
 * stays in the root namespace; raw sockets must be opened inside the client namespace.
 */
import { Command } from 'commander';
import { registerPathCommand } from '../../src/cli/commands/path.js';

const program = new Command().name('smtprobe').exitOverride();
registerPathCommand(program);
await program.parseAsync(process.argv);
