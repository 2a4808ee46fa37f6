import { Command } from 'commander';
import { reportFatal } from '../exit.js';

/**
 * registerRecordCommand adds `smtprobe record`: turn a saved Report (`check --format json`)
 * or an Exchange SMTP Send protocol log into a scenario file the mock replays (docs/record.md).
 */
export function registerRecordCommand(program: Command): void {
  program
    .command('record')
    .description('turn a saved report (check --json) or an Exchange SMTP Send protocol log into a redacted mock scenario')
    .option('--from-report <file>', 'a Report saved with `smtprobe check ... --json > report.json`')
    .option('--from-exchange-log <file>', 'an Exchange SMTP Send protocol log (SEND*.LOG) or an excerpt of one')
    .option('--session <id>', 'with --from-exchange-log: the session-id to replay, or first | last (failing session; default last)')
    .option('-o, --output <file>', 'write the scenario here (the scenario name follows the file name); default: stdout')
    .option('--keep-usernames', 'keep the recorded user name instead of a placeholder')
    .option('--time-scale <factor>', 'multiply recorded delays by this factor (0 drops them; default 1)')
    .action(async (flags: Record<string, unknown>) => {
      try {
        const { runRecord } = await import('../run-record.js');
        process.exitCode = await runRecord(flags);
      } catch (err) {
        reportFatal(err);
      }
    });
}
