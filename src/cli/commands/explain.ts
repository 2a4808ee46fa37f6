import { Command, Option } from 'commander';
import { reportFatal } from '../exit.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/**
 * registerExplainCommand adds `smtprobe explain [input]`: an Exchange event (text, XML or
 * Get-WinEvent JSON), a queue LastError / SMTP response, or an SmtpSend protocol log, from
 * an argument, a file or stdin → its parameters in plain words and the likely causes.
 */
export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('explain an Exchange event (2016, 2017, 2003, 2015, ...), a queue LastError or a Send protocol log: parameters in plain words, likely causes, fixes')
    .argument('[input]', 'the text itself, a file containing it, or - for stdin (default: stdin)')
    .option('--json', 'print { parameters, causes: [{ code, title, fix }] } as JSON')
    .option('--connector-name <name>', 'Send connector name for the PowerShell lines when the input does not name one')
    .option('--probe', 'probe the smart host the input names, the way Exchange would, and confirm or rule out each cause')
    .option('--connector <file>', 'this Get-SendConnector | ConvertTo-Json file\'s settings are facts: causes they contradict are left out; with --probe also the port, TLS policy, EHLO name and user (the connector the input names, or --connector-name)')
    .option('--host <host>', 'with --probe: the smart host to probe (default: from the input)')
    .option('-p, --port <n>', 'with --probe: port (default: from the input, else 25)')
    .option('--ehlo <name>', 'with --probe: EHLO name (default: from the input, i.e. the connector Fqdn)')
    .option('-u, --user <name>', 'with --probe: user for AUTH LOGIN (Basic auth connectors)')
    .option('--password-env <var>', 'with --probe: read the password from this environment variable')
    .option('--password-file <file>', 'with --probe: read the password from this file')
    .option('--ca <file>', 'with --probe: extra trusted root CA (PEM); repeatable', collect)
    .addOption(new Option('--tls-verify <level>', 'with --probe: certificate check (default none = EncryptionOnly)').choices(['none', 'chain', 'domain']))
    .option('--tls-domain <name>', 'with --probe: name checked against the certificate (TlsDomain)')
    .addOption(new Option('--exchange-tls <version>', 'with --probe: the TLS the Exchange server can speak').choices(['1.0', '1.2']))
    .option('--timeout <seconds>', 'with --probe: hard deadline for the probe (default 60)')
    .action(async (input: string | undefined, flags: Record<string, unknown>) => {
      try {
        const { runExplain } = await import('../run-explain.js');
        process.exitCode = await runExplain(input, flags);
      } catch (err) {
        reportFatal(err);
      }
    });
}
