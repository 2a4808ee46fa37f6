/**
 * fleet-postfix: a private Postfix instance on loopback for the fleet benchmark — Debian's
 * postfix + sasl2-bin, in a temporary config directory: smtpd on one loopback port with
 * STARTTLS (a certificate from the test PKI), AUTH PLAIN/LOGIN only after TLS, users in a
 * sasldb2 file. Runs as root (postfix's master needs it); never touches /etc/postfix.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:net';

export interface PostfixOptions {
  port: number;
  host?: string;
  certChainPem: string;
  keyPem: string;
  hostname: string;
  users: { user: string; password: string }[];
  /** smtpd processes (Postfix's default_process_limit is 100). */
  processLimit?: number;
  /** Extra main.cf lines (e.g. "tls_server_enable_tickets... "). */
  extraMain?: string[];
}

export interface PostfixInstance {
  host: string;
  port: number;
  dir: string;
  stop(): void;
}

const MASTER_CF = (host: string, port: number, limit: number): string => `
${host}:${port} inet n - n - ${limit} smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
`;

/** startPostfix writes the instance's configuration, starts its master and waits for the port. */
export async function startPostfix(o: PostfixOptions): Promise<PostfixInstance> {
  const host = o.host ?? '127.0.0.1';
  const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-postfix-'));
  chmodSync(dir, 0o755);
  const conf = path.join(dir, 'etc');
  // Debian's Postfix reads Cyrus SASL's smtpd.conf from <config_directory>/sasl/ (a Debian
  // patch; cyrus_sasl_config_path is not consulted), so it goes there.
  mkdirSync(conf);
  const sasl = path.join(conf, 'sasl');
  mkdirSync(sasl);
  writeFileSync(path.join(conf, 'cert.pem'), o.certChainPem);
  writeFileSync(path.join(conf, 'key.pem'), o.keyPem, { mode: 0o600 });
  const sasldb = path.join(sasl, 'sasldb2');
  writeFileSync(path.join(sasl, 'smtpd.conf'), `pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: ${sasldb}\n`);
  for (const u of o.users) {
    const [name, realm] = u.user.split('@');
    execFileSync('saslpasswd2', ['-f', sasldb, '-p', '-c', '-u', realm ?? o.hostname, name ?? u.user], { input: u.password });
  }
  const pf = execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim();
  mkdirSync(path.join(dir, 'spool'));
  mkdirSync(path.join(dir, 'data'));
  chownSync(path.join(dir, 'data'), Number(pf), 0);
  chownSync(sasldb, Number(pf), 0);
  chmodSync(sasldb, 0o600);
  writeFileSync(path.join(conf, 'main.cf'), [
    'compatibility_level = 3.6',
    `queue_directory = ${dir}/spool`,
    `data_directory = ${dir}/data`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    `myhostname = ${o.hostname}`,
    'mydestination =',
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    `maillog_file = ${dir}/maillog`,
    `maillog_file_prefixes = ${dir}`,
    `smtpd_tls_chain_files = ${conf}/key.pem, ${conf}/cert.pem`,
    'smtpd_tls_security_level = may',
    'smtpd_tls_auth_only = yes',
    'smtpd_sasl_auth_enable = yes',
    'smtpd_sasl_type = cyrus',
    'smtpd_sasl_path = smtpd',
    `cyrus_sasl_config_path = ${sasl}`,
    'smtpd_sasl_security_options = noanonymous',
    'smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination',
    'smtpd_client_connection_count_limit = 0',
    'smtpd_client_connection_rate_limit = 0',
    'smtpd_client_event_limit_exceptions = 127.0.0.0/8',
    'smtpd_peername_lookup = no',
    `default_process_limit = ${o.processLimit ?? 300}`,
    'smtpd_banner = $myhostname ESMTP',
    ...(o.extraMain ?? []),
    '',
  ].join('\n'));
  writeFileSync(path.join(conf, 'master.cf'), MASTER_CF(host, o.port, o.processLimit ?? 300));
  const run = (args: string[]): void => {
    const r = spawnSync('postfix', ['-c', conf, ...args], { encoding: 'utf8' });
    // postfix reports fatal errors to its log, not to a non-TTY stderr.
    if (r.status !== 0) throw new Error(`postfix ${args.join(' ')} failed: ${r.stderr}${r.stdout} ${readLog(dir)}`);
  };
  run(['start']);
  await waitForPort(host, o.port);
  return {
    host,
    port: o.port,
    dir,
    stop() {
      spawnSync('postfix', ['-c', conf, 'stop'], { encoding: 'utf8' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'maillog'), 'utf8').slice(-2000);
  } catch {
    return '(no maillog)';
  }
}

async function waitForPort(host: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, host, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`postfix did not listen on ${host}:${port}`);
}
