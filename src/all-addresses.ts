import pLimit from 'p-limit';
import { compareAddresses } from './diagnose/address-rules.js';
import { SEVERITY_RANK } from './diagnose/verdict.js';
import type { AddressResult, Finding, Report, StepResult } from './model/report.js';
import type { DnsData } from './model/step-data.js';
import { toPublicTarget, type Target } from './model/target.js';
import { dnsStep } from './probe/dns.js';
import { probe, type ProbeOptions } from './check.js';
import { ProbeRun, runStep } from './probe/probe-run.js';
import { worstVerdict } from './model/worst-verdict.js';

/** AllAddressesOptions: the probe's options, plus how many addresses of the relay to probe at once. */
export interface AllAddressesOptions extends ProbeOptions {
  /** Addresses probed at once (the fleet's --per-host; default 2). */
  perHost?: number;
  /** The probe of one address (default: `probe`); tests inject a fake. */
  probeOne?: (target: Target, opts: ProbeOptions) => Promise<Report>;
}

/**
 * probeTarget: what `check`, `run` and `serve` call for one target — every address of the
 * relay with `allAddresses`, else the one probe. Either way one Report, so "every target yields
 * exactly one Report per round" holds for fleets and the exporter whatever a relay resolves to.
 */
export function probeTarget(target: Target, opts: AllAddressesOptions = {}): Promise<Report> {
  return target.allAddresses ? probeAllAddresses(target, opts) : probe(target, opts);
}

/**
 * probeAllAddresses resolves the relay once, then probes each of its addresses in its own
 * SMTP session (at most `perHost` at once), checking the certificate against the relay's
 * name, and folds them into one Report:
 *
 * - `steps`, `transcript` and `summary` are those of the first address (the one a plain check
 *   connects to), behind the one DNS step; `summary.goalReached` only when every address reached it;
 * - `addresses[]`: each address's verdict, steps, summary, finding codes and its own transcript
 *   (so every address's dialogue is in the Report, each under its address);
 * - `findings`: the first address's, each other address's that are not already there (its
 *   evidence prefixed with the address), and ADDRESS_INCONSISTENT naming the odd one out;
 * - `verdict`: the worst of the addresses' and of the odd-one-out finding.
 *
 * When DNS fails, or the host is a single address, the Report is the plain probe's (with one
 * entry in `addresses[]` when an address was probed).
 */
export async function probeAllAddresses(target: Target, opts: AllAddressesOptions = {}): Promise<Report> {
  const probeOne = opts.probeOne ?? probe;
  const { perHost, probeOne: _p, ...probeOpts } = opts;
  const single: Target = { ...target, allAddresses: false };
  const run = new ProbeRun(single, probeOpts);
  let dns: StepResult;
  try {
    dns = await runStep('dns', dnsStep, single, run.ctx, run.overall.forPhase('dns', single.timeouts.phaseMs));
  } finally {
    run.end();
  }
  const found = (dns.step === 'dns' ? dns.data?.addresses : undefined) ?? [];
  if (dns.status === 'fail' || found.length === 0) return probeOne(single, probeOpts);

  const limit = pLimit(Math.max(1, perHost ?? 2));
  // The certificate is checked against the relay's name (and SNI sent for it), not the address.
  const tlsDomain = target.tlsDomain ?? target.host;
  // The target's hard deadline bounds all addresses together (a scrape timeout holds however
  // many addresses there are): each address gets what is left when its turn comes.
  const endAt = run.started + target.timeouts.totalMs;
  const reports = await Promise.all(found.map((a) => limit(() => {
    const left = Math.max(1, endAt - run.clock.now());
    return probeOne({
      ...single,
      host: a.address,
      tlsDomain,
      timeouts: { totalMs: left, phaseMs: Math.min(single.timeouts.phaseMs, left) },
      // MX records were looked up once, above; an address needs no DNS server.
      connectivity: { ...omit(single.connectivity, 'mx', 'dnsServer') },
    }, probeOpts);
  })));

  const results: AddressResult[] = reports.map((r, i) => addressResult(r, found[i]!));
  const comparison = compareAddresses(results);
  for (const r of results) if (comparison.odd.has(r.address)) r.odd = true;
  const first = reports[0] as Report;
  const findings = mergeFindings(reports, results, comparison.finding);
  const verdicts = reports.map((r) => r.verdict);
  if (comparison.finding) verdicts.push(comparison.finding.severity === 'critical' ? 'critical' : 'warning');
  const steps = [dns, ...first.steps.filter((s) => s.step !== 'dns')];
  return {
    ...first,
    target: toPublicTarget(target),
    startedAt: new Date(run.started).toISOString(),
    durationMs: run.clock.now() - run.started,
    steps,
    findings,
    verdict: run.interrupted || reports.some((r) => r.verdict === 'unknown' && r.findings.some((f) => f.code === 'PROBE_INTERRUPTED')) ? 'unknown' : worstVerdict(verdicts),
    summary: { ...first.summary, goalReached: reports.every((r) => r.summary.goalReached === true) },
    addresses: results,
  };
}

/** addressResult: one address's Report, reduced to what comparing and listing addresses needs. */
function addressResult(r: Report, a: DnsData['addresses'][number]): AddressResult {
  const tls = r.steps.find((s) => s.step === 'tls')?.data;
  const ehloStep = r.steps.find((s) => s.step === 'ehlo-tls' && s.status !== 'skip') ?? r.steps.find((s) => s.step === 'ehlo');
  const ehlo = ehloStep?.step === 'ehlo' || ehloStep?.step === 'ehlo-tls' ? ehloStep.data : undefined;
  const caps = ehlo?.capabilities;
  const out: AddressResult = {
    address: a.address,
    family: a.family,
    verdict: r.verdict,
    durationMs: r.durationMs,
    steps: r.steps.filter((s) => s.step !== 'dns').map((s) => ({ step: s.step, status: s.status, durationMs: s.durationMs, ...(s.error ? { code: s.error.code } : {}) })),
    summary: r.summary,
    findings: r.findings.map((f) => f.code),
    transcript: r.transcript,
  };
  const fingerprint = tls?.chain[0]?.fingerprint256;
  if (fingerprint) out.certFingerprint256 = fingerprint;
  if (caps) {
    const keywords = Object.keys(caps.keywords).filter((k) => k !== 'AUTH').sort();
    out.capabilities = [...keywords, ...(caps.auth.length ? [`AUTH ${[...caps.auth].sort().join(' ')}`] : [])];
  }
  return out;
}

/**
 * mergeFindings: the first address's findings, then each other address's findings whose code
 * is not there yet (evidence prefixed with that address), then the odd-one-out finding —
 * most severe first, so a node that alone fails is not hidden behind a healthy first address.
 */
function mergeFindings(reports: readonly Report[], results: readonly AddressResult[], odd: Finding | undefined): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  reports.forEach((r, i) => {
    const address = results[i]?.address ?? '';
    for (const f of r.findings) {
      if (seen.has(f.code)) continue;
      seen.add(f.code);
      out.push(i === 0 ? f : { ...f, evidence: f.evidence.length ? f.evidence.map((e) => `${address}: ${e}`) : [`${address}`] });
    }
  });
  if (odd) out.push(odd);
  return out.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}

function omit<T extends object, K extends keyof T>(o: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...o };
  for (const k of keys) delete copy[k];
  return copy;
}
