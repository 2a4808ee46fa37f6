import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki } from '../../src/mock/certs/index.js';
import type { TestPki, IssuedCert } from '../../src/mock/certs/index.js';
import { Deadline } from '../../src/model/deadline.js';
import { tlsHandshake, classifyTlsError } from '../../src/probe/tls/handshake.js';
import type { HandshakeOutcome } from '../../src/probe/tls/handshake.js';
import { OPENSSL, skipWithoutPackages } from '../support/system-packages.js';
import { freePort } from '../support/wait-port.js';

/**
 * Client-certificate refusals as a real OpenSSL server sends them (Postfix, Exim and most
 * smart hosts use OpenSSL): `openssl s_server -Verify 1 -verify_return_error` answers with TLS
 * alerts, which Node's own TLS server does not (it just hangs up).
 */
const HOST = 'mail.example.test';
const skip = skipWithoutPackages('test/integration/tls-client-cert-openssl.test.ts (real OpenSSL server)', [OPENSSL]);
let pki: TestPki;
let dir: string;
let serverCert: IssuedCert;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (skip) return;
  pki = await createTestPki();
  serverCert = await pki.issue('valid', { hostnames: [HOST] });
  dir = mkdtempSync(join(tmpdir(), 'smtprobe-tls-'));
  writeFileSync(join(dir, 'key.pem'), serverCert.keyPem);
  writeFileSync(join(dir, 'cert.pem'), serverCert.certPem);
  writeFileSync(join(dir, 'intermediate.pem'), pki.intermediatePem);
  writeFileSync(join(dir, 'client-ca.pem'), pki.clientCaPem);
});

afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

afterAll(() => {
  if (skip) return;
  rmSync(dir, { recursive: true, force: true });
});


/** opensslServer: one s_server demanding a client certificate from the test client CA. */
async function opensslServer(version: '-tls1_2' | '-tls1_3'): Promise<number> {
  const port = await freePort();
  const child = spawn('openssl', [
    's_server', '-accept', `127.0.0.1:${port}`, '-key', join(dir, 'key.pem'), '-cert', join(dir, 'cert.pem'),
    '-cert_chain', join(dir, 'intermediate.pem'),
    '-Verify', '1', '-verify_return_error', '-CAfile', join(dir, 'client-ca.pem'), version, '-naccept', '1',
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.on('data', (b: Buffer) => {
      if (b.toString().includes('ACCEPT')) resolve();
    });
  });
  return port;
}

async function handshake(port: number, client?: IssuedCert): Promise<HandshakeOutcome> {
  const raw = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  return tlsHandshake(raw, {
    mode: 'implicit', servername: HOST, verify: 'domain', ca: [pki.rootPem], warnDays: 21, critDays: 7,
    ...(client ? { clientCert: client.chainPem, clientKey: client.keyPem } : {}),
  }, Deadline.after(5000, 'tls'));
}

function firstError(out: HandshakeOutcome): Promise<unknown> {
  return new Promise((resolve) => {
    out.socket!.once('error', resolve);
    out.socket!.once('close', () => resolve(undefined));
  });
}

describe.skipIf(skip)('client certificates against openssl s_server', () => {
  it('TLS 1.2, none sent: CLIENT_CERT_REQUIRED in the handshake (handshake_failure after CertificateRequest)', async () => {
    const out = await handshake(await opensslServer('-tls1_2'));
    expect(out.socket).toBeUndefined();
    expect(out.error?.code).toBe('CLIENT_CERT_REQUIRED');
    expect(out.data).toMatchObject({ alert: 'handshake_failure', protocol: 'TLSv1.2', clientCertSent: false });
  });

  it('TLS 1.2, untrusted one sent: CLIENT_CERT_REJECTED in the handshake (unknown_ca)', async () => {
    const out = await handshake(await opensslServer('-tls1_2'), await pki.issueClient('relay', { untrusted: true }));
    expect(out.socket).toBeUndefined();
    expect(out.error?.code).toBe('CLIENT_CERT_REJECTED');
    expect(out.data).toMatchObject({ alert: 'unknown_ca', protocol: 'TLSv1.2', clientCertSent: true });
  });

  it('TLS 1.3, none sent: handshake completes; the first read gives certificate_required → CLIENT_CERT_REQUIRED', async () => {
    const out = await handshake(await opensslServer('-tls1_3'));
    expect(out.socket).toBeDefined();
    expect(out.data.protocol).toBe('TLSv1.3');
    const c = classifyTlsError(await firstError(out), 'after-handshake');
    expect(c).toMatchObject({ code: 'CLIENT_CERT_REQUIRED', alert: 'certificate_required' });
    out.socket!.destroy();
  });

  it('TLS 1.3, untrusted one sent: the first read gives unknown_ca → CLIENT_CERT_REJECTED', async () => {
    const out = await handshake(await opensslServer('-tls1_3'), await pki.issueClient('relay', { untrusted: true }));
    expect(out.socket).toBeDefined();
    expect(out.data.clientCertSent).toBe(true);
    const c = classifyTlsError(await firstError(out), 'after-handshake');
    expect(c).toMatchObject({ code: 'CLIENT_CERT_REJECTED', alert: 'unknown_ca' });
    out.socket!.destroy();
  });

  it.each(['-tls1_2', '-tls1_3'] as const)('%s, trusted one sent: accepted', async (v) => {
    const out = await handshake(await opensslServer(v), await pki.issueClient('relay'));
    expect(out.error).toBeUndefined();
    expect(out.data.clientCertSent).toBe(true);
    expect(out.data.verifyPassed).toBe(true);
    out.socket!.destroy();
  });
});
