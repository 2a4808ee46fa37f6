import type { Severity } from '../model/report.js';
import { pathRule } from './path-rules.js';
import { ran, type Rule } from './rule.js';
import { stepErrorDraft } from './step-error.js';

/** dns: the name did not resolve; say which name and which resolver. */
const dnsRule: Rule = {
  id: 'dns-error',
  apply(ctx) {
    const r = ctx.result('dns');
    if (!r?.error) return [];
    const d = ctx.data('dns');
    const evidence = [`host: ${d?.host ?? ctx.target.host}`];
    if (d?.resolver) evidence.push(`resolver: ${d.resolver}`);
    const draft = stepErrorDraft(ctx, r, evidence);
    return draft ? [draft] : [];
  },
};

/**
 * icmp: silence to ping means little when TCP got through (many relays drop ICMP), and
 * supports the diagnosis when TCP failed too.
 */
const icmpRule: Rule = {
  id: 'icmp',
  apply(ctx) {
    const r = ctx.result('icmp');
    if (!r?.error) return [];
    const d = ctx.data('icmp');
    const evidence = d ? [`ping ${d.address}: ${d.received}/${d.sent} answered (${d.lossPct}% loss)`] : [];
    const draft = stepErrorDraft(ctx, r, evidence);
    if (!draft) return [];
    if (r.error.code === 'ICMP_NO_REPLY') {
      const tcp = ctx.result('tcp');
      let severity: Severity = 'warning';
      if (tcp?.status === 'pass') severity = 'info';
      else if (tcp?.status === 'fail') severity = 'critical';
      draft.severity = severity;
      draft.causeNotes = [tcp?.status === 'pass'
        ? 'TCP to the SMTP port works, so the host is reachable: ICMP is just filtered.'
        : 'TCP did not get through either, so the host or the path to it is likely down or filtered.'];
    } else if (r.error.code === 'ICMP_NOT_PERMITTED') {
      draft.severity = 'info';
      // The step message names the exact remedy for this platform (capability, sysctl, root).
      draft.fix = [r.error.message];
    }
    return [draft];
  },
};

/** tcp: could not connect; name the address and port, and the usual port-25 block. */
const tcpRule: Rule = {
  id: 'tcp-error',
  apply(ctx) {
    const r = ctx.result('tcp');
    if (!r?.error) return [];
    const d = ctx.data('tcp');
    const evidence = [`connect to ${d?.address ?? ctx.target.host} port ${d?.port ?? ctx.target.port}`];
    const draft = stepErrorDraft(ctx, r, evidence);
    if (!draft) return [];
    if (r.error.code === 'TCP_TIMEOUT' && ctx.target.port === 25) {
      draft.fix = ['Outbound port 25 is blocked by many ISPs and cloud providers (AWS, Azure, GCP): use the relay\'s submission port 587.'];
    }
    const icmp = ctx.result('icmp');
    if (ran(icmp) && icmp.status === 'pass') draft.causeNotes = ['The host answers ping, so it is up: the port itself is closed or filtered.'];
    return [draft];
  },
};

/** CONNECTIVITY_RULES: DNS, ICMP, path (src/diagnose/path-rules.ts, the connectivity engineer's) and TCP. */
export const CONNECTIVITY_RULES: readonly Rule[] = [dnsRule, icmpRule, pathRule, tcpRule];
