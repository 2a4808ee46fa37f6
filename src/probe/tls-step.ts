import type { Deadline } from '../model/deadline.js';
import type { StepResultOf } from '../model/report.js';
import type { Target } from '../model/target.js';
import type { SmtpContext } from './smtp/session-state.js';
import { StepTimer } from './step.js';
import { openForTls } from './smtp/side-session.js';
import { settle, tlsHandshake, type HandshakeOptions, type HandshakeOutcome } from './tls/handshake.js';
import { clientCertProblems } from './tls/client-cert-check.js';
import { handshakeOptions } from './tls/handshake-options.js';

/**
 * tlsStep runs the TLS handshake on the open connection (after STARTTLS, or straight after
 * connect for implicit TLS) and judges the certificate at the configured level. When the
 * certificate fails the check the session goes on inside TLS (so we can still read the
 * post-TLS capabilities and QUIT politely) but `tlsVerified` is false and AUTH will not run.
 */
export async function tlsStep(target: Target, ctx: SmtpContext, deadline: Deadline): Promise<StepResultOf<'tls'>> {
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
  if (ctx.state.address) opts.endpoint = `${ctx.state.address}:${target.port}|${opts.servername}`;
  // Unobserved (OpenSSL reads the TCP socket itself: ~10% less CPU a probe), unless a client
  // certificate is configured: whether it was asked for (TLS 1.2) is seen only on the wire.
  let out = await tlsHandshake(raw, { ...opts, observe: target.clientCert !== undefined }, deadline);
  if (out.unobserved && out.error?.code !== 'PHASE_TIMEOUT') out = await observedRetry(target, ctx, opts, out, deadline);
  if (out.undecided && out.socket) await secondOpinion(target, ctx, opts, out, deadline);
  if (target.clientCert) {
    out.data.clientCertProblems = clientCertProblems(target.clientCert, Date.now(), { warnDays: target.certWarnDays, critDays: target.certCritDays });
  }
  ctx.state.tls = out.data;
  if (!out.socket) {
    conn.close();
    ctx.transcript.event(`TLS failed: ${out.error?.code ?? 'unknown'}: ${out.error?.message ?? ''}`);
    return timer.done('fail', out.data, out.error ?? { code: 'TLS_HANDSHAKE_FAILED', message: 'handshake failed' });
  }
  conn.attachTls(out.socket, { clientCertSent: out.data.clientCertSent });
  ctx.state.tlsVerified = out.data.verifyPassed;
  const v = out.data.validator;
  const openssl = !v ? 'OpenSSL not asked'
    : v.verifiedAt ? `OpenSSL accepted this exact chain at ${v.verifiedAt} in this run`
      : `OpenSSL ${v.chainAccepted ? 'accepts' : `rejects (${v.error ?? '?'})`} the chain`;
  ctx.transcript.event(`TLS ${out.data.protocol ?? '?'} ${out.data.cipher?.name ?? ''}; certificate ${out.data.verifyPassed ? 'accepted' : 'REJECTED'} at level ${target.tlsVerify} (${openssl}; our analysis: ${out.data.problems.length} problem${out.data.problems.length === 1 ? '' : 's'})`);
  if (out.data.unusedCertificates) {
    ctx.transcript.event(`the server also sent certificate${out.data.unusedCertificates.length === 1 ? '' : 's'} #${out.data.unusedCertificates.join(', #')}, not part of the path to a trust anchor (harmless; could be removed from the server's chain file)`);
  }
  if (out.error || !out.data.verifyPassed) {
    return timer.done('fail', out.data, out.error ?? { code: 'CERT_VERIFY_FAILED', message: 'certificate failed the configured check' });
  }
  const warn = out.data.problems.some((p) => p.severity === 'warning') ? 'warn' : 'pass';
  return timer.done(warn, out.data);
}

/**
 * observedRetry: the unobserved handshake failed, and OpenSSL's error alone may not say why
 * (a TLS 1.2 server that asked for a client certificate and one that shares no cipher both
 * just send handshake_failure; a plaintext answer is only "wrong version number"). The
 * handshake is repeated on a side connection — connect, and for STARTTLS banner, EHLO,
 * STARTTLS — with the server's bytes observed, and that failure is reported. If the side
 * connection cannot get that far, or its handshake succeeds (a failure that comes and goes),
 * the first outcome stands.
 */
async function observedRetry(target: Target, ctx: SmtpContext, opts: HandshakeOptions, first: HandshakeOutcome, deadline: Deadline): Promise<HandshakeOutcome> {
  const address = ctx.state.address;
  if (!address) return first;
  ctx.transcript.event(`TLS failed (${first.error?.code ?? '?'}); repeating the handshake on a side connection, watching the server's handshake bytes`);
  const raw = await openForTls(target, address, deadline);
  if (!raw) return first;
  const again = await tlsHandshake(raw, { ...opts, observe: true }, deadline);
  if (again.socket) {
    again.socket.destroy();
    return first;
  }
  return again;
}

/** Side connections a second opinion may open, when the server presents another chain on each. */
const SECOND_OPINION_TRIES = 3;

/**
 * secondOpinion: the handshake completed, but OpenSSL has not judged the chain presented (see
 * HandshakeOutcome.undecided), so no credential may move yet. OpenSSL judges it on a side
 * connection — connect, and for STARTTLS banner, EHLO, STARTTLS, then a handshake with
 * OpenSSL verifying (against the system roots as well, for a chain that ends at a public
 * root) — and its verdict counts for the main connection only if the side connection was
 * presented the very same chain. Otherwise the certificate fails the check, saying why.
 * Rare in a run: a new chain is judged once, then remembered.
 */
async function secondOpinion(target: Target, ctx: SmtpContext, opts: HandshakeOptions, out: HandshakeOutcome, deadline: Deadline): Promise<void> {
  const undecided = out.undecided;
  const address = ctx.state.address;
  if (!undecided) return;
  const why = undecided.reason === 'new-chain'
    ? 'the server presented a chain other than the one OpenSSL accepted here earlier in this run'
    : 'the chain ends at a public root, and OpenSSL judged it against the --ca certificates alone';
  ctx.transcript.event(`${why}: OpenSSL judges it on a side connection before any credential is sent`);
  // Behind a load balancer whose backends differ, the side connection may meet another chain:
  // a few more tries, until the one to judge comes again.
  let side: HandshakeOutcome | undefined;
  for (let attempt = 0; attempt < SECOND_OPINION_TRIES && !deadline.expired(); attempt++) {
    const raw = address ? await openForTls(target, address, deadline) : undefined;
    side = raw ? await tlsHandshake(raw, { ...opts, observe: false, fresh: true, openSslAnchors: undecided.analysis.anchor === 'system' ? 'all' : 'own' }, deadline) : undefined;
    side?.socket?.destroy();
    if (!side?.socket || side.chainKey === undecided.chainKey) break;
  }
  const sameChain = side?.chainKey === undecided.chainKey;
  const validator = sameChain && !side?.undecided ? side?.data.validator : undefined;
  const error = settle(out.data, undecided.analysis, validator, opts.verify);
  if (validator) {
    if (error) out.error = error;
    else delete out.error;
    ctx.transcript.event(`OpenSSL ${validator.chainAccepted ? 'accepts' : `rejects (${validator.error ?? '?'})`} the chain (side connection)`);
  } else {
    const detail = !side?.socket
      ? `OpenSSL could not judge the chain: the side connection did not complete its handshake${side?.error ? ` (${side.error.code})` : ''}`
      : 'OpenSSL could not judge the chain: the side connection was presented a different chain';
    out.data.problems.push({ code: 'CERT_VERIFY_FAILED', severity: 'critical', detail });
    out.data.verifyPassed = false;
    out.error = { code: 'CERT_VERIFY_FAILED', message: detail };
  }
  delete out.undecided;
}
