import type { AddressResult, Finding, Severity } from '../model/report.js';
import { CATALOG } from './catalog.js';

/** One property compared across the addresses of a relay. */
interface Facet {
  name: string;
  /** The address's value; undefined when its probe did not get that far (not compared). */
  value(a: AddressResult): string | undefined;
  /** A difference here stops mail for the odd address (critical), or only degrades it (warning). */
  severity: Severity;
  /** The value that is the norm when no value has a majority (a failure the others lack is odd). */
  healthy?: string;
}

/**
 * FACETS: what must be the same on every node of one relay. The banner's text is not compared:
 * nodes name themselves in it (Microsoft 365's carry the node name and the time). Its reply
 * code, the EHLO capabilities, the certificate and the TLS version are a node's configuration.
 */
const FACETS: readonly Facet[] = [
  { name: 'result', severity: 'critical', healthy: 'passes', value: (a) => (a.summary.failedStep ? `${a.summary.failedStep.step} fails with ${a.summary.failedStep.code}` : a.verdict === 'unknown' ? undefined : 'passes') },
  { name: 'banner reply', severity: 'warning', value: (a) => (a.summary.replyCodes.banner === undefined ? undefined : String(a.summary.replyCodes.banner)) },
  { name: 'certificate', severity: 'warning', value: (a) => (a.certFingerprint256 ? `sha256 ${a.certFingerprint256.replace(/:/g, '').slice(0, 16).toLowerCase()}…` : undefined) },
  { name: 'TLS version', severity: 'warning', value: (a) => a.summary.tlsProtocol },
  { name: 'capabilities', severity: 'warning', value: (a) => a.capabilities?.join(' ') },
];

/**
 * AddressComparison: the odd-one-out finding (when the addresses differ) and which addresses
 * are the odd ones.
 */
export interface AddressComparison {
  finding?: Finding;
  odd: Set<string>;
}

/**
 * compareAddresses finds the address that behaves unlike the others (ADDRESS_INCONSISTENT).
 * For each facet, the value most addresses share is the norm and the others are odd; with no
 * majority (two addresses, two values) the difference is reported without naming an odd one —
 * except for the outcome, where passing is the norm: an address that fails where another
 * passes is odd however many there are.
 * Pure: the same results give the same finding.
 */
export function compareAddresses(addresses: readonly AddressResult[]): AddressComparison {
  const odd = new Set<string>();
  const evidence: string[] = [];
  let severity: Severity | undefined;
  for (const facet of FACETS) {
    const groups = new Map<string, string[]>();
    for (const a of addresses) {
      const v = facet.value(a);
      if (v !== undefined) groups.set(v, [...(groups.get(v) ?? []), a.address]);
    }
    if (groups.size < 2) continue;
    // Largest group first; on a tie the healthy value (if any address has it) leads.
    const sorted = [...groups.entries()].sort((x, y) => y[1].length - x[1].length || Number(y[0] === facet.healthy) - Number(x[0] === facet.healthy));
    const [norm, runnerUp] = sorted as [[string, string[]], [string, string[]]];
    severity = severity === 'critical' ? severity : facet.severity;
    if (norm[1].length > runnerUp[1].length || norm[0] === facet.healthy) {
      for (const [value, list] of sorted.slice(1)) {
        for (const address of list) odd.add(address);
        evidence.push(`${facet.name}: ${list.join(', ')} ${list.length === 1 ? 'differs' : 'differ'} (${value}); the other ${norm[1].length}: ${norm[0]}`);
      }
    } else {
      evidence.push(`${facet.name}: the addresses differ, no majority: ${sorted.map(([value, list]) => `${list.join(', ')}: ${value}`).join('; ')}`);
    }
  }
  if (!severity) return { odd };
  const entry = CATALOG.ADDRESS_INCONSISTENT;
  return {
    odd,
    finding: { code: 'ADDRESS_INCONSISTENT', severity, title: entry.title, evidence, cause: entry.cause, fix: [...entry.fix] },
  };
}
