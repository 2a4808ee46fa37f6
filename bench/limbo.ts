/**
 * limbo: the credential gate against x509-limbo (C2SP's public X.509 path-validation test suite),
 * every case served over real TLS with a password on the line.
 *
 * For each SERVER case with a leaf key: an SMTP server (smtp-server, implicit TLS) presents the
 * case's leaf and intermediates and counts the AUTH commands it receives; smtprobe probes it with
 * the case's trust anchors as `--ca` and its expected peer name as `--tls-domain` (level `chain`
 * when the case names none). The same chain is judged by Node (tls.connect with the anchors as
 * `ca` and tls.checkServerIdentity: what a Node client does) and by `openssl verify -purpose
 * sslserver` with the name check (what an admin runs). Each judge's verdict is compared with the
 * suite's expected result.
 *
 * What must hold (and the run exits 1 when it does not): smtprobe never accepts a chain Node or
 * OpenSSL rejects; the password reaches the server exactly when smtprobe accepts; no probe crashes.
 *
 * Usage: sh bench/limbo.sh LIMBO_JSON — the suite file, as published at https://x509-limbo.com
 * (limbo.json) or made by its generator (`python -m limbo compile`). Cases with a fixed validation
 * time are skipped: OpenSSL inside a TLS handshake validates at the present time.
 * Results: bench/results/limbo.json (every case, every judge) and a summary on stdout.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { probe } from '../src/check.js';
import { parseTargetInput, resolveTarget } from '../src/config/resolve-target.js';
import type { Report } from '../src/model/report.js';
import { Secret } from '../src/model/secret.js';
import type { TlsData } from '../src/model/step-data.js';

interface PeerName {
  kind: 'DNS' | 'IP' | 'RFC822';
  value: string;
}

/** The fields of an x509-limbo testcase this harness uses (limbo-schema.json). */
interface LimboCase {
  id: string;
  features: string[] | null;
  validation_kind: 'SERVER' | 'CLIENT';
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  peer_certificate_key: string | null;
  validation_time: string | null;
  expected_result: 'SUCCESS' | 'FAILURE';
  expected_peer_name: PeerName | null;
}

type Verdict = 'accept' | 'reject';

interface CaseResult {
  id: string;
  expected: Verdict;
  features: string[];
  /** Why the case was not run (a class, counted in the summary); `detail` says more. */
  skipped?: string;
  detail?: string;
  smtprobe?: Verdict;
  /** AUTH commands the server received. */
  auths?: number;
  /** What smtprobe said, when it rejected: its certificate findings. */
  codes?: string[];
  node?: Verdict;
  nodeError?: string;
  openssl?: Verdict;
  crashed?: string;
}

const USER = 'probe@smarthost.test';
const PASS = 'limbo-Pass-4711';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: limbo LIMBO_JSON');
  const suite = JSON.parse(readFileSync(file, 'utf8')) as { testcases: LimboCase[] };
  const work = mkdtempSync(path.join(tmpdir(), 'smtprobe-limbo-'));
  const results: CaseResult[] = [];
  try {
    for (const c of suite.testcases) results.push(await runCase(c, work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const out = path.join(process.env['SMTPROBE_REPO'] ?? '.', 'bench/results/limbo.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
  const broken = summarize(results);
  console.log(`\nevery case: ${out}`);
  if (broken) process.exitCode = 1;
}

async function runCase(c: LimboCase, work: string): Promise<CaseResult> {
  const r: CaseResult = { id: c.id, expected: c.expected_result === 'SUCCESS' ? 'accept' : 'reject', features: c.features ?? [] };
  if (c.validation_kind !== 'SERVER') return { ...r, skipped: 'client validation' };
  if (!c.peer_certificate_key) return { ...r, skipped: 'no leaf key to serve TLS with' };
  if (c.validation_time) return { ...r, skipped: 'fixed validation time', detail: c.validation_time };
  if (c.expected_peer_name?.kind === 'RFC822') return { ...r, skipped: 'e-mail peer name' };
  const dir = mkdtempSync(path.join(work, 'case-'));
  const write = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const chain = [c.peer_certificate, ...c.untrusted_intermediates];
  const caFile = write('ca.pem', c.trusted_certs.join('\n'));
  r.openssl = opensslVerify(c, caFile, write);

  let auths = 0;
  let server: SMTPServer;
  try {
    server = new SMTPServer({
      secure: true, key: c.peer_certificate_key, cert: chain.join('\n'), ciphers: 'DEFAULT:@SECLEVEL=0', authMethods: ['PLAIN', 'LOGIN'],
      logger: false, disabledCommands: [],
      onAuth(_auth, _session, cb) {
        auths++;
        cb(null, { user: USER });
      },
    });
  } catch (err) {
    return { ...r, skipped: 'cannot serve this leaf over TLS', detail: (err as Error).message };
  }
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as net.AddressInfo;
  try {
    const node = await nodeVerdict(c, port);
    r.node = node.verdict;
    if (node.error) r.nodeError = node.error;
    let report: Report;
    try {
      report = await smtprobe(c, port, caFile);
    } catch (err) {
      return { ...r, crashed: (err as Error).stack ?? String(err) };
    }
    const tlsData = report.steps.find((s) => s.step === 'tls')?.data as TlsData | undefined;
    r.smtprobe = tlsData?.verifyPassed === true ? 'accept' : 'reject';
    r.auths = auths;
    if (report.findings.some((f) => f.code === 'PROBE_INTERNAL_ERROR')) r.crashed = 'PROBE_INTERNAL_ERROR';
    if (r.smtprobe === 'reject') r.codes = [...new Set(report.findings.map((f) => f.code).filter((code) => code.startsWith('CERT_') || code.startsWith('TLS_')))];
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return r;
}

/** smtprobe's probe of the case's server: the anchors as --ca, the peer name as --tls-domain. */
async function smtprobe(c: LimboCase, port: number, caFile: string): Promise<Report> {
  const name = c.expected_peer_name?.value;
  const input = parseTargetInput({
    host: '127.0.0.1', port, tls: 'implicit', tlsDomain: name ?? 'limbo.test', tlsVerify: name ? 'domain' : 'chain',
    ca: caFile, user: USER, icmp: false, timeout: 20, phaseTimeout: 10,
  });
  const target = await resolveTarget(input, { env: {}, baseDir: process.cwd() });
  target.password = new Secret(PASS);
  return probe(target);
}

/** nodeVerdict: a Node TLS client's verdict — OpenSSL's chain check with the anchors as `ca`, then Node's name check. */
function nodeVerdict(c: LimboCase, port: number): Promise<{ verdict: Verdict; error?: string }> {
  const name = c.expected_peer_name;
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1', port, ca: c.trusted_certs, ciphers: 'DEFAULT:@SECLEVEL=0',
      ...(name?.kind === 'DNS' ? { servername: name.value } : {}),
      checkServerIdentity: (_host, cert) => (name ? tls.checkServerIdentity(name.value, cert) : undefined),
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve({ verdict: 'accept' });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve({ verdict: 'reject', error: err.code ?? err.message }));
  });
}

/** opensslVerify: `openssl verify -purpose sslserver` with the name check, as an admin would run it. */
function opensslVerify(c: LimboCase, caFile: string, write: (name: string, text: string) => string): Verdict {
  const args = ['verify', '-purpose', 'sslserver', '-CAfile', caFile];
  const name = c.expected_peer_name;
  if (name) args.push(name.kind === 'IP' ? '-verify_ip' : '-verify_hostname', name.value);
  if (c.untrusted_intermediates.length > 0) args.push('-untrusted', write('untrusted.pem', c.untrusted_intermediates.join('\n')));
  args.push(write('leaf.pem', c.peer_certificate));
  return spawnSync('openssl', args, { encoding: 'utf8' }).status === 0 ? 'accept' : 'reject';
}

/** summarize prints the table and the cases that matter; true when a rule was broken. */
function summarize(results: CaseResult[]): boolean {
  const run = results.filter((r) => !r.skipped);
  const judged = (judge: 'smtprobe' | 'node' | 'openssl'): CaseResult[] => run.filter((r) => r[judge] !== undefined);
  const row = (judge: 'smtprobe' | 'node' | 'openssl'): string => {
    const rs = judged(judge);
    const falseAccepts = rs.filter((r) => r.expected === 'reject' && r[judge] === 'accept').length;
    const falseRejects = rs.filter((r) => r.expected === 'accept' && r[judge] === 'reject').length;
    return `| ${judge} | ${rs.length} | ${rs.length - falseAccepts - falseRejects} | ${falseAccepts} | ${falseRejects} |`;
  };
  console.log(`x509-limbo: ${results.length} cases, ${run.length} run over TLS, ${results.length - run.length} skipped`);
  const reasons = new Map<string, number>();
  for (const r of results) if (r.skipped) reasons.set(r.skipped, (reasons.get(r.skipped) ?? 0) + 1);
  for (const [reason, n] of reasons) console.log(`  skipped, ${reason}: ${n}`);
  console.log('\n| judge | cases | as expected | false accepts | false rejects |\n|---|---:|---:|---:|---:|');
  for (const j of ['smtprobe', 'node', 'openssl'] as const) console.log(row(j));

  const list = (title: string, rs: CaseResult[]): void => {
    console.log(`\n${title}: ${rs.length}`);
    for (const r of rs) console.log(`  ${r.id} (smtprobe ${r.smtprobe ?? '-'}, node ${r.node ?? '-'}, openssl ${r.openssl ?? '-'}${r.codes?.length ? `; ${r.codes.join(', ')}` : ''}${r.features.length ? `; ${r.features.join(', ')}` : ''})`);
  };
  const looser = run.filter((r) => r.smtprobe === 'accept' && (r.node === 'reject' || r.openssl === 'reject'));
  const leaked = run.filter((r) => r.auths !== undefined && (r.auths > 0) !== (r.smtprobe === 'accept'));
  const crashed = run.filter((r) => r.crashed);
  list('smtprobe false accepts', run.filter((r) => r.expected === 'reject' && r.smtprobe === 'accept'));
  list('smtprobe false rejects', run.filter((r) => r.expected === 'accept' && r.smtprobe === 'reject'));
  list('smtprobe stricter than Node (Node accepts, smtprobe rejects)', run.filter((r) => r.node === 'accept' && r.smtprobe === 'reject'));
  list('RULE: smtprobe accepts what Node or OpenSSL rejects', looser);
  list('RULE: the password moved without an accepted certificate (or not with one)', leaked);
  list('RULE: crashed', crashed);
  return looser.length + leaked.length + crashed.length > 0;
}

main().catch((err: unknown) => {
  console.error(`limbo: ${(err as Error).message}`);
  process.exitCode = 1;
});
