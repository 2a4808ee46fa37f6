import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { probe } from '../../src/check.js';
import { resolveTarget } from '../../src/config/resolve-target.js';
import { createTestPki, type IssuedCert, type TestPki } from '../../src/mock/certs/index.js';
import type { Report } from '../../src/model/report.js';
import type { Target } from '../../src/model/target.js';
import { TrustStore, TrustStoreCache } from '../../src/probe/tls/trust-store.js';
import { writeCaFile } from '../support/ca-file.js';
import { VerdictMemory, VERDICT_TTL_MS } from '../../src/probe/tls/verdict-memory.js';

/**
 * The memory of OpenSSL's verdicts (a run probes the same relays again and again): a chain
 * OpenSSL accepted is recalled only when the server presents exactly it again; any other chain
 * is judged by OpenSSL, on a side connection, before a password moves.
 */

const NAME = 'relay.verdict.test';
const USER = 'probe@verdict.test';
const PASS = 'verdict-memory-secret-1';

/**
 * RotatingRelay: just enough of an SMTP submission server (STARTTLS, AUTH PLAIN, QUIT) to
 * probe, presenting the chains it is given in turn, one per connection — a load balancer
 * whose backends carry different certificates, or a certificate renewed between probes. It
 * records, per connection, the chain presented and whether AUTH came.
 */
class RotatingRelay {
  readonly connections: { chain: number; auth: boolean }[] = [];
  readonly #server: net.Server;
  #next = 0;

  constructor(readonly chains: IssuedCert[]) {
    this.#server = net.createServer((socket) => this.#session(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #session(socket: net.Socket): void {
    const record = { chain: this.#next % this.chains.length, auth: false };
    this.#next += 1;
    this.connections.push(record);
    socket.on('error', () => undefined);
    socket.write('220 relay.verdict.test ESMTP\r\n');
    const stop = onLines(socket, (line) => {
      if (/^EHLO /i.test(line)) socket.write('250-relay.verdict.test\r\n250 STARTTLS\r\n');
      else if (/^STARTTLS$/i.test(line)) {
        stop();
        socket.write('220 go ahead\r\n', () => this.#secure(socket, record));
      } else if (/^QUIT$/i.test(line)) socket.end('221 bye\r\n');
      else socket.write('502 no\r\n');
    });
  }

  #secure(raw: net.Socket, record: { chain: number; auth: boolean }): void {
    const cert = this.chains[record.chain] as IssuedCert;
    const s = new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext({ cert: cert.chainPem, key: cert.keyPem }) });
    s.on('error', () => undefined);
    onLines(s, (line) => {
      if (/^EHLO /i.test(line)) s.write('250-relay.verdict.test\r\n250 AUTH PLAIN\r\n');
      else if (/^AUTH PLAIN /i.test(line)) {
        record.auth = true;
        s.write('235 2.7.0 ok\r\n');
      } else if (/^QUIT$/i.test(line)) s.end('221 bye\r\n');
      else s.write('502 no\r\n');
    });
  }
}

/**
 * onLines calls `each` with every CRLF-terminated command line the socket receives until the
 * returned stop function is called (what is left unread then belongs to whoever reads next: a
 * TLS handshake).
 */
function onLines(socket: net.Socket, each: (line: string) => void): () => void {
  let buffered = '';
  let stopped = false;
  const onData = (d: Buffer): void => {
    buffered += d.toString('latin1');
    let i: number;
    while (!stopped && (i = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 2);
      each(line);
    }
  };
  socket.on('data', onData);
  return () => {
    stopped = true;
    socket.off('data', onData);
  };
}

let pkiA: TestPki;
let pkiB: TestPki;
let a1: IssuedCert;
let a2: IssuedCert;
let b1: IssuedCert;
const relays: RotatingRelay[] = [];

beforeAll(async () => {
  [pkiA, pkiB] = await Promise.all([createTestPki(), createTestPki()]);
  [a1, a2, b1] = await Promise.all([
    pkiA.issue('valid', { hostnames: [NAME] }),
    pkiA.issue('valid', { hostnames: [NAME] }),
    pkiB.issue('valid', { hostnames: [NAME] }),
  ]);
});

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
});

async function relay(chains: IssuedCert[]): Promise<{ relay: RotatingRelay; target: Target }> {
  const r = new RotatingRelay(chains);
  relays.push(r);
  const port = await r.listen();
  process.env.VERDICT_MEMORY_PASS = PASS;
  const target = await resolveTarget({
    name: 'verdict', host: '127.0.0.1', port, tls: 'starttls', tlsVerify: 'domain', tlsDomain: NAME, ca: writeCaFile(pkiA.rootPem),
    user: USER, passwordEnv: 'VERDICT_MEMORY_PASS', icmp: false, timeout: 20, phaseTimeout: 10,
  }, { env: process.env, baseDir: process.cwd() });
  return { relay: r, target };
}

/** A TrustStoreCache whose one store is `store`, whatever the target's --ca (the run's cache, made to order). */
function cacheOf(store: TrustStore): TrustStoreCache {
  return { get: () => store } as unknown as TrustStoreCache;
}

function tlsOf(r: Report): { validator?: { chainAccepted: boolean; verifiedAt?: string; error?: string }; verifyPassed: boolean } {
  const s = r.steps.find((x) => x.step === 'tls');
  if (!s || s.step !== 'tls' || !s.data) throw new Error('no tls step');
  return s.data;
}

function authStatus(r: Report): string | undefined {
  return r.steps.find((x) => x.step === 'auth')?.status;
}

describe('OpenSSL verdicts remembered across a run', () => {
  it('recalls OpenSSL\'s acceptance only for the very chain it judged; the first probe judges it', async () => {
    const { relay: r, target } = await relay([a1]);
    const trustStores = new TrustStoreCache();
    const first = await probe(target, { trustStores });
    const second = await probe(target, { trustStores });
    expect(first.verdict).toBe('ok');
    expect(tlsOf(first).validator?.chainAccepted).toBe(true);
    expect(tlsOf(first).validator?.verifiedAt).toBeUndefined();
    expect(second.verdict).toBe('ok');
    expect(tlsOf(second).validator).toMatchObject({ chainAccepted: true, verifiedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(authStatus(second)).toBe('pass');
    expect(second.transcript.some((l) => /OpenSSL accepted this exact chain at .* in this run/.test(l.text))).toBe(true);
    expect(r.connections).toHaveLength(2); // no side connection for a chain already judged
  });

  it('judges a different chain at the same endpoint on a side connection before AUTH (a renewed certificate)', async () => {
    const { relay: r, target } = await relay([a1, a2, a2]);
    const trustStores = new TrustStoreCache();
    expect((await probe(target, { trustStores })).verdict).toBe('ok'); // connection 0: a1, judged, remembered
    const renewed = await probe(target, { trustStores }); // connection 1: a2, not remembered → side connection 2: a2
    expect(renewed.verdict).toBe('ok');
    expect(authStatus(renewed)).toBe('pass');
    expect(tlsOf(renewed).validator).toMatchObject({ chainAccepted: true });
    expect(tlsOf(renewed).validator?.verifiedAt).toBeUndefined();
    expect(renewed.transcript.some((l) => /side connection/.test(l.text))).toBe(true);
    expect(r.connections.map((c) => c.chain)).toEqual([0, 1, 2]);
  });

  it('never sends the password on a remembered verdict when the new chain is one OpenSSL rejects, even if our analysis trusts it', async () => {
    // Our analysis trusts both roots; OpenSSL only A (the store's --ca PEMs): a chain to B is
    // exactly what only OpenSSL's word can stop.
    const store = new TrustStore([new X509Certificate(pkiA.rootPem), new X509Certificate(pkiB.rootPem)], [pkiA.rootPem], false);
    const { relay: r, target } = await relay([a1, b1]);
    const trustStores = cacheOf(store);
    expect((await probe(target, { trustStores })).verdict).toBe('ok'); // connection 0: a1, accepted by both
    const impostor = await probe(target, { trustStores }); // connection 1: b1; side connections until b1 comes again
    expect(impostor.verdict).toBe('critical');
    expect(impostor.findings.map((f) => f.code)).toContain('CERT_VERIFY_FAILED');
    expect(tlsOf(impostor).verifyPassed).toBe(false);
    expect(tlsOf(impostor).validator).toMatchObject({ chainAccepted: false });
    expect(authStatus(impostor)).not.toBe('pass');
    expect(r.connections[1]).toEqual({ chain: 1, auth: false });
    expect(r.connections.filter((c) => c.auth)).toHaveLength(1); // only the first probe's
    // Connection 2 (a side connection) met a1 again, which OpenSSL accepted: recalled by the next probe.
    expect(r.connections.map((c) => c.chain)).toEqual([0, 1, 0, 1]);
    const next = await probe(target, { trustStores });
    expect(next.verdict).toBe('ok');
    expect(tlsOf(next).validator?.verifiedAt).toBeDefined();
    expect(r.connections[4]).toEqual({ chain: 0, auth: true });
  });

  it('without a shared store (one check), OpenSSL judges every handshake', async () => {
    const { relay: r, target } = await relay([a1]);
    const one = await probe(target);
    const two = await probe(target);
    expect([tlsOf(one).validator?.verifiedAt, tlsOf(two).validator?.verifiedAt]).toEqual([undefined, undefined]);
    expect(r.connections.every((c) => c.auth)).toBe(true);
  });
});

describe('OpenSSL with --ca: the --ca certificates alone first, the system roots only when the chain needs them', () => {
  it('a chain to a --ca root is judged in the probe\'s own handshake, against the --ca certificates', async () => {
    const { relay: r, target } = await relay([a1]);
    const report = await probe(target);
    expect(report.verdict).toBe('ok');
    expect(tlsOf(report).validator).toMatchObject({ chainAccepted: true, anchors: 'ca' });
    expect(r.connections).toHaveLength(1);
  });

  it('a chain to a system root while --ca is given gets a second handshake judged with the system roots, then AUTH', async () => {
    // B's root stands for a public root: NODE_EXTRA_CA_CERTS is part of what Node (and so the
    // system tier of the store) trusts; the target's --ca is A.
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = writeCaFile(pkiB.rootPem);
    try {
      const store = TrustStore.from([pkiA.rootPem]);
      const { relay: r, target } = await relay([b1]);
      const report = await probe(target, { trustStores: cacheOf(store) });
      expect(report.verdict).toBe('ok');
      expect(tlsOf(report).validator).toMatchObject({ chainAccepted: true, anchors: 'all' });
      expect(report.transcript.some((l) => /public root/.test(l.text))).toBe(true);
      expect(r.connections).toEqual([{ chain: 0, auth: true }, { chain: 0, auth: false }]);
      // Remembered: the next probe of the run neither asks OpenSSL nor opens a side connection.
      const again = await probe(target, { trustStores: cacheOf(store) });
      expect(tlsOf(again).validator?.verifiedAt).toBeDefined();
      expect(r.connections).toHaveLength(3);
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
  });
});

describe('VerdictMemory', () => {
  const key = 'chain-1';

  it('forgets an acceptance after its time to live or once a certificate of the chain expires', () => {
    const m = new VerdictMemory();
    m.remember('e', key, 1_000, 1_000 + 60_000, '3.0');
    expect(m.expects('e')).toBe(true);
    expect(m.recall(key, 1_000 + 59_999)).toBeDefined();
    expect(m.recall(key, 1_000 + 60_000)).toBeUndefined(); // the certificate expired
    m.remember('e', key, 1_000, Infinity, '3.0');
    expect(m.recall(key, 1_000 + VERDICT_TTL_MS - 1)).toBeDefined();
    expect(m.recall(key, 1_000 + VERDICT_TTL_MS)).toBeUndefined();
  });

  it('does not recall a verdict from the future (the clock went back)', () => {
    const m = new VerdictMemory();
    m.remember('e', key, 10_000, Infinity, '3.0');
    expect(m.recall(key, 9_999)).toBeUndefined();
  });

  it('knows nothing it was not told, and forgets an endpoint on request', () => {
    const m = new VerdictMemory();
    expect(m.expects('e')).toBe(false);
    expect(m.recall(key, 0)).toBeUndefined();
    m.remember('e', key, 0, Infinity, '3.0');
    m.forget('e');
    expect(m.expects('e')).toBe(false);
    expect(m.recall(key, 1)).toBeDefined();
  });
});
