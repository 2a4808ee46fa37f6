#!/usr/bin/env node
/**
 * smtprobe command line: wiring only. Each command registers its flags here and loads its
 * implementation lazily in its action, so `smtprobe check` starts fast. When the first
 * argument names a command, only that command's module is loaded and registered (the others
 * cost start-up and are not needed to parse its flags); otherwise — no command, `--help`,
 * `--version`, `help`, a typo — all are registered, so help lists them and errors name them.
 */
import { Command, CommanderError } from 'commander';
import { COMMAND_NAMES, isCommandName, type CommandName } from './commands/names.js';
import { endQuietlyOnClosedOutput } from './closed-output.js';
import { useAsciiMarksWhereNeeded } from './console-charset.js';
import { reportFatal, UNKNOWN_EXIT } from './exit.js';
import { usageErrorLine } from './usage-error.js';

type Register = (program: Command) => void;

/** The module that registers each command. */
const COMMANDS: Readonly<Record<CommandName, () => Promise<Register>>> = {
  check: async () => (await import('./commands/check.js')).registerCheckCommand,
  mock: async () => (await import('./commands/mock.js')).registerMockCommand,
  path: async () => (await import('./commands/path.js')).registerPathCommand,
  record: async () => (await import('./commands/record.js')).registerRecordCommand,
  run: async () => (await import('./commands/run.js')).registerRunCommand,
  serve: async () => (await import('./commands/serve.js')).registerServeCommand,
  explain: async () => (await import('./commands/explain.js')).registerExplainCommand,
  'import-connector': async () => (await import('./commands/import-connector.js')).registerImportConnectorCommand,
  demo: async () => (await import('./commands/demo.js')).registerDemoCommand,
  schema: async () => (await import('./commands/schema.js')).registerSchemaCommand,
};

const program = new Command()
  .name('smtprobe')
  .description('Probe SMTP smart hosts: connectivity, TLS, SMTP AUTH — and say which setting to change.')
  .version('0.1.0')
  .configureOutput({ outputError: (text, write) => write(usageErrorLine(text, process.argv[2])) })
  .exitOverride();

async function main(): Promise<void> {
  endQuietlyOnClosedOutput();
  useAsciiMarksWhereNeeded();
  try {
    const arg = process.argv[2];
    const names = isCommandName(arg) ? [arg] : COMMAND_NAMES;
    const registers = await Promise.all(names.map((name) => COMMANDS[name]()));
    for (const register of registers) register(program);
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; a usage error is UNKNOWN (3) by the plugin convention.
      process.exitCode = err.exitCode === 0 ? 0 : UNKNOWN_EXIT;
    } else {
      reportFatal(err);
    }
  }
}

// No top-level await: the executable bundles this as CommonJS (see src/launcher/smtprobe.ts).
void main();
