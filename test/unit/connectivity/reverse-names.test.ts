import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reverseNames } from '../../../src/probe/path/reverse-names.js';
import { startDnsResponder } from './dns-responder.js';

let dns: Awaited<ReturnType<typeof startDnsResponder>>;
beforeAll(async () => {
  dns = await startDnsResponder({
    '1.0.0.10.in-addr.arpa': { PTR: 'r1.path.test' },
    '2.0.0.10.in-addr.arpa': { silent: true },
  });
});
afterAll(() => dns.close());

describe('reverseNames', () => {
  it('names hops with a PTR record and leaves the others out', async () => {
    const names = await reverseNames(['10.0.0.1', '10.0.0.3'], { server: dns.server, timeoutMs: 1000 });
    expect([...names]).toEqual([['10.0.0.1', 'r1.path.test']]);
  });

  it('gives up at its bound when the resolver does not answer, keeping what it has', async () => {
    const names = await reverseNames(['10.0.0.1', '10.0.0.2'], { server: dns.server, timeoutMs: 300 });
    expect(names.get('10.0.0.1')).toBe('r1.path.test');
    expect(names.has('10.0.0.2')).toBe(false);
  });
});
