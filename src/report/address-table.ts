import type { Report } from '../model/report.js';

/**
 * addressLines: with --all-addresses, one line per address of the relay — its verdict, the
 * step it failed at (with the code) or its TLS version, its time, and whether it is the odd
 * one out. Pure formatting of `report.addresses`.
 */
export function addressLines(report: Report): string[] {
  const list = report.addresses;
  if (!list || list.length === 0) return [];
  const width = Math.max(...list.map((a) => a.address.length));
  const lines = list.map((a) => {
    const what = a.summary.failedStep ? `${a.summary.failedStep.step} ${a.summary.failedStep.code}` : a.summary.tlsProtocol ?? 'passes';
    return `  ${a.address.padEnd(width)}  ${a.verdict.padEnd(8)}  ${String(Math.round(a.durationMs)).padStart(5)} ms  ${what}${a.odd ? '  ← odd one out' : ''}`;
  });
  return [`  addresses of ${report.target.host} (each probed in its own session):`, ...lines];
}
