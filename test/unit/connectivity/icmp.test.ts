import { describe, expect, it } from 'vitest';
import { Deadline, systemClock } from '../../../src/model/deadline.js';
import type { IcmpData } from '../../../src/model/step-data.js';
import { createIcmpStep, type SystemPing } from '../../../src/probe/icmp.js';
import type { OpenPinger } from '../../../src/probe/path/pinger.js';
import { pathTarget } from '../../../src/config/path-target.js';
import type { SessionContext } from '../../../src/probe/step.js';
import { TranscriptRecorder } from '../../../src/probe/transcript.js';
import { fakeNetwork, notPermitted, type FakeRoute } from './fake-network.js';

function target(count: number, icmp: 'auto' | 'off' = 'auto') {
  const t = pathTarget('10.0.1.2', { pathCount: 1, pathMaxHops: 1, pathIntervalMs: 1, totalMs: 10_000, names: false });
  t.connectivity.icmp = icmp;
  t.connectivity.icmpCount = count;
  return t;
}
const ctx = (): SessionContext => ({ transcript: new TranscriptRecorder(systemClock), clock: systemClock, signal: new AbortController().signal, state: {}, results: [] });
const route = (over: Partial<FakeRoute> = {}): FakeRoute => ({ hops: [{ address: '10.0.0.1' }], destination: '10.0.1.2', ...over });

describe('icmpStep', () => {
  it('pings icmpCount times and reports loss and RTT statistics', async () => {
    const net = fakeNetwork(route());
    const r = await createIcmpStep(net.open)(target(3), ctx(), Deadline.after(10_000, 'icmp'));
    expect(r.status).toBe('pass');
    const d = r.data as IcmpData;
    expect([d.address, d.sent, d.received, d.lossPct]).toEqual(['10.0.1.2', 3, 3, 0]);
    expect(d.rttMs).toEqual({ min: 1, avg: 1, max: 1, stddev: 0, p95: 1 });
    expect(d.backend).toBe('raw-socket');
  });

  it('partial loss is a warning without an error code', async () => {
    const net = fakeNetwork(route({ hops: [{ address: '10.0.0.1', forwardLoss: { drop: 1, every: 2 } }] }));
    const r = await createIcmpStep(net.open)(target(4), ctx(), Deadline.after(10_000, 'icmp'));
    expect(r.status).toBe('warn');
    expect(r.error).toBeUndefined();
    expect((r.data as IcmpData).lossPct).toBe(50);
  });

  it('no reply at all: warn ICMP_NO_REPLY', async () => {
    const net = fakeNetwork(route({ destinationSilent: true }));
    const r = await createIcmpStep(net.open)(target(2), ctx(), Deadline.after(10_000, 'icmp'));
    expect(r.status).toBe('warn');
    expect(r.error?.code).toBe('ICMP_NO_REPLY');
    expect((r.data as IcmpData).rttMs).toBeNull();
  });

  it('without raw-socket privilege: warn ICMP_NOT_PERMITTED, and the message holds the exact fix', async () => {
    const r = await createIcmpStep(notPermitted)(target(3), ctx(), Deadline.after(10_000, 'icmp'));
    expect(r.status).toBe('warn');
    expect(r.error?.code).toBe('ICMP_NOT_PERMITTED');
  });

  it('is skipped when turned off', async () => {
    const net = fakeNetwork(route());
    const r = await createIcmpStep(net.open)(target(3, 'off'), ctx(), Deadline.after(10_000, 'icmp'));
    expect(r.status).toBe('skip');
    expect(net.sent).toEqual([]);
  });

  describe('system ping fallback', () => {
    const notInstalled: OpenPinger = () => ({ ok: false, notPermitted: false, notInstalled: true, message: 'the raw-socket ICMP backend (net-ping) is not installed' });
    const calls: { address: string; count: number }[] = [];
    const systemPing: SystemPing = async (address, _family, opts) => {
      calls.push({ address, count: opts.count });
      return { ok: true, sent: opts.count, received: 2, rttsMs: [4, 6] };
    };

    it('net-ping not installed: the system ping sends the echoes, and the data names the backend', async () => {
      calls.length = 0;
      const r = await createIcmpStep(notInstalled, systemPing)(target(3), ctx(), Deadline.after(10_000, 'icmp'));
      expect(calls).toEqual([{ address: '10.0.1.2', count: 3 }]);
      expect(r.status).toBe('warn');
      expect(r.error).toBeUndefined();
      const d = r.data as IcmpData;
      expect([d.backend, d.sent, d.received, d.lossPct, d.rttMs?.avg]).toEqual(['system-ping', 3, 2, 33.3, 5]);
      expect(d.fallbackReason).toMatch(/not installed/);
    });

    it('no raw-socket privilege: the system ping too', async () => {
      const r = await createIcmpStep(notPermitted, async () => ({ ok: true, sent: 2, received: 2, rttsMs: [1, 1] }))(target(2), ctx(), Deadline.after(10_000, 'icmp'));
      expect(r.status).toBe('pass');
      expect((r.data as IcmpData).backend).toBe('system-ping');
    });

    it('the system ping answering nothing is ICMP_NO_REPLY, as with raw sockets', async () => {
      const r = await createIcmpStep(notInstalled, async () => ({ ok: true, sent: 3, received: 0, rttsMs: [] }))(target(3), ctx(), Deadline.after(10_000, 'icmp'));
      expect(r.error?.code).toBe('ICMP_NO_REPLY');
      expect((r.data as IcmpData).backend).toBe('system-ping');
    });

    it('a source address: the raw backend is asked for it, and where it cannot send from it the system ping gets it', async () => {
      const asked: (string | undefined)[] = [];
      const unsupported: OpenPinger = (_family, source) => {
        asked.push(source);
        return { ok: false, notPermitted: false, sourceUnsupported: true, message: 'sending raw ICMP from a chosen source address is implemented for Linux only (this is darwin)' };
      };
      const sources: (string | undefined)[] = [];
      const t = target(2);
      t.connectivity.sourceAddress = '127.0.0.2';
      const r = await createIcmpStep(unsupported, async (_a, _f, opts) => {
        sources.push(opts.source);
        return { ok: true, sent: 2, received: 2, rttsMs: [1, 1] };
      })(t, ctx(), Deadline.after(10_000, 'icmp'));
      expect(asked).toEqual(['127.0.0.2']);
      expect(sources).toEqual(['127.0.0.2']);
      expect((r.data as IcmpData).backend).toBe('system-ping');
    });

    it('a source address this host does not have: the step fails with the words TCP uses, and no backend is opened', async () => {
      let opened = 0;
      const t = target(2);
      t.connectivity.sourceAddress = '192.0.2.7';
      const r = await createIcmpStep(() => {
        opened++;
        return { ok: false, notPermitted: true, message: 'x' };
      }, async () => {
        opened++;
        return { ok: false, message: 'x' };
      })(t, ctx(), Deadline.after(10_000, 'icmp'));
      expect(opened).toBe(0);
      expect(r.status).toBe('fail');
      expect(r.error?.code).toBe('HOST_UNREACHABLE');
      expect(r.error?.message).toMatch(/^cannot send from source address 192\.0\.2\.7 \(EADDRNOTAVAIL: not an address of this host\)$/);
    });

    it('neither backend can send: warn ICMP_NOT_PERMITTED naming both reasons', async () => {
      const r = await createIcmpStep(notInstalled, async () => ({ ok: false, message: 'system ping could not run (ping): spawn ping ENOENT' }))(target(3), ctx(), Deadline.after(10_000, 'icmp'));
      expect(r.status).toBe('warn');
      expect(r.error?.code).toBe('ICMP_NOT_PERMITTED');
      expect(r.error?.message).toMatch(/not installed.*spawn ping ENOENT/);
    });
  });
});
