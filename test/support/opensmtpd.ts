/**
 * A private OpenSMTPD on loopback, for tests that need the real thing. Debian's opensmtpd
 * conflicts with postfix as a package, so scripts/fetch-real-mtas.sh unpacks it into a prefix
 * (SMTPROBE_MTA_PREFIX, default /tmp/smtprobe-mtas) and this harness runs smtpd from there in
 * the foreground (-d) with its own smtpd.conf, credentials table and certificates.
 *
 * OpenSMTPD has its queue (/var/spool/smtpd), the chroot of its unprivileged processes
 * (/var/lib/opensmtpd/empty) and its control socket (/var/run/smtpd.sock) compiled in, with
 * no setting to move them. So the daemon runs in a private mount namespace (unshare -m) where
 * /var/spool and /run are the temporary directory's own and /var/lib is an empty tmpfs: the
 * host file system is never changed, and the mounts vanish with the daemon.
 *
 * Debian 12's 6.8.0p2 cannot sign a TLS handshake under OpenSSL 3: every STARTTLS ends in an
 * internal_error alert ("io-error: ... EVP lib" in its log). A daemon can be started as it is
 * (`keyFix: false`, what Debian users run) or with OpenSMTPD 7.3's fix for it preloaded
 * (opensmtpd-openssl3-key.c, built by fetch-real-mtas.sh), so that TLS, AUTH and the rules
 * after them can be tested on the real code.
 *
 * It never delivers: the only action is a relay to a loopback port where nothing listens, and
 * smtprobe never sends DATA, so no message is ever committed to the queue. Needs root (smtpd
 * starts as root and drops to opensmtpd / opensmtpq).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MTA_PREFIX } from './exim.js';
import { waitForPort } from './wait-port.js';

const SMTPD = path.join(MTA_PREFIX, 'usr/sbin/smtpd');
/** What `smtpctl encrypt` runs: crypt(3) SHA-512 of each line on stdin. */
const ENCRYPT = path.join(MTA_PREFIX, 'usr/libexec/opensmtpd/encrypt');
const KEY_FIX = path.join(MTA_PREFIX, 'usr/lib/smtprobe/opensmtpd-openssl3-key.so');

/** opensmtpdVersion: what the unpacked smtpd says it is ("OpenSMTPD 6.8.0p2"), or undefined. */
export function opensmtpdVersion(): string | undefined {
  if (!existsSync(SMTPD)) return undefined;
  // -h prints the version and the usage, and exits 1.
  const r = spawnSync(SMTPD, ['-h'], { encoding: 'utf8' });
  return /version: (OpenSMTPD [\w.]+)/.exec(`${r.stdout}${r.stderr}`)?.[1];
}

/** opensmtpdAvailable: the unpacked smtpd runs, its users exist, and unshare is there. */
export function opensmtpdAvailable(): boolean {
  if (opensmtpdVersion() === undefined || !existsSync(ENCRYPT) || !existsSync(KEY_FIX)) return false;
  for (const u of ['opensmtpd', 'opensmtpq']) if (spawnSync('id', [u]).status !== 0) return false;
  return spawnSync('unshare', ['--version']).status === 0;
}

/** What each listener does (each its own port on 127.0.0.1). */
export interface OpensmtpdPorts {
  /** listen on ... tls pki ... auth <creds>: STARTTLS, AUTH only after it, MAIL only after AUTH. */
  submission: number;
  /** listen on ... (no tls, no auth): neither STARTTLS nor AUTH. */
  noTls: number;
  /** listen on ... tls-require pki ... auth <creds>: nothing but EHLO/STARTTLS before TLS. */
  tlsRequired: number;
  /** listen on ... tls pki ... auth-optional <creds>: unauthenticated MAIL allowed, relay refused. */
  authOptional: number;
  /** As submission, but its pki certificate has expired. */
  expiredCert: number;
  /** listen on ... tls-require verify ... ca <client CA> auth <creds>: a client certificate required. */
  clientCert: number;
}

export interface OpensmtpdOptions {
  hostname: string;
  certChainPem: string;
  keyPem: string;
  expiredChainPem: string;
  expiredKeyPem: string;
  /** CA that client certificates must chain to (for the clientCert listener). */
  clientCaPem: string;
  user: string;
  password: string;
  /** The listeners to open; one daemon may open some of them. */
  ports: Partial<OpensmtpdPorts>;
  /** Preload OpenSMTPD 7.3's fix for signing under OpenSSL 3; false = Debian's build as it is. */
  keyFix: boolean;
}

export interface OpensmtpdInstance {
  dir: string;
  /** smtpd's own log (-d logs to stderr), e.g. "smtp authentication user=... result=permfail". */
  log(): string;
  /** stop ends smtpd and every process of its namespace, then removes the directory. */
  stop(): Promise<void>;
}

const quoted = (args: string[]): string => args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');

/** The pids living in the mount namespace `ns` ("mnt:[4026532...]"), read from /proc. */
function processesInNamespace(ns: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/mnt`) === ns) pids.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return pids;
}

/** startOpensmtpd writes smtpd.conf and the credentials table, starts smtpd and waits for every port. */
export async function startOpensmtpd(o: OpensmtpdOptions): Promise<OpensmtpdInstance> {
  if (/[\s\n]/.test(o.user)) throw new Error('user must not contain white space');
  const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-opensmtpd-'));
  chmodSync(dir, 0o755);
  for (const d of ['spool', 'run']) mkdirSync(path.join(dir, d), { mode: 0o755 });
  writeFileSync(path.join(dir, 'cert.pem'), o.certChainPem);
  writeFileSync(path.join(dir, 'key.pem'), o.keyPem, { mode: 0o600 });
  writeFileSync(path.join(dir, 'expired-cert.pem'), o.expiredChainPem);
  writeFileSync(path.join(dir, 'expired-key.pem'), o.expiredKeyPem, { mode: 0o600 });
  writeFileSync(path.join(dir, 'client-ca.pem'), o.clientCaPem);
  // A listener's credentials table maps user names to crypt(3) hashes, as smtpctl encrypt makes them.
  const enc = spawnSync(ENCRYPT, [], { input: `${o.password}\n`, encoding: 'utf8' });
  const hash = enc.stdout.trim();
  if (enc.status !== 0 || !hash.startsWith('$')) throw new Error(`encrypt failed: ${enc.stderr}`);
  writeFileSync(path.join(dir, 'creds'), `${o.user} ${hash}\n`, { mode: 0o644 });
  const p = o.ports;
  const listen: Record<keyof OpensmtpdPorts, string> = {
    submission: `tls pki ${o.hostname} auth <creds>`,
    noTls: '',
    tlsRequired: `tls-require pki ${o.hostname} auth <creds>`,
    authOptional: `tls pki ${o.hostname} auth-optional <creds>`,
    expiredCert: `tls pki expired.${o.hostname} auth <creds>`,
    clientCert: `tls-require verify pki ${o.hostname} ca clientca auth <creds>`,
  };
  const conf = [
    `pki ${o.hostname} cert "${dir}/cert.pem"`,
    `pki ${o.hostname} key "${dir}/key.pem"`,
    `pki expired.${o.hostname} cert "${dir}/expired-cert.pem"`,
    `pki expired.${o.hostname} key "${dir}/expired-key.pem"`,
    `ca clientca cert "${dir}/client-ca.pem"`,
    `table creds file:${dir}/creds`,
    ...Object.entries(p).map(([k, port]) => `listen on 127.0.0.1 port ${port} ${listen[k as keyof OpensmtpdPorts]} hostname ${o.hostname}`),
    // Authenticated clients may relay — to a loopback port where nothing listens (port 9,
    // discard, is not served here); smtprobe never sends DATA, so nothing is ever queued.
    'action "outbound" relay host smtp://127.0.0.1:9',
    'match auth from any for any action "outbound"',
    'match from any for any reject',
    '',
  ].join('\n');
  const confFile = path.join(dir, 'smtpd.conf');
  writeFileSync(confFile, conf, { mode: 0o644 });
  const recipe = [
    `mount --bind '${dir}/spool' /var/spool`,
    `mount --bind '${dir}/run' /run`,
    'mount -t tmpfs -o mode=755 tmpfs /var/lib',
    'mkdir -p /var/lib/opensmtpd/empty',
    `exec ${o.keyFix ? `env LD_PRELOAD=${quoted([KEY_FIX])} ` : ''}${quoted([SMTPD, '-d', '-f', confFile])}`,
  ].join(' && ');
  const logFile = path.join(dir, 'smtpd.log');
  const out = openSync(logFile, 'w');
  const child: ChildProcess = spawn('unshare', ['-m', '--propagation', 'private', '--', 'sh', '-c', recipe], { stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  // The namespace, once smtpd runs in it (read after it listens: before, it may still be ours).
  let ns: string | undefined;
  const instance: OpensmtpdInstance = {
    dir,
    log,
    async stop() {
      // unshare and sh exec into smtpd, so the child is smtpd's parent process; it ends its
      // children (lka, queue, scheduler, pony, control, ca) on SIGTERM.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (ns && ns !== readlinkSync('/proc/self/ns/mnt')) {
        const deadline = Date.now() + 5000;
        while (processesInNamespace(ns).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        for (const pid of processesInNamespace(ns)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      rmSync(dir, { recursive: true, force: true, maxRetries: 30, retryDelay: 100 });
    },
  };
  try {
    for (const port of Object.values(p)) await waitForPort('127.0.0.1', port);
    if (child.pid !== undefined) ns = readlinkSync(`/proc/${child.pid}/ns/mnt`);
  } catch (err) {
    const why = `${(err as Error).message}: ${log().slice(-3000)}`;
    await instance.stop();
    throw new Error(why, { cause: err });
  }
  return instance;
}
