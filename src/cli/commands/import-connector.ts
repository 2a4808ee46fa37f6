import type { Command } from 'commander';
import { reportFatal } from '../exit.js';

/**
 * registerImportConnectorCommand adds `smtprobe import-connector FILE`: the output of
 * `Get-SendConnector | ConvertTo-Json` → probes.yaml, one target per smart host.
 */
export function registerImportConnectorCommand(program: Command): void {
  program
    .command('import-connector')
    .description('turn Get-SendConnector | ConvertTo-Json output into a probes.yaml (one target per smart host, probed as Exchange would)')
    .argument('<file>', 'the JSON file (Get-SendConnector | ConvertTo-Json -Depth 4 > connectors.json)')
    .option('-o, --output <file>', 'write probes.yaml here instead of stdout')
    .option('--name <name>', 'only this connector')
    .action(async (file: string, flags: Record<string, unknown>) => {
      try {
        const { runImportConnector } = await import('../run-import-connector.js');
        process.exitCode = await runImportConnector(file, flags);
      } catch (err) {
        reportFatal(err);
      }
    });
}
