import { lookup, Resolver } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import type { Deadline } from '../model/deadline.js';
import type { StepError, StepResultOf } from '../model/report.js';
import type { DnsData } from '../model/step-data.js';
import type { HostTarget } from '../model/target.js';
import { StepTimer, type SessionContext, type Step } from './step.js';
import { ipFamily } from './ip-family.js';

type Address = DnsData['addresses'][number];

/** c-ares error codes (node:dns) that mean "the name does not exist" and "no such record". */
const NXDOMAIN = 'ENOTFOUND';
const NODATA = 'ENODATA';

/**
 * interleave orders addresses the way Happy Eyeballs v2 tries them (RFC 8305 §4): alternate
 * the families, starting with the preferred one, keeping each family's own order.
 */
export function interleave(addresses: readonly Address[], preferred: 4 | 6): Address[] {
  const first = addresses.filter((a) => a.family === preferred);
  const second = addresses.filter((a) => a.family !== preferred);
  const out: Address[] = [];
  for (let i = 0; i < Math.max(first.length, second.length); i++) {
    if (first[i]) out.push(first[i] as Address);
    if (second[i]) out.push(second[i] as Address);
  }
  return out;
}

/**
 * systemPrefersV6 approximates RFC 6724's source-address rule: IPv6 first only when this host
 * has a global IPv6 address to send from (no loopback, link-local or unique-local).
 */
export function systemPrefersV6(): boolean {
  return Object.values(networkInterfaces()).some((list) =>
    (list ?? []).some((i) => i.family === 'IPv6' && !i.internal && !/^(fe80|fc|fd)/i.test(i.address)),
  );
}

/** classify maps failed A and AAAA lookups of one name to a DNS finding code. */
export function classify(host: string, errors: readonly (NodeJS.ErrnoException | undefined)[], resolver: string): StepError {
  const codes = errors.map((e) => e?.code ?? 'unknown');
  if (codes.includes(NXDOMAIN)) return { code: 'DNS_NXDOMAIN', message: `${host}: no such name (NXDOMAIN from ${resolver})` };
  if (codes.every((c) => c === NODATA)) return { code: 'DNS_NO_ADDRESS', message: `${host}: the name exists but has no A or AAAA record (${resolver})` };
  // c-ares: ECONNREFUSED = nothing answers DNS there (ICMP port unreachable); EREFUSED = the server answered REFUSED.
  if (codes.includes('ECONNREFUSED') || codes.includes('EREFUSED')) {
    return { code: 'DNS_SERVER_REFUSED', message: `${host}: ${resolver} refused the query (${codes.includes('EREFUSED') ? 'REFUSED: it does not resolve for this client' : 'connection refused: no DNS server listens there'})` };
  }
  return { code: 'DNS_TIMEOUT', message: `${host}: ${resolver} gave no usable answer (${[...new Set(codes)].join(', ')})` };
}

interface Lookup {
  addresses: Address[];
  error?: StepError;
}

/** viaResolver asks a c-ares resolver for A and AAAA at once. */
async function viaResolver(host: string, resolver: Resolver, label: string): Promise<Lookup> {
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const addresses: Address[] = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
  ];
  if (addresses.length > 0) return { addresses: interleave(addresses, systemPrefersV6() ? 6 : 4) };
  const errs = [v4, v6].map((r) => (r.status === 'rejected' ? (r.reason as NodeJS.ErrnoException) : undefined));
  return { addresses: [], error: classify(host, errs, label) };
}

/**
 * viaSystem uses getaddrinfo (so /etc/hosts and nsswitch apply, and its RFC 6724 sort picks
 * the first family), then interleaves. getaddrinfo cannot tell NXDOMAIN from "no address",
 * so a failure is classified by asking the system's DNS servers directly.
 */
async function viaSystem(host: string, resolver: () => Resolver): Promise<Lookup> {
  try {
    const found = await lookup(host, { all: true, order: 'verbatim' });
    const addresses = found.map((a) => ({ address: a.address, family: a.family === 6 ? (6 as const) : (4 as const) }));
    return { addresses: interleave(addresses, addresses[0]?.family ?? 4) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EAI_AGAIN') return { addresses: [], error: { code: 'DNS_TIMEOUT', message: `${host}: the system resolver could not get an answer (EAI_AGAIN)` } };
    return viaResolver(host, resolver(), 'the system resolver');
  }
}

/** mxLookup resolves the MX records of a domain, lowest preference first (RFC 5321 §5.1). */
async function mxLookup(domain: string, resolver: Resolver, label: string): Promise<{ mx?: DnsData['mx']; error?: StepError }> {
  try {
    const mx = (await resolver.resolveMx(domain)).sort((a, b) => a.priority - b.priority);
    return { mx: mx.map((m) => ({ exchange: m.exchange, priority: m.priority })) };
  } catch (err) {
    const e = classify(domain, [err as NodeJS.ErrnoException], label);
    const message = e.code === 'DNS_NO_ADDRESS' ? `${domain}: the name exists but has no MX record (${label})` : `MX lookup: ${e.message}`;
    return { error: { code: e.code, message } };
  }
}

/**
 * dnsStep resolves the target host: A and AAAA both, ordered for Happy Eyeballs, the MX
 * records of `connectivity.mx` when given, through `connectivity.dnsServer` or the system.
 * An IP literal resolves to itself at once. The ordered addresses go to `ctx.state.addresses`
 * for the TCP step. The whole lookup is bounded by the deadline; the resolver is cancelled
 * when it runs out, so no query outlives the step.
 */
export const dnsStep: Step<'dns', Record<string, unknown>, HostTarget> = async (target: HostTarget, ctx: SessionContext, deadline: Deadline): Promise<StepResultOf<'dns'>> => {
  const timer = new StepTimer('dns', ctx.clock);
  const { host } = target;
  const server = target.connectivity.dnsServer;
  const budget = deadline.remainingMs();
  const label = server !== undefined ? `DNS server ${server}` : 'the system resolver';
  // A c-ares channel costs more to set up than a probe of an IP literal spends on anything else
  // here: it is made only when a question goes to DNS. c-ares backs off (t, 2t, 4t): three tries
  // fit the budget, none waits more than 2 s.
  let made: Resolver | undefined;
  const resolver = (): Resolver => (made ??= new Resolver({ timeout: Math.round(Math.min(2000, Math.max(50, budget / 7))), tries: 3 }));
  if (server !== undefined) {
    try {
      resolver().setServers([server]);
    } catch (err) {
      return timer.done('fail', undefined, { code: 'DNS_TIMEOUT', message: `invalid --dns-server ${server}: ${(err as Error).message}` });
    }
  }

  // One timer and one abort listener, both removed in `finally`, end the lookup at the deadline.
  const stop = AbortSignal.any([ctx.signal, deadline.signal]);
  let expire: unknown;
  let onAbort: (() => void) | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    onAbort = () => resolve('timeout');
    expire = ctx.clock.setTimeout(onAbort, budget);
    if (stop.aborted) onAbort();
    else stop.addEventListener('abort', onAbort, { once: true });
  });
  const work = async (): Promise<{ lookup: Lookup; mx?: { mx?: DnsData['mx']; error?: StepError } }> => {
    const family = ipFamily(host);
    const addrLookup: Promise<Lookup> =
      family !== 0
        ? Promise.resolve({ addresses: [{ address: host, family: family === 6 ? 6 : 4 }] })
        : server !== undefined
          ? viaResolver(host, resolver(), label)
          : viaSystem(host, resolver);
    const mxDomain = target.connectivity.mx;
    const [l, mx] = await Promise.all([addrLookup, mxDomain !== undefined ? mxLookup(mxDomain, resolver(), label) : Promise.resolve(undefined)]);
    return mx === undefined ? { lookup: l } : { lookup: l, mx };
  };

  try {
    const outcome = await Promise.race([work(), timedOut]);
    if (outcome === 'timeout') {
      return timer.done('fail', { host, addresses: [], resolver: server ?? 'system' }, { code: 'DNS_TIMEOUT', message: `${host}: no answer from ${label} within ${budget} ms` });
    }
    const only = target.connectivity.addressFamily;
    const found = outcome.lookup.addresses;
    const data: DnsData = { host, addresses: only ? found.filter((a) => a.family === only) : found, resolver: server ?? 'system' };
    if (outcome.mx?.mx) data.mx = outcome.mx.mx;
    ctx.state.addresses = data.addresses.map((a) => a.address);
    if (outcome.lookup.error) return timer.done('fail', data, outcome.lookup.error);
    if (data.addresses.length === 0 && only) {
      // -4/-6 (or the source address's family) leave nothing to connect to: say what there was.
      const others = found.map((a) => a.address).join(', ');
      ctx.transcript.event(`dns: ${host} -> ${others} (none of them IPv${only})`);
      return timer.done('fail', data, { code: 'DNS_NO_ADDRESS', message: `${host}: no ${only === 6 ? 'AAAA' : 'A'} record, and only IPv${only} may be used (-${only} or the source address); it resolves to ${others}` });
    }
    if (outcome.mx?.error) return timer.done('warn', data, outcome.mx.error);
    ctx.transcript.event(`dns: ${host} -> ${data.addresses.map((a) => a.address).join(', ')}`);
    return timer.done('pass', data);
  } finally {
    ctx.clock.clearTimeout(expire);
    if (onAbort) stop.removeEventListener('abort', onAbort);
    made?.cancel();
  }
};
