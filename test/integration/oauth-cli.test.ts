/**
 * The --oauth-* flags as users type them, through the built `smtprobe` binary: a token fetched
 * from a loopback endpoint (generic and Microsoft authority), AUTH with it, findings in JSON,
 * and one-line errors with exit code 3 for every inconsistent combination.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SMTPROBE_BIN } from '../support/bin.js';
import { APP_ID, MAILBOX, SECRETS, TENANT, startLab, type OAuthLab } from '../support/oauth-lab.js';

interface Run { code: number; stdout: string; stderr: string }
function smtprobe(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let lab: OAuthLab | undefined;
beforeAll(() => {
  expect(existsSync(SMTPROBE_BIN), 'dist/ is built by `npm test` (npm run build)').toBe(true);
});
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const base = (l: OAuthLab): string[] => ['check', '127.0.0.1', '-p', String(l.smtp.port), '--ca', l.caFile, '--no-icmp', '--user', MAILBOX];

describe('smtprobe check --oauth-*', () => {
  it('fetches a token from --oauth-token-url and authenticates (exit 0, JSON, no secret)', async () => {
    lab = await startLab(() => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret }] }), { profile: 'm365' });
    const r = await smtprobe([...base(lab), '--oauth-client-id', APP_ID, '--oauth-client-secret-env', 'APP_SECRET', '--oauth-token-url', lab.endpoint.tokenUrl, '--oauth-scope', 'https://outlook.office365.com/.default', '--json', '--transcript'], { APP_SECRET: SECRETS.clientSecret });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { verdict: string; steps: { step: string; status: string; data?: { mechanism?: string } }[] };
    const auth = report.steps.find((s) => s.step === 'auth');
    expect(auth).toMatchObject({ status: 'pass', data: { mechanism: 'XOAUTH2' } });
    expect(r.code).toBe(0);
    for (const s of [SECRETS.clientSecret, ...lab.endpoint.issued]) expect(r.stdout + r.stderr).not.toContain(s);
  });

  it('--oauth-tenant with a loopback --oauth-token-url goes through msal-node; a wrong secret is OAUTH_TOKEN_REQUEST_FAILED (exit 2)', async () => {
    lab = await startLab(() => ({ clients: [{ clientId: APP_ID, secret: 'the-registered-secret-value' }] }), { profile: 'm365' });
    const r = await smtprobe([...base(lab), '--oauth-client-id', APP_ID, '--oauth-client-secret-env', 'APP_SECRET', '--oauth-tenant', TENANT, '--oauth-token-url', `${lab.endpoint.url}/${TENANT}/oauth2/v2.0/token`, '--transcript'], { APP_SECRET: SECRETS.clientSecret });
    expect(r.stdout).toMatch(/OAUTH_TOKEN_REQUEST_FAILED/);
    expect(r.stdout).toMatch(/AADSTS7000215/);
    expect(r.stdout).toMatch(/Certificates & secrets/);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(SECRETS.clientSecret);
    expect(lab.endpoint.requests.map((q) => q.path)).toEqual([`/${TENANT}/oauth2/v2.0/token`]);
  });

  it('--oauth-service-account goes through google-auth-library to a Gmail-like server (exit 0)', async () => {
    lab = await startLab(({ saPublicPem }) => ({ serviceAccounts: [{ email: 'relay@p.iam.gserviceaccount.com', publicKeyPem: saPublicPem, delegatedScopes: ['https://mail.google.com/'], users: [MAILBOX] }] }), { profile: 'gmail' });
    const r = await smtprobe([...base(lab), '--oauth-service-account', lab.serviceAccountFile, '--oauth-token-url', lab.endpoint.tokenUrl, '--json']);
    const report = JSON.parse(r.stdout) as { steps: { step: string; status: string; data?: { mechanism?: string } }[] };
    expect(report.steps.find((s) => s.step === 'auth')).toMatchObject({ status: 'pass', data: { mechanism: 'XOAUTH2' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(lab.serviceAccountKeyPem.split('\n')[1] ?? 'x');
    for (const s of lab.endpoint.issued) expect(r.stdout).not.toContain(s);
  });

  const bad: { name: string; args: (l: OAuthLab) => string[]; field: RegExp }[] = [
    { name: 'plain http to a non-loopback token URL', args: () => ['--oauth-client-id', APP_ID, '--oauth-client-secret-env', 'APP_SECRET', '--oauth-token-url', 'http://192.0.2.1/token'], field: /oauthTokenUrl: must be https/ },
    { name: 'client secret without a client id', args: () => ['--oauth-client-secret-env', 'APP_SECRET', '--oauth-tenant', TENANT], field: /oauthClientId/ },
    { name: 'secret and certificate together', args: (l) => ['--oauth-client-id', APP_ID, '--oauth-client-secret-env', 'APP_SECRET', '--oauth-client-cert', l.certFile, '--oauth-client-key', l.keyFile, '--oauth-tenant', TENANT], field: /oauthClientCert: give a client secret or a certificate/ },
    { name: 'certificate without its key', args: (l) => ['--oauth-client-id', APP_ID, '--oauth-client-cert', l.certFile, '--oauth-tenant', TENANT], field: /oauthClientKey/ },
    { name: 'neither tenant nor token URL', args: () => ['--oauth-client-id', APP_ID, '--oauth-client-secret-env', 'APP_SECRET'], field: /oauthTenant/ },
    { name: 'unset secret variable', args: () => ['--oauth-client-id', APP_ID, '--oauth-client-secret-env', 'NOT_SET_ANYWHERE', '--oauth-tenant', TENANT], field: /NOT_SET_ANYWHERE is not set/ },
    { name: 'a ready token together with --oauth-*', args: () => ['--oauth-client-id', APP_ID, '--oauth-client-secret-env', 'APP_SECRET', '--oauth-tenant', TENANT, '--token-env', 'APP_SECRET'], field: /tokenEnv/ },
    { name: 'a password mechanism with --oauth-*', args: () => ['--oauth-client-id', APP_ID, '--oauth-client-secret-env', 'APP_SECRET', '--oauth-tenant', TENANT, '--auth', 'LOGIN'], field: /auth: LOGIN does not use a token/ },
    { name: 'a service account without --user', args: (l) => ['--oauth-service-account', l.serviceAccountFile], field: /user: is required with oauthServiceAccount/ },
    { name: 'a service-account file that is not JSON', args: (l) => ['--oauth-service-account', l.keyFile], field: /oauthServiceAccount: is not JSON/ },
    { name: 'a tenant with a slash', args: () => ['--oauth-client-id', APP_ID, '--oauth-client-secret-env', 'APP_SECRET', '--oauth-tenant', 'a/b'], field: /--oauth-tenant: a tenant id/ },
  ];
  for (const b of bad) {
    it(`one line, exit 3: ${b.name}`, async () => {
      lab = await startLab(() => ({}), { profile: 'm365' });
      const args = b.name === 'a service account without --user' ? ['check', '127.0.0.1', '-p', String(lab.smtp.port), '--no-icmp', ...b.args(lab)] : [...base(lab), ...b.args(lab)];
      const r = await smtprobe(args, { APP_SECRET: SECRETS.clientSecret });
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^smtprobe: /);
      expect(r.stderr).toMatch(b.field);
      expect(r.stderr).not.toContain(SECRETS.clientSecret);
      expect(lab.endpoint.requests).toEqual([]);
    });
  }
});

describe('smtprobe run probes.yaml with oauth* keys in a module', () => {
  it('three targets share one token (one request to the endpoint), all authenticate — with probes in two worker threads too', async () => {
    lab = await startLab(() => ({ clients: [{ clientId: APP_ID, secret: SECRETS.clientSecret }] }), { profile: 'm365' });
    const yaml = [
      'modules:',
      '  m365-oauth:',
      `    port: ${lab.smtp.port}`,
      `    ca: ${lab.caFile}`,
      '    icmp: false',
      `    user: ${MAILBOX}`,
      `    oauthClientId: ${APP_ID}`,
      '    oauthClientSecretEnv: APP_SECRET',
      `    oauthTenant: ${TENANT}`,
      `    oauthTokenUrl: ${lab.endpoint.url}/${TENANT}/oauth2/v2.0/token`,
      'targets:',
      ...['a', 'b', 'c'].flatMap((n) => [`  - name: relay-${n}`, '    host: 127.0.0.1', '    module: m365-oauth']),
      '',
    ].join('\n');
    const file = `${lab.dir}/probes.yaml`;
    await writeFile(file, yaml);
    // Two workers: the token still comes from the run's one cache, in the main thread.
    const r = await smtprobe(['run', file, '--workers', '2'], { APP_SECRET: SECRETS.clientSecret });
    expect(r.stdout).toMatch(/3 targets: 3 ok/);
    expect(r.code).toBe(0);
    expect(lab.endpoint.requests).toHaveLength(1);
    expect(lab.smtp.decisions.filter((d) => d.ok)).toHaveLength(3);
    for (const s of [SECRETS.clientSecret, ...lab.endpoint.issued]) expect(r.stdout + r.stderr).not.toContain(s);
  });

  it('a bad oauth key names the file and line, exit 3', async () => {
    lab = await startLab(() => ({}), { profile: 'm365' });
    const file = `${lab.dir}/probes.yaml`;
    await writeFile(file, ['targets:', '  - name: relay', '    host: 127.0.0.1', `    user: ${MAILBOX}`, '    oauthClientId: app', '    oauthTokenUrl: ftp://example.com/token', ''].join('\n'));
    const r = await smtprobe(['run', file]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^smtprobe: .*probes\.yaml:6.*oauthTokenUrl/);
  });
});
