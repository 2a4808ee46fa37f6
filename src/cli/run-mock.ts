import { stopRequested, withInterrupt } from './interrupt.js';
import type { MockServer, Scenario } from '../mock/index.js';
import { UNKNOWN_EXIT } from './exit.js';
import { listenProblem } from './listen-error.js';
import { oauthCheckArgs } from '../mock/oauth-mock.js';
import { wholeNumberIn } from './whole-number.js';

/** Exit code for a scenario that cannot be used (bad name, invalid file, port in use): bad input, as in every command. */
const BAD_SCENARIO_EXIT = UNKNOWN_EXIT;

/** MockFlags: what `smtprobe mock` accepts, as commander hands it over. */
export interface MockFlags {
  list?: boolean;
  port: string;
  listen: string;
  quiet?: boolean;
}

/** fail prints one line to stderr and gives the exit code. */
function fail(message: string): number {
  process.stderr.write(`smtprobe: error: mock: ${message}\n`);
  return BAD_SCENARIO_EXIT;
}

/**
 * runMock lists the bundled scenarios, or runs one (a name or a file) on loopback until
 * SIGINT/SIGTERM, printing how to probe it. Returns the exit code (3 for a bad scenario,
 * flag or port).
 */
export async function runMock(name: string | undefined, flags: MockFlags): Promise<number> {
  const mock = await import('../mock/index.js');
  if (flags.list) {
    let list: { name: string; description: string }[];
    try {
      list = await mock.listScenarios();
    } catch (err) {
      return fail((err as Error).message);
    }
    const width = Math.max(...list.map((s) => s.name.length));
    process.stdout.write(list.map((s) => `${s.name.padEnd(width)}  ${s.description}\n`).join(''));
    return 0;
  }
  if (!name) return fail('name a scenario (see `smtprobe mock --list`) or a scenario file');
  const port = wholeNumberIn(flags.port, 0, 65535);
  if (port === undefined) return fail(`--port: "${flags.port}" is not a port number`);

  let scenario: Scenario;
  try {
    scenario = await mock.findScenario(name);
  } catch (err) {
    return fail((err as Error).message);
  }
  let server: MockServer;
  // Until it listens, log lines wait: a failure to bind is then reported once, as the one line below.
  let early: string[] | undefined = [];
  try {
    server = await mock.startMockServer(scenario, {
      port,
      host: flags.listen,
      onLog: flags.quiet ? undefined : (line) => {
        if (early) early.push(line);
        else process.stderr.write(`${line}\n`);
      },
    });
    process.stderr.write(early.map((line) => `${line}\n`).join(''));
    early = undefined;
  } catch (err) {
    const address = flags.listen.includes(':') ? `[${flags.listen}]:${port}` : `${flags.listen}:${port}`;
    return fail(listenProblem(err, address, 'pick another port with --port N (--port 0: any free port)') ?? (err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)));
  }
  process.stdout.write(describe(server));

  await withInterrupt({ notice: (signal) => `smtprobe mock: ${signal}, stopping\n` }, async (stop) => {
    await stopRequested(stop);
    await server.close();
  });
  return 0;
}

/** describe: what a user needs to probe the running mock — address, credentials, CA, a check line. */
function describe(server: MockServer): string {
  const s = server.scenario;
  const p = s.probe;
  const host = server.host === '0.0.0.0' || server.host === '::' ? '127.0.0.1' : server.host;
  const tlsMode = p.tls ?? (s.server.tls === 'implicit' ? 'implicit' : s.server.tls === 'none' ? 'none' : 'starttls');
  const args = ['smtprobe check', host.includes(':') ? `[${host}]` : host, `--port ${server.port}`, `--tls ${tlsMode}`];
  if (tlsMode !== 'none') args.push(`--tls-domain ${p.tlsDomain ?? s.server.hostname}`);
  if (p.useMockCa !== false && tlsMode !== 'none') args.push(`--ca ${server.caFile}`);
  if (p.tlsVerify) args.push(`--tls-verify ${p.tlsVerify}`);
  if (p.tlsMin) args.push(`--tls-min ${p.tlsMin}`);
  if (p.tlsMax) args.push(`--tls-max ${p.tlsMax}`);
  if (p.tlsScan) args.push('--tls-scan');
  if (p.client) args.push(`--client ${p.client}`);
  if (p.auth) args.push(`--auth ${p.auth}`);
  if (p.user) args.push(`--user ${p.user}`);
  if (p.password !== undefined) args.push('--password-env MOCK_PASSWORD');
  if (p.token !== undefined) args.push('--token-env MOCK_TOKEN');
  args.push(...oauthCheckArgs(server));
  if (p.allowPlaintextAuth) args.push('--allow-plaintext-auth');
  if (p.mailFrom) args.push(`--mail-from ${p.mailFrom}`);
  for (const r of p.rcpt ?? []) args.push(`--rcpt ${r}`);
  if (p.timeout) args.push(`--timeout ${p.timeout}`);
  if (p.phaseTimeout) args.push(`--phase-timeout ${p.phaseTimeout}`);
  const env = [p.password !== undefined ? `MOCK_PASSWORD='${p.password}'` : '', p.token !== undefined ? `MOCK_TOKEN='${p.token}'` : ''].filter(Boolean);
  const users = s.server.auth.users.map((u) => `${u.username} / ${u.password}`);
  // An OAuth scenario's credentials are the token endpoint's test client, in files the mock wrote.
  if (server.oauth) users.push(`OAuth via ${server.oauth.tokenUrl}${p.oauthClientId ? `, client ${p.oauthClientId}` : ''} (test secrets in the files the check line names)`);
  const tlsText = s.server.tls === 'none' ? 'no TLS' : `${s.server.tls === 'implicit' ? 'implicit TLS' : 'STARTTLS'}, certificate ${s.server.certificate}`;
  return [
    `scenario    ${s.name}: ${s.description}`,
    `listening   ${server.host}:${server.port} (${tlsText}${s.server.fault.kind !== 'none' ? `, fault ${s.server.fault.kind}` : ''}; engine ${server.engine})`,
    `credentials ${users.length > 0 ? users.join(', ') : '(none: the scenario accepts no user)'}  [test credentials from the scenario file]`,
    `CA file     ${server.caFile}`,
    `expect      ${s.expect.verdict}${s.expect.codes.length ? ` with ${s.expect.codes.join(', ')}` : ''}`,
    'probe it:',
    `  ${env.length ? env.join(' ') + ' ' : ''}${args.join(' ')}`,
    'Ctrl-C stops the server.',
    '',
  ].join('\n');
}
