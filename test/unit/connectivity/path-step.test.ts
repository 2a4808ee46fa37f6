import { describe, expect, it } from 'vitest';
import { Deadline, systemClock } from '../../../src/model/deadline.js';
import type { PathData } from '../../../src/model/step-data.js';
import { pathFindings } from '../../../src/diagnose/path-rules.js';
import { createPathStep, sampleTimeoutMs } from '../../../src/probe/path/path-step.js';
import { pathTarget } from '../../../src/config/path-target.js';
import type { SessionContext } from '../../../src/probe/step.js';
import { TranscriptRecorder } from '../../../src/probe/transcript.js';
import { fakeNetwork, notPermitted, type FakeHop } from './fake-network.js';

const ROUTERS = ['10.0.0.1', '10.0.1.1', '10.0.2.1'];
const DEST = '10.0.3.2';

function ctx(): SessionContext {
  return { transcript: new TranscriptRecorder(systemClock), clock: systemClock, signal: new AbortController().signal, state: {}, results: [] };
}

async function runPath(over: Partial<Record<number, Partial<FakeHop>>> = {}, count = 100) {
  const net = fakeNetwork({ hops: ROUTERS.map((address, i) => ({ address, ...(over[i] ?? {}) })), destination: DEST });
  const target = pathTarget(DEST, { pathCount: count, pathMaxHops: 8, pathIntervalMs: 1, totalMs: 20_000, names: false });
  const result = await createPathStep(net.open)(target, ctx(), Deadline.after(20_000, 'path'));
  return { result, data: result.data as PathData, findings: pathFindings([result]), sent: net.sent };
}

describe('pathStep over a fake network', () => {
  it('measures every hop and the destination, count samples each', async () => {
    const { result, data } = await runPath();
    expect(result.status).toBe('pass');
    expect(data.reached).toBe(true);
    expect(data.hops.map((h) => [h.ttl, h.address, h.sent, h.received])).toEqual([
      [1, ROUTERS[0], 100, 100], [2, ROUTERS[1], 100, 100], [3, ROUTERS[2], 100, 100], [4, DEST, 100, 100],
    ]);
    expect(data.hops[1]?.rttMs?.avg).toBeCloseTo(1, 5);
  });

  it('samples hops by echo to their own address, without TTL limits', async () => {
    const { sent } = await runPath();
    const samples = sent.filter((s) => s.ttl === undefined);
    expect(new Set(samples.map((s) => s.address))).toEqual(new Set([...ROUTERS, DEST]));
    expect(samples.length).toBe(400);
  });

  it('splits forwarding loss after hop 2 onto hop 2s link and finds PATH_LOSS there', async () => {
    const { result, data, findings } = await runPath({ 1: { forwardLoss: { drop: 1, every: 5 } } });
    expect(result.status).toBe('warn');
    expect(data.hops.map((h) => h.sourceLossPct)).toEqual([0, 0, 20, 20]);
    expect(data.hops.map((h) => h.linkLossPct)).toEqual([0, 20, 0, 0]);
    const loss = findings.find((f) => f.code === 'PATH_LOSS');
    expect(loss?.evidence[0]).toContain(`from hop 2 ${ROUTERS[1]} to hop 3 ${ROUTERS[2]}`);
    expect(loss?.severity).toBe('warning');
    expect(findings.map((f) => f.code)).toEqual(['PATH_LOSS']);
  });

  it('calls a hop that drops its own answers but forwards fine HOP_RATE_LIMITED', async () => {
    // like a token-bucket limiter: a burst of 3 answers passes, then 7 of every 10 are dropped
    const { data, findings } = await runPath({ 1: { ownLoss: { drop: 7, every: 10, offset: 7 } } });
    expect(data.hops[1]?.address).toBe(ROUTERS[1]);
    expect(data.hops[1]?.lossPct).toBeGreaterThanOrEqual(60);
    expect(data.hops[1]?.linkLossPct).toBe(0);
    expect(findings.map((f) => f.code)).toEqual(['HOP_RATE_LIMITED']);
    expect(findings[0]?.evidence[0]).toContain(ROUTERS[1]);
  });

  it('fails with HOST_UNREACHABLE naming the hop that said so', async () => {
    const { result, data, findings } = await runPath({ 1: { rejects: true } }, 10);
    expect(result.status).toBe('fail');
    expect(result.error?.code).toBe('HOST_UNREACHABLE');
    expect(result.error?.message).toContain(ROUTERS[1]);
    expect(data.unreachable).toEqual({ ttl: 2, address: ROUTERS[1] });
    expect(findings[0]?.code).toBe('HOST_UNREACHABLE');
    expect(findings[0]?.severity).toBe('critical');
  });

  it('warns ICMP_NO_REPLY when answers stop (blackhole), naming the last hop that answered', async () => {
    const { result, data, findings } = await runPath({ 1: { blackhole: true } }, 10);
    expect(result.status).toBe('warn');
    expect(result.error?.code).toBe('ICMP_NO_REPLY');
    expect(result.error?.message).toContain(ROUTERS[1]);
    expect(data.hops.at(-1)).toMatchObject({ address: null, received: 0 });
    expect(findings.map((f) => f.code)).toEqual(['ICMP_NO_REPLY']);
  });

  it('without raw-socket privilege: warn ICMP_NOT_PERMITTED with the exact fix', async () => {
    const target = pathTarget(DEST, { pathCount: 10, pathMaxHops: 8, pathIntervalMs: 1, totalMs: 5000, names: false });
    const result = await createPathStep(notPermitted)(target, ctx(), Deadline.after(5000, 'path'));
    expect(result.status).toBe('warn');
    expect(result.error?.code).toBe('ICMP_NOT_PERMITTED');
    const [finding] = pathFindings([result]);
    expect(finding?.fix.join(' ')).toContain('sudo setcap cap_net_raw+ep $(readlink -f $(which node))');
  });

  it('is skipped when there is no address to probe', async () => {
    const net = fakeNetwork({ hops: [], destination: DEST });
    const target = pathTarget('relay.invalid', { pathCount: 10, pathMaxHops: 8, pathIntervalMs: 1, totalMs: 5000, names: false });
    const result = await createPathStep(net.open)(target, ctx(), Deadline.after(5000, 'path'));
    expect(result.status).toBe('skip');
    expect(net.sent).toEqual([]);
  });

  it('probes the first address the DNS step left in ctx.state.addresses', async () => {
    const net = fakeNetwork({ hops: [{ address: '10.9.0.1' }], destination: '10.9.1.2' });
    const target = pathTarget('relay.example', { pathCount: 5, pathMaxHops: 4, pathIntervalMs: 1, totalMs: 5000, names: false });
    const c = ctx();
    c.state.addresses = ['10.9.1.2', '10.9.1.3'];
    const result = await createPathStep(net.open)(target, c, Deadline.after(5000, 'path'));
    expect((result.data as PathData).address).toBe('10.9.1.2');
    expect((result.data as PathData).reached).toBe(true);
  });
});

describe('sampleTimeoutMs', () => {
  it('is 5x the discovery round trip plus 200 ms, between 250 ms and the cap', () => {
    expect(sampleTimeoutMs(0.1, 1000)).toBe(250);
    expect(sampleTimeoutMs(100, 1000)).toBe(700);
    expect(sampleTimeoutMs(300, 1000)).toBe(1000);
    expect(sampleTimeoutMs(undefined, 1000)).toBe(1000);
  });
});

describe('path step with a source address', () => {
  const target = (source: string) => {
    const t = pathTarget(DEST, { pathCount: 2, pathMaxHops: 4, pathIntervalMs: 1, totalMs: 20_000, names: false });
    t.connectivity.sourceAddress = source;
    return t;
  };

  it('asks the backend for a pinger bound to the source, and the transcript says where the path was measured from', async () => {
    const net = fakeNetwork({ hops: ROUTERS.map((address) => ({ address })), destination: DEST });
    const asked: (string | undefined)[] = [];
    const c = ctx();
    const r = await createPathStep((family, source) => {
      asked.push(source);
      return net.open(family);
    })(target('127.0.0.2'), c, Deadline.after(20_000, 'path'));
    expect(r.status).toBe('pass');
    expect(asked).toEqual(['127.0.0.2']);
    expect(c.transcript.lines.some((l) => l.text.startsWith('path from 127.0.0.2: 10.0.0.1 > '))).toBe(true);
  });

  it('a backend that cannot send from it: no path from another address, a warning saying why', async () => {
    const r = await createPathStep(() => ({ ok: false, notPermitted: false, sourceUnsupported: true, message: 'sending raw ICMP from a chosen source address is implemented for Linux only (this is darwin)' }))(target('127.0.0.2'), ctx(), Deadline.after(20_000, 'path'));
    expect(r.status).toBe('warn');
    expect(r.data).toBeUndefined();
    expect(r.error?.message).toBe('path analysis not run: it must leave from the source address 127.0.0.2, and sending raw ICMP from a chosen source address is implemented for Linux only (this is darwin)');
  });

  it('an address this host does not have: HOST_UNREACHABLE in the words TCP uses, no pinger opened', async () => {
    let opened = 0;
    const r = await createPathStep(() => {
      opened++;
      return { ok: false, notPermitted: true, message: 'x' };
    })(target('192.0.2.7'), ctx(), Deadline.after(20_000, 'path'));
    expect(opened).toBe(0);
    expect(r.error).toEqual({ code: 'HOST_UNREACHABLE', message: 'cannot send from source address 192.0.2.7 (EADDRNOTAVAIL: not an address of this host)' });
  });
});
