import type { HostTarget } from '../../model/target.js';
import type { SessionContext } from '../step.js';
import { ipFamily } from '../ip-family.js';

/**
 * targetAddress: the address connectivity steps probe — the first of the DNS step's ordered
 * addresses (`ctx.state.addresses`, the one TCP tries first), or the host when it is an IP
 * literal; undefined when neither is known.
 */
export function targetAddress(target: HostTarget, ctx: SessionContext<object>): string | undefined {
  const addresses = (ctx.state as { addresses?: unknown }).addresses;
  if (Array.isArray(addresses) && typeof addresses[0] === 'string') return addresses[0];
  return ipFamily(target.host) !== 0 ? target.host : undefined;
}
