/**
 * tls-bench: the time for smtprobe's full TLS verdict — STARTTLS, handshake, every certificate
 * problem, and the per-version scan (TLS 1.0–1.3, concurrently) — on loopback, next to
 * `testssl --starttls smtp` against the same server, in one run.
 *
 * The server is a minimal STARTTLS responder (RFC 3207) with a leaf from the test PKI
 * (`expires-soon`, so the verdict has something to say) that accepts TLS 1.0–1.3 (OpenSSL
 * security level 0, like a legacy relay). Library level: it drives src/probe/tls directly, not
 * the CLI. Run: `sh bench/tls-bench.sh` (Debian: apt-get install testssl.sh).
 * Results: bench/results/tls-bench.json (not committed).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Deadline } from '../src/model/deadline.js';
import { tlsHandshake } from '../src/probe/tls/handshake.js';
import { TrustStore } from '../src/probe/tls/trust-store.js';
import { scanTlsVersions } from '../src/probe/tls/version-scan.js';

const HOST = 'mail.bench.test';
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const here = dirname(fileURLToPath(import.meta.url));

/** startTlsServer: 220 banner, EHLO with STARTTLS, then TLS (RFC 3207 §4), EHLO again, QUIT. */
function startTlsServer(context: tls.SecureContext): net.Server {
  return net.createServer((sock) => {
    sock.on('error', () => undefined);
    sock.write(`220 ${HOST} ESMTP bench\r\n`);
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim().toUpperCase();
        buf = buf.slice(i + 1);
        if (line.startsWith('EHLO') || line.startsWith('HELO')) sock.write(`250-${HOST}\r\n250-PIPELINING\r\n250 STARTTLS\r\n`);
        else if (line === 'STARTTLS') {
          sock.off('data', onData);
          sock.write('220 2.0.0 Ready to start TLS\r\n');
          const secure = new tls.TLSSocket(sock, { isServer: true, secureContext: context });
          secure.on('error', () => undefined);
          secureDialogue(secure);
          return;
        } else if (line === 'QUIT') sock.end('221 2.0.0 Bye\r\n');
        else sock.write('502 5.5.1 Unrecognized command\r\n');
      }
    };
    sock.on('data', onData);
  });
}

function secureDialogue(s: tls.TLSSocket): void {
  let buf = '';
  s.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim().toUpperCase();
      buf = buf.slice(i + 1);
      if (line.startsWith('EHLO') || line.startsWith('HELO')) s.write(`250-${HOST}\r\n250 AUTH PLAIN LOGIN\r\n`);
      else if (line === 'QUIT') s.end('221 2.0.0 Bye\r\n');
      else s.write('502 5.5.1 Unrecognized command\r\n');
    }
  });
}

/** readReply: one complete SMTP reply (last line has a space after the code). */
function readReply(sock: net.Socket): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      if (/(^|\n)\d{3} [^\n]*\n$/.test(buf)) {
        sock.off('data', onData);
        sock.off('error', reject);
        sock.pause();
        resolvePromise(buf);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.resume(); // an earlier pause() survives adding a 'data' listener
  });
}

/** openStartTls: connect, banner, EHLO, STARTTLS → a socket ready for the handshake. */
async function openStartTls(port: number): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r, j) => sock.once('connect', r).once('error', j));
  await readReply(sock);
  sock.write('EHLO client.bench.test\r\n');
  await readReply(sock);
  sock.write('STARTTLS\r\n');
  const go = await readReply(sock);
  if (!go.startsWith('220')) throw new Error(`STARTTLS refused: ${go}`);
  return sock;
}

/** verdict: the whole TLS part of a check with --tls-scan; returns the finding codes. */
async function verdict(port: number, ca: string, store: TrustStore): Promise<string[]> {
  const deadline = Deadline.after(10_000, 'tls');
  const scan = scanTlsVersions(() => openStartTls(port), { servername: HOST, allowed: ['TLSv1.2', 'TLSv1.3'] }, deadline);
  const out = await tlsHandshake(await openStartTls(port), {
    mode: 'starttls', servername: HOST, verify: 'domain', ca: [ca], warnDays: 21, critDays: 7, trustStore: store,
  }, deadline);
  const scanned = await scan;
  out.socket?.destroy();
  const codes = out.data.problems.map((p) => p.code as string);
  if (scanned.versions.some((v) => v.accepted && (v.version === 'TLSv1' || v.version === 'TLSv1.1'))) codes.push('TLS_LEGACY_PROTOCOL');
  return codes;
}

function stats(ms: number[]): { median: number; p95: number; min: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { median: at(0.5), p95: at(0.95), min: s[0] as number, max: s[s.length - 1] as number };
}

const round = (n: number): number => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  const t0 = performance.now();
  // imported here so that the one-verdict child process loads only the probe's modules
  const { createTestPki } = await import('../src/mock/certs/index.js');
  const pki = await createTestPki();
  const leaf = await pki.issue('expires-soon', { hostnames: [HOST], days: 10 });
  const pkiMs = performance.now() - t0;
  const context = tls.createSecureContext({ key: leaf.keyPem, cert: leaf.chainPem, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  const server = startTlsServer(context);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;

  // first verdict of the process: includes building the trust store (system roots parsed once)
  const c0 = performance.now();
  const store = TrustStore.from([pki.rootPem]);
  const codes = await verdict(port, pki.rootPem, store);
  const coldMs = performance.now() - c0;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await verdict(port, pki.rootPem, store);
    times.push(performance.now() - t);
  }

  const dir = mkdtempSync(join(tmpdir(), 'tls-bench-'));
  writeFileSync(join(dir, 'ca.pem'), pki.rootPem);
  // Asynchronous spawn: the server under test lives in this process and must keep answering.
  const testssl = async (args: string[]): Promise<{ args: string; wallMs: number; status: number | null }> => {
    const t = performance.now();
    const child = spawn('testssl', ['--quiet', '--color', '0', '--warnings', 'off', '--add-ca', join(dir, 'ca.pem'), '--starttls', 'smtp', ...args, `127.0.0.1:${port}`], { stdio: 'ignore' });
    const status = await new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    return { args: args.join(' ') || '(default: all checks)', wallMs: round(performance.now() - t), status };
  };
  // A fresh node process doing one verdict: what a user waits for (start-up, module loading,
  // system roots parsed), comparable to a testssl process.
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { stdio: 'ignore', env: { ...process.env, BENCH_ONE_PORT: String(port), BENCH_ONE_CA: join(dir, 'ca.pem') } });
    const status = await new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    if (status !== 0) throw new Error(`one-verdict process failed: ${status}`);
    cold.push(performance.now() - t);
  }
  const testsslRuns = process.env.BENCH_SKIP_TESTSSL ? [] : [await testssl(['-p', '-S']), await testssl([])];
  rmSync(dir, { recursive: true, force: true });
  server.close();

  const result = {
    date: new Date().toISOString(), node: process.version, openssl: process.versions.openssl,
    pkiAndLeafMs: round(pkiMs),
    smtprobe: { runs: RUNS, firstVerdictMs: round(coldMs), ...Object.fromEntries(Object.entries(stats(times)).map(([k, v]) => [`${k}Ms`, round(v)])), codes },
    smtprobeFreshProcessMs: { median: round(stats(cold).median), max: round(stats(cold).max) },
    testssl: testsslRuns,
  };
  const outDir = resolve(here, '../../../bench/results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'tls-bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** one: a single verdict in this fresh process (the parent's server, its CA file). */
async function one(port: number, caFile: string): Promise<void> {
  const ca = readFileSync(caFile, 'utf8');
  const codes = await verdict(port, ca, TrustStore.from([ca]));
  if (!codes.includes('TLS_LEGACY_PROTOCOL')) process.exitCode = 1;
}

if (process.env.BENCH_ONE_PORT && process.env.BENCH_ONE_CA) await one(Number(process.env.BENCH_ONE_PORT), process.env.BENCH_ONE_CA);
else await main();
