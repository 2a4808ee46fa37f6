import type { Report, Verdict } from '../../../src/model/report.js';
import { toPublicTarget, type Target } from '../../../src/model/target.js';

/** target: a minimal resolved Target for runner tests (no secrets, nothing on the wire). */
export function target(name: string, host = '127.0.0.1', port = 2525): Target {
  return {
    name, host, port, tls: 'starttls', tlsVerify: 'domain', ca: [], caFiles: [], tlsScan: false, certWarnDays: 21, certCritDays: 7,
    ehlo: 'probe.test', auth: 'auto', allowPlaintextAuth: false, rcpt: [], client: 'generic',
    timeouts: { totalMs: 60_000, phaseMs: 30_000 }, connectivity: { icmp: 'off', icmpCount: 3, path: false, pathCount: 100 }, labels: {},
  };
}

/** reportFor: the Report a fake probe returns for a target. */
export function reportFor(t: Target, verdict: Verdict, durationMs = 10): Report {
  return {
    schema: 1, target: toPublicTarget(t), startedAt: '2026-11-24T12:00:00.000Z', durationMs, steps: [], transcript: [],
    findings: verdict === 'ok' ? [] : [{ code: 'AUTH_CREDENTIALS_REJECTED', severity: 'critical', title: 'rejected', evidence: [], cause: '', fix: [] }],
    verdict, summary: { replyCodes: {} },
  };
}

/**
 * ControlledProbe: a fake probe whose calls stay open until the test releases them, so tests
 * can look at how many run at once — overall and per host.
 */
export class ControlledProbe {
  readonly calls: { target: Target; signal: AbortSignal; resolve: (verdict?: Verdict) => void }[] = [];
  active = 0;
  maxActive = 0;
  readonly activeByHost = new Map<string, number>();
  readonly maxByHost = new Map<string, number>();

  readonly fn = (t: Target, opts: { signal: AbortSignal }): Promise<Report> => new Promise<Report>((resolve) => {
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    const h = (this.activeByHost.get(t.host) ?? 0) + 1;
    this.activeByHost.set(t.host, h);
    this.maxByHost.set(t.host, Math.max(this.maxByHost.get(t.host) ?? 0, h));
    let done = false;
    const onAbort = (): void => finish('unknown');
    const finish = (verdict: Verdict = 'ok'): void => {
      if (done) return;
      done = true;
      opts.signal.removeEventListener('abort', onAbort); // as ProbeRun.end() does: no listener outlives its probe
      this.active -= 1;
      this.activeByHost.set(t.host, (this.activeByHost.get(t.host) ?? 1) - 1);
      resolve(reportFor(t, verdict));
    };
    // Like the real probe: an abort ends the probe promptly, with a (partial) Report.
    opts.signal.addEventListener('abort', onAbort, { once: true });
    this.calls.push({ target: t, signal: opts.signal, resolve: finish });
  });

  /** open: calls not yet finished. */
  open(): number {
    return this.active;
  }
}
