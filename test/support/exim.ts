/**
 * A private Exim 4 daemon on loopback, for tests that need the real thing. Debian's exim4
 * conflicts with postfix as a package, so scripts/fetch-real-mtas.sh unpacks its .debs into a
 * prefix (SMTPROBE_MTA_PREFIX, default /tmp/smtprobe-mtas) and this harness runs the binary
 * from there with its own configuration, spool and log in a temporary directory. One daemon
 * listens on several ports; per-port behaviour is chosen in the configuration by
 * $received_port. Needs root (Exim starts as root and drops to Debian-exim).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { awaitProcessesGone } from './processes-under.js';
import { waitForPort } from './wait-port.js';

/** MTA_PREFIX: where fetch-real-mtas.sh unpacked the packages. */
export const MTA_PREFIX = process.env.SMTPROBE_MTA_PREFIX ?? path.join(tmpdir(), 'smtprobe-mtas');
const EXIM = path.join(MTA_PREFIX, 'usr/sbin/exim4');
const LIBS = path.join(MTA_PREFIX, 'usr/lib/x86_64-linux-gnu');

/** eximAvailable: the unpacked binary runs and its user exists. */
export function eximAvailable(): boolean {
  if (!existsSync(EXIM)) return false;
  const r = spawnSync(EXIM, ['-bV', '-C', '/dev/null'], { env: { ...process.env, LD_LIBRARY_PATH: LIBS }, encoding: 'utf8' });
  return /Exim version 4/.test(`${r.stdout}${r.stderr}`);
}

/** What each port does; a port may combine several. */
export interface EximPorts {
  /** STARTTLS, AUTH PLAIN/LOGIN after TLS only, relaying for authenticated clients. */
  submission: number;
  /** No STARTTLS; AUTH offered in clear. */
  noTls: number;
  /** MAIL refused without TLS ("530 ... STARTTLS required"). */
  tlsRequired: number;
  /** TLS completes without a client certificate; AUTH is refused after it. */
  clientCert: number;
}

export interface EximOptions {
  hostname: string;
  certChainPem: string;
  keyPem: string;
  /** CA that client certificates must chain to (for the clientCert port). */
  clientCaPem: string;
  user: string;
  password: string;
  ports: EximPorts;
}

export interface EximInstance {
  dir: string;
  /** stop ends the daemon and every process it forked, then removes the directory. */
  stop(): Promise<void>;
}

/** A literal for an Exim string expansion: backslash and braces and $ escaped. */
const lit = (s: string): string => s.replace(/[\\{}$]/g, (c) => `\\${c}`);

/** startExim writes the configuration, starts the daemon and waits for every port. */
export async function startExim(o: EximOptions): Promise<EximInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-exim-'));
  chmodSync(dir, 0o755);
  const uid = Number(spawnSync('id', ['-u', 'Debian-exim'], { encoding: 'utf8' }).stdout.trim());
  for (const d of ['spool', 'log']) {
    mkdirSync(path.join(dir, d));
    chownSync(path.join(dir, d), uid, 0);
  }
  writeFileSync(path.join(dir, 'cert.pem'), o.certChainPem);
  writeFileSync(path.join(dir, 'key.pem'), o.keyPem, { mode: 0o640 });
  chownSync(path.join(dir, 'key.pem'), uid, 0);
  writeFileSync(path.join(dir, 'client-ca.pem'), o.clientCaPem);
  const p = o.ports;
  const creds = (u: string, pw: string): string => `\${if and {{eq{${u}}{${lit(o.user)}}}{eq{${pw}}{${lit(o.password)}}}}}`;
  const conf = [
    'keep_environment =',
    `primary_hostname = ${o.hostname}`,
    `spool_directory = ${dir}/spool`,
    `log_file_path = ${dir}/log/%slog`,
    'never_users =',
    'local_interfaces = 127.0.0.1',
    `daemon_smtp_ports = ${p.submission} : ${p.noTls} : ${p.tlsRequired} : ${p.clientCert}`,
    `tls_certificate = ${dir}/cert.pem`,
    `tls_privatekey = ${dir}/key.pem`,
    `tls_advertise_hosts = \${if eq{$received_port}{${p.noTls}}{}{*}}`,
    `tls_try_verify_hosts = \${if eq{$received_port}{${p.clientCert}}{*}{}}`,
    `tls_verify_certificates = ${dir}/client-ca.pem`,
    // AUTH only inside TLS, except on the port without TLS, where it is offered in clear.
    `auth_advertise_hosts = \${if or{{eq{$received_port}{${p.noTls}}}{!eq{$tls_in_cipher}{}}}{*}{}}`,
    'acl_smtp_auth = acl_check_auth',
    'acl_smtp_mail = acl_check_mail',
    'acl_smtp_rcpt = acl_check_rcpt',
    `domainlist local_domains = ${o.hostname}`,
    'begin acl',
    'acl_check_auth:',
    `  deny condition = \${if eq{$received_port}{${p.clientCert}}}`,
    '       !verify = certificate',
    '       message = 530 5.7.0 Client certificate required',
    '  accept',
    'acl_check_mail:',
    `  deny condition = \${if and{{eq{$received_port}{${p.tlsRequired}}}{eq{$tls_in_cipher}{}}}}`,
    '       message = 530 5.7.0 Must issue a STARTTLS command first',
    '  accept',
    'acl_check_rcpt:',
    '  accept authenticated = *',
    '  accept domains = +local_domains',
    '  deny message = relay not permitted',
    'begin routers',
    'begin transports',
    'begin authenticators',
    'plain:',
    '  driver = plaintext',
    '  public_name = PLAIN',
    '  server_prompts = :',
    `  server_condition = ${creds('$auth2', '$auth3')}`,
    '  server_set_id = $auth2',
    'login:',
    '  driver = plaintext',
    '  public_name = LOGIN',
    '  server_prompts = Username:: : Password::',
    `  server_condition = ${creds('$auth1', '$auth2')}`,
    '  server_set_id = $auth1',
    '',
  ].join('\n');
  const confFile = path.join(dir, 'exim.conf');
  writeFileSync(confFile, conf, { mode: 0o644 });
  const child = spawn(EXIM, ['-C', confFile, '-bd', '-oP', path.join(dir, 'exim.pid')], {
    env: { ...process.env, LD_LIBRARY_PATH: LIBS },
    stdio: 'ignore',
    detached: false,
  });
  const log = (): string => {
    try {
      return readFileSync(path.join(dir, 'log/mainlog'), 'utf8').slice(-2000) + readFileSync(path.join(dir, 'log/paniclog'), 'utf8').slice(-1000);
    } catch {
      return '(no log)';
    }
  };
  const instance: EximInstance = {
    dir,
    async stop() {
      // The daemon forks away from the started process; its pid file names it.
      try {
        process.kill(Number(readFileSync(path.join(dir, 'exim.pid'), 'utf8').trim()), 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      // Its per-connection children outlive it for a moment and write their last log lines;
      // the directory is removed only once none of them is left (SIGKILL after 5 s).
      await awaitProcessesGone(dir);
      rmSync(dir, { recursive: true, force: true, maxRetries: 30, retryDelay: 100 });
    },
  };
  try {
    for (const port of Object.values(p)) await waitForPort('127.0.0.1', port);
  } catch (err) {
    const why = `${(err as Error).message}: ${log()}`;
    await instance.stop();
    throw new Error(why, { cause: err });
  }
  return instance;
}
