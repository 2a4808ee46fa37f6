/**
 * fleet-bench: full STARTTLS + AUTH probes per second (certificate verified) against a real
 * Postfix on loopback and against the bundled mock, at concurrency 1, 8, 64, 256, with p50/p99
 * latency and peak RSS — next to swaks (in parallel), check_smtp (monitoring-plugins) and
 * prometheus-blackbox-exporter probing the same Postfix in the same run. Also the
 * whole-process latency of `smtprobe check` next to swaks', and the 10,000-probe run.
 *
 * Run as root: `sh bench/fleet-bench.sh [section ...]` (sections: smtprobe peers cli 10k;
 * default all; `ab`, below; `compare`, in fleet-compare.ts: every peer at its best with CPU per
 * probe on both sides, only when named; `up` keeps Postfix and the mock running until
 * interrupted). Results: bench/results/fleet-bench.json (fleet-compare.json) and a Markdown
 * table on stdout.
 *
 * `ab` compares builds in one run, interleaved (A B C A B C …) so that the shared machine's
 * load falls on each alike: BENCH_AB="label=/path/to/checkout,…" names each build's checkout
 * (built with `npm run build`, its bench compiled by tsc into <checkout>/.bench-ab; `.` is
 * this tree). For each, BENCH_AB_ROUNDS (5) fleet runs against Postfix at c=BENCH_AB_C (64)
 * and BENCH_AB_CHECKS (20) whole-process `check` runs per round (code cache on, clean
 * environment); medians and ranges of wall time and of CPU time (GNU time: the worker's CPU
 * per probe, each check's CPU), plus the load average before and after.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../src/mock/index.js';
import { startPostfix, type PostfixInstance } from '../test/support/postfix.js';
import { blackboxConfig } from './blackbox-config.js';
import { compareSection } from './fleet-compare.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository (results go to its bench/results); the compiled tree sits elsewhere. */
const repo = process.env.SMTPROBE_REPO ?? path.resolve(here, '..');
const sections = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ['smtprobe', 'peers', 'cli', '10k']);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,8,64,256').split(',').map(Number);
const USER = 'probe@smarthost.test';
const PASS = 'bench-pass-1';
const PORT = Number(process.env.BENCH_POSTFIX_PORT ?? 20587);
/** Runs of each smtprobe-vs-Postfix measurement (the median is reported). */
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const tmp = mkdtempSync(path.join(tmpdir(), 'smtprobe-fleet-bench-'));

interface Row {
  tool: string;
  server: string;
  concurrency: number;
  n: number;
  probesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb?: number;
  ok: number;
  note?: string;
  [k: string]: unknown;
}
const rows: Row[] = [];
const extra: Record<string, unknown> = {};

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
const r1 = (x: number): number => Math.round(x * 10) / 10;

/** probesFor: how many probes a measurement makes at concurrency c (enough for a steady rate). */
function probesFor(c: number, perSecGuess: number): number {
  const n = Math.max(c * 4, Math.min(3000, Math.round(perSecGuess * 4)), 40);
  // BENCH_MAX_N caps a measurement (e.g. for the unpatched, slow build).
  return Math.min(n, Number(process.env.BENCH_MAX_N ?? Infinity));
}

/** worker runs bench/fleet-worker.js in a child process and returns its JSON line. */
function worker(args: Record<string, unknown>, script = path.join(here, 'fleet-worker.js'), cpuFile?: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // BENCH_NODE_ARGS (e.g. --cpu-prof) goes to the worker's node: profile the probe, not the harness.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    // cpuFile: GNU time writes the worker's user and system CPU seconds there.
    const [cmd, pre] = cpuFile ? ['/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, process.execPath]] : [process.execPath, []];
    const child = spawn(cmd, [...pre, ...nodeArgs, script, JSON.stringify(args)], { env: { ...process.env, BENCH_PASS: PASS }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    // 'close', not 'exit': 'exit' may come before the pipes are drained (the JSON line lost).
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>);
      } catch {
        reject(new Error(`worker exited ${code}: ${out}`));
      }
    });
  });
}

/**
 * pool runs `n` commands with at most `c` at once (like xargs -P), timing each; peak RSS is
 * the largest maxrss any one process had (GNU time's %M).
 */
async function pool(n: number, c: number, cmd: string, args: string[], okWhen: (code: number | null, out: string) => boolean): Promise<{ wallMs: number; lat: number[]; ok: number; peakRssKb: number; sample: string }> {
  const lat: number[] = [];
  let ok = 0;
  let peak = 0;
  let sample = '';
  let next = 0;
  const t0 = performance.now();
  const one = (): Promise<void> => new Promise((resolve) => {
    const s = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    // 'close', not 'exit': 'exit' may fire before stdout/stderr are drained, and the reply
    // lines (and time's %M) read then are cut short — under load, most of them (this made
    // swaks look as if it failed 3 of 4 sessions at c=64 in earlier runs).
    child.on('close', (code) => {
      lat.push(performance.now() - s);
      const rss = Number(err.trim().split('\n').pop());
      if (Number.isFinite(rss)) peak = Math.max(peak, rss);
      if (okWhen(code, out + err)) ok += 1;
      else if (!sample) sample = (out + err).slice(-600);
      resolve();
    });
  });
  const lane = async (): Promise<void> => {
    while (next < n) {
      next += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: c }, lane));
  return { wallMs: performance.now() - t0, lat: lat.sort((a, b) => a - b), ok, peakRssKb: peak, sample };
}

function vmHwmMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

async function blackbox(server: { host: string; port: number }, caFile: string, counts: number[]): Promise<void> {
  const cfg = path.join(tmp, 'blackbox.yml');
  writeFileSync(cfg, blackboxConfig({ caFile, serverName: 'smarthost.test', user: USER, pass: PASS }));
  const port = Number(process.env.BENCH_BLACKBOX_PORT ?? 29115);
  const bb = spawn('/usr/bin/prometheus-blackbox-exporter', [`--config.file=${cfg}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  bb.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  try {
    for (let i = 0; i < 50; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/-/healthy`).then((r) => r.ok).catch(() => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = `http://127.0.0.1:${port}/probe?module=smtp_starttls_auth&target=${server.host}:${server.port}`;
    const first = await (await fetch(url)).text();
    if (!/^probe_success 1$/m.test(first)) throw new Error(`blackbox probe failed: ${first.slice(-800)} ${log}`);
    for (const c of counts) {
      const n = probesFor(c, 500);
      const lat: number[] = [];
      let ok = 0;
      let next = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: c }, async () => {
        while (next < n) {
          next += 1;
          const s = performance.now();
          const body = await (await fetch(url)).text();
          lat.push(performance.now() - s);
          if (/^probe_success 1$/m.test(body)) ok += 1;
        }
      }));
      const wall = performance.now() - t0;
      lat.sort((a, b) => a - b);
      rows.push({ tool: 'blackbox_exporter (tcp prober, scripted STARTTLS + AUTH PLAIN)', server: 'postfix', concurrency: c, n, probesPerSec: r1((n / wall) * 1000), p50Ms: r1(pct(lat, 50)), p99Ms: r1(pct(lat, 99)), peakRssMb: vmHwmMb(bb.pid!) ?? NaN, ok });
      process.stderr.write(`blackbox c=${c}: ${r1((n / wall) * 1000)}/s ok ${ok}/${n}\n`);
    }
  } finally {
    bb.kill('SIGTERM');
  }
}

/** swaksArgsFor: one swaks session like our probe: STARTTLS, chain verified against `caFile`, AUTH PLAIN, QUIT. */
function swaksArgsFor(server: { host: string; port: number }, caFile: string): string[] {
  return ['--server', `${server.host}:${server.port}`, '--tls', '--tls-verify', '--tls-ca-path', caFile, '--tls-sni', 'smarthost.test',
    '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', PASS, '--quit-after', 'AUTH', '--helo', 'bench.test'];
}

/** One build in an `ab` comparison: its label, executable and compiled fleet worker. */
interface AbBuild {
  label: string;
  bin: string;
  workerScript: string;
}

function abBuilds(): AbBuild[] {
  return (process.env.BENCH_AB ?? `now=.`).split(',').map((entry) => {
    const [label, dir] = entry.split('=') as [string, string | undefined];
    const root = dir === undefined || dir === '.' ? repo : path.resolve(dir);
    const bin = path.join(root, (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.smtprobe as string);
    return { label, bin, workerScript: root === repo && (dir === undefined || dir === '.') ? path.join(here, 'fleet-worker.js') : path.join(root, '.bench-ab/bench/fleet-worker.js') };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * abSection: the builds of BENCH_AB, interleaved round by round — each round runs every build's
 * fleet worker once (c=BENCH_AB_C against Postfix) and its `check` BENCH_AB_CHECKS times, in
 * an order rotated each round, so neither build always runs first after the other.
 */
async function abSection(pfServer: { host: string; port: number }, caFile: string, common: Record<string, unknown>): Promise<Record<string, unknown>> {
  const builds = abBuilds();
  const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 5);
  const c = Number(process.env.BENCH_AB_C ?? 64);
  const checks = Number(process.env.BENCH_AB_CHECKS ?? 20);
  const n = probesFor(c, 400);
  const { NODE_EXTRA_CA_CERTS: _ignored, ...clean } = process.env;
  const loadBefore = (await import('node:os')).loadavg();
  const rates: Record<string, number[]> = {};
  const checkMs: Record<string, number[]> = {};
  // CPU time as well as wall time: on a shared, loaded machine the wall clock measures the
  // neighbours as much as the build; the CPU a build spends is far steadier.
  const probeCpuMs: Record<string, number[]> = {};
  const checkCpuMs: Record<string, number[]> = {};
  const cpuFile = path.join(tmp, 'ab-cpu.txt');
  const cpuMs = (): number => readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).reduce((a, x) => a + Number(x) * 1000, 0);
  const checkArgs = ['check', pfServer.host, '--port', String(pfServer.port), '--tls', 'starttls', '--tls-domain', 'smarthost.test', '--ca', caFile, '--user', USER, '--password-env', 'BENCH_PASS', '--no-icmp', '--format', 'nagios'];
  for (const b of builds) {
    // warm each build's code cache (and the page cache) before measuring
    const env = { ...clean, BENCH_PASS: PASS, SMTPROBE_COMPILE_CACHE: path.join(tmp, `ab-cache-${b.label}`) };
    for (let i = 0; i < 2; i++) spawnSync(process.execPath, [b.bin, ...checkArgs], { env });
  }
  for (let r = 0; r < rounds; r++) {
    const order = builds.map((_, i) => builds[(i + r) % builds.length]!);
    for (const b of order) {
      const w = await worker({ ...common, servers: [pfServer], n, concurrency: c }, b.workerScript, cpuFile);
      (rates[b.label] ??= []).push(w.probesPerSec as number);
      // the worker's whole CPU over every probe it made (warm-up included: 1 + 2c)
      (probeCpuMs[b.label] ??= []).push(r1((cpuMs() / (n + 1 + 2 * c)) * 1000) / 1000);
      const env = { ...clean, BENCH_PASS: PASS, SMTPROBE_COMPILE_CACHE: path.join(tmp, `ab-cache-${b.label}`) };
      for (let i = 0; i < checks; i++) {
        const s = performance.now();
        const out = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, process.execPath, b.bin, ...checkArgs], { env, encoding: 'utf8' });
        const took = performance.now() - s;
        (checkCpuMs[b.label] ??= []).push(cpuMs());
        if (out.status !== 0 || !/^SMTP OK/.test(out.stdout)) throw new Error(`ab: ${b.label} check failed: ${out.stdout}${out.stderr}`);
        (checkMs[b.label] ??= []).push(took);
      }
      process.stderr.write(`ab round ${r + 1} ${b.label}: ${w.probesPerSec}/s, check p50 so far ${r1(median(checkMs[b.label]!))} ms\n`);
    }
  }
  const loadAfter = (await import('node:os')).loadavg();
  const result = builds.map((b) => ({
    label: b.label, concurrency: c, n, ratesPerSec: rates[b.label], rateMedian: r1(median(rates[b.label]!)),
    checkRuns: checkMs[b.label]!.length, checkP50Ms: r1(median(checkMs[b.label]!)), checkMinMs: r1(Math.min(...checkMs[b.label]!)), checkMaxMs: r1(Math.max(...checkMs[b.label]!)),
    probeCpuMs: probeCpuMs[b.label], probeCpuMsMedian: median(probeCpuMs[b.label]!),
    checkCpuP50Ms: r1(median(checkCpuMs[b.label]!)), checkCpuMinMs: r1(Math.min(...checkCpuMs[b.label]!)), checkCpuMaxMs: r1(Math.max(...checkCpuMs[b.label]!)),
    checkP50PerRound: Array.from({ length: rounds }, (_, i) => r1(median(checkMs[b.label]!.slice(i * checks, (i + 1) * checks)))),
  }));
  process.stderr.write(`ab: ${JSON.stringify({ loadBefore, loadAfter, result }, null, 1)}\n`);
  return { loadBefore, loadAfter, result };
}

async function main(): Promise<void> {
  const pki = await createTestPki();
  const leaf = await pki.issue('valid', { hostnames: ['smarthost.test'] });
  const caFile = path.join(tmp, 'ca.pem');
  writeFileSync(caFile, pki.rootPem);
  let postfix: PostfixInstance | undefined;
  const mocks: MockServer[] = [];
  try {
    // `compare` adds a second service (port + 1) that refuses a client's (LIMIT+1)-th connection
    // itself (anvil; loopback not exempt there): the per-host limit seen from the server side.
    const limited = { host: '127.0.0.1', port: PORT + 1, limit: Number(process.env.BENCH_POSTFIX_CONN_LIMIT ?? 10) };
    const services = [{ port: PORT }, ...(sections.has('compare') ? [{ port: limited.port, set: { smtpd_client_connection_count_limit: String(limited.limit), smtpd_client_event_limit_exceptions: '' } }] : [])];
    postfix = await startPostfix({ services, saslApps: { smtpd: 'PLAIN LOGIN' }, certChainPem: leaf.chainPem, keyPem: leaf.keyPem, hostname: 'smarthost.test', users: [{ user: USER, password: PASS }], processLimit: 400 });
    const pfServer = { host: postfix.host, port: PORT };
    const common = { ca: caFile, tlsDomain: 'smarthost.test', user: USER };

    // The mock runs in its own process-level event loop here (this parent), the worker in another.
    const scenario = await findScenario('good-starttls');
    scenario.server.auth.users = [{ username: USER, password: PASS }];
    const mock = await startMockServer(scenario, { pki, host: '127.0.0.1' });
    mocks.push(mock);
    const mockServer = { host: mock.host, port: mock.port };
    writeFileSync(caFile, pki.rootPem);

    if (sections.has('up')) {
      // `up`: keep the bench's Postfix and mock running for measurements by hand (peers, profiles);
      // prints where they are, ends on SIGINT/SIGTERM.
      process.stdout.write(`${JSON.stringify({ postfix: pfServer, mock: mockServer, ca: caFile, tlsDomain: 'smarthost.test', user: USER, passwordEnv: 'BENCH_PASS', password: 'see bench/fleet-bench.ts' })}\n`);
      await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
    }

    if (sections.has('smtprobe')) {
      for (const [label, server] of [['postfix', pfServer], ['mock', mockServer]] as const) {
        for (const c of CONCURRENCY) {
          const n = probesFor(c, c === 1 ? 40 : 400);
          // Against Postfix, REPEAT runs (the machine's other load moves a single run by ±10%):
          // the row is the median run by rate, `runs` lists them all.
          const runs: Record<string, unknown>[] = [];
          for (let i = 0; i < (label === 'postfix' ? REPEAT : 1); i++) runs.push(await worker({ ...common, servers: [server], n, concurrency: c }));
          runs.sort((a, b) => (a.probesPerSec as number) - (b.probesPerSec as number));
          const w = runs[Math.floor(runs.length / 2)] as Record<string, unknown>;
          const verdicts = w.verdicts as Record<string, number>;
          rows.push({ tool: 'smtprobe', server: label, concurrency: c, n, probesPerSec: w.probesPerSec as number, p50Ms: w.p50Ms as number, p99Ms: w.p99Ms as number, peakRssMb: w.peakRssMb as number, ok: (verdicts.ok ?? 0) + (verdicts.warning ?? 0), stepP50Ms: w.stepP50Ms, codes: w.codes, runs: runs.map((r) => r.probesPerSec) });
          process.stderr.write(`smtprobe ${label} c=${c}: ${JSON.stringify(w)}\n`);
        }
      }
      // The same at TLS 1.2, to show what the TLS 1.3 session-ticket stall costs (see bench/README.md).
      for (const c of [1, 64]) {
        const n = probesFor(c, c === 1 ? 40 : 400);
        const w = await worker({ ...common, servers: [pfServer], n, concurrency: c, tlsMax: 'TLSv1.2' });
        rows.push({ tool: 'smtprobe (tlsMax TLSv1.2)', server: 'postfix', concurrency: c, n, probesPerSec: w.probesPerSec as number, p50Ms: w.p50Ms as number, p99Ms: w.p99Ms as number, peakRssMb: w.peakRssMb as number, ok: n, stepP50Ms: w.stepP50Ms });
        process.stderr.write(`smtprobe tls1.2 c=${c}: ${JSON.stringify(w)}\n`);
      }
    }

    if (sections.has('peers')) {
      // swaks verifies the chain against our root with --tls-verify --tls-ca-path; the host name
      // only with --tls-verify-host (swaks >= 20240103; Debian 12 has 20201014): we record which.
      const swaksHelp = spawnSync('swaks', ['--help'], { encoding: 'utf8' }).stdout;
      const verifyHost = /tls-verify-host/.test(swaksHelp);
      const sw = [...swaksArgsFor(pfServer, caFile), ...(verifyHost ? ['--tls-verify-host', 'smarthost.test'] : [])];
      for (const c of [1, 8, 64]) {
        const n = c === 1 ? 30 : c * 4;
        const p = await pool(n, c, 'swaks', sw, (code, out) => code === 0 && /235 /.test(out));
        rows.push({ tool: `swaks (parallel processes, ${verifyHost ? 'cert verified' : 'chain verified, host name not'})`, server: 'postfix', concurrency: c, n, probesPerSec: r1((n / p.wallMs) * 1000), p50Ms: r1(pct(p.lat, 50)), p99Ms: r1(pct(p.lat, 99)), peakRssMb: Math.round(p.peakRssKb / 1024), ok: p.ok, ...(p.sample ? { sample: p.sample } : {}) });
        process.stderr.write(`swaks c=${c}: ${r1((n / p.wallMs) * 1000)}/s ok ${p.ok}/${n} ${p.sample}\n`);
      }
      const checkSmtp = '/usr/lib/nagios/plugins/check_smtp';
      const csArgs = ['-H', pfServer.host, '-p', String(pfServer.port), '-S', '-A', 'LOGIN', '-U', USER, '-P', PASS, '-e', '220', '-t', '30'];
      for (const c of [1, 8, 64, 256]) {
        const n = probesFor(c, c === 1 ? 40 : 250);
        const p = await pool(n, c, checkSmtp, csArgs, (code) => code === 0);
        rows.push({ tool: 'check_smtp (STARTTLS + AUTH LOGIN, cert not verified)', server: 'postfix', concurrency: c, n, probesPerSec: r1((n / p.wallMs) * 1000), p50Ms: r1(pct(p.lat, 50)), p99Ms: r1(pct(p.lat, 99)), peakRssMb: Math.round(p.peakRssKb / 1024), ok: p.ok, ...(p.sample ? { sample: p.sample } : {}) });
        process.stderr.write(`check_smtp c=${c}: ${r1((n / p.wallMs) * 1000)}/s ok ${p.ok}/${n} ${p.sample}\n`);
      }
      await blackbox(pfServer, caFile, CONCURRENCY);
    }

    if (sections.has('cli')) {
      // Whole-process latency of one `smtprobe check` (Node start-up included) — the executable
      // users run (package.json bin: the launcher `npm run build` makes in the repository) —
      // next to swaks' and an empty Node's. Each with and without NODE_EXTRA_CA_CERTS: Node 20
      // reads and parses the file it names at start-up (~30 ms), before any of our code runs.
      // smtprobe three ways: with its code cache (the steady state: the cache exists after the
      // first run of a command), on a first run (cache directory emptied before each run: it
      // compiles everything and writes the cache), and with the cache turned off.
      const bin = path.join(repo, (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.smtprobe as string);
      const checkArgs = [bin, 'check', pfServer.host, '--port', String(pfServer.port), '--tls', 'starttls', '--tls-domain', 'smarthost.test', '--ca', caFile, '--user', USER, '--password-env', 'BENCH_PASS', '--no-icmp', '--format', 'nagios'];
      const swaksPlain = ['--server', `${pfServer.host}:${pfServer.port}`, '--tls', '--auth', 'PLAIN', '--auth-user', USER, '--auth-password', PASS, '--quit-after', 'AUTH', '--helo', 'bench.test'];
      const cacheDir = path.join(tmp, 'compile-cache');
      const { NODE_EXTRA_CA_CERTS: extraCa, ...clean } = process.env;
      const envs: [string, NodeJS.ProcessEnv][] = [['clean', { ...clean, BENCH_PASS: PASS, SMTPROBE_COMPILE_CACHE: cacheDir }]];
      if (extraCa) envs.push([`NODE_EXTRA_CA_CERTS=${extraCa}`, { ...process.env, BENCH_PASS: PASS, SMTPROBE_COMPILE_CACHE: cacheDir }]);
      const cli: Record<string, unknown>[] = [];
      for (const [envName, env] of envs) {
        const time = (label: string, cmd: string, args: string[], okWhen: (out: string) => boolean, o: { env?: NodeJS.ProcessEnv; before?: () => void } = {}): void => {
          const ms: number[] = [];
          let ok = 0;
          for (let i = 0; i < 31; i++) {
            o.before?.();
            const s = performance.now();
            const r = spawnSync(cmd, args, { env: o.env ?? env, encoding: 'utf8' });
            const took = performance.now() - s;
            if (i === 0) continue; // warm-up: page cache (and, for smtprobe, the code cache)
            ms.push(took);
            if (r.status === 0 && okWhen(r.stdout + r.stderr)) ok += 1;
          }
          ms.sort((a, b) => a - b);
          cli.push({ env: envName, command: label, p50Ms: r1(pct(ms, 50)), minMs: r1(ms[0] ?? NaN), p90Ms: r1(pct(ms, 90)), ok: `${ok}/${ms.length}` });
        };
        const smtprobeOk = (o: string): boolean => /^SMTP OK/.test(o);
        time('smtprobe check --format nagios (cert verified: chain + name)', process.execPath, checkArgs, smtprobeOk);
        time('smtprobe check, first run (no code cache yet: compiles, writes it)', process.execPath, checkArgs, smtprobeOk, { before: () => rmSync(cacheDir, { recursive: true, force: true }) });
        time('smtprobe check, SMTPROBE_COMPILE_CACHE=off', process.execPath, checkArgs, smtprobeOk, { env: { ...env, SMTPROBE_COMPILE_CACHE: 'off' } });
        time('swaks (no cert check)', 'swaks', swaksPlain, (o) => /235 /.test(o));
        time('swaks --tls-verify --tls-ca-path (chain verified)', 'swaks', swaksArgsFor(pfServer, caFile), (o) => /235 /.test(o));
        time('node -e 0', process.execPath, ['-e', '0'], () => true);
      }
      extra.cliLatency = cli;
      process.stderr.write(`cli: ${JSON.stringify(cli, null, 1)}\n`);
    }

    if (sections.has('ab')) extra.ab = await abSection(pfServer, caFile, common);

    if (sections.has('compare')) {
      const swaksHelp = spawnSync('swaks', ['--help'], { encoding: 'utf8' }).stdout;
      const verifyHost = /tls-verify-host/.test(swaksHelp);
      const cmp = await compareSection({
        repo, tmp, caFile, server: pfServer, limited, postfixDir: postfix.dir, tlsDomain: 'smarthost.test', user: USER, pass: PASS,
        swaks: { args: [...swaksArgsFor(pfServer, caFile), ...(verifyHost ? ['--tls-verify-host', 'smarthost.test'] : [])], label: verifyHost ? 'cert verified' : 'chain verified, host name not' },
        checkSmtpArgs: ['-H', pfServer.host, '-p', String(pfServer.port), '-S', '-A', 'LOGIN', '-U', USER, '-P', PASS, '-e', '220', '-t', '30'],
        blackboxYaml: blackboxConfig({ caFile, serverName: 'smarthost.test', user: USER, pass: PASS }),
      });
      const out = path.join(repo, 'bench/results');
      mkdirSync(out, { recursive: true });
      const tag = process.env.BENCH_TAG ? `-${process.env.BENCH_TAG}` : '';
      writeFileSync(path.join(out, `fleet-compare${tag}.json`), `${JSON.stringify({ date: new Date().toISOString(), cpus: (await import('node:os')).cpus().length, ...cmp.json }, null, 2)}\n`);
      process.stdout.write(`${cmp.markdown}\n\n`);
    }

    if (sections.has('10k')) {
      // 10,000 probes in one run against four mock smart hosts: every Report, descriptors back, RSS bounded.
      const more = await Promise.all(['127.0.0.41', '127.0.0.42', '127.0.0.43', '127.0.0.44'].map((h) => startMockServer(scenario, { pki, host: h })));
      mocks.push(...more);
      const n = Number(process.env.BENCH_10K ?? 10_000);
      const w = await worker({ ...common, servers: more.map((m) => ({ host: m.host, port: m.port })), n, concurrency: 64, perHost: 16, lean: true });
      extra.tenK = w;
      process.stderr.write(`10k: ${JSON.stringify(w)}\n`);
    }
  } finally {
    await postfix?.stop();
    await Promise.all(mocks.map((m) => m.close()));
    rmSync(tmp, { recursive: true, force: true });
  }

  if (rows.length === 0 && Object.keys(extra).length === 0) return; // `compare` (or `up`) alone: written above
  const out = path.join(repo, 'bench/results');
  mkdirSync(out, { recursive: true });
  const tag = process.env.BENCH_TAG ? `-${process.env.BENCH_TAG}` : '';
  writeFileSync(path.join(out, `fleet-bench${tag}.json`), `${JSON.stringify({ date: new Date().toISOString(), cpus: (await import('node:os')).cpus().length, patches: { noTrustCache: process.env.BENCH_NO_TRUST_CACHE === '1' }, rows, ...extra }, null, 2)}\n`);
  const table = ['| tool | server | c | probes | probes/s | p50 ms | p99 ms | peak RSS MB | ok |', '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.tool} | ${r.server} | ${r.concurrency} | ${r.n} | ${r.probesPerSec}${Array.isArray(r.runs) && r.runs.length > 1 ? ` (${(r.runs as number[]).join(', ')})` : ''} | ${r.p50Ms} | ${r.p99Ms} | ${r.peakRssMb ?? ''} | ${r.ok}/${r.n} |`)];
  const cliRows = (extra.cliLatency as Record<string, unknown>[] | undefined) ?? [];
  const cliTable = cliRows.length === 0 ? [] : ['', '| environment | command | p50 ms | min ms | p90 ms | ok |', '|---|---|---:|---:|---:|---:|',
    ...cliRows.map((r) => `| ${r.env} | ${r.command} | ${r.p50Ms} | ${r.minMs} | ${r.p90Ms} | ${r.ok} |`)];
  process.stdout.write(`${[...table, ...cliTable].join('\n')}\n\n${JSON.stringify(extra, null, 2)}\n`);
}

await main();
