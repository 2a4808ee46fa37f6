import { Resolver } from 'node:dns/promises';

/** ReverseNameOptions: where to ask and how long to wait for hop names. */
export interface ReverseNameOptions {
  /** Resolver to ask (--dns-server); default: the system's. */
  server?: string;
  /** Bound on the whole lookup, ms: a hop without a name after this is shown by address. */
  timeoutMs: number;
}

/**
 * reverseNames looks up PTR names for hop addresses, all at once and bounded in time, so
 * names never add to the path analysis' wall time. Unresolvable addresses are simply absent.
 * The resolver is cancelled at the bound, so no query outlives the step.
 */
export async function reverseNames(addresses: readonly string[], opts: ReverseNameOptions): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (addresses.length === 0) return names;
  const resolver = new Resolver({ timeout: Math.max(1, Math.min(opts.timeoutMs, 2000)), tries: 1 });
  if (opts.server !== undefined) resolver.setServers([opts.server]);
  const lookups = addresses.map(async (a) => {
    try {
      const [name] = await resolver.reverse(a);
      if (name) names.set(a, name);
    } catch {
      // No PTR record, or no answer in time: the hop is shown by address.
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, opts.timeoutMs);
  });
  await Promise.race([Promise.all(lookups), bound]);
  clearTimeout(timer);
  resolver.cancel();
  return names;
}
