import type { Deadline } from '../model/deadline.js';
import type { StepResultOf } from '../model/report.js';
import { TLS_VERSIONS, type Target, type TlsVersion } from '../model/target.js';
import { openForTls } from './smtp/side-session.js';
import type { SmtpContext } from './smtp/session-state.js';
import { StepTimer } from './step.js';
import { scanTlsVersions } from './tls/version-scan.js';

/** allowedVersions: the TLS versions the client policy (--tls-min/--tls-max) permits. */
export function allowedVersions(target: Target): TlsVersion[] {
  const lo = TLS_VERSIONS.indexOf(target.tlsMin ?? 'TLSv1.2');
  const hi = TLS_VERSIONS.indexOf(target.tlsMax ?? 'TLSv1.3');
  return TLS_VERSIONS.filter((_, i) => i >= lo && i <= hi);
}

/**
 * tlsScanStep (--tls-scan) asks the server for each TLS version on its own connection, all
 * at once, in parallel with the main dialogue — so it adds no wall time.
 */
export async function tlsScanStep(target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResultOf<'tls-scan'>> {
  const timer = new StepTimer('tls-scan', ctx.clock);
  const address = ctx.state.addresses?.[0];
  if (!target.tlsScan || target.tls === 'none' || !address) return timer.done('skip');
  const data = await scanTlsVersions(() => openOrThrow(target, address, deadline), { servername: target.tlsDomain ?? target.host, allowed: allowedVersions(target) }, deadline);
  const legacy = data.versions.some((v) => v.accepted && (v.version === 'TLSv1' || v.version === 'TLSv1.1'));
  const none = !data.versions.some((v) => v.accepted && data.allowed.includes(v.version));
  if (none) {
    const acc = data.versions.filter((v) => v.accepted).map((v) => v.version);
    return timer.done('fail', data, { code: 'TLS_VERSION_MISMATCH', message: `none of ${data.allowed.join(', ')} accepted; the server accepts ${acc.join(', ') || 'none'}` });
  }
  if (legacy) return timer.done('warn', data, { code: 'TLS_LEGACY_PROTOCOL', message: 'the server still accepts TLS 1.0/1.1' });
  return timer.done('pass', data);
}

async function openOrThrow(target: Target, address: string, deadline: Deadline) {
  const s = await openForTls(target, address, deadline);
  if (!s) throw new Error('could not reach the TLS handshake');
  return s;
}
