/**
 * The bearer-checking server with `oauth.smtp.presents: server`: it greets, lists its EHLO
 * lines and serves TLS as the scenario's `server:` says, while tokens are still judged by the
 * profile. Each case is a server behaviour a recording can carry; the session is driven on
 * loopback, by a probe or by hand.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/check.js';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { parseScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { targetForScenario } from '../../src/mock/scenario-target.js';
import type { Report } from '../../src/model/report.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
const servers: MockServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** A Microsoft 365-judged OAuth scenario presenting `server` (YAML lines under `server:`). */
function scenario(name: string, server: string, expectCodes: string): string {
  return `name: ${name}
description: The bearer-checking server presenting a scenario's own server section.
server:
  hostname: relay.face.test
${server}
oauth:
  tokenEndpoint:
    clients: [{ clientId: c0c0c0c0-1111-2222-3333-444444444444, secret: face-test-secret-1 }]
  smtp: { profile: m365, presents: server }
probe:
  tls: starttls
  tlsDomain: relay.face.test
  user: relay@face.test
  oauthClientId: c0c0c0c0-1111-2222-3333-444444444444
  oauthClientSecret: face-test-secret-1
  oauthTenant: contoso.onmicrosoft.com
expect: { codes: [${expectCodes}], verdict: critical }
`;
}

async function start(text: string): Promise<MockServer> {
  const s = parseScenario(text, 'face.yaml');
  const server = await startMockServer(s, { pki });
  servers.push(server);
  expect(server.engine).toBe('oauth');
  return server;
}

async function probeIt(server: MockServer): Promise<Report> {
  return probe(await targetForScenario(server.scenario, server));
}

const codesOf = (r: Report): string[] => [...new Set(r.findings.map((f) => f.code))].sort();

/** Reads from a socket until `done` holds for what arrived, then returns it all. */
function readUntil(sock: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer): void => {
      text += d.toString('latin1');
      if (done(text)) {
        sock.off('data', onData);
        resolve(text);
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.once('close', () => resolve(text));
  });
}

describe('oauth.smtp.presents: server', () => {
  it('a token accepted by the profile, behind the scenario\'s greeting, EHLO lines and certificate', async () => {
    const server = await start(scenario('face-good', `  greeting: { text: "relay.face.test ESMTP face gateway" }
  certificateHostnames: [relay.face.test]
  extensions: { plain: [SIZE 1000, STARTTLS], tls: [SIZE 1000, "AUTH XOAUTH2"] }`, ''));
    const r = await probeIt(server);
    expect(r.verdict, JSON.stringify(r.findings)).toBe('ok');
    const banner = r.steps.find((s) => s.step === 'banner')?.data as { reply?: { lines: string[] } } | undefined;
    expect(banner?.reply?.lines).toEqual(['relay.face.test ESMTP face gateway']);
    const ehlo = r.steps.find((s) => s.step === 'ehlo-tls')?.data as { capabilities?: { domain: string; size?: number; auth: string[] } } | undefined;
    expect(ehlo?.capabilities).toMatchObject({ domain: 'relay.face.test', size: 1000, auth: ['XOAUTH2'] });
    const auth = r.steps.find((s) => s.step === 'auth')?.data as { mechanism?: string; reply?: { code: number } } | undefined;
    expect(auth).toMatchObject({ mechanism: 'XOAUTH2', reply: { code: 235 } });
  });

  it('a refusing greeting: 554, then 503 to every command but QUIT (RFC 5321 §3.1); no AUTH', async () => {
    const server = await start(scenario('face-554', '  greeting: { code: 554, text: "5.7.1 relay.face.test closed to you" }', 'BANNER_REJECTED'));
    const r = await probeIt(server);
    expect(codesOf(r)).toContain('BANNER_REJECTED');
    expect(r.steps.find((s) => s.step === 'auth')?.status ?? 'skip').toBe('skip');
    const sock = connect(server.port, server.host);
    try {
      expect(await readUntil(sock, (t) => t.endsWith('\r\n'))).toBe('554 5.7.1 relay.face.test closed to you\r\n');
      sock.write('EHLO me.test\r\n');
      expect(await readUntil(sock, (t) => t.endsWith('\r\n'))).toMatch(/^503 /);
      sock.write('QUIT\r\n');
      expect(await readUntil(sock, (t) => t.endsWith('\r\n'))).toMatch(/^221 /);
    } finally {
      sock.destroy();
    }
  });

  it('a client that talks first is answered after the (delayed) greeting, in order', async () => {
    const server = await start(scenario('face-early', '  greeting: { text: "relay.face.test ESMTP slow", delayMs: 200 }', ''));
    const sock = connect(server.port, server.host);
    try {
      await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
      sock.write('EHLO early.test\r\n');
      const text = await readUntil(sock, (t) => /\r\n250 [^\r\n]*\r\n$/.test(t));
      expect(text.split('\r\n')[0]).toBe('220 relay.face.test ESMTP slow');
      expect(text).toMatch(/^220 [^\r\n]*\r\n250-relay\.face\.test\r\n/);
    } finally {
      sock.destroy();
    }
  });

  it('TLS as the scenario says: a required client certificate is asked for (CLIENT_CERT_REQUIRED), the token never sent', async () => {
    const server = await start(scenario('face-client-cert', '  clientCert: require', 'CLIENT_CERT_REQUIRED'));
    const r = await probeIt(server);
    expect(codesOf(r), JSON.stringify(r.findings.map((f) => f.code))).toContain('CLIENT_CERT_REQUIRED');
    const auth = r.steps.find((s) => s.step === 'auth')?.data as { attempted?: boolean } | undefined;
    expect(auth?.attempted ?? false).toBe(false);
  });

  it('no TLS: STARTTLS is refused with 454 and never listed', async () => {
    const server = await start(scenario('face-no-tls', '  tls: none', ''));
    const sock = connect(server.port, server.host);
    try {
      await readUntil(sock, (t) => t.endsWith('\r\n'));
      sock.write('EHLO me.test\r\n');
      const ehlo = await readUntil(sock, (t) => /(^|\r\n)250 [^\r\n]*\r\n$/.test(t));
      expect(ehlo).not.toMatch(/STARTTLS/);
      sock.write('STARTTLS\r\n');
      expect(await readUntil(sock, (t) => t.endsWith('\r\n'))).toMatch(/^454 /);
    } finally {
      sock.destroy();
    }
  });
});
