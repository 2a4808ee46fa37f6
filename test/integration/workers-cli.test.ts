/**
 * `run --workers N` and `serve --workers N` as users run them (the built executable): the
 * per-host and global limits hold across worker threads (a relay allowing 10 connections never
 * sees 11), every target gets exactly one Report, a worker that dies loses no Report and the
 * run exits 3, no secret reaches any output, and a bad --workers is one line and exit 3.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERDICT_EXIT_CODE, type Report } from '../../src/model/report.js';
import { worstVerdict } from '../../src/model/worst-verdict.js';
import { SMTPROBE_BIN } from '../support/bin.js';
import { mockFleetYaml, mockPool } from '../support/mock-pool.js';
import { freePort } from '../support/wait-port.js';

const PASSWORD = 'mock-pass-1';
const WRONG = 'wrong-pass-77';
const env = { ...process.env, NO_COLOR: '1', GOOD_PASS: PASSWORD, BAD_PASS: WRONG };
const mocks = mockPool();
const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-workers-'));

function smtprobe(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env: { ...env, ...extraEnv }, timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const ndjson = (out: string): Report[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Report);
const exitOf = (reports: Report[]): number => VERDICT_EXIT_CODE[worstVerdict(reports.map((r) => r.verdict))];

/**
 * CountingRelay: just enough SMTP on 127.0.0.x (a greeting after a pause, so connections
 * overlap; EHLO; QUIT) to count how many connections are open at once — per server and, through
 * a shared tally, across several.
 */
class Tally {
  open = 0;
  max = 0;
  inc(): void {
    this.open += 1;
    this.max = Math.max(this.max, this.open);
  }
  dec(): void {
    this.open -= 1;
  }
}

async function countingRelay(host: string, total?: Tally): Promise<{ port: number; tally: Tally; close: () => Promise<void> }> {
  const tally = new Tally();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    let counted = false;
    let closed = false;
    const gone = (): void => {
      if (closed) return;
      closed = true;
      sockets.delete(s);
      if (!counted) return;
      tally.dec();
      total?.dec();
    };
    // A connection ends for this count when the client's FIN arrives ('end'; 'close' follows
    // later, after the handle is released). And a new one is counted once the I/O of this
    // event-loop turn has run: Node may hand over a new connection before the 'end' of the
    // client's previous one even when that FIN reached the kernel first — two connections the
    // network never had open at once.
    setImmediate(() => {
      if (closed) return;
      counted = true;
      tally.inc();
      total?.inc();
    });
    s.on('end', gone);
    s.on('close', gone);
    s.on('error', () => undefined);
    const greet = setTimeout(() => s.write('220 relay.test ESMTP counting\r\n'), 250);
    s.on('close', () => clearTimeout(greet));
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i).toUpperCase();
        buf = buf.slice(i + 2);
        if (line.startsWith('EHLO')) s.write('250-relay.test\r\n250 8BITMIME\r\n');
        else if (line.startsWith('QUIT')) s.end('221 2.0.0 Bye\r\n');
        else s.write('502 5.5.2 not here\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    tally,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

const relays: { close: () => Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
});

/** A probes.yaml of plain-SMTP targets (no TLS, no AUTH, no ICMP), `per` of them to each host:port. */
function plainProbes(file: string, hosts: { host: string; port: number }[], per: number): string {
  const p = path.join(dir, file);
  writeFileSync(p, [
    'defaults:',
    '  tls: none',
    '  auth: none',
    '  icmp: false',
    '  timeout: 30',
    'targets:',
    ...hosts.flatMap(({ host, port }, h) => Array.from({ length: per }, (_, i) => `  - { name: h${h}-${i}, host: ${host}, port: ${port} }`)),
    '',
  ].join('\n'));
  return p;
}

describe('limits across workers', () => {
  it('--workers 2 --per-host 10: the relay never sees an 11th connection, does see 10, and every target has one Report', async () => {
    const relay = await countingRelay('127.0.0.1');
    relays.push(relay);
    const file = plainProbes('per-host.yaml', [{ host: '127.0.0.1', port: relay.port }], 60);
    const r = await smtprobe(['run', file, '--workers', '2', '--per-host', '10', '--concurrency', '64', '--format', 'ndjson', '--no-progress']);
    const reports = ndjson(r.stdout);
    expect(reports).toHaveLength(60);
    expect(new Set(reports.map((x) => x.target.name)).size).toBe(60);
    expect(reports.every((x) => x.summary.goalReached)).toBe(true);
    expect(relay.tally.max).toBe(10);
    expect(r.code).toBe(exitOf(reports));
    expect(r.code).toBeLessThan(2);
  });

  it('--workers 2 --concurrency 12 over four relays: never 13 connections in all, never 11 at one relay', async () => {
    const total = new Tally();
    const four = await Promise.all(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'].map((h) => countingRelay(h, total)));
    relays.push(...four);
    const file = plainProbes('global.yaml', four.map((f, i) => ({ host: `127.0.0.${i + 1}`, port: f.port })), 15);
    const r = await smtprobe(['run', file, '--workers', '2', '--per-host', '10', '--concurrency', '12', '--format', 'json', '--no-progress']);
    const doc = JSON.parse(r.stdout) as { reports: Report[]; notRun: string[] };
    expect(doc.reports).toHaveLength(60);
    expect(doc.notRun).toEqual([]);
    expect(new Set(doc.reports.map((x) => x.target.name)).size).toBe(60);
    expect(total.max).toBe(12);
    for (const f of four) expect(f.tally.max).toBeLessThanOrEqual(10);
    expect(r.code).toBe(exitOf(doc.reports));
  });
});

// Raw ICMP needs root. CI runs as root, so there this always runs — and fails, not skips, if it cannot.
const skipRootOnly = process.getuid?.() !== 0 && !process.env['CI'];
if (skipRootOnly) console.warn('test/integration/workers-cli.test.ts: one test skipped: raw ICMP sockets need root');

describe('ICMP with workers', () => {
  it.skipIf(skipRootOnly)('ICMP and path steps in worker threads ping through the main thread\'s raw sockets: the same results as --workers 1 (root only)', async () => {
    const relay = await countingRelay('127.0.0.1');
    relays.push(relay);
    const file = path.join(dir, 'icmp.yaml');
    writeFileSync(file, [
      'defaults: { tls: none, auth: none, icmp: true, icmpCount: 3, path: true, pathCount: 3, timeout: 30 }',
      'targets:',
      ...Array.from({ length: 12 }, (_, i) => `  - { name: p${i}, host: 127.0.0.1, port: ${relay.port} }`),
      '',
    ].join('\n'));
    // What each run's ICMP and path steps did (echo loss on a loaded machine may differ by a sample, in any mode).
    const summary = (out: string): string[] => ndjson(out).map((r) => {
      const icmp = r.steps.find((s) => s.step === 'icmp');
      const hops = r.steps.find((s) => s.step === 'path');
      const answered = (icmp?.data?.received ?? 0) > 0 ? 'answered' : 'silent';
      return `${r.target.name} ${icmp?.data?.backend} sent ${icmp?.data?.sent} ${answered}, path ${hops?.status === 'fail' ? 'fail' : 'ok'} ${hops?.data?.hops.length} hop`;
    }).sort();
    const two = await smtprobe(['run', file, '--workers', '2', '--per-host', '12', '--format', 'ndjson', '--no-progress']);
    const one = await smtprobe(['run', file, '--workers', '1', '--per-host', '12', '--format', 'ndjson', '--no-progress']);
    expect(summary(two.stdout)).toHaveLength(12);
    expect(summary(two.stdout)[0]).toBe('p0 raw-socket sent 3 answered, path ok 1 hop');
    expect(summary(two.stdout)).toEqual(summary(one.stdout));
    expect(two.code).toBe(one.code);
  });
});

describe('with mock smart hosts', () => {
  let config = '';
  beforeAll(async () => {
    const good = await mocks.start('good-starttls');
    const bad = await mocks.start('bad-credentials');
    writeFileSync(path.join(dir, 'ca.pem'), mocks.pki.rootPem);
    config = path.join(dir, 'probes.yaml');
    writeFileSync(config, mockFleetYaml([
      ...Array.from({ length: 6 }, (_, i) => `  - { name: good-${i}, host: 127.0.0.1, port: ${good.port}, password: env:GOOD_PASS }`),
      `  - { name: bad, host: 127.0.0.1, port: ${bad.port}, password: env:BAD_PASS }`,
    ]));
  });

  /** Every form a password could take in output (raw, base64 of itself and of an AUTH PLAIN line). */
  const forms = (secret: string): string[] => [secret, Buffer.from(secret).toString('base64'), Buffer.from(`\0probe@smarthost.test\0${secret}`).toString('base64')];

  it('no password in any format, on stdout or stderr, with --workers 2', async () => {
    for (const format of ['human', 'json', 'ndjson', 'nagios', 'prometheus', 'junit']) {
      const r = await smtprobe(['run', config, '--workers', '2', '--format', format, '--no-progress']);
      expect([format, r.code]).toEqual([format, 2]);
      for (const f of [...forms(PASSWORD), ...forms(WRONG)]) expect(`${r.stdout}\n${r.stderr}`).not.toContain(f);
    }
  });

  it('a worker that dies: its probes get PROBE_INTERNAL_ERROR Reports (one per target, none lost), a line on stderr, exit 3', async () => {
    const r = await smtprobe(['run', config, '--workers', '2', '--format', 'ndjson', '--no-progress'], { SMTPROBE_TEST_WORKER_CRASH_ON: 'good-2' });
    const reports = ndjson(r.stdout);
    expect(reports.map((x) => x.target.name).sort()).toEqual(['bad', ...Array.from({ length: 6 }, (_, i) => `good-${i}`)].sort());
    const crashed = reports.find((x) => x.target.name === 'good-2');
    expect(crashed?.verdict).toBe('unknown');
    expect(crashed?.findings.map((f) => f.code)).toEqual(['PROBE_INTERNAL_ERROR']);
    // Probes that ran on the other worker (or after the crash, on a new one) are real Reports.
    expect(reports.filter((x) => x.verdict === 'ok').length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/^smtprobe: error: a probe worker died \(test fault: probe worker crashed while probing good-2\); \d+ probe\(s\) lost, reported as PROBE_INTERNAL_ERROR: .*good-2/m);
    expect(r.code).toBe(3);
  });

  it('--workers 1 probes in the main thread and gives the same verdicts', async () => {
    const [one, two] = await Promise.all([
      smtprobe(['run', config, '--workers', '1', '--format', 'ndjson', '--no-progress']),
      smtprobe(['run', config, '--workers', '2', '--format', 'ndjson', '--no-progress']),
    ]);
    const verdicts = (out: string): string[] => ndjson(out).map((x) => `${x.target.name}:${x.verdict}`).sort();
    expect(verdicts(one.stdout)).toEqual(verdicts(two.stdout));
    expect([one.code, two.code]).toEqual([2, 2]);
  });

  describe('serve --workers 2', () => {
    let child: ChildProcess | undefined;
    let base = '';
    let stderr = '';

    beforeAll(async () => {
      const port = await freePort();
      child = spawn(process.execPath, [SMTPROBE_BIN, 'serve', '--config', config, '--listen', `127.0.0.1:${port}`, '--workers', '2'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
      base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 100; i++) {
        if (await fetch(`${base}/metrics`).then(() => true, () => false)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('serve did not come up');
    });

    afterAll(() => {
      if (child?.exitCode === null) child.kill('SIGKILL');
    });

    it('/probe answers from a worker (several at once), debug shows the redacted transcript, /metrics counts them, SIGTERM ends it with exit 0', async () => {
      const pages = await Promise.all(['good-0', 'good-1', 'good-2', 'bad'].map(async (t) => (await fetch(`${base}/probe?target=${t}`)).text()));
      for (const p of pages.slice(0, 3)) expect(p).toMatch(/^probe_success(\{[^}]*\})? 1$/m);
      expect(pages[3]).toMatch(/probe_failed_step\{[^}]*code="AUTH_CREDENTIALS_REJECTED"[^}]*\} 1/);
      const debug = await (await fetch(`${base}/probe?target=bad&debug=true`)).text();
      expect(debug).toContain('Logs for the probe:');
      expect(debug).toMatch(/AUTH PLAIN/);
      expect(debug).toContain('535');
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^smtprobe_exporter_probes_total\{trigger="probe",verdict="ok"\} 3$/m);
      for (const f of [...forms(PASSWORD), ...forms(WRONG)]) expect([...pages, debug, metrics, stderr].join('\n')).not.toContain(f);
      const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
      child?.kill('SIGTERM');
      expect(await exited).toBe(0);
    });
  });
});

describe('serve --workers 2 when a worker dies', () => {
  it('the scrape gets probe_success 0 (PROBE_INTERNAL_ERROR), the log one line, and the next scrape a new worker', async () => {
    const good = await mocks.start('good-starttls');
    writeFileSync(path.join(dir, 'ca-serve.pem'), mocks.pki.rootPem);
    const config = path.join(dir, 'serve-crash.yaml');
    writeFileSync(config, [
      'defaults: { tls: starttls, ca: ./ca-serve.pem, tlsDomain: smarthost.test, user: probe@smarthost.test, password: env:GOOD_PASS, icmp: false }',
      'targets:',
      `  - { name: doomed, host: 127.0.0.1, port: ${good.port} }`,
      `  - { name: fine, host: 127.0.0.1, port: ${good.port} }`,
      '',
    ].join('\n'));
    const port = await freePort();
    const child = spawn(process.execPath, [SMTPROBE_BIN, 'serve', '--config', config, '--listen', `127.0.0.1:${port}`, '--workers', '2'], { env: { ...env, SMTPROBE_TEST_WORKER_CRASH_ON: 'doomed' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 100 && !(await fetch(`${base}/metrics`).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
      const doomed = await fetch(`${base}/probe?target=doomed`);
      expect(doomed.status).toBe(200);
      const body = await doomed.text();
      expect(body).toMatch(/^probe_success(\{[^}]*\})? 0$/m);
      expect(await (await fetch(`${base}/probe?target=fine`)).text()).toMatch(/^probe_success(\{[^}]*\})? 1$/m);
      expect(stderr).toMatch(/^smtprobe serve: a probe worker died \(test fault: probe worker crashed while probing doomed\); 1 probe\(s\) lost, reported as PROBE_INTERNAL_ERROR: doomed$/m);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('--workers must be a whole number from 1 to 1024', () => {
  it.each([['run', '0'], ['run', 'two'], ['run', '1.5'], ['serve', '-1'], ['serve', '2000']])('%s --workers %s: one line naming the flag, exit 3', async (cmd, value) => {
    const file = plainProbes('flag.yaml', [{ host: '127.0.0.1', port: 9 }], 1);
    const args = cmd === 'run' ? ['run', file, '--workers', value] : ['serve', '--config', file, '--listen', '127.0.0.1:0', '--workers', value];
    const r = await smtprobe(args);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([`smtprobe: error: --workers: "${value}" is not a whole number from 1 to 1024`]);
    expect(r.stdout).toBe('');
  });
});
