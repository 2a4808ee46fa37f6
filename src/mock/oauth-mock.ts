import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestPki } from './certs/index.js';
import type { OAuthProbe } from './oauth-scenario-schema.js';
import { serverFace } from './oauth-server-face.js';
import { startOAuthSmtpServer, type OAuthSmtpServer } from './oauth-smtp-server.js';
import type { Scenario } from './scenario-schema.js';
import type { MockOptions, MockServer } from './mock-server.js';
import { startMockTokenEndpoint, type MockClient, type MockServiceAccount, type MockTokenEndpoint } from './token-endpoint.js';

/** ScenarioOAuth: the OAuth side of a running scenario — its token endpoint and what a probe needs to use it. */
export interface ScenarioOAuth {
  endpoint: MockTokenEndpoint;
  /** The token URL the scenario's probe uses: the Microsoft path when it names a tenant, else the generic one. */
  tokenUrl: string;
  /**
   * `check` flags (camelCase) that point a probe at this endpoint: --oauth-token-url and the
   * files the mock wrote its test secrets to (client secret, refresh token, service-account key).
   */
  probeInput: Record<string, string>;
  /** Test secrets the probe holds (for tests that grep outputs); the endpoint's issued tokens are on `endpoint.issued`. */
  testSecrets: string[];
  close(): Promise<void>;
}

/**
 * startScenarioOAuth starts the token endpoint a scenario's `oauth:` section describes (HTTPS on
 * loopback with the scenario's test PKI, so the mock's one CA file serves it too) and writes the
 * probe's test secrets into `dir`, each in its own file, so the probe reads them as a user's
 * secrets are read (--oauth-client-secret-file ...). Service-account keys are made now.
 */
export async function startScenarioOAuth(scenario: Scenario, pki: TestPki, dir: string): Promise<ScenarioOAuth | undefined> {
  const o = scenario.oauth;
  if (!o) return undefined;
  const probe = scenario.probe;
  const te = o.tokenEndpoint;
  const keys = new Map<string, string>();
  const serviceAccounts: MockServiceAccount[] = te.serviceAccounts.map((sa) => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keys.set(sa.email, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    return { email: sa.email, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), delegatedScopes: sa.delegatedScopes, users: sa.users };
  });
  const wantsCert = probe.oauthClientCertificate === true || te.clients.some((c) => c.certificate === true);
  const appCert = wantsCert ? await pki.issueAppCertificate('smtprobe-mock-app') : undefined;
  const clients: MockClient[] = te.clients.map((c) => {
    const m: MockClient = { clientId: c.clientId };
    if (c.certificate && appCert) m.certPem = appCert.certPem;
    if (c.secret !== undefined) m.secret = c.secret;
    if (c.consented !== undefined) m.consented = c.consented;
    if (c.secretExpired !== undefined) m.secretExpired = c.secretExpired;
    if (c.refreshTokens) m.refreshTokens = c.refreshTokens;
    if (c.token) m.token = Object.fromEntries(Object.entries(c.token).filter(([, v]) => v !== undefined));
    return m;
  });
  const endpoint = await startMockTokenEndpoint({
    pki,
    clients,
    serviceAccounts,
    ...(te.tenants ? { tenants: te.tenants } : {}),
    ...(te.error ? { fixedError: te.error } : {}),
  });
  const tokenUrl = probe.oauthTenant !== undefined ? `${endpoint.url}/${encodeURIComponent(probe.oauthTenant)}/oauth2/v2.0/token` : endpoint.tokenUrl;
  const probeInput: Record<string, string> = { oauthTokenUrl: tokenUrl };
  const testSecrets: string[] = [];
  /** Writes a file only the owner reads; `secret` is what must never be shown (the whole value, or its key part). */
  const secretFile = async (name: string, value: string, secret: string = value): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, value, { mode: 0o600 });
    testSecrets.push(secret);
    return file;
  };
  if (probe.oauthClientSecret !== undefined) probeInput.oauthClientSecretFile = await secretFile('oauth-client-secret', probe.oauthClientSecret);
  if (probe.oauthRefreshToken !== undefined) probeInput.oauthRefreshTokenFile = await secretFile('oauth-refresh-token', probe.oauthRefreshToken);
  if (probe.oauthClientCertificate === true && appCert) {
    probeInput.oauthClientCert = join(dir, 'oauth-app.crt');
    await writeFile(probeInput.oauthClientCert, appCert.certPem);
    probeInput.oauthClientKey = await secretFile('oauth-app.key', appCert.keyPem);
  }
  if (probe.oauthServiceAccount !== undefined) {
    const privateKey = keys.get(probe.oauthServiceAccount) ?? '';
    const json = JSON.stringify({ type: 'service_account', project_id: 'smtprobe-mock', private_key_id: 'mock-key-1', private_key: privateKey, client_email: probe.oauthServiceAccount, client_id: '100000000000000000001', token_uri: endpoint.tokenUrl });
    probeInput.oauthServiceAccount = await secretFile('oauth-service-account.json', json, privateKey);
  }
  return { endpoint, tokenUrl, probeInput, testSecrets, close: () => endpoint.close() };
}

/**
 * startScenarioOAuthSmtp serves the scenario's SMTP side with the bearer-checking server
 * (`oauth.smtp`): it verifies the tokens the scenario's endpoint issued, as Microsoft 365 or
 * Gmail does, or refuses every token as a recording says. With `presents: server` it greets,
 * lists its extensions and presents its certificate as the scenario's `server:` says.
 */
export async function startScenarioOAuthSmtp(scenario: Scenario, oauth: ScenarioOAuth, pki: TestPki, log: (line: string) => void, at: { host: string; port: number }): Promise<OAuthSmtpServer | undefined> {
  const smtp = scenario.oauth?.smtp;
  if (!smtp) return undefined;
  return startOAuthSmtpServer({
    profile: smtp.profile,
    host: at.host,
    port: at.port,
    pki,
    signingKey: oauth.endpoint.signingKey,
    googleTokens: oauth.endpoint.googleTokens,
    onLog: log,
    ...(smtp.mechanisms ? { mechanisms: smtp.mechanisms } : {}),
    ...(smtp.audience !== undefined ? { audience: smtp.audience } : {}),
    ...(smtp.clockOffsetS !== undefined ? { clockOffsetS: smtp.clockOffsetS } : {}),
    ...(smtp.exchange ? { exchange: smtp.exchange } : {}),
    ...(smtp.passwords ? { passwords: smtp.passwords } : {}),
    ...(smtp.reject ? { reject: smtp.reject } : {}),
    ...(smtp.presents === 'server' ? { face: await serverFace(scenario.server, pki) } : {}),
  });
}

/** Keys of a scenario's `probe:` section that exist only in scenarios (test values the mock turns into files). */
const SCENARIO_ONLY: readonly (keyof OAuthProbe)[] = ['oauthClientSecret', 'oauthRefreshToken', 'oauthServiceAccount', 'oauthClientCertificate'];

/**
 * withMockOAuth: a scenario's probe flags as `check` flags against a running mock — the
 * scenario-only OAuth keys replaced by the token URL and secret files the mock made.
 */
export function withMockOAuth(flags: Record<string, unknown>, server: { oauth?: ScenarioOAuth | undefined }): Record<string, unknown> {
  const out = Object.fromEntries(Object.entries(flags).filter(([k]) => !(SCENARIO_ONLY as readonly string[]).includes(k)));
  // Only a probe that asks for a token gets the token URL: a password probe stays a password probe.
  const usesOAuth = Object.keys(flags).some((k) => k.startsWith('oauth') && flags[k] !== undefined);
  return server.oauth && usesOAuth ? { ...out, ...server.oauth.probeInput } : out;
}

/**
 * startOAuthMockServer runs a scenario with an `oauth:` section: its token endpoint, and for
 * SMTP either the bearer-checking server (`oauth.smtp`) on the requested address or the
 * scenario's ordinary `server:` (started by `startSmtpSide`). close() stops both and removes
 * the files holding the probe's test secrets.
 */
export async function startOAuthMockServer(scenario: Scenario, opts: MockOptions & { pki: TestPki }, startSmtpSide: (s: Scenario, o: MockOptions) => Promise<MockServer>): Promise<MockServer> {
  const log = opts.onLog ?? ((): void => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'smtprobe-mock-oauth-'));
  let oauth: ScenarioOAuth | undefined;
  let smtp: OAuthSmtpServer | undefined;
  let side: MockServer | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all([side?.close(), smtp?.close(), oauth?.close()]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    oauth = await startScenarioOAuth(scenario, opts.pki, dir);
    if (!oauth) throw new Error('startOAuthMockServer: the scenario has no oauth section');
    const host = opts.host ?? '127.0.0.1';
    smtp = await startScenarioOAuthSmtp(scenario, oauth, opts.pki, log, { host, port: opts.port ?? 0 });
    if (!smtp) {
      side = await startSmtpSide(scenario, opts);
      log(`* token endpoint ${oauth.tokenUrl}`);
      const s = side;
      let closing: Promise<void> | undefined;
      return { ...s, oauth, close: () => (closing ??= stop()) };
    }
    const caFile = join(dir, 'mock-root-ca.pem');
    await writeFile(caFile, opts.pki.rootPem);
    log(`* scenario ${scenario.name} on ${host}:${smtp.port}, engine oauth (${scenario.oauth?.smtp?.profile}); token endpoint ${oauth.tokenUrl}`);
    const bearer = smtp;
    let closing: Promise<void> | undefined;
    return {
      host,
      port: bearer.port,
      scenario,
      caFile,
      caPem: opts.pki.rootPem,
      pki: opts.pki,
      engine: 'oauth',
      oauth,
      sessions: () => bearer.sessions(),
      openConnections: () => bearer.openConnections(),
      close: () => (closing ??= stop()),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** FLAG_OF: the `check` flag for each key of ScenarioOAuth.probeInput and of the scenario's OAuth probe keys. */
const FLAG_OF: Record<string, string> = {
  oauthClientId: '--oauth-client-id',
  oauthTenant: '--oauth-tenant',
  oauthScope: '--oauth-scope',
  oauthTokenUrl: '--oauth-token-url',
  oauthClientSecretFile: '--oauth-client-secret-file',
  oauthRefreshTokenFile: '--oauth-refresh-token-file',
  oauthServiceAccount: '--oauth-service-account',
  oauthClientCert: '--oauth-client-cert',
  oauthClientKey: '--oauth-client-key',
};

/**
 * oauthCheckArgs: the --oauth-* part of the `smtprobe check` line that probes a running mock,
 * secrets given by the files the mock wrote (never on the command line).
 */
export function oauthCheckArgs(server: { scenario: Scenario; oauth?: ScenarioOAuth | undefined }): string[] {
  const flags = withMockOAuth(server.scenario.probe as Record<string, unknown>, server);
  return Object.entries(flags).flatMap(([k, v]) => (FLAG_OF[k] !== undefined && typeof v === 'string' ? [`${FLAG_OF[k]} ${v}`] : []));
}
