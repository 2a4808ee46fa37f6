import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deadline, systemClock } from '../../../src/model/deadline.js';
import type { DnsData } from '../../../src/model/step-data.js';
import { dnsStep, interleave, systemPrefersV6 } from '../../../src/probe/dns.js';
import { pathTarget } from '../../../src/config/path-target.js';
import type { SessionContext } from '../../../src/probe/step.js';
import { TranscriptRecorder } from '../../../src/probe/transcript.js';
import { startDnsResponder } from './dns-responder.js';

let dns: Awaited<ReturnType<typeof startDnsResponder>>;

beforeAll(async () => {
  dns = await startDnsResponder({
    'relay.test': { A: ['192.0.2.10', '192.0.2.11'], AAAA: ['2001:db8::10', '2001:db8::11'] },
    'v4only.test': { A: ['192.0.2.20'] },
    'mx-only.test': { MX: [{ preference: 20, exchange: 'b.mx.test' }, { preference: 10, exchange: 'a.mx.test' }] },
    'slow.test': { silent: true },
  });
});
afterAll(() => dns.close());

function ctx(): SessionContext {
  return { transcript: new TranscriptRecorder(systemClock), clock: systemClock, signal: new AbortController().signal, state: {}, results: [] };
}

async function resolve(host: string, opts: { mx?: string; server?: string | null; ms?: number } = {}) {
  const target = pathTarget(host, { pathCount: 1, pathMaxHops: 1, pathIntervalMs: 1, totalMs: 5000, names: false });
  if (opts.server !== null) target.connectivity.dnsServer = opts.server ?? dns.server;
  if (opts.mx) target.connectivity.mx = opts.mx;
  const c = ctx();
  const result = await dnsStep(target, c, Deadline.after(opts.ms ?? 3000, 'dns'));
  return { result, data: result.data as DnsData, state: c.state };
}

describe('interleave (RFC 8305 §4)', () => {
  const a = (address: string, family: 4 | 6) => ({ address, family });
  it('alternates families starting with the preferred one', () => {
    const list = [a('1', 4), a('2', 4), a('3', 4), a('x', 6)];
    expect(interleave(list, 6).map((x) => x.address)).toEqual(['x', '1', '2', '3']);
    expect(interleave(list, 4).map((x) => x.address)).toEqual(['1', 'x', '2', '3']);
  });
});

describe('dnsStep against a local DNS responder', () => {
  it('resolves A and AAAA, interleaved in the order the system prefers, into ctx.state.addresses', async () => {
    const { result, data, state } = await resolve('relay.test');
    expect(result.status).toBe('pass');
    const expected = systemPrefersV6()
      ? ['2001:db8::10', '192.0.2.10', '2001:db8::11', '192.0.2.11']
      : ['192.0.2.10', '2001:db8::10', '192.0.2.11', '2001:db8::11'];
    expect(data.addresses.map((x) => x.address)).toEqual(expected);
    expect(state.addresses).toEqual(expected);
    expect(data.resolver).toBe(dns.server);
    expect(dns.queries).toEqual(expect.arrayContaining(['relay.test/1', 'relay.test/28']));
  });

  it('a DNS server address where nothing answers DNS: DNS_SERVER_REFUSED, not a timeout', async () => {
    const { freePort } = await import('../../support/wait-port.js');
    const { result } = await resolve('relay.test', { server: `127.0.0.1:${await freePort()}` });
    expect(result.status).toBe('fail');
    expect(result.error?.code).toBe('DNS_SERVER_REFUSED');
    expect(result.error?.message).toMatch(/connection refused: no DNS server listens there/);
  });

  it('accepts a name with only an A record', async () => {
    const { result, data } = await resolve('v4only.test');
    expect(result.status).toBe('pass');
    expect(data.addresses).toEqual([{ address: '192.0.2.20', family: 4 }]);
  });

  it('DNS_NXDOMAIN for a name that does not exist', async () => {
    const { result } = await resolve('nope.test');
    expect(result.status).toBe('fail');
    expect(result.error?.code).toBe('DNS_NXDOMAIN');
  });

  it('DNS_NO_ADDRESS for a name without A or AAAA', async () => {
    const { result } = await resolve('mx-only.test');
    expect(result.status).toBe('fail');
    expect(result.error?.code).toBe('DNS_NO_ADDRESS');
  });

  it('DNS_TIMEOUT when the server never answers, within the deadline', async () => {
    const { result } = await resolve('slow.test', { ms: 400 });
    expect(result.status).toBe('fail');
    expect(result.error?.code).toBe('DNS_TIMEOUT');
  });

  it('looks up MX records of --mx, lowest preference first', async () => {
    const { result, data } = await resolve('relay.test', { mx: 'mx-only.test' });
    expect(result.status).toBe('pass');
    expect(data.mx).toEqual([{ exchange: 'a.mx.test', priority: 10 }, { exchange: 'b.mx.test', priority: 20 }]);
  });

  it('warns when the MX domain has no MX, but keeps the addresses', async () => {
    const { result, data } = await resolve('relay.test', { mx: 'v4only.test' });
    expect(result.status).toBe('warn');
    expect(result.error?.code).toBe('DNS_NO_ADDRESS');
    expect(data.addresses.length).toBe(4);
  });

  it('resolves an IP literal to itself without a query', async () => {
    const before = dns.queries.length;
    const { result, data, state } = await resolve('2001:db8::1');
    expect(result.status).toBe('pass');
    expect(data.addresses).toEqual([{ address: '2001:db8::1', family: 6 }]);
    expect(state.addresses).toEqual(['2001:db8::1']);
    expect(dns.queries.length).toBe(before);
  });

  it('uses the system resolver (and /etc/hosts) without --dns-server', async () => {
    const { result, data } = await resolve('localhost', { server: null });
    expect(result.status).toBe('pass');
    expect(data.resolver).toBe('system');
    expect(data.addresses.some((x) => x.address === '127.0.0.1' || x.address === '::1')).toBe(true);
  });
});
