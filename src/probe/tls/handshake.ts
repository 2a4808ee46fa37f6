import { X509Certificate } from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import type { Deadline } from '../../model/deadline.js';
import type { FindingCode } from '../../model/finding-codes.js';
import type { StepError } from '../../model/report.js';
import type { TlsData, ValidatorVerdict } from '../../model/step-data.js';
import { TLS_VERSIONS, type TlsVerify, type TlsVersion } from '../../model/target.js';
import { analyzeChain, primaryProblem, type ChainAnalysis } from './cert-analysis.js';
import { clientContext, type ContextOptions } from './client-context.js';
import { ALERT_NAMES, ServerFlightObserver } from './record-observer.js';
import { TappedSocket } from './tapped-socket.js';
import { TrustStore } from './trust-store.js';
import { gate, nameVerdict, recalledVerdict, validatorVerdict } from './validator-verdict.js';
import { earliestExpiry, verdictKey } from './verdict-memory.js';
import { ipFamily } from '../ip-family.js';

/**
 * OpenSSL 3 refuses TLS 1.0/1.1 at its default security level (their handshake signatures use
 * SHA-1/MD5), so a handshake that must allow them lowers the level, for that handshake only.
 */
export const LEGACY_CIPHERS = 'DEFAULT:@SECLEVEL=0';

export interface HandshakeOptions {
  mode: 'starttls' | 'implicit';
  /** Name sent as SNI (omitted for IP literals, RFC 6066 §3) and checked against the certificate. */
  servername: string;
  verify: TlsVerify;
  /** Extra trusted roots (PEM), added to the system roots. */
  ca: string[];
  clientCert?: string;
  clientKey?: string;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  warnDays: number;
  critDays: number;
  /** Also warn once no more than this percentage of a certificate's lifetime is left. */
  warnLifetimePct?: number;
  /**
   * A TrustStore built from the same `ca` (TrustStore.from(ca)), shared across handshakes to
   * save parsing the roots and analysing the same chain again; ignored if made from other roots.
   */
  trustStore?: TrustStore;
  /**
   * Watch the server's handshake bytes (default true): a TappedSocket between the TCP socket
   * and OpenSSL shows what a failed handshake's error cannot — a TLS 1.2 CertificateRequest, the
   * alert, the ServerHello version, a peer that does not speak TLS. It costs ~10% of a probe's
   * CPU (every TLS record passes through JavaScript), so the probe's TLS step hands OpenSSL the
   * TCP socket itself and, should that handshake fail, repeats it observed on a side connection
   * (see observedRetry). A failed unobserved handshake says so in `HandshakeOutcome.unobserved`.
   */
  observe?: boolean;
  /**
   * Where this handshake goes (address, port and name), for the trust store's memory of
   * OpenSSL's verdicts: with a shared `trustStore`, an endpoint whose chain OpenSSL accepted
   * before is handshaken without asking OpenSSL again, and the chain it presents must be that
   * one (VerdictMemory). Without, OpenSSL judges every handshake.
   */
  endpoint?: string;
  /**
   * With `--ca`: OpenSSL judges against the `--ca` certificates alone (`own`, the default) or
   * with the system roots as well (`all`: the second opinion for a chain that ends at a public
   * root, see HandshakeOutcome.undecided).
   */
  openSslAnchors?: 'own' | 'all';
  /** OpenSSL judges this handshake even if the endpoint's chain is remembered (a second opinion). */
  fresh?: boolean;
}

/**
 * HandshakeOutcome: `socket` is set whenever the handshake completed — even when the
 * certificate failed the configured check, in which case `error` carries the most important
 * problem's code and the caller decides (it will not authenticate). Without `socket`, the
 * connection is already destroyed.
 */
export interface HandshakeOutcome {
  socket?: tls.TLSSocket;
  data: TlsData;
  error?: StepError;
  /** The handshake failed with `observe: false`: its classification rests on OpenSSL's error alone. */
  unobserved?: boolean;
  /**
   * The handshake completed but OpenSSL's word on this chain is still missing, so the
   * certificate fails the check for now (nothing is sent on our analysis alone): `new-chain`,
   * the endpoint presented a chain other than the one OpenSSL accepted there before;
   * `public-root`, OpenSSL judged against the `--ca` certificates alone and our analysis ends
   * the chain at a system root. The caller may ask OpenSSL on a second handshake and `settle`.
   */
  undecided?: { reason: 'new-chain' | 'public-root'; chainKey: string; analysis: ChainAnalysis };
  /** Names the chain presented (verdictKey), when the handshake completed. */
  chainKey?: string;
}

/**
 * settle: the certificate verdict of a completed handshake once OpenSSL's word is known (from
 * this handshake, the memory, or a second handshake), gated with our analysis. Fills `data`
 * and returns the error the configured level makes of it, if any.
 */
export function settle(data: TlsData, analysis: ChainAnalysis, validator: ValidatorVerdict | undefined, verify: TlsVerify): StepError | undefined {
  const verdict = gate(analysis, validator, verify);
  data.chain = analysis.chain;
  if (analysis.unused.length > 0) data.unusedCertificates = analysis.unused;
  data.problems = verdict.problems;
  data.verifyPassed = verdict.verifyPassed;
  if (validator) data.validator = validator;
  else delete data.validator;
  data.authorized = verdict.authorized;
  const reason = primaryProblem(verdict.problems, 'chain');
  if (reason) data.authorizationError = reason.code;
  else delete data.authorizationError;
  const primary = primaryProblem(verdict.problems, verify) ?? (verdict.verifyPassed ? undefined : verdict.problems[0]);
  return primary ? { code: primary.code, message: primary.detail } : undefined;
}

/** What the handshake saw that the bare error cannot say. */
interface FailureContext {
  certificateRequested: boolean;
  clientCertSent: boolean;
  version?: TlsVersion;
}

/**
 * tlsHandshake runs the client side of TLS on a connected socket — right after connect
 * (implicit TLS, RFC 8314 §3.3) or after `220 Ready to start TLS` (RFC 3207 §4) — within the
 * deadline, and judges the certificate twice — analyzeChain and OpenSSL (gate). Never throws for a network outcome;
 * on failure or timeout the socket is destroyed.
 */
export function tlsHandshake(raw: net.Socket, opts: HandshakeOptions, deadline: Deadline): Promise<HandshakeOutcome> {
  const data: TlsData = {
    mode: opts.mode, servername: opts.servername, verify: opts.verify, chain: [], problems: [], verifyPassed: false, clientCertSent: false,
  };
  if (deadline.expired()) {
    raw.destroy();
    return Promise.resolve({ data, error: { code: 'PHASE_TIMEOUT', message: `no time left for the TLS handshake (${deadline.phase})` } });
  }
  // Cheap now: the --ca PEMs are parsed here, the system roots only if a chain needs them.
  const store = usableStore(opts) ?? TrustStore.from(opts.ca);
  // OpenSSL judges the chain too whenever it may gate credentials: a check at any level, or
  // the probe's own TLS step (which passes its run's store), even at `none`, so its verdict
  // is reported. Side connections that only look (scans, peeks) trust nothing.
  const judged = opts.verify !== 'none' || opts.trustStore !== undefined;
  // A shared store remembers OpenSSL's acceptances: an endpoint seen accepted before is
  // handshaken without OpenSSL's verification, and its chain recalled (see VerdictMemory).
  const memory = judged && opts.endpoint !== undefined && usableStore(opts) ? store.verdicts : undefined;
  const recall = !opts.fresh && memory !== undefined && opts.endpoint !== undefined && memory.expects(opts.endpoint);
  const scope = opts.openSslAnchors ?? 'own';
  const observe = opts.observe ?? true;
  const observer = new ServerFlightObserver(); // stays empty when not observing
  const tap = observe ? new TappedSocket(raw, (chunk) => observer.push(chunk)) : raw;
  const hasClientCert = opts.clientCert !== undefined && opts.clientKey !== undefined;
  let socket: tls.TLSSocket;
  // The leaf as Node converted it for its own name check (only after OpenSSL accepted the chain).
  let nodeView: tls.PeerCertificate | undefined;
  try {
    socket = tls.connect(connectOptions(tap, opts, judged && !recall ? store : undefined, scope, (cert) => { nodeView = cert; }));
  } catch (err) {
    // OpenSSL refused our own side (unreadable client key/cert, key not matching the cert, bad
    // --ca PEM) before a byte was sent; config validation should have caught it.
    tap.destroy();
    return Promise.resolve({ data, error: { code: 'TLS_HANDSHAKE_FAILED', message: `cannot set up the TLS client: ${(err as Error).message}` } });
  }

  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: HandshakeOutcome): void => {
      if (settled) return;
      settled = true;
      deadline.clock.clearTimeout(timer);
      deadline.signal.removeEventListener('abort', onAbort);
      socket.off('secureConnect', onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (!outcome.socket) {
        socket.destroy();
        raw.destroy();
        // A late error from the destroyed socket must not become an uncaught exception.
        socket.on('error', () => undefined);
      }
      resolve(outcome);
    };
    const seen = (): FailureContext => {
      const c: FailureContext = { certificateRequested: observer.certificateRequested, clientCertSent: hasClientCert && clientCertWasSent(observer) };
      if (observer.version) c.version = observer.version;
      return c;
    };
    const fail = (code: FindingCode, message: string, alert?: string): void => {
      if (observer.version) data.protocol = observer.version;
      data.clientCertSent = seen().clientCertSent;
      if (alert) data.alert = alert;
      finish(observe ? { data, error: { code, message } } : { data, error: { code, message }, unobserved: true });
    };
    const onTimeout = (): void => fail('PHASE_TIMEOUT', `TLS handshake not finished within the ${deadline.phase} deadline`);
    const onAbort = (): void => fail('PHASE_TIMEOUT', 'probe cancelled during the TLS handshake');
    const onError = (err: Error): void => {
      if (observer.notTls) {
        fail('NOT_SMTP', `the server does not speak TLS here: it sent ${printable(observer.notTls)}`);
        return;
      }
      const c = classifyHandshakeError(err, 'handshake', seen(), observer.alert);
      fail(c.code, c.message, c.alert);
    };
    const onClose = (): void => {
      if (observer.notTls) {
        fail('NOT_SMTP', `the server does not speak TLS here: it sent ${printable(observer.notTls)}`);
        return;
      }
      const c = classifyClose(seen(), observer.alert);
      fail(c.code, c.message, c.alert);
    };
    const onSecure = (): void => {
      const ctx = seen();
      fillNegotiated(data, socket, ctx);
      const presented = presentedChain(socket);
      const analysis = analyzeChain(presented, analysisOptions(opts, store));
      const key = verdictKey(presented, ciphersOf(opts));
      const now = Date.now();
      let validator: ValidatorVerdict | undefined;
      let undecided: HandshakeOutcome['undecided'];
      const leaf = presented[0];
      if (recall) {
        const known = leaf && memory?.recall(key, now);
        if (known) validator = recalledVerdict(known, leaf, opts.servername);
        else {
          undecided = { reason: 'new-chain', chainKey: key, analysis };
          // Until OpenSSL accepts a chain here again, the endpoint's probes ask it in their own handshake.
          if (opts.endpoint !== undefined) memory?.forget(opts.endpoint);
        }
      } else if (judged) {
        validator = validatorVerdict(socket, leaf, opts.servername, nodeView);
        if (store.splitsForOpenSsl) validator.anchors = scope === 'own' ? 'ca' : 'all';
        if (validator.chainAccepted && leaf && memory && opts.endpoint !== undefined) {
          memory.remember(opts.endpoint, key, now, earliestExpiry(presented), validator.version ?? process.versions.openssl,
            [opts.servername, validator.hostnameAccepted ? { accepted: true } : nameVerdict(leaf, opts.servername, nodeView)]);
        } else if (!validator.chainAccepted && scope === 'own' && store.splitsForOpenSsl && analysis.anchor === 'system') {
          undecided = { reason: 'public-root', chainKey: key, analysis };
          validator = undefined;
        }
      }
      const error = settle(data, analysis, validator, opts.verify);
      holdFirstWriteForTicket(socket, deadline, deadline.clock.now() - started);
      const outcome: HandshakeOutcome = { socket, data, chainKey: key };
      if (error) outcome.error = error;
      if (undecided) outcome.undecided = undecided;
      finish(outcome);
    };

    const started = deadline.clock.now();
    const timer = deadline.clock.setTimeout(onTimeout, deadline.remainingMs());
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
  });
}

/** Bounds of the wait for a TLS 1.3 session ticket (see holdFirstWriteForTicket). */
const TICKET_WAIT_MIN_MS = 10;
const TICKET_WAIT_MAX_MS = 50;

/**
 * holdFirstWriteForTicket: after a TLS 1.3 handshake, our first write (the post-STARTTLS EHLO)
 * is held back until the server's NewSessionTicket has arrived. Why: RFC 8446 §4.6.1 tickets
 * come after the client's Finished, as a small segment of their own; Node writes the EHLO
 * together with its Finished, so the client then has nothing more to send, and a server with
 * Nagle on (Postfix's smtpd) holds its small EHLO reply until that ticket segment is ACKed —
 * by our delayed-ACK timer, ~40 ms later (seen on the wire; openssl s_client and swaks read
 * the ticket before writing, so their EHLO carries the ACK and nothing stalls).
 *
 * The socket is corked, so the caller can go on at once (and sees every error and close as
 * usual); writes go out when the first 'session' event comes — on the next event-loop turn:
 * a write issued from inside the 'session' callback or its microtasks stalls in Node 20 — or
 * when the bound expires: a server that sends no ticket costs at most that. The ticket arrives
 * about one round trip after our Finished, and the handshake itself took about one round trip,
 * so the bound is twice the handshake's time, kept within 10–50 ms (a delayed ACK is 40 ms).
 */
function holdFirstWriteForTicket(socket: tls.TLSSocket, deadline: Deadline, handshakeMs: number): void {
  if (socket.getProtocol() !== 'TLSv1.3') return;
  const boundMs = Math.min(TICKET_WAIT_MAX_MS, Math.max(TICKET_WAIT_MIN_MS, 2 * handshakeMs), deadline.remainingMs());
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    deadline.clock.clearTimeout(bound);
    socket.off('session', onTicket);
    socket.off('close', release);
    if (!socket.destroyed) socket.uncork();
  };
  const onTicket = (): void => {
    deadline.clock.clearTimeout(bound);
    setImmediate(release);
  };
  socket.cork();
  const bound = deadline.clock.setTimeout(release, boundMs);
  socket.once('session', onTicket);
  socket.once('close', release);
}

function connectOptions(
  tap: TappedSocket | net.Socket, opts: HandshakeOptions, anchors: TrustStore | undefined, scope: 'own' | 'all', seenByNode: (cert: tls.PeerCertificate) => void,
): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = {
    socket: tap,
    // The handshake always completes, so that every problem can be reported and the session
    // can QUIT politely; OpenSSL's verdict (`authorized`) and the name check are read after it
    // (validatorVerdict) and combined with our own analysis (gate) before any credential moves.
    rejectUnauthorized: false,
    // Node calls this once OpenSSL has accepted the chain, with the peer's certificate already
    // converted (getPeerCertificate(true), a large part of a probe's CPU): kept, so that the
    // name check reuses it instead of converting the leaf a second time.
    checkServerIdentity: (_host, cert) => {
      seenByNode(cert);
      return undefined;
    },
  };
  const bare = opts.servername.replace(/^\[|\]$/g, '');
  if (ipFamily(bare) === 0) o.servername = bare;
  const ctx: ContextOptions = {};
  const min = minVersionOf(opts);
  if (min) ctx.minVersion = min;
  if (opts.maxVersion) ctx.maxVersion = opts.maxVersion;
  const ciphers = ciphersOf(opts);
  if (ciphers) ctx.ciphers = ciphers;
  if (opts.clientCert !== undefined && opts.clientKey !== undefined) {
    ctx.cert = opts.clientCert;
    ctx.key = opts.clientKey;
  }
  return { ...o, secureContext: clientContext(ctx, anchors, scope) };
}

function minVersionOf(opts: HandshakeOptions): TlsVersion | undefined {
  return opts.minVersion ?? (opts.maxVersion && rank(opts.maxVersion) < rank('TLSv1.2') ? opts.maxVersion : undefined);
}

/** ciphersOf: the context's cipher string (it carries OpenSSL's security level), or undefined for Node's default. */
function ciphersOf(opts: HandshakeOptions): string | undefined {
  const min = minVersionOf(opts);
  return min && rank(min) < rank('TLSv1.2') ? LEGACY_CIPHERS : undefined;
}

/** usableStore: the caller's TrustStore, if it was built from the same `ca` (else it is ignored). */
function usableStore(opts: HandshakeOptions): TrustStore | undefined {
  const s = opts.trustStore;
  return s && s.extraCa.length === opts.ca.length && s.extraCa.every((pem, i) => pem === opts.ca[i]) ? s : undefined;
}

function rank(v: TlsVersion): number {
  return TLS_VERSIONS.indexOf(v);
}

/**
 * clientCertWasSent: a configured certificate goes out only when the server asks. TLS 1.2
 * shows the CertificateRequest; TLS 1.3 encrypts it (RFC 8446 §4.3.2), so there it is assumed.
 */
function clientCertWasSent(observer: ServerFlightObserver): boolean {
  return observer.certificateRequested || observer.version === 'TLSv1.3';
}

function fillNegotiated(data: TlsData, socket: tls.TLSSocket, ctx: FailureContext): void {
  const protocol = socket.getProtocol();
  if (protocol) data.protocol = protocol;
  const cipher = socket.getCipher();
  if (cipher) {
    data.cipher = { name: cipher.name, version: cipher.version };
    if (cipher.standardName) data.cipher.standardName = cipher.standardName;
  }
  const group = socket.getEphemeralKeyInfo();
  if (group && 'name' in group && group.name) data.group = group.name;
  data.clientCertSent = ctx.clientCertSent;
}

function analysisOptions(opts: HandshakeOptions, trustStore: TrustStore): Parameters<typeof analyzeChain>[1] {
  return {
    servername: opts.servername, verify: opts.verify, extraCa: opts.ca, now: Date.now(), warnDays: opts.warnDays, critDays: opts.critDays,
    trustStore, ...(opts.warnLifetimePct !== undefined ? { warnLifetimePct: opts.warnLifetimePct } : {}),
  };
}

/** More certificates than any real chain has (RFC 8446 §4.4.2 sets no limit). */
const MAX_CHAIN = 64;

/**
 * presentedChain: the certificates exactly as the server sent them, leaf first, in TLS 1.2
 * and 1.3 alike. Node builds getPeerX509Certificate() from OpenSSL's peer chain
 * (SSL_get_peer_cert_chain: the Certificate message's list, in order, extras included) and
 * links each to the next by `issuerCertificate` — unlike getPeerCertificate(true), which
 * re-orders by issuer, drops what does not fit and appends issuers from the local store, and
 * which costs about a fifth of a probe's CPU (it converts every certificate into a JS object).
 * Node 20 moves the certificates out of OpenSSL's list while doing so, so this is the one
 * place that reads the peer's certificates.
 */
function presentedChain(socket: tls.TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  // The links come from a finite list (duplicates the server sent are kept, as sent); the cap
  // only guards against a future Node resolving issuers in a way that could loop.
  for (let c = socket.getPeerX509Certificate(); c && chain.length < MAX_CHAIN; c = c.issuerCertificate) chain.push(c);
  return chain;
}

/** TlsErrorClass: what classifyTlsError makes of a TLS failure. */
export interface TlsErrorClass {
  code: FindingCode;
  /** The TLS alert received, by its RFC 8446 §6 name (e.g. `certificate_required`). */
  alert?: string;
  message: string;
}

/**
 * classifyTlsError names a TLS failure. `after-handshake` is for an error on the first read
 * after the handshake: in TLS 1.3 the client's Finished ends its side of the handshake before
 * the server has checked the client certificate (RFC 8446 §4.4.2.4), so a refusal
 * (certificate_required, bad_certificate, unknown_ca ...) arrives there.
 */
export function classifyTlsError(err: unknown, phase: 'handshake' | 'after-handshake'): TlsErrorClass {
  return classifyHandshakeError(err, phase, { certificateRequested: false, clientCertSent: false });
}

/** Alerts by which a server refuses the client certificate it got (RFC 8446 §6.2). */
const CLIENT_CERT_REFUSALS = new Set([
  'bad_certificate', 'unsupported_certificate', 'certificate_revoked', 'certificate_expired', 'certificate_unknown',
  'unknown_ca', 'access_denied',
]);

function classifyHandshakeError(err: unknown, phase: 'handshake' | 'after-handshake', ctx: FailureContext, wireAlert?: [number, number]): TlsErrorClass {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e?.code ?? '';
  const reason = (e?.reason ?? e?.message ?? String(err)).toLowerCase();
  const alert = alertName(reason, wireAlert);
  const inVersion = ctx.version ? ` in ${ctx.version}` : '';
  const received = alert ? `the server sent alert ${alert}${inVersion}` : '';

  if (alert === 'protocol_version' || /unsupported protocol|no protocols available|version too low|wrong ssl version|tlsv1 alert protocol version/.test(reason)
    || code === 'ERR_SSL_UNSUPPORTED_PROTOCOL' || code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE') {
    return withAlert({ code: 'TLS_VERSION_MISMATCH', message: `no TLS version in common with the server (${received || reason})` }, alert);
  }
  if (alert === 'certificate_required') {
    return withAlert({ code: 'CLIENT_CERT_REQUIRED', message: `the server requires a client certificate (${received})` }, alert);
  }
  if (alert && CLIENT_CERT_REFUSALS.has(alert)) {
    // Without a certificate sent, some servers still answer bad_certificate/certificate_unknown.
    const sent = ctx.clientCertSent || phase === 'after-handshake';
    return withAlert(sent
      ? { code: 'CLIENT_CERT_REJECTED', message: `the server rejected the client certificate (${received})` }
      : { code: 'CLIENT_CERT_REQUIRED', message: `the server requires a client certificate (${received})` }, alert);
  }
  if (alert === 'handshake_failure' && ctx.certificateRequested) {
    // TLS 1.2 servers answer a missing or refused certificate with handshake_failure (RFC 5246 §7.4.6).
    return withAlert(ctx.clientCertSent
      ? { code: 'CLIENT_CERT_REJECTED', message: `the server rejected the client certificate (${received} after its CertificateRequest)` }
      : { code: 'CLIENT_CERT_REQUIRED', message: `the server requires a client certificate (${received} after its CertificateRequest; none was sent)` }, alert);
  }
  if (/wrong version number|packet length too long|http request|record layer failure|unknown protocol/.test(reason)) {
    return { code: 'NOT_SMTP', message: `the server does not speak TLS here (${reason})` };
  }
  if (alert) {
    return withAlert({ code: 'TLS_HANDSHAKE_FAILED', message: `TLS ${phase === 'handshake' ? 'handshake' : 'session'} failed: ${received}` }, alert);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket disconnected|socket hang up/.test(reason)) {
    return phase === 'handshake'
      ? classifyClose(ctx)
      : { code: 'CONNECTION_DROPPED', message: 'the server closed the connection right after the TLS handshake' };
  }
  return { code: 'TLS_HANDSHAKE_FAILED', message: `TLS ${phase === 'handshake' ? 'handshake' : 'session'} failed: ${reason}` };
}

/**
 * classifyClose: the connection ended mid-handshake without an error from OpenSSL. An alert
 * seen in clear still names the cause. Otherwise, a TLS 1.2 server that asked for a client
 * certificate and then hung up on the client's flight most likely refused (or missed) that
 * certificate: some servers (Node's among them) drop the connection instead of sending
 * bad_certificate/unknown_ca.
 */
function classifyClose(ctx: FailureContext, wireAlert?: [number, number]): TlsErrorClass {
  if (wireAlert) {
    const name = ALERT_NAMES[wireAlert[1]] ?? `alert ${wireAlert[1]}`;
    return classifyHandshakeError(Object.assign(new Error(`alert ${name}`), { reason: `tlsv1 alert ${name.replace(/_/g, ' ')}` }), 'handshake', ctx, wireAlert);
  }
  if (ctx.certificateRequested) {
    return ctx.clientCertSent
      ? { code: 'CLIENT_CERT_REJECTED', message: 'the server closed the connection after receiving the client certificate (no alert)' }
      : { code: 'CLIENT_CERT_REQUIRED', message: 'the server asked for a client certificate and closed the connection when none came (no alert)' };
  }
  return { code: 'TLS_HANDSHAKE_FAILED', message: 'the server closed the connection during the TLS handshake' };
}

function withAlert(c: TlsErrorClass, alert: string | undefined): TlsErrorClass {
  return alert ? { ...c, alert } : c;
}

/**
 * alertName: the alert received, from the record seen in clear or else from OpenSSL's reason
 * text ("sslv3 alert handshake failure", "tlsv13 alert certificate required").
 */
function alertName(reason: string, wire?: [number, number]): string | undefined {
  if (wire) return ALERT_NAMES[wire[1]] ?? `alert ${wire[1]}`;
  const m = /(?:sslv3|tlsv1|tlsv13) alert (.+)$/.exec(reason);
  return m ? (m[1] as string).trim().replace(/ /g, '_') : undefined;
}

/** printable: the first bytes a non-TLS peer sent, for the message (e.g. `"220 mail ESMTP"`). */
function printable(b: Buffer): string {
  const text = b.toString('latin1').replace(/\r?\n[\s\S]*$/, '');
  return /^[\x20-\x7e]+$/.test(text) ? JSON.stringify(text) : `${b.length} bytes starting 0x${b.subarray(0, 8).toString('hex')}`;
}
