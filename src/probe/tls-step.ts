import type { Deadline } from '../model/deadline.js';
import type { StepResult } from '../model/report.js';
import type { TlsData } from '../model/step-data.js';
import type { Target } from '../model/target.js';
import type { SmtpContext } from './smtp/session-state.js';
import { StepTimer } from './step.js';
import { tlsHandshake, type HandshakeOptions } from './tls/handshake.js';

/** handshakeOptions: the TLS client policy a target asks for. */
export function handshakeOptions(target: Target, mode: 'starttls' | 'implicit'): HandshakeOptions {
  const o: HandshakeOptions = {
    mode,
    servername: target.tlsDomain ?? target.host,
    verify: target.tlsVerify,
    ca: target.ca,
    warnDays: target.certWarnDays,
    critDays: target.certCritDays,
  };
  if (target.clientCert) o.clientCert = target.clientCert;
  if (target.clientKey) o.clientKey = target.clientKey;
  if (target.tlsMin) o.minVersion = target.tlsMin;
  if (target.tlsMax) o.maxVersion = target.tlsMax;
  return o;
}

/**
 * tlsStep runs the TLS handshake on the open connection (after STARTTLS, or straight after
 * connect for implicit TLS) and judges the certificate at the configured level. When the
 * certificate fails the check the session goes on inside TLS (so we can still read the
 * post-TLS capabilities and QUIT politely) but `tlsVerified` is false and AUTH will not run.
 */
export async function tlsStep(target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResult<TlsData>> {
  const timer = new StepTimer('tls', ctx.clock);
  const conn = ctx.state.conn;
  if (!conn) return timer.done('skip');
  const mode = target.tls === 'implicit' ? 'implicit' : 'starttls';
  const { socket: raw, leftover } = conn.detachForTls();
  if (leftover > 0) {
    ctx.transcript.event(`server sent data after its STARTTLS go-ahead; discarded (RFC 3207 §4.2 / CVE-2011-0411)`);
  }
  ctx.transcript.event(`TLS handshake (${mode}, SNI ${target.tlsDomain ?? target.host}, verify ${target.tlsVerify})`);
  const opts = handshakeOptions(target, mode);
  if (ctx.state.trustStores) opts.trustStore = ctx.state.trustStores.get(target.ca);
  const out = await tlsHandshake(raw, opts, deadline);
  ctx.state.tls = out.data;
  if (!out.socket) {
    conn.close();
    ctx.transcript.event(`TLS failed: ${out.error?.code ?? 'unknown'}: ${out.error?.message ?? ''}`);
    return timer.done('fail', out.data, out.error ?? { code: 'TLS_HANDSHAKE_FAILED', message: 'handshake failed' });
  }
  conn.attachTls(out.socket, { clientCertSent: out.data.clientCertSent });
  ctx.state.tlsVerified = out.data.verifyPassed;
  ctx.transcript.event(`TLS ${out.data.protocol ?? '?'} ${out.data.cipher?.name ?? ''}; certificate ${out.data.verifyPassed ? 'accepted' : 'REJECTED'} at level ${target.tlsVerify}`);
  if (out.error || !out.data.verifyPassed) {
    return timer.done('fail', out.data, out.error ?? { code: 'CERT_VERIFY_FAILED', message: 'certificate failed the configured check' });
  }
  const warn = out.data.problems.some((p) => p.severity === 'warning') ? 'warn' : 'pass';
  return timer.done(warn, out.data);
}
