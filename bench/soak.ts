/**
 * soak: the fleet at scale against a real Postfix on loopback, ICMP ping on (the probes.yaml
 * default), as an SRE would run it. Two sections:
 *
 * - `cli`: `smtprobe run probes.yaml --concurrency 64 --per-host 64 --format F` with N targets
 *   (default 2,000) on one Postfix (STARTTLS, certificate verified, AUTH PLAIN), for each
 *   format in BENCH_FORMATS (default ndjson,json) with ICMP on and once with `icmp: false`:
 *   Reports counted in the output, exit code, wall time.
 * - `soak`: 10,000 full probes with ICMP on in one process through the runner `run` uses (c=64),
 *   Reports streamed and not retained: Reports counted, open descriptors before and after,
 *   peak RSS.
 *
 * Run as root: `sh bench/soak.sh [cli] [soak]`. Needs postfix, sasl2-bin, libsasl2-modules.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestPki } from '../src/mock/certs/index.js';
import { resolveTarget } from '../src/config/resolve-target.js';
import { NetPingSessions } from '../src/probe/path/net-ping-pinger.js';
import { probe } from '../src/check.js';
import { TrustStoreCache } from '../src/probe/tls/trust-store.js';
import { runFleet } from '../src/run/runner.js';
import { startPostfix, type PostfixInstance } from '../test/support/postfix.js';

const repo = process.env.SMTPROBE_REPO ?? process.cwd();
const bin = path.join(repo, 'dist/bin/smtprobe.cjs');
const sections = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ['cli', 'soak']);
const N = Number(process.env.BENCH_N ?? 2000);
const SOAK_N = Number(process.env.BENCH_SOAK_N ?? 10000);
const FORMATS = (process.env.BENCH_FORMATS ?? 'ndjson,json').split(',');
const PORT = 20600 + (process.pid % 300);
const USER = 'probe@smarthost.test';
const PASS = 'soak-Secret-4711';

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** countReports: Reports in one `run` output (ndjson: one per line; json: the document's array). */
function countReports(format: string, out: string): number | string {
  if (format === 'ndjson') return out.split('\n').filter((l) => l.startsWith('{')).length;
  if (format === 'json') {
    try {
      return (JSON.parse(out) as { reports: unknown[] }).reports.length;
    } catch {
      return `not a JSON document (${out.length} bytes)`;
    }
  }
  // nagios: the status line, then one long-output line per target.
  if (format === 'nagios') return out.split('\n').slice(1).filter((l) => l.trim() !== '').length;
  // prometheus: one probe_success series per target.
  if (format === 'prometheus') return out.split('\n').filter((l) => l.startsWith('probe_success{')).length;
  return out.length;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string; wallMs: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString(), wallMs: performance.now() - t0 }));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-soak-'));
  const pki = await createTestPki();
  const leaf = await pki.issue('valid', { hostnames: ['smarthost.test'] });
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, pki.rootPem);
  let postfix: PostfixInstance | undefined;
  const rows: string[] = [];
  try {
    postfix = await startPostfix({ services: [{ port: PORT }], saslApps: { smtpd: 'PLAIN LOGIN' }, certChainPem: leaf.chainPem, keyPem: leaf.keyPem, hostname: 'smarthost.test', users: [{ user: USER, password: PASS }], processLimit: 200 });
    const env = { ...process.env, SOAK_PASS: PASS };
    if (sections.has('cli')) {
      for (const icmp of [true, false]) {
        const file = path.join(dir, `probes-${icmp ? 'icmp' : 'noicmp'}.yaml`);
        const targets = Array.from({ length: N }, (_, i) => `  - { name: t${i}, host: 127.0.0.1 }\n`).join('');
        writeFileSync(file, `defaults:\n  port: ${PORT}\n  tls: starttls\n  tlsDomain: smarthost.test\n  ca: ./ca.pem\n  user: ${USER}\n  password: env:SOAK_PASS\n${icmp ? '' : '  icmp: false\n'}targets:\n${targets}`);
        for (const format of icmp ? FORMATS : FORMATS.slice(0, 1)) {
          const r = await runCli(['run', file, '--concurrency', '64', '--per-host', '64', '--format', format, '--no-progress'], env);
          const row = `| ${N} | ${icmp ? 'on' : 'off'} | ${format} | ${countReports(format, r.out)} | ${r.code} | ${(r.wallMs / 1000).toFixed(1)} |`;
          rows.push(row);
          process.stderr.write(`${row}${r.err ? `  stderr: ${r.err.trim().split('\n').slice(-2).join(' / ')}` : ''}\n`);
        }
      }
    }
    if (sections.has('soak')) {
      const base = await resolveTarget({ name: 'soak', host: '127.0.0.1', port: PORT, tls: 'starttls', tlsVerify: 'domain', tlsDomain: 'smarthost.test', ca: caFile, user: USER, passwordEnv: 'SOAK_PASS' }, { env, baseDir: dir });
      const targets = Array.from({ length: SOAK_N }, (_, i) => ({ ...base, name: `soak-${i}` }));
      const trustStores = new TrustStoreCache();
      // As `smtprobe run` does: one TrustStoreCache and one set of ICMP sessions for the run.
      const pingers = new NetPingSessions();
      await probe(base, { trustStores, pingers });
      const fdsBefore = openFds();
      const verdicts: Record<string, number> = {};
      let reports = 0;
      const echoes = { sent: 0, received: 0 };
      const t0 = performance.now();
      await runFleet(targets, {
        concurrency: 64,
        perHost: 64,
        retain: false,
        probe: (t, o) => probe(t, { signal: o.signal, trustStores, pingers }),
        onReport: (r) => {
          reports += 1;
          const icmp = r.steps.find((s) => s.step === 'icmp')?.data as { sent?: number; received?: number } | undefined;
          echoes.sent += icmp?.sent ?? 0;
          echoes.received += icmp?.received ?? 0;
          verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
        },
      });
      const wallMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 200));
      const fdsAfter = openFds();
      const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
      const row = `soak: ${reports}/${SOAK_N} Reports, verdicts ${JSON.stringify(verdicts)}, ${(wallMs / 1000).toFixed(1)} s, echoes ${echoes.received}/${echoes.sent} answered, ICMP sessions open after ${pingers.openSessions}, fds ${fdsBefore} -> ${fdsAfter}, peak RSS ${peakRssMb} MB`;
      rows.push(row);
      process.stderr.write(`${row}\n`);
    }
  } finally {
    await postfix?.stop();
  }
  process.stdout.write(`| targets | ICMP | format | Reports | exit | wall s |\n|---:|---|---|---:|---:|---:|\n${rows.join('\n')}\n`);
}

await main();
