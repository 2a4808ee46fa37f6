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
    .addHelpText('after', `
Examples (Exchange Management Shell, PowerShell):
  Get-SendConnector | ConvertTo-Json -Depth 4 | Out-File -Encoding utf8 C:\\temp\\connectors.json
  smtprobe import-connector C:\\temp\\connectors.json -o C:\\smtprobe\\probes.yaml
  $env:SMTP_PASS_RELAY = Read-Host 'SMTP password'
  smtprobe run C:\\smtprobe\\probes.yaml
`)
    .action(async (file: string, flags: Record<string, unknown>) => {
      try {
        const { runImportConnector } = await import('../run-import-connector.js');
        process.exitCode = await runImportConnector(file, flags);
      } catch (err) {
        reportFatal(err);
      }
    });
}
