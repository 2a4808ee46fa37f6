import { randomBytes, randomUUID, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createTestPki, type TestPki } from './certs/index.js';
import { decodeJwt, signHs256, verifyAsymmetric } from './mock-jwt.js';

/** The shape the mock gives an issued Microsoft token (to reproduce each server-side refusal). */
export interface MockTokenShape {
  /** Default https://outlook.office365.com; a Graph audience reproduces "wrong audience". */
  aud?: string;
  /** App tokens: default ['SMTP.SendAsApp']; [] reproduces "missing permission / consent". */
  roles?: string[];
  /** Delegated tokens: default 'SMTP.Send'. */
  scp?: string;
  /** Lifetime in seconds (default 3600); negative issues an already expired token. */
  lifetimeS?: number;
  /** Shifts iat/nbf/exp (seconds): a positive value mimics an identity provider whose clock is ahead. */
  clockOffsetS?: number;
}

/** A registered app (Microsoft or generic RFC 6749 client). */
export interface MockClient {
  clientId: string;
  secret?: string;
  /** PEM certificate registered for client assertions. */
  certPem?: string;
  /** Admin consent granted (default true); false answers AADSTS65001. */
  consented?: boolean;
  /** The secret has expired (AADSTS7000222). */
  secretExpired?: boolean;
  /** Refresh tokens this client can redeem, each for `upn`. */
  refreshTokens?: { token: string; upn: string }[];
  token?: MockTokenShape;
}

/** A Google service account and the delegation an admin gave it. */
export interface MockServiceAccount {
  email: string;
  /** Public key (PEM, or the certificate) of the key the client signs with. */
  publicKeyPem: string;
  /** Scopes allowed by domain-wide delegation; without https://mail.google.com/ → unauthorized_client. */
  delegatedScopes: string[];
  /** Mailboxes that exist in the domain (the `sub` it may impersonate). */
  users: string[];
}

export interface TokenEndpointOptions {
  /** Tenants that exist (ids or domains); others answer AADSTS90002. */
  tenants?: string[];
  clients?: MockClient[];
  serviceAccounts?: MockServiceAccount[];
  /** Client authentication the endpoint reads (default both); a server that ignores Basic is common. */
  clientSecretMethods?: ('basic' | 'post')[];
  /** Reuse a PKI (so one --ca serves the endpoint and the SMTP mock). */
  pki?: TestPki;
  now?: () => number;
  /** Answer every token request with this error (RFC 6749 §5.2), as recorded from a real endpoint. */
  fixedError?: { status: number; error: string; description?: string | undefined };
}

/** What the endpoint issued; the mock SMTP server verifies tokens against this. */
export interface IssuedGoogleToken {
  email: string;
  scope: string;
  exp: number;
}

/** A request as the endpoint saw it, without secrets: for tests to count and inspect. */
export interface TokenRequestLog {
  path: string;
  grantType: string;
  clientAuth: 'basic' | 'post' | 'assertion' | 'jwt-bearer' | 'none';
  scope?: string;
}

export interface MockTokenEndpoint {
  /** Base URL, https://127.0.0.1:PORT */
  url: string;
  /** The generic token URL (https://127.0.0.1:PORT/token); Microsoft: url/<tenant>/oauth2/v2.0/token. */
  tokenUrl: string;
  caPem: string;
  pki: TestPki;
  /** HS256 key of issued Microsoft/generic tokens (shared with the mock SMTP server). */
  signingKey: Buffer;
  /** Opaque Google tokens issued, by value. */
  googleTokens: Map<string, IssuedGoogleToken>;
  /** Every access and refresh token issued (tests grep outputs for them). */
  issued: string[];
  /** Every signed assertion received (client assertions, Google JWT bearer grants): secrets too, for the same greps. */
  assertions: string[];
  requests: TokenRequestLog[];
  close(): Promise<void>;
}

const TENANT_ID = '11111111-2222-3333-4444-555555555555';

/**
 * startMockTokenEndpoint: a local identity provider on 127.0.0.1 over HTTPS (test CA) that
 * answers the token requests smtprobe makes — client credentials with a secret or a signed
 * assertion, refresh tokens, Google's JWT bearer grant — with real tokens, or with the exact
 * errors Microsoft Entra ID and Google send (AADSTS codes, unauthorized_client, invalid_grant).
 */
export async function startMockTokenEndpoint(opts: TokenEndpointOptions = {}): Promise<MockTokenEndpoint> {
  const pki = opts.pki ?? (await createTestPki());
  const leaf = await pki.issue('valid', { hostnames: ['127.0.0.1', 'localhost'] });
  const now = opts.now ?? Date.now;
  const signingKey = randomBytes(32);
  const googleTokens = new Map<string, IssuedGoogleToken>();
  const requests: TokenRequestLog[] = [];
  const issued: string[] = [];
  const assertions: string[] = [];
  const tenants = new Set((opts.tenants ?? ['contoso.onmicrosoft.com', TENANT_ID]).map((t) => t.toLowerCase()));
  const sockets = new Set<Socket>();

  const server: Server = createServer({ key: leaf.keyPem, cert: leaf.chainPem }, (req, res) => {
    void handle(req, res).catch(() => send(res, 500, { error: 'server_error' }));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
    if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request', error_description: 'POST only' });
    const form = new URLSearchParams(await body(req));
    for (const k of ['client_assertion', 'assertion']) {
      const a = form.get(k);
      if (a) assertions.push(a);
    }
    const grantType = form.get('grant_type') ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const log: TokenRequestLog = { path, grantType, clientAuth: basic ? 'basic' : form.has('client_assertion') ? 'assertion' : form.has('client_secret') ? 'post' : grantType.includes('jwt-bearer') ? 'jwt-bearer' : 'none' };
    const scope = form.get('scope') ?? undefined;
    if (scope !== undefined) log.scope = scope;
    requests.push(log);

    if (opts.fixedError) {
      const e = opts.fixedError;
      const codes = [...(e.description ?? '').matchAll(/\bAADSTS(\d+)/g)].map((m) => Number(m[1]));
      return send(res, e.status, { error: e.error, ...(e.description !== undefined ? { error_description: e.description } : {}), ...(codes.length > 0 ? { error_codes: codes } : {}) });
    }
    if (grantType === 'urn:ietf:params:oauth:grant-type:jwt-bearer') return google(form, res);

    // Microsoft paths: /<tenant>/oauth2/v2.0/token; anything else ending in /token is generic.
    const ms = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (!ms && !path.endsWith('/token')) return send(res, 404, { error: 'invalid_request', error_description: 'no such endpoint' });
    if (ms && !tenants.has(decodeURIComponent(ms[1] ?? '').toLowerCase())) {
      return aad(res, 400, 'invalid_request', 90002, `Tenant '${decodeURIComponent(ms[1] ?? '')}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    const methods = opts.clientSecretMethods ?? ['basic', 'post'];
    if (basic && !methods.includes('basic')) return send(res, 401, { error: 'invalid_client', error_description: 'client authentication method client_secret_basic is not supported' });
    if (form.has('client_secret') && !methods.includes('post')) return send(res, 401, { error: 'invalid_client', error_description: 'client authentication method client_secret_post is not supported' });
    let clientId = form.get('client_id') ?? '';
    let secret = form.get('client_secret') ?? undefined;
    if (basic) {
      const raw = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
      const i = raw.indexOf(':');
      clientId = decodeURIComponent(raw.slice(0, i).replace(/\+/g, ' '));
      secret = decodeURIComponent(raw.slice(i + 1).replace(/\+/g, ' '));
    }
    const client = (opts.clients ?? []).find((c) => c.clientId === clientId);
    if (!client) return aad(res, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
    const assertion = form.get('client_assertion');
    if (assertion !== null) {
      const claims = client.certPem ? verifyAsymmetric(assertion, client.certPem) : undefined;
      const head = decodeJwt(assertion)?.header;
      const tpOk = client.certPem !== undefined && head !== undefined && (head['x5t#S256'] === thumb256(client.certPem) || head.x5t !== undefined);
      if (!claims || !tpOk || claims.iss !== clientId || claims.sub !== clientId) {
        return aad(res, 401, 'invalid_client', 700027, 'Client assertion failed signature validation. The key was not found.');
      }
      const exp = typeof claims.exp === 'number' ? claims.exp : 0;
      if (exp * 1000 < now()) return aad(res, 401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
    } else if (secret !== undefined) {
      if (!client.secret || !safeEqual(secret, client.secret)) {
        return aad(res, 401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app \'' + clientId + '\'.');
      }
      if (client.secretExpired) return aad(res, 401, 'invalid_client', 7000222, `The provided client secret keys for app '${clientId}' are expired.`);
    } else if (grantType !== 'refresh_token') {
      return aad(res, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    const shape = client.token ?? {};
    const off = shape.clockOffsetS ?? 0;
    const iat = Math.floor(now() / 1000) + off;
    const life = shape.lifetimeS ?? 3600;
    const base = { aud: shape.aud ?? 'https://outlook.office365.com', iss: `https://sts.windows.net/${TENANT_ID}/`, tid: TENANT_ID, appid: clientId, oid: `sp-${clientId}`, iat, nbf: iat, exp: iat + life, jti: randomUUID() };

    if (grantType === 'client_credentials') {
      if (scope !== undefined && !/\/\.default$/.test(scope)) return aad(res, 400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
      if (scope !== undefined && !/^https:\/\/outlook\.office(365)?\.com\/\.default$|^https:\/\/graph\.microsoft\.com\/\.default$/.test(scope) && ms) {
        return aad(res, 400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`);
      }
      const roles = client.consented === false ? [] : (shape.roles ?? ['SMTP.SendAsApp']);
      const aud = shape.aud ?? (scope?.startsWith('https://graph.microsoft.com') ? 'https://graph.microsoft.com' : base.aud);
      return issue(res, { ...base, aud, roles }, life);
    }
    if (grantType === 'refresh_token') {
      const rt = (client.refreshTokens ?? []).find((t) => safeEqual(t.token, form.get('refresh_token') ?? ''));
      if (!rt) return aad(res, 400, 'invalid_grant', 700082, 'The refresh token has expired due to inactivity.');
      if (client.consented === false) return aad(res, 400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${clientId}'. Send an interactive authorization request for this user and resource.`);
      return issue(res, { ...base, scp: shape.scp ?? 'SMTP.Send', upn: rt.upn }, life, randomBytes(16).toString('hex'));
    }
    return send(res, 400, { error: 'unsupported_grant_type', error_description: `grant_type ${grantType} is not supported` });
  }

  function google(form: URLSearchParams, res: ServerResponse): void {
    const assertion = form.get('assertion') ?? '';
    const payload = decodeJwt(assertion)?.payload;
    const sa = (opts.serviceAccounts ?? []).find((s) => s.email === payload?.iss);
    const claims = sa ? verifyAsymmetric(assertion, sa.publicKeyPem) : undefined;
    if (!sa || !claims) return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    const scopes = String(claims.scope ?? '').split(/\s+/).filter(Boolean);
    if (!scopes.every((s) => sa.delegatedScopes.includes(s))) {
      return send(res, 401, { error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' });
    }
    const sub = String(claims.sub ?? '');
    if (!sa.users.includes(sub)) return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid email or User ID' });
    const token = `ya29.mock-${randomBytes(24).toString('base64url')}`;
    issued.push(token);
    googleTokens.set(token, { email: sub, scope: scopes.join(' '), exp: Math.floor(now() / 1000) + 3600 });
    send(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  }

  function issue(res: ServerResponse, claims: Record<string, unknown>, life: number, refresh?: string): void {
    const body: Record<string, unknown> = { token_type: 'Bearer', expires_in: life, ext_expires_in: life, access_token: signHs256(claims, signingKey) };
    if (refresh) body.refresh_token = refresh;
    issued.push(body.access_token as string, ...(refresh ? [refresh] : []));
    send(res, 200, body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  return {
    url,
    tokenUrl: `${url}/token`,
    caPem: pki.rootPem,
    pki,
    signingKey,
    googleTokens,
    issued,
    assertions,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function aad(res: ServerResponse, status: number, error: string, code: number, text: string): void {
  const ts = new Date().toISOString().replace('T', ' ').replace('Z', 'Z');
  send(res, status, {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${ts}`,
    error_codes: [code],
    timestamp: ts,
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function thumb256(certPem: string): string {
  return Buffer.from(new X509Certificate(certPem).fingerprint256.replace(/:/g, ''), 'hex').toString('base64url');
}
