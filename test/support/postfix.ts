/**
 * A private Postfix instance on loopback, for tests and benchmarks that need the real thing:
 * Debian's postfix + Cyrus SASL (sasl2-bin, sasldb2 users) in a temporary config directory,
 * never touching /etc/postfix. One master runs several smtpd services, each on its own
 * loopback port with its own `-o` overrides (TLS mode, certificate, mechanisms, protocols), so
 * one start serves a whole table of cases. Needs root (Postfix's master drops to `postfix`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { awaitProcessesGone } from './processes-under.js';
import { waitForPort } from './wait-port.js';

/** One smtpd listener and how it differs from the instance's defaults. */
export interface PostfixService {
  port: number;
  /** main.cf parameters overridden for this service only (master.cf `-o name=value`). */
  set?: Record<string, string>;
  /** Certificate chain (leaf first) and key for this service; default: the instance's. */
  tls?: { chainPem: string; keyPem: string };
  /** Name of a SASL application config (see `saslApps`) for this service; default "smtpd". */
  saslApp?: string;
}

export interface PostfixOptions {
  host?: string;
  hostname: string;
  certChainPem: string;
  keyPem: string;
  users: { user: string; password: string }[];
  services: PostfixService[];
  /** SASL application name → mech_list, e.g. { "plainonly": "PLAIN" }. "smtpd" defaults to PLAIN LOGIN CRAM-MD5. */
  saslApps?: Record<string, string>;
  processLimit?: number;
  extraMain?: string[];
}

export interface PostfixInstance {
  host: string;
  dir: string;
  /** stop ends the master and its children, then removes the directory. */
  stop(): Promise<void>;
}

const BASE_MASTER_CF = `
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

/** isRoot: Postfix's master must start as root. */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;


/** startPostfix writes the configuration, starts the master and waits for every port. */
export async function startPostfix(o: PostfixOptions): Promise<PostfixInstance> {
  const host = o.host ?? '127.0.0.1';
  const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-postfix-'));
  chmodSync(dir, 0o755);
  const conf = path.join(dir, 'etc');
  mkdirSync(conf);
  // Debian's Postfix reads Cyrus SASL's <app>.conf from <config_directory>/sasl/ (a Debian patch).
  const sasl = path.join(conf, 'sasl');
  mkdirSync(sasl);
  writeFileSync(path.join(conf, 'cert.pem'), o.certChainPem);
  writeFileSync(path.join(conf, 'key.pem'), o.keyPem, { mode: 0o600 });
  const sasldb = path.join(sasl, 'sasldb2');
  const apps = { smtpd: 'PLAIN LOGIN CRAM-MD5', ...(o.saslApps ?? {}) };
  for (const [app, mechs] of Object.entries(apps)) {
    writeFileSync(path.join(sasl, `${app}.conf`), `pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: ${mechs}\nsasldb_path: ${sasldb}\n`);
  }
  for (const u of o.users) {
    const [name, realm] = u.user.split('@');
    execFileSync('saslpasswd2', ['-f', sasldb, '-p', '-c', '-u', realm ?? o.hostname, name ?? u.user], { input: u.password });
  }
  const pf = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
  mkdirSync(path.join(dir, 'spool'));
  mkdirSync(path.join(dir, 'data'));
  chownSync(path.join(dir, 'data'), pf, 0);
  chownSync(sasldb, pf, 0);
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
    'smtpd_sasl_security_options = noanonymous',
    'smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination',
    'smtpd_client_connection_count_limit = 0',
    'smtpd_client_connection_rate_limit = 0',
    'smtpd_client_event_limit_exceptions = 127.0.0.0/8',
    'smtpd_peername_lookup = no',
    `default_process_limit = ${o.processLimit ?? 100}`,
    'smtpd_banner = $myhostname ESMTP',
    ...(o.extraMain ?? []),
    '',
  ].join('\n'));
  const services = o.services.map((s, i) => {
    const set: Record<string, string> = { ...(s.set ?? {}) };
    if (s.tls) {
      writeFileSync(path.join(conf, `cert-${i}.pem`), s.tls.chainPem);
      writeFileSync(path.join(conf, `key-${i}.pem`), s.tls.keyPem, { mode: 0o600 });
      set.smtpd_tls_chain_files = `${conf}/key-${i}.pem,${conf}/cert-${i}.pem`;
    }
    if (s.saslApp) set.smtpd_sasl_path = s.saslApp;
    const opts = Object.entries(set).map(([k, v]) => `\n  -o ${k}=${v.replace(/\s+/g, '')}`).join('');
    return `${host}:${s.port} inet n - n - ${o.processLimit ?? 100} smtpd${opts}`;
  });
  writeFileSync(path.join(conf, 'master.cf'), `${services.join('\n')}\n${BASE_MASTER_CF}`);
  const r = spawnSync('postfix', ['-c', conf, 'start'], { encoding: 'utf8' });
  // postfix reports fatal errors to its log, not to a non-TTY stderr.
  if (r.status !== 0) throw new Error(`postfix start failed: ${r.stderr}${r.stdout} ${readLog(dir)}`);
  const instance: PostfixInstance = {
    host,
    dir,
    async stop() {
      spawnSync('postfix', ['-c', conf, 'stop'], { encoding: 'utf8' });
      // The master's children (smtpd, postlogd) work in the queue directory and may still be
      // writing as they exit: the directory is removed once none is left.
      await awaitProcessesGone(dir);
      rmSync(dir, { recursive: true, force: true, maxRetries: 30, retryDelay: 100 });
    },
  };
  try {
    for (const s of o.services) await waitForPort(host, s.port);
  } catch (err) {
    const log = readLog(dir);
    await instance.stop();
    throw new Error(`${(err as Error).message}: ${log}`, { cause: err });
  }
  return instance;
}

/** readLog: the tail of the instance's maillog, for error messages. */
export function readLog(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'maillog'), 'utf8').slice(-2000);
  } catch {
    return '(no maillog)';
  }
}
