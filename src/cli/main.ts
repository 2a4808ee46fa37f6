#!/usr/bin/env node
/**
 * smtprobe command line: wiring only. Each command registers its flags here and loads its
 * implementation lazily in its action, so `smtprobe check` starts fast.
 */
import { Command, CommanderError } from 'commander';
import { registerCheckCommand } from './commands/check.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerExplainCommand } from './commands/explain.js';
import { registerImportConnectorCommand } from './commands/import-connector.js';
import { registerMockCommand } from './commands/mock.js';
import { registerPathCommand } from './commands/path.js';
import { registerRecordCommand } from './commands/record.js';
import { registerRunCommand } from './commands/run.js';
import { registerServeCommand } from './commands/serve.js';
import { reportFatal, UNKNOWN_EXIT } from './exit.js';

const program = new Command()
  .name('smtprobe')
  .description('Probe SMTP smart hosts: connectivity, TLS, SMTP AUTH — and say which setting to change.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerCheckCommand(program);
registerMockCommand(program);
registerPathCommand(program);
registerRecordCommand(program);
registerRunCommand(program);
registerServeCommand(program);
registerExplainCommand(program);
registerImportConnectorCommand(program);
registerDemoCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are not errors; a usage error is UNKNOWN (3) by the plugin convention.
    process.exitCode = err.exitCode === 0 ? 0 : UNKNOWN_EXIT;
  } else {
    reportFatal(err);
  }
}
