/**
 * OAuth probes recorded and replayed, with no secret anywhere: for each OAuth scenario, probe
 * the mock, render every output format and record the Report; grep all of it for every secret
 * the run held or saw (client secret, refresh token, service-account key, the access tokens the
 * endpoint issued, the signed assertions it received), raw and encoded; then replay the
 * recording and require the same finding codes and verdict. The same through the built CLI:
 * check --json → record --from-report → mock <recording> → check.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetForScenario } from '../../src/mock/scenario-target.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, parseScenario, startMockServer, type MockServer, type Scenario } from '../../src/mock/index.js';
import { oauthCheckArgs } from '../../src/mock/oauth-mock.js';
import type { Report } from '../../src/model/report.js';
import { probe } from '../../src/check.js';
import { recordReport } from '../../src/record/index.js';
import { OUTPUT_FORMATS, loadRenderer } from '../../src/report/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

/** Every form a secret could take in an output: raw, base64 (padded or not), base64url, URL-encoded, inside a SASL bearer message. */
function forms(secret: string, user: string): string[] {
  return [secret, b64(secret), b64(secret).replace(/=+$/, ''), b64url(secret), encodeURIComponent(secret), b64(`user=${user}\x01auth=Bearer ${secret}\x01\x01`), b64(`n,a=${user},\x01auth=Bearer ${secret}\x01\x01`)];
}

/** A PEM key is checked by its base64 body lines: any one of them in an output is a leak. */
const pemLines = (pem: string): string[] => pem.split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));

/** secretsOf: what the run held or saw that must never be shown. */
function secretsOf(server: MockServer): string[] {
  const o = server.oauth;
  if (!o) return [];
  return [...o.testSecrets.filter((s) => !s.includes('PRIVATE KEY')), ...o.endpoint.issued, ...o.endpoint.assertions];
}
function pemSecretsOf(server: MockServer): string[] {
  return (server.oauth?.testSecrets ?? []).filter((s) => s.includes('PRIVATE KEY')).flatMap(pemLines);
}

async function everyFormat(report: Report): Promise<string[]> {
  const texts: string[] = [JSON.stringify(report)];
  for (const f of OUTPUT_FORMATS) {
    const r = await loadRenderer(f);
    texts.push(r.one(report, { color: false, transcript: true }), r.one(report, { color: true, transcript: true }));
  }
  return texts;
}

function assertClean(texts: readonly string[], secrets: readonly string[], pem: readonly string[], user: string, where: string): void {
  const forbidden = [...secrets.flatMap((s) => forms(s, user)), ...pem];
  for (const [i, t] of texts.entries()) {
    for (const f of forbidden) expect(t.includes(f), `${where} #${i} contains a secret (${f.slice(0, 10)}…)`).toBe(false);
  }
}

const codesOf = (r: Report): string[] => [...new Set(r.findings.map((f) => f.code))].sort();

let pki: TestPki;
let dir: string;
beforeAll(async () => {
  pki = await createTestPki();
  dir = await mkdtemp(path.join(tmpdir(), 'smtprobe-oauth-rec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function probeScenario(scenario: Scenario): Promise<{ report: Report; secrets: string[]; pem: string[] }> {
  const server = await startMockServer(scenario, { pki });
  try {
    const report = await probe(await targetForScenario(scenario, server));
    return { report, secrets: secretsOf(server), pem: pemSecretsOf(server) };
  } finally {
    await server.close();
  }
}

/** The failing OAuth scenarios (and two good ones, whose tokens were really used), by failure code. */
const CASES: { scenario: string; code?: 'OAUTH_TOKEN_REQUEST_FAILED' | 'AUTH_TOKEN_REJECTED'; assertion?: boolean }[] = [
  { scenario: 'oauth-m365-good' },
  { scenario: 'oauth-gmail-good', assertion: true },
  { scenario: 'oauth-m365-certificate-good', assertion: true },
  { scenario: 'oauth-m365-certificate-not-registered', code: 'OAUTH_TOKEN_REQUEST_FAILED', assertion: true },
  { scenario: 'oauth-m365-invalid-client-secret', code: 'OAUTH_TOKEN_REQUEST_FAILED' },
  { scenario: 'oauth-m365-unknown-tenant', code: 'OAUTH_TOKEN_REQUEST_FAILED' },
  { scenario: 'oauth-m365-refresh-token-expired', code: 'OAUTH_TOKEN_REQUEST_FAILED' },
  { scenario: 'oauth-gmail-no-delegation', code: 'OAUTH_TOKEN_REQUEST_FAILED', assertion: true },
  { scenario: 'oauth-m365-wrong-audience', code: 'AUTH_TOKEN_REJECTED' },
  { scenario: 'oauth-m365-consent-missing', code: 'AUTH_TOKEN_REJECTED' },
  { scenario: 'oauth-m365-smtp-auth-disabled', code: 'AUTH_TOKEN_REJECTED' },
  { scenario: 'oauth-expired-token', code: 'AUTH_TOKEN_REJECTED' },
  { scenario: 'oauth-gmail-wrong-scope', code: 'AUTH_TOKEN_REJECTED', assertion: true },
];

describe('OAuth: record → replay gives the same codes, and no secret in any output or recording', () => {
  for (const c of CASES) {
    it(c.scenario, async () => {
      const scenario = await findScenario(c.scenario);
      const first = await probeScenario(scenario);
      const user = scenario.probe.user ?? '';
      if (c.code) expect(codesOf(first.report)).toContain(c.code);
      else expect(first.report.verdict).toBe('ok');
      // The grep is only meaningful if the run really held secrets: a test secret, and a token or assertion where one was made.
      expect(first.secrets.length + first.pem.length).toBeGreaterThan(0);
      if (c.code !== 'OAUTH_TOKEN_REQUEST_FAILED') expect(first.secrets.some((s) => s.split('.').length === 3 || s.startsWith('ya29.'))).toBe(true);
      if (c.assertion) expect(first.pem.length).toBeGreaterThan(0);

      const recording = recordReport(first.report, { name: `recorded-${c.scenario}` });
      assertClean([...(await everyFormat(first.report)), recording.text], first.secrets, first.pem, user, c.scenario);
      // The recording's probe holds only the fixed replay test values, never the original scenario's.
      for (const s of [scenario.probe.oauthClientSecret, scenario.probe.oauthRefreshToken]) if (s) expect(recording.text).not.toContain(s);

      const replayed = parseScenario(recording.text, `recorded-${c.scenario}.yaml`);
      const second = await probeScenario(replayed);
      const ctx = `${c.scenario}\nfirst:  ${first.report.verdict} [${codesOf(first.report).join(', ')}]\nreplay: ${second.report.verdict} [${codesOf(second.report).join(', ')}]\n${recording.text}`;
      expect(codesOf(second.report), ctx).toEqual(codesOf(first.report));
      expect(second.report.verdict, ctx).toBe(first.report.verdict);
      // The replay greets, lists its extensions and presents a certificate as the recorded server did.
      expect(serverFacts(second.report), ctx).toEqual(serverFacts(first.report));
      // The replay's own secrets do not leak either.
      assertClean([...(await everyFormat(second.report))], second.secrets, second.pem, user, `${c.scenario} replay`);
    });
  }
});

/**
 * The server a field probe met, as a scenario: a distinctive greeting (two lines), EHLO lines
 * before and after STARTTLS (or on an implicit-TLS port), and a certificate with its own subject,
 * names, days left and TLS version cap. `smtp` present: the bearer-checking server judges the token
 * while presenting this face; absent: the token endpoint's error, and the ordinary engine serves SMTP.
 */
function fieldServer(c: { name: string; implicit?: boolean; smtp?: string; endpointError?: boolean; clientSecret: string; aud?: string }): string {
  const tlsLines = ['SIZE 52428800', '8BITMIME', 'X-FABRIKAM-TRACE 42 relay', 'AUTH XOAUTH2 OAUTHBEARER'];
  return `name: ${c.name}
description: A relay with its own greeting, extensions and certificate, recorded in the field.
server:
  hostname: relay.fabrikam.test
  greeting:
    text: ["relay.fabrikam.test ESMTP Fabrikam OAuth gateway 7.4", "relay.fabrikam.test policy: modern auth only"]
  tls: ${c.implicit ? 'implicit' : 'starttls'}
  certificate: expires-soon
  expiresInDays: 9
  certificateHostnames: [relay.fabrikam.test, smtp-out.fabrikam.test]
  certificateSubject: "C=US, O=Fabrikam Ltd, CN=gateway.fabrikam.test"
  tlsVersions: { min: TLSv1.2, max: TLSv1.2 }
  extensions:
    plain: [SIZE 52428800, 8BITMIME, X-FABRIKAM-TRACE 42, STARTTLS, "!AUTH"]
    tls: [${tlsLines.map((l) => JSON.stringify(l)).join(', ')}]
  auth: { mechanisms: [XOAUTH2], advertise: after-starttls }
oauth:
  tokenEndpoint:
    tenants: [fabrikam.onmicrosoft.com]
    clients:
      - { clientId: f0f0f0f0-1111-2222-3333-444444444444, secret: ${c.clientSecret}, token: { aud: ${c.aud ?? 'https://graph.microsoft.com'} } }
${c.endpointError ? `    error: { status: 401, error: invalid_client, description: "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value." }\n` : ''}${c.smtp ? `  smtp: ${c.smtp}\n` : ''}probe:
  tls: ${c.implicit ? 'implicit' : 'starttls'}
  tlsDomain: relay.fabrikam.test
  tlsVerify: domain
  certWarnDays: 21
  user: relay@fabrikam.test
  oauthClientId: f0f0f0f0-1111-2222-3333-444444444444
  oauthClientSecret: ${c.clientSecret}
  oauthTenant: fabrikam.onmicrosoft.com
expect:
  codes: []
  verdict: critical
`;
}

/** The facts a developer compares between the field and the replay: greeting, EHLO, certificate. */
function serverFacts(r: Report): Record<string, unknown> {
  const data = (step: string): Record<string, unknown> | undefined => r.steps.find((s) => s.step === step)?.data as Record<string, unknown> | undefined;
  const banner = data('banner') as { reply?: { code: number; lines: string[] } } | undefined;
  const caps = (step: string): unknown => (data(step) as { capabilities?: unknown } | undefined)?.capabilities;
  const tls = data('tls') as { mode: string; protocol?: string; problems: { code: string }[]; chain: { subject: string; issuer: string; san: string[]; keyType?: string; keyBits?: number; signatureAlgorithm?: string; daysLeft?: number; selfSigned: boolean }[] } | undefined;
  const leaf = tls?.chain[0];
  return {
    banner: banner?.reply ? { code: banner.reply.code, lines: banner.reply.lines } : undefined,
    ehlo: caps('ehlo'),
    ehloTls: caps('ehlo-tls'),
    tls: tls && {
      mode: tls.mode,
      protocol: tls.protocol,
      problems: tls.problems.map((p) => p.code).sort(),
      chainLength: tls.chain.length,
      leaf: leaf && { subject: leaf.subject, issuer: leaf.issuer, san: leaf.san, keyType: leaf.keyType, keyBits: leaf.keyBits, signatureAlgorithm: leaf.signatureAlgorithm, daysLeft: leaf.daysLeft, selfSigned: leaf.selfSigned },
    },
  };
}

describe('OAuth: a recording replays the recorded greeting, EHLO lines and certificate beside the OAuth outcome', () => {
  const CLIENT_SECRET = 'fabrikam-field-client-secret-Zq81x';
  for (const c of [
    { case: 'token refused (Microsoft 365 judge), STARTTLS', code: 'AUTH_TOKEN_REJECTED', smtp: '{ profile: m365, presents: server }' },
    { case: 'token refused (Gmail judge), implicit TLS', code: 'AUTH_TOKEN_REJECTED', smtp: '{ profile: gmail, presents: server }', implicit: true },
    { case: 'token endpoint error, STARTTLS', code: 'OAUTH_TOKEN_REQUEST_FAILED', endpointError: true },
    // A relay that wants its own audience accepted the token: the replay must accept it too.
    { case: 'token accepted by a relay with its own audience', code: undefined, smtp: '{ profile: m365, presents: server, audience: api://fabrikam-relay }', aud: 'api://fabrikam-relay' },
  ] as const) {
    it(c.case, async () => {
      const name = `field-${(c.code ?? 'accepted').toLowerCase().replace(/_/g, '-')}${'implicit' in c ? '-implicit' : ''}`;
      const scenario = parseScenario(fieldServer({ name, clientSecret: CLIENT_SECRET, ...('smtp' in c ? { smtp: c.smtp } : {}), ...('implicit' in c ? { implicit: true } : {}), ...('endpointError' in c ? { endpointError: true } : {}), ...('aud' in c ? { aud: c.aud } : {}) }), `${name}.yaml`);
      const first = await probeScenario(scenario);
      const facts = serverFacts(first.report);
      const ctxFirst = `${c.case}: ${first.report.verdict} [${codesOf(first.report).join(', ')}]\n${JSON.stringify(facts, null, 2)}`;
      // The field run saw the distinctive server, not a provider's face: the test is about keeping it.
      expect(codesOf(first.report), ctxFirst).toEqual(c.code ? [c.code, 'CERT_EXPIRES_SOON'].sort() : ['CERT_EXPIRES_SOON']);
      expect(facts.banner, ctxFirst).toEqual({ code: 220, lines: ['relay.fabrikam.test ESMTP Fabrikam OAuth gateway 7.4', 'relay.fabrikam.test policy: modern auth only'] });
      const tlsCaps = facts.ehloTls ?? facts.ehlo;
      expect(tlsCaps, ctxFirst).toMatchObject({ domain: 'relay.fabrikam.test', keywords: { 'X-FABRIKAM-TRACE': ['42', 'relay'] }, auth: ['XOAUTH2', 'OAUTHBEARER'] });
      expect(facts.tls, ctxFirst).toMatchObject({ protocol: 'TLSv1.2', problems: ['CERT_EXPIRES_SOON'], leaf: { subject: 'C=US, O=Fabrikam Ltd, CN=gateway.fabrikam.test', daysLeft: 8 } });
      expect(JSON.stringify((facts.tls as { leaf: { san: string[] } }).leaf.san)).toContain('smtp-out.fabrikam.test');
      if ('implicit' in c) expect(facts.ehlo, 'an implicit-TLS port has no EHLO before TLS').toMatchObject({ starttls: false });
      else expect(facts.ehlo, ctxFirst).toMatchObject({ starttls: true, auth: [], keywords: { 'X-FABRIKAM-TRACE': ['42'] } });

      const recording = recordReport(first.report, { name: `recorded-${name}` });
      assertClean([...(await everyFormat(first.report)), recording.text], [...first.secrets, CLIENT_SECRET], first.pem, 'relay@fabrikam.test', c.case);
      const replayed = parseScenario(recording.text, `recorded-${name}.yaml`);
      if ('smtp' in c) expect(replayed.oauth?.smtp?.presents, recording.text).toBe('server');
      else expect(replayed.oauth?.smtp, recording.text).toBeUndefined();

      const second = await probeScenario(replayed);
      const ctx = `${c.case}\nfirst:  ${first.report.verdict} [${codesOf(first.report).join(', ')}]\nreplay: ${second.report.verdict} [${codesOf(second.report).join(', ')}]\n${recording.text}`;
      expect(codesOf(second.report), ctx).toEqual(codesOf(first.report));
      expect(second.report.verdict, ctx).toBe(first.report.verdict);
      // Same greeting, same EHLO capabilities before and after TLS, and a certificate with the same
      // subject, issuer, names, key, signature, days left and TLS version (the mock mints its own,
      // so the fingerprint itself differs).
      expect(serverFacts(second.report), ctx).toEqual(facts);
      const fp = (r: Report): string | undefined => (r.steps.find((s) => s.step === 'tls')?.data as { chain: { fingerprint256: string }[] } | undefined)?.chain[0]?.fingerprint256;
      expect(fp(second.report)).toMatch(/^[0-9A-F:]+$/);
      if ('smtp' in c) {
        // The answer to AUTH is the recorded one, word for word.
        const authReply = (r: Report): unknown => (r.steps.find((s) => s.step === 'auth')?.data as { reply?: unknown } | undefined)?.reply;
        expect(authReply(second.report), ctx).toEqual(authReply(first.report));
      }
      assertClean([...(await everyFormat(second.report))], [...second.secrets, CLIENT_SECRET], second.pem, 'relay@fabrikam.test', `${c.case} replay`);
    });
  }
});

interface Run { code: number; stdout: string; stderr: string }
function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('OAuth through the CLI: check --json → record --from-report → mock <recording> → check', () => {
  beforeAll(() => {
    expect(existsSync(SMTPROBE_BIN), 'dist/ is built by `npm test` (npm run build)').toBe(true);
  });

  for (const c of [
    { scenario: 'oauth-m365-invalid-client-secret', code: 'OAUTH_TOKEN_REQUEST_FAILED' },
    { scenario: 'oauth-gmail-wrong-scope', code: 'AUTH_TOKEN_REJECTED' },
    { scenario: 'oauth-m365-no-service-principal', code: 'AUTH_TOKEN_REJECTED' },
    // A relay with its own greeting, extensions and expiring certificate, refusing the token.
    { scenario: 'field-relay-token-refused', code: 'AUTH_TOKEN_REJECTED', text: fieldServer({ name: 'field-relay-token-refused', clientSecret: 'fabrikam-cli-client-secret-Yp42w', smtp: '{ profile: m365, presents: server }' }) },
  ]) {
    it(c.scenario, async () => {
      const scenario = c.text ? parseScenario(c.text, `${c.scenario}.yaml`) : await findScenario(c.scenario);
      const server = await startMockServer(scenario, { pki });
      const user = scenario.probe.user ?? '';
      const base = ['check', '127.0.0.1', '--port', String(server.port), '--tls', 'starttls', '--tls-domain', scenario.probe.tlsDomain ?? '127.0.0.1', '--ca', server.caFile, '--user', user, '--no-icmp', ...oauthCheckArgs(server).flatMap((a) => a.split(' '))];
      const outputs: string[] = [];
      let json: Run;
      try {
        json = await cli([...base, '--json', '--transcript']);
        outputs.push(json.stdout, json.stderr);
        for (const f of OUTPUT_FORMATS) {
          const r = await cli([...base, '--format', f, '--transcript']);
          outputs.push(r.stdout, r.stderr);
        }
        // check --record writes the recording straight from the run.
        const direct = path.join(dir, `direct-${c.scenario}.yaml`);
        const r = await cli([...base, '--record', direct]);
        outputs.push(r.stdout, r.stderr, await readFile(direct, 'utf8'));
        expect(parseScenario(await readFile(direct, 'utf8'), direct).expect.codes).toContain(c.code);
      } finally {
        await server.close();
      }
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout).findings.map((f: { code: string }) => f.code)).toContain(c.code);
      const reportFile = path.join(dir, `${c.scenario}.json`);
      const recFile = path.join(dir, `rec-${c.scenario}.yaml`);
      await writeFile(reportFile, json.stdout);
      const rec = await cli(['record', '--from-report', reportFile, '-o', recFile]);
      expect(rec.code, rec.stderr).toBe(0);
      const recorded = await readFile(recFile, 'utf8');
      outputs.push(recorded, rec.stdout, rec.stderr);
      assertClean(outputs, secretsOf(server), pemSecretsOf(server), user, `${c.scenario} (CLI)`);

      // Replay the recording with the mock the user would run, and probe it with the line it prints.
      const child = spawn(process.execPath, [SMTPROBE_BIN, 'mock', recFile, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /probe it:\n {2}smtprobe check (.*)\n/.exec(out);
            if (m?.[1]) resolve(m[1]);
          });
          child.on('exit', (code) => reject(new Error(`mock exited ${code}`)));
        });
        const again = await cli(['check', ...line.split(' '), '--no-icmp', '--json']);
        expect(again.code).toBe(2);
        const codes = (JSON.parse(again.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);
        expect([...new Set(codes)].sort()).toEqual([...new Set(JSON.parse(json.stdout).findings.map((f: { code: string }) => f.code))].sort());
        // The replay greets, lists its extensions and presents a certificate as the recorded server did.
        const facts = serverFacts(JSON.parse(json.stdout) as Report);
        expect(serverFacts(JSON.parse(again.stdout) as Report), recorded).toEqual(facts);
        if (c.text) expect(JSON.stringify(facts)).toContain('Fabrikam OAuth gateway');
      } finally {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }, 120_000);
  }
});
