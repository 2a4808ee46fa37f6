import type { Command } from 'commander';
import { reportFatal } from '../exit.js';

/**
 * registerServeCommand adds `smtprobe serve`: the Prometheus exporter (`/probe?target=&module=`
 * in the blackbox multi-target pattern, `/metrics` for itself and scheduled targets).
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Prometheus exporter: /probe?target=NAME&module=M probes a configured target; /metrics')
    .requiredOption('--config <file>', 'probes.yaml: the only source of targets and credentials')
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:9465)', '127.0.0.1:9465')
    .option('--every <duration>', 'also probe every target on this interval and publish the results on /metrics')
    .option('--jitter <fraction>', 'with --every: spread probes by this fraction of the interval (default 0.1)')
    .option('--concurrency <n>', 'probes in flight at once (default 64)')
    .option('--per-host <n>', 'probes in flight at once against one host (default 2)')
    .option('--workers <n>', 'worker threads probing in parallel, the limits above holding across them (default: the number of cores; 1 = no thread; smtprobe.exe always 1)')
    .option('--web-config <file>', 'TLS and basic auth for the exporter, in the Prometheus exporter-toolkit web config format')
    .option('--timeout-offset <seconds>', 'taken off Prometheus\'s scrape timeout for the probe deadline (default 0.5)')
    .action(async (flags: Record<string, unknown>) => {
      try {
        const { runServeCommand } = await import('../run-serve.js');
        await runServeCommand(flags);
      } catch (err) {
        reportFatal(err);
      }
    });
}
