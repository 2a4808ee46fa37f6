import { describe, expect, it } from 'vitest';
import { readClaims } from '../../../src/oauth/claims.js';
import { httpSend, HttpTransportError } from '../../../src/oauth/http.js';
import { isLoopbackHost } from '../../../src/oauth/loopback.js';
import { msalConfiguration } from '../../../src/oauth/microsoft-client.js';
import { TokenCache } from '../../../src/oauth/token-cache.js';
import { aadstsCodes, endpointError, scrub, TokenRequestError } from '../../../src/oauth/token-error.js';
import { Secret } from '../../../src/model/secret.js';
import type { OAuthCredential } from '../../../src/model/oauth.js';

const jwt = (payload: object): string => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

describe('readClaims', () => {
  it('keeps only the claims that explain a refusal', () => {
    const c = readClaims(jwt({ aud: 'https://outlook.office365.com', roles: ['SMTP.SendAsApp'], tid: 't', appid: 'a', exp: 10, nbf: 1, iat: 1, secret_thing: 'x', upn: 'u@x' }));
    expect(c).toEqual({ aud: 'https://outlook.office365.com', roles: ['SMTP.SendAsApp'], tid: 't', appid: 'a', exp: 10, nbf: 1, iat: 1, upn: 'u@x' });
  });
  it('reads v2 names (azp, scope) and gives undefined for opaque tokens', () => {
    expect(readClaims(jwt({ azp: 'app', scope: 'SMTP.Send' }))).toEqual({ appid: 'app', scp: 'SMTP.Send' });
    expect(readClaims('ya29.opaque-token')).toBeUndefined();
    expect(readClaims('a.!!!.c')).toBeUndefined();
  });
});

describe('token endpoint errors', () => {
  it('pulls AADSTS numbers and drops the trace ids', () => {
    expect(aadstsCodes('AADSTS7000215: Invalid client secret. AADSTS7000215 again')).toEqual([7000215]);
    const e = endpointError(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided. Trace ID: 1 Correlation ID: 2', error_codes: [7000215] }, []);
    expect(e).toEqual({ error: 'invalid_client', description: 'AADSTS7000215: Invalid client secret provided.', aadsts: [7000215], status: 401 });
  });
  it('scrubs every secret, raw, base64, base64url and URL-encoded', () => {
    const s = 'se cret/+=value';
    const text = `echo ${s} ${Buffer.from(s).toString('base64')} ${Buffer.from(s).toString('base64url')} ${encodeURIComponent(s)}`;
    const out = scrub(text, [s]);
    expect(out).not.toContain(s);
    expect(out).not.toContain(Buffer.from(s).toString('base64'));
    expect(out).not.toContain(encodeURIComponent(s));
    expect(out.match(/\[redacted\]/g)).toHaveLength(4);
  });
  it('a description echoing the secret is scrubbed', () => {
    const e = endpointError(400, { error: 'invalid_request', error_description: 'bad client_secret=hunter2-secret-value' }, ['hunter2-secret-value']);
    expect(e.description).toBe('bad client_secret=[redacted]');
  });
});

describe('loopback guard', () => {
  it('knows loopback', () => {
    for (const h of ['127.0.0.1', '127.9.9.9', '::1', '[::1]', 'localhost']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['10.0.0.1', 'login.microsoftonline.com', '128.0.0.1', '::2']) expect(isLoopbackHost(h)).toBe(false);
  });
  it('refuses plain HTTP off loopback and anything off loopback when loopbackOnly, before connecting', async () => {
    await expect(httpSend('POST', 'http://192.0.2.1/token', {}, '', { ca: [], timeoutMs: 1000 })).rejects.toMatchObject({ code: 'EINSECURE' });
    await expect(httpSend('GET', 'https://login.microsoftonline.com/common/discovery/instance', {}, undefined, { ca: [], timeoutMs: 1000, loopbackOnly: true })).rejects.toBeInstanceOf(HttpTransportError);
  });
  it('msal gets inline metadata for a loopback authority and a network client that cannot leave the machine', async () => {
    const c: OAuthCredential = { provider: 'microsoft', grant: 'client_credentials', clientId: 'app', clientSecret: new Secret('s3cr3t-value'), tenant: 'contoso.com', tokenUrl: 'https://127.0.0.1:4443/contoso.com/oauth2/v2.0/token', scope: 'https://outlook.office365.com/.default' };
    const config = msalConfiguration(c, { http: { ca: [], timeoutMs: 1000 }, now: Date.now });
    expect(config.auth.authority).toBe('https://127.0.0.1:4443/contoso.com');
    expect(config.auth.knownAuthorities).toEqual(['127.0.0.1:4443']);
    expect(JSON.parse(config.auth.authorityMetadata ?? '{}').token_endpoint).toBe(c.tokenUrl);
    expect(JSON.parse(config.auth.cloudDiscoveryMetadata ?? '{}').metadata[0].aliases).toEqual(['127.0.0.1:4443']);
    await expect(config.system?.networkClient?.sendGetRequestAsync('https://login.microsoftonline.com/common/discovery/instance')).rejects.toMatchObject({ code: 'ENOTLOOPBACK' });
  });
  it('the public cloud gets no inline metadata', () => {
    const c: OAuthCredential = { provider: 'microsoft', grant: 'client_credentials', clientId: 'app', clientSecret: new Secret('x'), tenant: 'contoso.com', tokenUrl: 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token' };
    const config = msalConfiguration(c, { http: { ca: [], timeoutMs: 1000 }, now: Date.now });
    expect(config.auth.authority).toBe('https://login.microsoftonline.com/contoso.com');
    expect(config.auth.authorityMetadata).toBeUndefined();
  });
});

describe('TokenCache', () => {
  const cred: OAuthCredential = { provider: 'generic', grant: 'client_credentials', clientId: 'a', clientSecret: new Secret('s'), tokenUrl: 'https://127.0.0.1/token' };
  it('one request for concurrent callers; reuse until a minute before expiry; then a new one', async () => {
    const cache = new TokenCache();
    let calls = 0;
    const fetch = async (): Promise<{ token: Secret; expiresAt: number }> => ({ token: new Secret(`t${++calls}`), expiresAt: 1_000_000 + 3_600_000 });
    const [a, b] = await Promise.all([cache.get(cred, 1_000_000, fetch), cache.get(cred, 1_000_000, fetch)]);
    expect(calls).toBe(1);
    expect([a.cached, b.cached]).toEqual([false, true]);
    expect((await cache.get(cred, 1_000_000 + 3_500_000, fetch)).cached).toBe(true);
    const late = await cache.get(cred, 1_000_000 + 3_550_000, fetch);
    expect(late.cached).toBe(false);
    expect(late.token.token.reveal()).toBe('t2');
  });
  it('another secret is another credential; a refusal is held for a minute', async () => {
    const cache = new TokenCache();
    let calls = 0;
    const refuse = async (): Promise<never> => {
      calls++;
      throw new TokenRequestError({ error: 'invalid_client', aadsts: [] });
    };
    await expect(cache.get(cred, 0, refuse)).rejects.toBeInstanceOf(TokenRequestError);
    await expect(cache.get(cred, 30_000, refuse)).rejects.toBeInstanceOf(TokenRequestError);
    expect(calls).toBe(1);
    await expect(cache.get({ ...cred, clientSecret: new Secret('other') }, 30_000, refuse)).rejects.toBeInstanceOf(TokenRequestError);
    expect(calls).toBe(2);
    await expect(cache.get(cred, 61_000, refuse)).rejects.toBeInstanceOf(TokenRequestError);
    expect(calls).toBe(3);
  });
});
