import { Command, Option } from 'commander';
import { OUTPUT_FORMATS } from '../../report/index.js';
import { reportFatal } from '../exit.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/**
 * registerRunCommand adds `smtprobe run probes.yaml`: every target concurrently (global and
 * per-host limits), a summary and the worst verdict as exit code; `--every` repeats and
 * reports state changes.
 */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('probe every target of a probes.yaml concurrently; exit code = worst verdict')
    .argument('<config>', 'probes.yaml (relative paths in it are relative to the file)')
    .option('--concurrency <n>', 'probes in flight at once (default 64)')
    .option('--per-host <n>', 'probes in flight at once against one host (default 2)')
    .option('--workers <n>', 'worker threads probing in parallel, the limits above holding across them (default: the number of cores; 1 = no thread; smtprobe.exe always 1)')
    .option('--every <duration>', 'repeat every DURATION (e.g. 60s, 5m) and report state changes until interrupted')
    .option('--jitter <fraction>', 'with --every: spread probes by this fraction of the interval (default 0.1)')
    .option('--target <name>', 'only this target; repeatable', collect)
    .addOption(new Option('--format <format>', 'output format').choices([...OUTPUT_FORMATS]).default('human'))
    .option('--output <file>', 'write the output to FILE atomically (temporary file + rename), e.g. for node_exporter\'s textfile collector')
    .option('--no-progress', 'no progress bar (it shows on a terminal for runs longer than a second)')
    .action(async (config: string, flags: Record<string, unknown>) => {
      try {
        const { runFleetCommand } = await import('../run-fleet.js');
        process.exitCode = await runFleetCommand(config, flags);
      } catch (err) {
        reportFatal(err);
      }
    });
}
