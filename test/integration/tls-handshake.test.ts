import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import net from 'node:net';
import tls from 'node:tls';
import { createTestPki, CERT_PROFILES, PROFILES_NEEDING_SECLEVEL_0 } from '../../src/mock/certs/index.js';
import type { TestPki, CertProfile } from '../../src/mock/certs/index.js';
import { Deadline } from '../../src/model/deadline.js';
import { tlsHandshake, classifyTlsError } from '../../src/probe/tls/handshake.js';
import type { HandshakeOptions, HandshakeOutcome } from '../../src/probe/tls/handshake.js';
import { TrustStore } from '../../src/probe/tls/trust-store.js';

const HOST = 'mail.example.test';

/** Servers started by a test, and the connections they accepted; closed (and checked) after it. */
const servers: net.Server[] = [];
const accepted = new Set<net.Socket>();

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (s: net.Socket) => {
    accepted.add(s);
    s.once('close', () => accepted.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function tlsServer(options: tls.TlsOptions, onSecure?: (s: tls.TLSSocket) => void): tls.Server {
  const server = tls.createServer(options, (s) => {
    s.on('error', () => undefined);
    onSecure?.(s);
  });
  server.on('tlsClientError', () => undefined);
  return server;
}

function connectRaw(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function opts(o: Partial<HandshakeOptions> = {}): HandshakeOptions {
  return { mode: 'implicit', servername: HOST, verify: 'domain', ca: [], warnDays: 21, critDays: 7, ...o };
}

async function handshake(port: number, o: Partial<HandshakeOptions> = {}, ms = 5000): Promise<HandshakeOutcome> {
  return tlsHandshake(await connectRaw(port), opts(o), Deadline.after(ms, 'tls'));
}

/** firstRead: the first thing that happens on a socket after the handshake — data, error or close. */
function firstRead(s: tls.TLSSocket): Promise<{ data?: string; error?: Error; closed?: boolean }> {
  return new Promise((resolve) => {
    s.once('data', (d: Buffer) => resolve({ data: d.toString() }));
    s.once('error', (error) => resolve({ error }));
    s.once('close', () => resolve({ closed: true }));
  });
}

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWRAP').length;
}

afterEach(async () => {
  await settle();
  // every connection a test opened must be gone by now (sockets never leak): the server side
  // closes only once the client side did
  const open = accepted.size;
  for (const s of accepted) s.destroy();
  accepted.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  expect(open, 'connections still open on the test servers').toBe(0);
});

/** settle: let close events from both ends run before counting. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe('tlsHandshake against each certificate profile', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });

  async function serve(profile: CertProfile, extra: tls.TlsOptions = {}): Promise<number> {
    const c = await pki.issue(profile, { hostnames: [HOST, '127.0.0.1'] });
    const ciphers = PROFILES_NEEDING_SECLEVEL_0.includes(profile) ? { ciphers: 'DEFAULT:@SECLEVEL=0' } : {};
    return listen(tlsServer({ key: c.keyPem, cert: c.chainPem, ...ciphers, ...extra }, (s) => s.end('220 ok\r\n')));
  }

  const expected: Record<CertProfile, string[]> = {
    valid: [], expired: ['CERT_EXPIRED'], 'not-yet-valid': ['CERT_NOT_YET_VALID'], 'wrong-host': ['CERT_HOSTNAME_MISMATCH'],
    wildcard: [], 'self-signed': ['CERT_SELF_SIGNED'], 'missing-intermediate': ['CERT_CHAIN_INCOMPLETE'],
    'weak-key': ['CERT_WEAK_KEY'], 'sha1-signature': ['CERT_WEAK_SIGNATURE'], 'expires-soon': ['CERT_EXPIRES_SOON'],
  };
  // RSA < 2048 and SHA-1 fail too: the Web PKI rules, stricter than OpenSSL's default level
  const failsDomain = new Set<CertProfile>(['expired', 'not-yet-valid', 'wrong-host', 'self-signed', 'missing-intermediate', 'weak-key', 'sha1-signature']);
  // what OpenSSL itself says of each chain (the name is not part of it); a 1024-bit RSA leaf
  // depends on OpenSSL's default security level (accepted by Node 20's OpenSSL 3.0, refused by
  // Node 26's), so it is not pinned
  const opensslAccepts = new Set<CertProfile>(['valid', 'wrong-host', 'wildcard', 'expires-soon']);

  // observe: false (OpenSSL on the TCP socket, as the probe's TLS step runs it) must give the
  // same outcome on every completed handshake as the observed one.
  for (const [maxVersion, observe] of [['TLSv1.2', true], ['TLSv1.3', true], ['TLSv1.2', false], ['TLSv1.3', false]] as const) {
    it.each(CERT_PROFILES)(`%s (server ${maxVersion}, observe ${observe}): the right problems, socket kept, error only when verification fails`, async (profile) => {
      const port = await serve(profile, { maxVersion });
      const out = await handshake(port, { ca: [pki.rootPem], observe });
      expect(out.unobserved).toBeUndefined();
      expect(out.socket).toBeDefined();
      expect(out.data.protocol).toBe(maxVersion);
      expect(out.data.problems.map((p) => p.code).sort()).toEqual(expected[profile]);
      expect(out.data.verifyPassed).toBe(!failsDomain.has(profile));
      expect(out.error?.code).toBe(failsDomain.has(profile) ? expected[profile][0] : undefined);
      if (profile !== 'weak-key') expect(out.data.validator?.chainAccepted).toBe(opensslAccepts.has(profile));
      const sent = profile === 'self-signed' || profile === 'missing-intermediate' ? 1 : 2;
      expect(out.data.chain).toHaveLength(sent); // as sent: never the root the client added from its store
      expect(out.data.cipher?.name).toBeTruthy();
      expect(out.data.group).toBeTruthy();
      expect(await firstRead(out.socket!)).toEqual({ data: '220 ok\r\n' });
      out.socket!.destroy();
      await settle();
    });
  }

  it('valid chain without --ca: CERT_UNTRUSTED_ROOT only; passes at verify none', async () => {
    const port = await serve('valid');
    const out = await handshake(port);
    expect(out.data.problems.map((p) => p.code)).toEqual(['CERT_UNTRUSTED_ROOT']);
    expect(out.error?.code).toBe('CERT_UNTRUSTED_ROOT');
    expect(out.data.authorized).toBe(false);
    out.socket!.destroy();
    const none = await handshake(port, { verify: 'none' });
    expect(none.error).toBeUndefined();
    expect(none.data.verifyPassed).toBe(true);
    none.socket!.destroy();
    await settle();
  });

  it('a shared TrustStore (reused TLS context) gives the same verdicts as building one per handshake', async () => {
    const port = await serve('valid');
    const store = TrustStore.from([pki.rootPem]);
    for (let i = 0; i < 2; i++) {
      const out = await handshake(port, { ca: [pki.rootPem], trustStore: store });
      expect(out.data.problems).toEqual([]);
      expect(out.data.authorized).toBe(true); // OpenSSL's own verdict used the --ca too
      out.socket!.destroy();
    }
    // a store made for other roots is ignored: --ca still counts
    const other = TrustStore.from([]);
    const out = await handshake(port, { ca: [pki.rootPem], trustStore: other });
    expect(out.data.authorized).toBe(true);
    expect(out.data.problems).toEqual([]);
    out.socket!.destroy();
    await settle();
  });

  it('expired AND wrong host: both codes; the error names the expiry', async () => {
    const port = await serve('expired');
    const out = await handshake(port, { ca: [pki.rootPem], servername: 'other.example.test' });
    expect(out.data.problems.map((p) => p.code).sort()).toEqual(['CERT_EXPIRED', 'CERT_HOSTNAME_MISMATCH']);
    expect(out.error?.code).toBe('CERT_EXPIRED');
    out.socket!.destroy();
    await settle();
  });

  it('an IP literal is matched against SAN iPAddress (and no SNI is sent)', async () => {
    let sni: string | false | null | undefined;
    const c = await pki.issue('valid', { hostnames: [HOST, '127.0.0.1'] });
    const server = tlsServer({ key: c.keyPem, cert: c.chainPem }, (s) => {
      sni = s.servername;
      s.end();
    });
    const port = await listen(server);
    const out = await handshake(port, { ca: [pki.rootPem], servername: '127.0.0.1' });
    expect(out.data.problems).toEqual([]);
    await firstRead(out.socket!);
    expect(sni).toBeFalsy();
    out.socket!.destroy();
    await settle();
  });

  it('STARTTLS: works on a socket the caller paused after reading `220 Ready to start TLS`', async () => {
    const c = await pki.issue('valid', { hostnames: [HOST] });
    const context = tls.createSecureContext({ key: c.keyPem, cert: c.chainPem });
    const port = await listen(net.createServer((sock) => {
      sock.on('error', () => undefined);
      sock.write('220 mail.example.test ESMTP\r\n');
      sock.once('data', () => {
        sock.write('220 2.0.0 Ready to start TLS\r\n');
        const secure = new tls.TLSSocket(sock, { isServer: true, secureContext: context });
        secure.on('error', () => undefined);
        secure.on('secure', () => secure.end('250 ok\r\n'));
      });
    }));
    const raw = await connectRaw(port);
    const readLine = (): Promise<string> => new Promise((resolve) => {
      raw.once('data', (d: Buffer) => {
        raw.pause();
        resolve(d.toString());
      });
      raw.resume();
    });
    expect(await readLine()).toMatch(/^220 /);
    raw.write('STARTTLS\r\n');
    expect(await readLine()).toMatch(/^220 2\.0\.0/);
    expect(raw.isPaused()).toBe(true);
    const out = await tlsHandshake(raw, opts({ mode: 'starttls', ca: [pki.rootPem] }), Deadline.after(5000, 'tls'));
    expect(out.error).toBeUndefined();
    expect(await firstRead(out.socket!)).toEqual({ data: '250 ok\r\n' });
    out.socket!.destroy();
    await settle();
  });

  it('sends SNI for a DNS name', async () => {
    let sni: string | false | null | undefined;
    const c = await pki.issue('valid', { hostnames: [HOST] });
    const port = await listen(tlsServer({ key: c.keyPem, cert: c.chainPem }, (s) => {
      sni = s.servername;
      s.end();
    }));
    const out = await handshake(port, { ca: [pki.rootPem] });
    await firstRead(out.socket!);
    expect(sni).toBe(HOST);
    out.socket!.destroy();
    await settle();
  });
});

describe('tlsHandshake failures', () => {
  let pki: TestPki;
  let cert: { keyPem: string; chainPem: string };
  beforeAll(async () => {
    pki = await createTestPki();
    cert = await pki.issue('valid', { hostnames: [HOST] });
  });

  it('server allows only TLS 1.3, client at most 1.2: TLS_VERSION_MISMATCH, socket destroyed', async () => {
    const base = tcpHandles();
    const port = await listen(tlsServer({ key: cert.keyPem, cert: cert.chainPem, minVersion: 'TLSv1.3' }));
    const out = await handshake(port, { ca: [pki.rootPem], maxVersion: 'TLSv1.2' });
    expect(out.socket).toBeUndefined();
    expect(out.error?.code).toBe('TLS_VERSION_MISMATCH');
    expect(out.data.alert).toBe('protocol_version');
    await settle();
    expect(tcpHandles()).toBe(base); // the listening server is a TCPServerWrap, not counted
  });

  it('server at most TLS 1.2, client at least 1.3: TLS_VERSION_MISMATCH', async () => {
    const port = await listen(tlsServer({ key: cert.keyPem, cert: cert.chainPem, maxVersion: 'TLSv1.2' }));
    const out = await handshake(port, { ca: [pki.rootPem], minVersion: 'TLSv1.3' });
    expect(out.error?.code).toBe('TLS_VERSION_MISMATCH');
    await settle();
  });

  describe('client certificates', () => {
    async function mtlsServer(maxVersion: tls.SecureVersion): Promise<number> {
      return listen(tlsServer({
        key: cert.keyPem, cert: cert.chainPem, maxVersion, requestCert: true, rejectUnauthorized: true, ca: [pki.clientCaPem],
      }, (s) => s.end('220 ok\r\n')));
    }

    it('TLS 1.2 server, no client cert: CLIENT_CERT_REQUIRED during the handshake (handshake_failure after CertificateRequest)', async () => {
      const port = await mtlsServer('TLSv1.2');
      const out = await handshake(port, { ca: [pki.rootPem] });
      expect(out.socket).toBeUndefined();
      expect(out.error?.code).toBe('CLIENT_CERT_REQUIRED');
      expect(out.data.alert).toBe('handshake_failure');
      expect(out.data.protocol).toBe('TLSv1.2');
      expect(out.data.clientCertSent).toBe(false);
      await settle();
    });

    it('TLS 1.3 server, no client cert: handshake completes, the first read gets certificate_required → CLIENT_CERT_REQUIRED', async () => {
      const port = await mtlsServer('TLSv1.3');
      const out = await handshake(port, { ca: [pki.rootPem] });
      expect(out.socket).toBeDefined();
      expect(out.data.protocol).toBe('TLSv1.3');
      const read = await firstRead(out.socket!);
      expect(read.error).toBeDefined();
      const c = classifyTlsError(read.error, 'after-handshake');
      expect(c.code).toBe('CLIENT_CERT_REQUIRED');
      expect(c.alert).toBe('certificate_required');
      out.socket!.destroy();
      await settle();
    });

    it('TLS 1.2 Node server, untrusted client cert: it hangs up without an alert → CLIENT_CERT_REJECTED', async () => {
      const port = await mtlsServer('TLSv1.2');
      const client = await pki.issueClient('relay', { untrusted: true });
      const out = await handshake(port, { ca: [pki.rootPem], clientCert: client.chainPem, clientKey: client.keyPem });
      if (out.socket) {
        // Node's server checks the certificate only after its own Finished, so the client may
        // have completed first; then the drop shows on the first read.
        const read = await firstRead(out.socket);
        expect(read.data).toBeUndefined();
        out.socket.destroy();
      } else {
        expect(out.error?.code).toBe('CLIENT_CERT_REJECTED');
        expect(out.data.clientCertSent).toBe(true);
        expect(out.data.protocol).toBe('TLSv1.2');
      }
    });

    it('TLS 1.3 Node server, untrusted client cert: handshake completes, then the server drops the connection', async () => {
      const port = await mtlsServer('TLSv1.3');
      const client = await pki.issueClient('relay', { untrusted: true });
      const out = await handshake(port, { ca: [pki.rootPem], clientCert: client.chainPem, clientKey: client.keyPem });
      expect(out.socket).toBeDefined();
      expect(out.data.clientCertSent).toBe(true);
      const read = await firstRead(out.socket!);
      expect(read.data).toBeUndefined();
      if (read.error) expect(classifyTlsError(read.error, 'after-handshake').code).toBe('CONNECTION_DROPPED');
      out.socket!.destroy();
    });

    it.each(['TLSv1.2', 'TLSv1.3'] as const)('%s server, trusted client cert: accepted', async (v) => {
      const port = await mtlsServer(v);
      const client = await pki.issueClient('relay');
      const out = await handshake(port, { ca: [pki.rootPem], clientCert: client.chainPem, clientKey: client.keyPem });
      expect(out.error).toBeUndefined();
      expect(out.data.clientCertSent).toBe(true);
      expect(await firstRead(out.socket!)).toEqual({ data: '220 ok\r\n' });
      out.socket!.destroy();
      await settle();
    });
  });

  it('plaintext SMTP server on an implicit-TLS probe: NOT_SMTP, quoting what it said', async () => {
    const port = await listen(net.createServer((s) => {
      s.on('error', () => undefined);
      s.resume(); // read, so that the client's close is seen
      s.end('220 mail.example.test ESMTP Postfix\r\n');
    }));
    const out = await handshake(port);
    expect(out.socket).toBeUndefined();
    expect(out.error?.code).toBe('NOT_SMTP');
    expect(out.error?.message).toContain('220 mail.example.test ESMTP');
    await settle();
  });

  it('observe: false — a failure is marked unobserved, and only the observed handshake sees the CertificateRequest', async () => {
    const c = await pki.issue('valid', { hostnames: [HOST] });
    const port = await listen(tlsServer({ key: c.keyPem, cert: c.chainPem, maxVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: true, ca: [pki.clientCaPem] }, (s) => s.end()));
    const blind = await handshake(port, { ca: [pki.rootPem], observe: false });
    expect(blind.socket).toBeUndefined();
    expect(blind.unobserved).toBe(true);
    expect(blind.error?.code).not.toBe('CLIENT_CERT_REQUIRED'); // a bare handshake_failure alert
    const seen = await handshake(port, { ca: [pki.rootPem] });
    expect(seen.unobserved).toBeUndefined();
    expect(seen.error?.code).toBe('CLIENT_CERT_REQUIRED');
    await settle();
  });

  it('silent server: PHASE_TIMEOUT by the deadline, socket destroyed', async () => {
    const base = tcpHandles();
    const port = await listen(net.createServer((s) => s.on('error', () => undefined).resume()));
    const out = await handshake(port, {}, 200);
    expect(out.error?.code).toBe('PHASE_TIMEOUT');
    expect(out.socket).toBeUndefined();
    await settle();
    expect(tcpHandles()).toBe(base);
  });

  it('already-expired deadline: PHASE_TIMEOUT without a handshake, socket destroyed', async () => {
    const port = await listen(net.createServer((s) => s.on('error', () => undefined).resume()));
    const raw = await connectRaw(port);
    const out = await tlsHandshake(raw, opts(), Deadline.after(0, 'tls'));
    expect(out.error?.code).toBe('PHASE_TIMEOUT');
    expect(raw.destroyed).toBe(true);
    await settle();
  });

  it('probe cancelled (abort signal): PHASE_TIMEOUT, socket destroyed', async () => {
    const port = await listen(net.createServer((s) => s.on('error', () => undefined).resume()));
    const ac = new AbortController();
    const raw = await connectRaw(port);
    const pending = tlsHandshake(raw, opts(), Deadline.after(10_000, 'tls', undefined, ac.signal));
    setTimeout(() => ac.abort(), 20);
    const out = await pending;
    expect(out.error?.code).toBe('PHASE_TIMEOUT');
    expect(raw.destroyed).toBe(true);
    await settle();
  });

  it('a client key that does not match the client certificate: an error result, not a throw', async () => {
    const port = await listen(net.createServer((s) => s.on('error', () => undefined).resume()));
    const a = await pki.issueClient('a');
    const b = await pki.issueClient('b');
    const raw = await connectRaw(port);
    const out = await tlsHandshake(raw, opts({ clientCert: a.certPem, clientKey: b.keyPem }), Deadline.after(2000, 'tls'));
    expect(out.error?.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(out.error?.message).toMatch(/cannot set up the TLS client/);
    expect(raw.destroyed).toBe(true);
  });

  it('server closes during the handshake: TLS_HANDSHAKE_FAILED', async () => {
    const port = await listen(net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.destroy());
    }));
    const out = await handshake(port);
    expect(out.error?.code).toBe('TLS_HANDSHAKE_FAILED');
    await settle();
  });
});

describe('classifyTlsError', () => {
  const sslError = (code: string, reason: string): Error => Object.assign(new Error(`error:0A000000:SSL routines::${reason}`), { code, reason });
  it.each([
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'tlsv1 alert protocol version', 'TLS_VERSION_MISMATCH', 'protocol_version'],
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', 'unsupported protocol', 'TLS_VERSION_MISMATCH', undefined],
    ['ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'no protocols available', 'TLS_VERSION_MISMATCH', undefined],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required', 'CLIENT_CERT_REQUIRED', 'certificate_required'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca', 'CLIENT_CERT_REJECTED', 'unknown_ca'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'sslv3 alert bad certificate', 'CLIENT_CERT_REJECTED', 'bad_certificate'],
    ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'sslv3 alert certificate unknown', 'CLIENT_CERT_REJECTED', 'certificate_unknown'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number', 'NOT_SMTP', undefined],
    ['ERR_SSL_PACKET_LENGTH_TOO_LONG', 'packet length too long', 'NOT_SMTP', undefined],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'sslv3 alert handshake failure', 'TLS_HANDSHAKE_FAILED', 'handshake_failure'],
  ])('%s → %s', (code, reason, want, alert) => {
    const c = classifyTlsError(sslError(code, reason), 'after-handshake');
    expect(c.code).toBe(want);
    expect(c.alert).toBe(alert);
  });
  it('a reset is a failed handshake', () => {
    expect(classifyTlsError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'handshake').code).toBe('TLS_HANDSHAKE_FAILED');
  });
});
