import type { Finding, StepResult } from '../model/report.js';
import type { HopStats, PathData } from '../model/step-data.js';
import { ICMP_PERMISSION_FIX } from '../model/icmp-permission.js';
import { CATALOG } from './catalog.js';
import type { FindingDraft, Rule, RuleContext } from './rule.js';

/** PATH_LOSS_MIN_PCT: destination loss (percent) from which path loss is reported. */
export const PATH_LOSS_MIN_PCT = 2;
/** PATH_LOSS_CRITICAL_PCT: from this much loss at the destination, mail flow is in danger. */
export const PATH_LOSS_CRITICAL_PCT = 50;
/** RATE_LIMIT_MIN_PCT: node-only loss (percent) from which a hop counts as rate-limiting. */
export const RATE_LIMIT_MIN_PCT = 10;

/** hopLabel names a hop as evidence shows it: "hop 2 10.0.2.1 (r2.example)". */
export function hopLabel(h: HopStats): string {
  const who = h.address === null ? '*' : h.name ? `${h.address} (${h.name})` : h.address;
  return `hop ${h.ttl} ${who}${h.destination ? ' [destination]' : ''}`;
}

function lossLine(h: HopStats): string {
  return `${hopLabel(h)}: ${h.sent - h.received}/${h.sent} lost (${h.sourceLossPct}%)`;
}

/**
 * significant: whether hop loss `p1` (of `n1` samples) exceeds `p2` (of `n2`) by more than
 * sampling noise: a two-proportion z-test at z >= 4, so that at pathping's 100 samples two
 * hops behind the same 20% loss are not told apart by chance (false alarm rate ~1e-4).
 */
function significant(p1Pct: number, n1: number, p2Pct: number, n2: number): boolean {
  if (n1 <= 0 || n2 <= 0) return false;
  const p1 = p1Pct / 100;
  const p2 = p2Pct / 100;
  const p = (p1 * n1 + p2 * n2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  return se === 0 ? p1 > p2 : (p1 - p2) / se >= 4;
}

/**
 * pathLossDraft: PATH_LOSS when the destination loses echoes, located at the first link where
 * the loss begins — the first link whose own share is at least a quarter of the destination's
 * loss (and of PATH_LOSS_MIN_PCT), so sampling noise on a later link does not move it.
 */
function pathLossDraft(d: PathData): FindingDraft | undefined {
  const dest = d.hops[d.hops.length - 1];
  if (!d.reached || !dest?.destination) return undefined;
  const lost = dest.sent - dest.received;
  if (dest.sourceLossPct < PATH_LOSS_MIN_PCT || lost < 2) return undefined;
  const threshold = Math.max(PATH_LOSS_MIN_PCT, dest.sourceLossPct / 4);
  const measured = d.hops.filter((h) => h.address !== null);
  // -1 = the first link, from this host to hop 1; -2 = no single link carries the threshold.
  let originIdx: number;
  if (d.sourceLinkLossPct >= threshold) originIdx = -1;
  else {
    const i = measured.findIndex((h) => h.linkLossPct >= threshold);
    originIdx = i === -1 ? -2 : i;
  }
  if (originIdx === -2 || originIdx === measured.length - 1) {
    // Loss spread thinly over many links: blame the link with the largest share.
    originIdx = measured.reduce((best, h, i) => (h.linkLossPct > (measured[best]?.linkLossPct ?? -1) ? i : best), 0);
  }
  const from = originIdx >= 0 ? measured[originIdx] : undefined;
  const to = measured[originIdx + 1];
  const linkPct = from ? from.linkLossPct : d.sourceLinkLossPct;
  const fromText = from ? hopLabel(from) : 'this host';
  const toText = to ? hopLabel(to) : 'the next hop';
  const evidence = [
    `loss begins on the link from ${fromText} to ${toText}: +${linkPct}% carried on to the destination`,
    ...measured.slice(originIdx + 1).map(lossLine),
  ];
  const clean = measured.slice(0, originIdx + 1);
  if (clean.length > 0) evidence.push(`before it: ${clean.map((h) => `${hopLabel(h)} ${h.sourceLossPct}%`).join(', ')}`);
  return {
    code: 'PATH_LOSS',
    step: 'path',
    severity: dest.sourceLossPct >= PATH_LOSS_CRITICAL_PCT ? 'critical' : 'warning',
    evidence,
    fix: [`The loss starts after ${fromText}: raise it with whoever runs ${from ? 'that router and its link onwards' : 'this host\'s first link (LAN, Wi-Fi, uplink)'}.`],
  };
}

/**
 * rateLimitDraft: HOP_RATE_LIMITED for hops that lose their own answers while the hops after
 * them do not — the router's control plane rate-limits or filters ICMP to itself, but it
 * forwards fine. The hop is compared with the last hop that answered (normally the
 * destination): loss beyond that hop only makes the comparison stricter. A hop that never
 * answered at all, followed by hops that do, is the same thing in the extreme.
 */
function rateLimitDraft(d: PathData): FindingDraft | undefined {
  const evidence: string[] = [];
  d.hops.forEach((h, i) => {
    if (h.destination) return;
    const later = d.hops.slice(i + 1).filter((x) => x.received > 0);
    const last = later[later.length - 1];
    if (!last) return;
    const laterText = later.map((x) => `${hopLabel(x)} ${x.sourceLossPct}%`).join(', ');
    if (h.address === null) {
      evidence.push(`${hopLabel(h)}: never answered, yet later hops do: ${laterText}`);
      return;
    }
    const beyondLast = h.sourceLossPct - last.sourceLossPct;
    if (h.lossPct >= RATE_LIMIT_MIN_PCT && beyondLast >= RATE_LIMIT_MIN_PCT && significant(h.sourceLossPct, h.sent, last.sourceLossPct, last.sent)) {
      evidence.push(`${lossLine(h)} of its own replies, but later hops lose only: ${laterText}`);
    }
  });
  if (evidence.length === 0) return undefined;
  return { code: 'HOP_RATE_LIMITED', step: 'path', evidence };
}

/** routeLine shows the discovered route as one evidence line. */
function routeLine(d: PathData): string {
  return `route: ${d.hops.map((h) => h.address ?? '*').join(' > ')}`;
}

/**
 * pathDrafts: every finding a path step result supports. `steps` (the rest of the probe)
 * lets the destination's silence to ping weigh less when TCP got through, as in the ICMP rule.
 */
export function pathDrafts(r: StepResult, steps: readonly StepResult[] = []): FindingDraft[] {
  if (r.step !== 'path' || r.status === 'skip') return [];
  const d = r.data;
  const drafts: FindingDraft[] = [];
  if (r.error) {
    const evidence = [r.error.message];
    if (d) evidence.push(routeLine(d));
    const draft: FindingDraft = { code: r.error.code, step: 'path', evidence };
    if (r.error.code === 'ICMP_NO_REPLY') {
      // Alone (smtprobe path) an unanswering destination is a warning; beside a working TCP
      // connection it is only ICMP being filtered.
      draft.severity = steps.some((s) => s.step === 'tcp' && s.status === 'pass') ? 'info' : 'warning';
    }
    if (r.error.code === 'ICMP_NOT_PERMITTED') {
      draft.severity = 'info';
      draft.fix = [`Path analysis needs raw sockets: ${ICMP_PERMISSION_FIX}.`];
      draft.replaceFix = true;
    }
    drafts.push(draft);
  }
  if (d) {
    const loss = pathLossDraft(d);
    if (loss) drafts.push(loss);
    const limited = rateLimitDraft(d);
    if (limited) drafts.push(limited);
  }
  return drafts;
}

/** pathRule: the path findings as a diagnosis rule (src/diagnose/rule.ts). */
export const pathRule: Rule = {
  id: 'path',
  apply: (ctx: RuleContext) => {
    const r = ctx.result('path');
    return r ? pathDrafts(r, ctx.steps) : [];
  },
};

/**
 * pathFindings: PATH_LOSS, HOP_RATE_LIMITED, HOST_UNREACHABLE (and the path step's own
 * ICMP_NO_REPLY / ICMP_NOT_PERMITTED) as complete Findings, worded from the catalog — the path
 * rule on its own, without the rest of diagnosis (`diagnose` runs it as `pathRule`).
 */
export function pathFindings(steps: readonly StepResult[]): Finding[] {
  return steps.flatMap((r) => pathDrafts(r, steps)).map((draft) => {
    const entry = CATALOG[draft.code];
    const f: Finding = {
      code: draft.code,
      severity: draft.severity ?? entry.severity,
      title: draft.title ?? entry.title,
      evidence: draft.evidence,
      cause: draft.cause ?? entry.cause,
      fix: draft.replaceFix && draft.fix ? draft.fix : [...(draft.fix ?? []), ...entry.fix],
    };
    if (draft.step) f.step = draft.step;
    return f;
  });
}
