/**
 * A private Haraka 3 on loopback, for tests that need the real thing. Haraka is an npm package
 * (a whole server, not a dependency of smtprobe), so scripts/fetch-real-mtas.sh installs the
 * pinned release into `<prefix>/haraka` (SMTPROBE_MTA_PREFIX, default /tmp/smtprobe-mtas) and
 * this harness runs it with the Node that runs the tests, from a configuration directory made
 * by `haraka -i` in a temporary directory. One Haraka listens on several loopback ports; what
 * differs per port is set by Haraka's own settings where it has them (tls.ini
 * no_starttls_ports) and otherwise by the harness plugin below. Needs no root.
 *
 * Haraka's auth/flat_file offers AUTH without TLS to clients on local and RFC 1918 addresses
 * (its documented exemption), and on loopback the probe is always such a client. On the ports
 * listed as `asInternet` the harness plugin marks the client as not private, so flat_file
 * behaves as it does for a client on the internet: AUTH only after STARTTLS.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MTA_PREFIX } from './exim.js';
import { awaitProcessesGone } from './processes-under.js';
import { waitForPort } from './wait-port.js';

/** The release fetch-real-mtas.sh installs (keep the two equal). */
export const HARAKA_VERSION = '3.3.4';
const HARAKA = path.join(MTA_PREFIX, 'haraka/node_modules/Haraka/bin/haraka');

/** harakaAvailable: the installed Haraka runs under this Node and is the pinned release. */
export function harakaAvailable(): boolean {
  if (!existsSync(HARAKA)) return false;
  const r = spawnSync(process.execPath, [HARAKA, '--version'], { encoding: 'utf8' });
  return r.stdout.includes(`Version: ${HARAKA_VERSION}`);
}

/** What each port does. */
export interface HarakaPorts {
  /** STARTTLS; AUTH PLAIN/LOGIN only after it, as flat_file offers it to an internet client. */
  submission: number;
  /** STARTTLS, and AUTH before it too: flat_file's exemption for a local client, unchanged. */
  localClient: number;
  /** No STARTTLS (tls.ini no_starttls_ports): AUTH offered in clear only. */
  noTls: number;
  /** STARTTLS whose handshake demands a client certificate (tls.ini requireAuthorized). */
  clientCert: number;
  /** TLS from the first byte (smtp.ini smtps_port); AUTH inside it. */
  smtps: number;
}

export interface HarakaOptions {
  /** config/me: the greeting's host name and the one local domain (config/host_list). */
  hostname: string;
  /** The default certificate (config/tls_cert.pem, leaf then intermediates) and its key. */
  certChainPem: string;
  keyPem: string;
  /**
   * More certificates chosen by the name the client sends (SNI): Haraka loads every file of
   * config/tls/ and serves each for the names in it. Keys are file names.
   */
  sniCerts?: Record<string, { certChainPem: string; keyPem: string }>;
  user: string;
  password: string;
  ports: HarakaPorts;
}

export interface HarakaInstance {
  dir: string;
  /** Haraka's log (its stdout, log.ini level=protocol: every command line it received). */
  log(): string;
  /** stop ends Haraka and anything it started, then removes the directory. */
  stop(): Promise<void>;
}

/**
 * The harness plugin: the loopback client counts as an internet client on the given ports;
 * reverse DNS is answered locally (Haraka would otherwise ask the system resolver about
 * 127.0.0.1, traffic off this host); and DATA is refused, so no message could ever be queued.
 */
function harnessPlugin(asInternet: number[]): string {
  return [
    `const AS_INTERNET = ${JSON.stringify(asInternet)}`,
    'exports.hook_connect_init = function (next, connection) {',
    "  if (AS_INTERNET.includes(connection.local.port)) connection.set('remote.is_private', false)",
    '  next()',
    '}',
    'exports.hook_lookup_rdns = function (next) {',
    "  next(OK, 'localhost')",
    '}',
    'exports.hook_data = function (next) {',
    "  next(DENY, 'this test server takes no mail')",
    '}',
    '',
  ].join('\n');
}

const ini = (lines: string[]): string => `${lines.join('\n')}\n`;

/** writeConfig makes Haraka's configuration directory: `haraka -i`, then the files below. */
function writeConfig(dir: string, o: HarakaOptions): void {
  const init = spawnSync(process.execPath, [HARAKA, '-i', dir], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`haraka -i ${dir} failed: ${init.stderr}`);
  const conf = (name: string, text: string, mode = 0o644): void => writeFileSync(path.join(dir, 'config', name), text, { mode });
  if (/[=\n\r;[\]]/.test(o.user) || /[\n\r]/.test(o.password)) throw new Error('user must not contain = ; [ ] or a newline, nor the password a newline');
  const p = o.ports;
  conf('me', `${o.hostname}\n`);
  conf('host_list', `${o.hostname}\n`);
  conf('smtp.ini', ini([
    `listen=${Object.values(p).map((port) => `127.0.0.1:${port}`).join(',')}`,
    // One process (no cluster), not daemonized: SIGTERM to the child (Haraka leaves it to
    // Node's default unless it runs as pid 1) ends Haraka at once.
    'nodes=0',
    'public_ip=127.0.0.1',
    `smtps_port=${p.smtps}`,
  ]));
  conf('log.ini', ini(['[main]', 'level=protocol', 'timestamps=true']));
  conf('plugins', ini(['smtprobe_harness', 'tls', 'auth/flat_file', 'rcpt_to.in_host_list']));
  conf('tls.ini', ini(['[main]', `no_starttls_ports[]=${p.noTls}`, `requireAuthorized[]=${p.clientCert}`]));
  conf('tls_cert.pem', o.certChainPem);
  conf('tls_key.pem', o.keyPem, 0o600);
  // Without a dhparams.pem the tls plugin has openssl generate 2048-bit parameters at start-up,
  // seconds of CPU; RFC 7919's ffdhe2048 group is the standard choice and costs nothing.
  const dh = spawnSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048'], { encoding: 'utf8' });
  if (dh.status !== 0 || !dh.stdout.includes('BEGIN DH PARAMETERS')) throw new Error(`openssl genpkey (ffdhe2048) failed: ${dh.stderr}`);
  conf('dhparams.pem', dh.stdout);
  if (o.sniCerts) {
    mkdirSync(path.join(dir, 'config/tls'));
    for (const [name, c] of Object.entries(o.sniCerts)) conf(`tls/${name}.pem`, `${c.keyPem}\n${c.certChainPem}`, 0o600);
  }
  conf('auth_flat_file.ini', ini(['[core]', 'methods=PLAIN,LOGIN', 'constrain_sender=false', '[users]', `${o.user}=${o.password}`]), 0o600);
  // Nothing goes out: the outbound queue is off, and no queue plugin is listed.
  conf('outbound.ini', ini(['disabled=true']));
  writeFileSync(path.join(dir, 'plugins/smtprobe_harness.js'), harnessPlugin([p.submission, p.clientCert]));
}

/** startHaraka makes the configuration directory, starts Haraka and waits for every port. */
export async function startHaraka(o: HarakaOptions): Promise<HarakaInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-haraka-'));
  try {
    writeConfig(dir, o);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const out = openSync(path.join(dir, 'haraka.log'), 'w');
  const child: ChildProcess = spawn(process.execPath, [HARAKA, '-c', dir], { cwd: dir, stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = (): string => {
    try {
      return readFileSync(path.join(dir, 'haraka.log'), 'utf8');
    } catch {
      return '(no log)';
    }
  };
  const instance: HarakaInstance = {
    dir,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      // openssl, which Haraka runs to read config/tls/, works in dir like Haraka itself.
      await awaitProcessesGone(dir);
      rmSync(dir, { recursive: true, force: true, maxRetries: 30, retryDelay: 100 });
    },
  };
  try {
    for (const port of Object.values(o.ports)) await waitForPort('127.0.0.1', port);
  } catch (err) {
    const why = `${(err as Error).message}: ${log().slice(-3000)}`;
    await instance.stop();
    throw new Error(why, { cause: err });
  }
  return instance;
}
