import { Command, Option } from 'commander';
import { reportFatal } from '../exit.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/**
 * NOT_TARGET: the options of check that are not target settings — where the targets come
 * from (--connector), the refused --password, and output and recording. Defined once here;
 * runCheck leaves exactly these out of the Target (NON_TARGET_FLAGS).
 */
const NOT_TARGET = {
  connector: new Option('--connector <file>', 'probe the smart hosts of an Exchange Send connector (Get-SendConnector | ConvertTo-Json); pick it with --name'),
  // Not a way to give a password: accepted only to say which ways there are (--password-env, --password-file, the prompt).
  password: new Option('--password <value>').hideHelp(),
  format: new Option('--format <format>', 'output format').choices(['human', 'json', 'ndjson', 'nagios', 'junit', 'prometheus']).default('human'),
  json: new Option('--json', 'same as --format json'),
  output: new Option('--output <file>', 'write the output to FILE atomically (temporary file + rename), e.g. for node_exporter\'s textfile collector'),
  transcript: new Option('--transcript', 'show the (redacted) SMTP dialogue in human output'),
  record: new Option('--record <file>', 'also write the session as a redacted mock scenario (replay: smtprobe mock FILE)'),
  keepUsernames: new Option('--keep-usernames', 'with --record: keep the user name instead of a placeholder'),
};

/** NON_TARGET_FLAGS: the names (as commander gives them) of the check flags that are not target settings. */
export const NON_TARGET_FLAGS: ReadonlySet<string> = new Set(Object.values(NOT_TARGET).map((o) => o.attributeName()));

/**
 * registerCheckCommand adds `smtprobe check HOST`. Flag names are a public contract
 * (camelCased they are also the probes.yaml keys).
 */
/** CHECK_EXAMPLES: `check --help` examples, for a Linux shell and for PowerShell on the Exchange server. */
const CHECK_EXAMPLES = `
Examples:
  SMTP_PASS=... smtprobe check smtp.office365.com --user relay@contoso.com --password-env SMTP_PASS

  PowerShell (Windows paths work in every file flag):
  $env:SMTP_PASS = Read-Host 'SMTP password'
  smtprobe check smtp.office365.com --user relay@contoso.com --password-env SMTP_PASS --ca C:\\certs\\ca.pem
  smtprobe check --connector C:\\temp\\connectors.json --name "Relay to M365" --password-env SMTP_PASS
`;

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('probe one smart host: DNS, TCP, banner, EHLO, TLS, certificate, AUTH; print steps, findings and a verdict')
    .argument('[host]', 'smart host name or IP address (or use --connector)')
    .addOption(NOT_TARGET.connector)
    .option('-p, --port <n>', 'SMTP port (default 587)')
    .addOption(new Option('--tls <mode>', 'TLS mode: auto = implicit on 465, STARTTLS elsewhere').choices(['auto', 'starttls', 'starttls-optional', 'implicit', 'none']))
    .addOption(new Option('--tls-verify <level>', 'certificate check: none | chain | domain (Exchange: EncryptionOnly | CertificateValidation | DomainValidation)').choices(['none', 'chain', 'domain']))
    .option('--tls-domain <name>', 'name checked against the certificate and sent as SNI (default: the host)')
    .option('--ca <file>', 'extra trusted root CA (PEM), added to the system roots; repeatable', collect)
    .option('--client-cert <file>', 'client certificate (PEM) for servers that require one')
    .option('--client-key <file>', 'private key (PEM) of --client-cert')
    .option('--tls-min <version>', 'lowest TLS version to offer: TLSv1 | TLSv1.1 | TLSv1.2 | TLSv1.3')
    .option('--tls-max <version>', 'highest TLS version to offer')
    .option('--tls-scan', 'also try each TLS version separately (in parallel)')
    .option('--cert-warn-days <n>', 'warn when the certificate expires within N days (default 21)')
    .option('--cert-crit-days <n>', 'critical when it expires within N days (default 7)')
    .option('--cert-warn-lifetime <pct>', 'also warn once no more than PCT % of a certificate\'s lifetime is left (e.g. 33)')
    .option('--warn-ms <ms>', 'warning when the whole probe takes longer than MS milliseconds (Nagios -w)')
    .option('--crit-ms <ms>', 'critical when it takes longer than MS milliseconds (Nagios -c)')
    .option('--step-warn-ms <step=ms,...>', 'warning when a step takes longer, e.g. tls=500,auth=2000')
    .option('--step-crit-ms <step=ms,...>', 'critical when a step takes longer, e.g. tls=2000')
    .option('--ping-warn <rtt,loss%>', 'warning when the ICMP echo average RTT (ms) or loss is above, as check_ping -w (e.g. 100,20%)')
    .option('--ping-crit <rtt,loss%>', 'critical when above, as check_ping -c (e.g. 500,60%)')
    .option('--ehlo <name>', 'name to send in EHLO (default: this host name)')
    .option('--auth <mechanism>', 'auto | none | PLAIN | LOGIN | CRAM-MD5 | XOAUTH2 | OAUTHBEARER (default auto)')
    .option('-u, --user <name>', 'user name to authenticate as')
    .option('--password-env <var>', 'read the password from this environment variable')
    .addOption(NOT_TARGET.password)
    .option('--password-file <file>', 'read the password from this file')
    .option('--token-env <var>', 'read an OAuth bearer token from this environment variable')
    .option('--token-file <file>', 'read an OAuth bearer token from this file')
    .option('--oauth-client-id <id>', 'OAuth: fetch the token yourself, as this app (client id); with a secret, certificate or refresh token')
    .option('--oauth-client-secret-env <var>', 'OAuth: read the client secret from this environment variable')
    .option('--oauth-client-secret-file <file>', 'OAuth: read the client secret from this file')
    .option('--oauth-client-cert <file>', 'OAuth: certificate credential (PEM) registered on the app; signs a client assertion')
    .option('--oauth-client-key <file>', 'OAuth: private key (PEM) of --oauth-client-cert')
    .option('--oauth-refresh-token-env <var>', 'OAuth: delegated flow, read a refresh token from this environment variable')
    .option('--oauth-refresh-token-file <file>', 'OAuth: delegated flow, read a refresh token from this file')
    .option('--oauth-service-account <file>', 'OAuth: Google service-account key (JSON); impersonates --user by domain-wide delegation')
    .option('--oauth-tenant <id>', 'OAuth: Microsoft Entra tenant id or domain (builds the Microsoft token endpoint)')
    .option('--oauth-token-url <url>', 'OAuth: token endpoint (RFC 6749); overrides the derived one; https except on loopback; --ca applies')
    .option('--oauth-scope <scope>', 'OAuth: scope (default https://outlook.office365.com/.default for Microsoft, https://mail.google.com/ for Google)')
    .option('--allow-plaintext-auth', 'allow sending credentials without TLS (off by default)')
    .option('--mail-from <address>', 'go on to MAIL FROM (never DATA)')
    .option('--rcpt <address>', 'and RCPT TO; repeatable', collect)
    .addOption(new Option('--client <profile>', 'behave as this client: generic | exchange').choices(['generic', 'exchange']))
    .addOption(new Option('--exchange-tls <version>', 'with --client exchange: the TLS the Exchange server can speak').choices(['1.0', '1.2']))
    .option('--timeout <seconds>', 'hard deadline for the whole probe (default 60)')
    .option('--phase-timeout <seconds>', 'deadline of each phase (default 30)')
    .option('--no-icmp', 'skip the ICMP ping')
    .option('--icmp-count <n>', 'ICMP echoes to send (default 3)')
    .option('--path', 'add the per-hop path analysis (pathping-like)')
    .option('--path-count <n>', 'samples per hop for --path (default 100)')
    .option('--dns-server <ip>', 'resolve with this DNS server')
    .option('--mx <domain>', 'also look up the MX records of this domain')
    .option('-4, --ipv4', 'use only IPv4 addresses of the host')
    .option('-6, --ipv6', 'use only IPv6 addresses of the host')
    .option('--source-address <ip>', 'connect from this local address (relays and connectors authorise by source IP)')
    .option('--all-addresses', 'probe every A/AAAA address of the host (two at once) and report the odd one out')
    .option('--name <name>', 'display name of the target; with --connector, which connector to probe')
    .addOption(NOT_TARGET.format)
    .addOption(NOT_TARGET.json)
    .addOption(NOT_TARGET.output)
    .addOption(NOT_TARGET.transcript)
    .addOption(NOT_TARGET.record)
    .addOption(NOT_TARGET.keepUsernames)
    .addHelpText('after', CHECK_EXAMPLES)
    .action(async (host: string | undefined, flags: Record<string, unknown>) => {
      try {
        const { runCheck } = await import('../run-check.js');
        process.exitCode = await runCheck(host, flags);
      } catch (err) {
        reportFatal(err);
      }
    });
}
