import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseTargetInput, resolveTarget } from '../../src/config/resolve-target.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { startOAuthSmtpServer, type OAuthSmtpOptions, type OAuthSmtpServer } from '../../src/mock/oauth-smtp-server.js';
import { startMockTokenEndpoint, type MockTokenEndpoint, type TokenEndpointOptions } from '../../src/mock/token-endpoint.js';
import type { Report } from '../../src/model/report.js';
import type { Target } from '../../src/model/target.js';
import type { AuthData } from '../../src/model/step-data.js';
import { probe } from '../../src/check.js';
import type { TokenCache } from '../../src/oauth/token-cache.js';

/** The test secrets: distinctive, so a leak is found by a plain search. */
export const SECRETS = {
  clientSecret: 'cs~Sup3rSecretClientValue_0123456789abcdef',
  refreshToken: '0.ARrefresh-token-SECRET-value-abcdefghijklmnop',
};
export const MAILBOX = 'relay@contoso.com';
export const APP_ID = 'a0a0a0a0-1111-2222-3333-444444444444';
export const TENANT = 'contoso.onmicrosoft.com';

/** OAuthLab: a token endpoint and an SMTP server on loopback sharing one test CA, plus files. */
export interface OAuthLab {
  pki: TestPki;
  dir: string;
  caFile: string;
  endpoint: MockTokenEndpoint;
  smtp: OAuthSmtpServer;
  /** Files and keys written for certificate and service-account credentials. */
  certFile: string;
  keyFile: string;
  keyPem: string;
  serviceAccountFile: string;
  serviceAccountKeyPem: string;
  close(): Promise<void>;
}

let sharedPki: TestPki | undefined;

/** startLab: one token endpoint (configured by `endpoint`) and one SMTP mock (`smtp`). */
export async function startLab(endpoint: (files: { certPem: string; saPublicPem: string }) => TokenEndpointOptions, smtp: Omit<OAuthSmtpOptions, 'pki' | 'signingKey' | 'googleTokens'>): Promise<OAuthLab> {
  sharedPki ??= await createTestPki();
  const pki = sharedPki;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'smtprobe-oauth-'));
  const caFile = path.join(dir, 'ca.pem');
  await writeFile(caFile, pki.rootPem);
  // An app's certificate credential: self-signed RSA, as Entra ID wants (made now, never committed).
  const certFile = path.join(dir, 'app.crt');
  const keyFile = path.join(dir, 'app.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=smtprobe-oauth-app', '-days', '2', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  const client = { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saPriv = sa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const saPub = sa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const serviceAccountFile = path.join(dir, 'sa.json');
  await writeFile(serviceAccountFile, JSON.stringify({ type: 'service_account', project_id: 'p', private_key_id: 'k1', private_key: saPriv, client_email: 'relay@p.iam.gserviceaccount.com', client_id: '1234567890', token_uri: 'https://oauth2.googleapis.com/token' }));
  const ep = await startMockTokenEndpoint({ ...endpoint({ certPem: client.certPem, saPublicPem: saPub }), pki });
  const server = await startOAuthSmtpServer({ ...smtp, pki, signingKey: ep.signingKey, googleTokens: ep.googleTokens });
  return {
    pki, dir, caFile, endpoint: ep, smtp: server, certFile, keyFile, keyPem: client.keyPem, serviceAccountFile, serviceAccountKeyPem: saPriv,
    async close() {
      await server.close();
      await ep.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** labTarget: a Target for the lab's SMTP server, from check-style camelCase input. */
export async function labTarget(lab: OAuthLab, input: Record<string, unknown>, env: Record<string, string> = {}): Promise<Target> {
  const raw = { host: '127.0.0.1', port: lab.smtp.port, tls: 'starttls', ca: lab.caFile, icmp: false, user: MAILBOX, timeout: 20, ...input };
  return resolveTarget(parseTargetInput(raw, 'test'), { env: { ...env }, baseDir: lab.dir });
}

/** run probes the lab with that input and returns the report and the AUTH step's data. */
export async function run(lab: OAuthLab, input: Record<string, unknown>, env: Record<string, string> = {}, tokens?: TokenCache): Promise<{ report: Report; auth: AuthData | undefined }> {
  const target = await labTarget(lab, input, env);
  const report = await probe(target, tokens ? { tokens } : {});
  return { report, auth: report.steps.find((s) => s.step === 'auth')?.data as AuthData | undefined };
}

/** codes of the report's findings. */
export function codes(r: Report): string[] {
  return r.findings.map((f) => f.code);
}

/** The "oauth cause: <id>" evidence line's id for a finding. */
export function causeId(r: Report, code: string): string | undefined {
  const line = r.findings.find((f) => f.code === code)?.evidence.find((e) => e.startsWith('oauth cause: '));
  return line?.slice('oauth cause: '.length);
}
