/**
 * probeAllAddresses with an injected probe (nothing reaches the wire but the DNS query to a
 * responder on loopback): how many addresses run at once, that the target's one deadline
 * bounds them all, and that the relay's name (not the address) is checked on the certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeAllAddresses } from '../../../src/all-addresses.js';
import type { Report } from '../../../src/model/report.js';
import type { Target } from '../../../src/model/target.js';
import { startDnsResponder } from '../connectivity/dns-responder.js';
import { FakeClock } from './fake-clock.js';
import { reportFor, target } from './fake-probe.js';

let dns: Awaited<ReturnType<typeof startDnsResponder>>;
beforeAll(async () => {
  dns = await startDnsResponder({ 'pool.test': { A: ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'] } });
});
afterAll(() => dns.close());

function pool(totalMs = 10_000): Target {
  const t = target('pool', 'pool.test');
  t.allAddresses = true;
  t.timeouts = { totalMs, phaseMs: 5_000 };
  t.connectivity.dnsServer = dns.server;
  return t;
}

describe('probeAllAddresses', () => {
  it('runs at most perHost addresses at once and returns one Report with every address', async () => {
    let active = 0;
    let most = 0;
    const seen: Target[] = [];
    const report = await probeAllAddresses(pool(), {
      perHost: 2,
      probeOne: async (t) => {
        seen.push(t);
        active += 1;
        most = Math.max(most, active);
        await new Promise((r) => setImmediate(r));
        active -= 1;
        return reportFor(t, 'ok');
      },
    });
    expect(most).toBe(2);
    expect(report.addresses?.map((a) => a.address)).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14']);
    // Each address is probed as an IP literal, its certificate checked against the relay's name.
    expect(seen.map((t) => [t.host, t.tlsDomain, t.allAddresses])).toContainEqual(['127.0.0.13', 'pool.test', false]);
    expect(report.target.host).toBe('pool.test');
  });

  it("the target's hard deadline bounds all addresses together: each gets what is left", async () => {
    const clock = new FakeClock();
    const budgets: number[] = [];
    await probeAllAddresses(pool(10_000), {
      clock,
      perHost: 1,
      probeOne: async (t): Promise<Report> => {
        budgets.push(t.timeouts.totalMs);
        await clock.advance(3_000);
        return reportFor(t, 'ok');
      },
    });
    expect(budgets).toEqual([10_000, 7_000, 4_000, 1_000]);
  });
});
