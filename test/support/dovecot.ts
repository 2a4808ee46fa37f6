/**
 * A private Dovecot 2.3 submission service on loopback, for tests that need the real thing.
 * scripts/fetch-real-mtas.sh unpacks Debian's dovecot-core and dovecot-submissiond into a
 * prefix (SMTPROBE_MTA_PREFIX, default /tmp/smtprobe-mtas) without installing them. Dovecot
 * has its helper paths compiled in (the master execs /usr/bin/doveconf, the TLS module is
 * loaded from /usr/lib/dovecot/modules), so the harness starts it in a private mount namespace
 * (unshare -m) where /usr/bin and /usr/lib are read-only overlays of the host's directories
 * and the prefix's: the host file system is never changed, and the overlays vanish with the
 * daemon. Configuration, state, log and runtime directory live in a temporary directory.
 *
 * Dovecot treats a connection whose client and server address are equal as already secure
 * (AUTH in clear allowed), so every listener binds its own 127.0.0.x address other than
 * 127.0.0.1, the address the probe connects from. Needs root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MTA_PREFIX } from './exim.js';
import { awaitProcessesGone } from './processes-under.js';
import { waitForPort } from './wait-port.js';

const DOVECOT = path.join(MTA_PREFIX, 'usr/sbin/dovecot');

/** The mount namespace recipe: /usr/bin and /usr/lib seen with the prefix's files added. */
const OVERLAYS = ['bin', 'lib'].map((d) => `mount -t overlay overlay -o lowerdir=/usr/${d}:${MTA_PREFIX}/usr/${d} /usr/${d}`).join(' && ');

function inNamespace(args: string[]): string[] {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['-m', '--propagation', 'private', '--', 'sh', '-c', `${OVERLAYS} && exec ${quoted}`];
}

/** dovecotAvailable: the unpacked binary runs (in its namespace) and its users exist. */
export function dovecotAvailable(): boolean {
  if (!existsSync(DOVECOT) || !existsSync(path.join(MTA_PREFIX, 'usr/lib/dovecot/submission-login'))) return false;
  for (const u of ['dovecot', 'dovenull']) if (spawnSync('id', [u]).status !== 0) return false;
  const r = spawnSync('unshare', inNamespace([DOVECOT, '--version']), { encoding: 'utf8' });
  return /^2\.3\./.test(r.stdout);
}

/** One listener: its own loopback address, the port, and how it behaves. */
export interface DovecotListener {
  address: string;
  port: number;
}

export interface DovecotOptions {
  hostname: string;
  certChainPem: string;
  keyPem: string;
  user: string;
  password: string;
  /**
   * Require a client certificate for AUTH on every listener (ssl_verify_client_cert and
   * auth_ssl_require_client_cert; Dovecot allows neither per listener), chained to this CA.
   */
  clientCaPem?: string;
  /** submission_relay_host's port on 127.0.0.1 (see next-hop.ts). */
  relayPort: number;
  listeners: {
    /** STARTTLS; AUTH PLAIN/LOGIN only after it (disable_plaintext_auth = yes). */
    submission: DovecotListener;
    /** ssl = no: no STARTTLS, AUTH offered in clear. */
    noTls: DovecotListener;
  };
}

export interface DovecotInstance {
  dir: string;
  log(): string;
  /** stop ends the master and every process it started, then removes the directory. */
  stop(): Promise<void>;
}

/** startDovecot writes the configuration, starts the master and waits for every listener. */
export async function startDovecot(o: DovecotOptions): Promise<DovecotInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-dovecot-'));
  chmodSync(dir, 0o755);
  const ids = (u: string): [number, number] => [0, 1].map((i) => Number(spawnSync('id', [i === 0 ? '-u' : '-g', u], { encoding: 'utf8' }).stdout.trim())) as [number, number];
  const [uid, gid] = ids('dovecot');
  for (const d of ['run', 'state', 'home']) mkdirSync(path.join(dir, d));
  chownSync(path.join(dir, 'home'), uid, gid);
  writeFileSync(path.join(dir, 'cert.pem'), o.certChainPem);
  writeFileSync(path.join(dir, 'key.pem'), o.keyPem, { mode: 0o600 });
  if (o.clientCaPem) writeFileSync(path.join(dir, 'client-ca.pem'), o.clientCaPem);
  // passwd-file: user:{PLAIN}password; a colon in either would end the field.
  if (/[:\n]/.test(o.user) || /[:\n]/.test(o.password)) throw new Error('user and password must not contain ":" or a newline');
  writeFileSync(path.join(dir, 'passwd'), `${o.user}:{PLAIN}${o.password}\n`, { mode: 0o644 });
  const l = o.listeners;
  const conf = [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    'protocols = submission',
    `hostname = ${o.hostname}`,
    `mail_location = maildir:${dir}/home/Maildir`,
    'default_internal_user = dovecot',
    'default_internal_group = dovecot',
    'default_login_user = dovenull',
    'ssl = yes',
    `ssl_cert = <${dir}/cert.pem`,
    `ssl_key = <${dir}/key.pem`,
    'disable_plaintext_auth = yes',
    ...(o.clientCaPem ? [`ssl_ca = <${dir}/client-ca.pem`, 'ssl_verify_client_cert = yes', 'auth_ssl_require_client_cert = yes'] : []),
    'auth_mechanisms = plain login',
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${dir}/passwd`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=dovecot gid=dovecot home=${dir}/home`,
    '}',
    'submission_relay_host = 127.0.0.1',
    `submission_relay_port = ${o.relayPort}`,
    'submission_relay_trusted = no',
    'service submission-login {',
    ...Object.entries(l).flatMap(([name, x]) => [`  inet_listener ${name} {`, `    address = ${x.address}`, `    port = ${x.port}`, '  }']),
    '}',
    `local ${l.noTls.address} {`,
    '  ssl = no',
    '  disable_plaintext_auth = no',
    '}',
    '',
  ].join('\n');
  const confFile = path.join(dir, 'dovecot.conf');
  writeFileSync(confFile, conf, { mode: 0o644 });
  // Start-up errors (a bad setting) go to stderr before the log file is open.
  const stderr = openSync(path.join(dir, 'stderr.log'), 'w');
  const child: ChildProcess = spawn('unshare', inNamespace([DOVECOT, '-F', '-c', confFile]), { stdio: ['ignore', 'ignore', stderr] });
  closeSync(stderr);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = (): string => {
    try {
      return ['stderr.log', 'dovecot.log'].map((f) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f), 'utf8') : '')).join('').slice(-3000);
    } catch {
      return '(no log)';
    }
  };
  const instance: DovecotInstance = {
    dir,
    log,
    async stop() {
      // unshare and sh exec into the master, so the child is the master itself (-F).
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      // Its login and auth processes work under dir (base_dir) and exit with it.
      await awaitProcessesGone(dir);
      rmSync(dir, { recursive: true, force: true, maxRetries: 30, retryDelay: 100 });
    },
  };
  try {
    for (const x of Object.values(l)) await waitForPort(x.address, x.port);
  } catch (err) {
    const why = `${(err as Error).message}: ${log()}`;
    await instance.stop();
    throw new Error(why, { cause: err });
  }
  return instance;
}
