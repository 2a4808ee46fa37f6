import { Interrupted } from '../model/deadline.js';
import type { OAuthCredential, TokenEndpointError } from '../model/oauth.js';
import type { Report } from '../model/report.js';
import { Secret } from '../model/secret.js';
import type { Target } from '../model/target.js';
import type { AuthHold } from '../probe/probe.js';
import type { EchoOutcome, EchoRequest, PingerOpenResult } from '../probe/path/pinger.js';

/**
 * The messages between the main thread and a probe worker (worker-pool.ts, probe-worker.ts).
 * They cross a structured clone, which copies plain data only: a `Secret` keeps its value in a
 * private field, which the clone drops, so a Target is encoded here, field by field, with each
 * secret revealed into the message, and wrapped in a `Secret` again on the other side. These
 * messages are never logged or written anywhere.
 */

/** SecretInTransit: a Secret's value inside one message to a worker. */
export interface SecretInTransit {
  readonly secret: string;
}

/**
 * InTransit<T>: T with every Secret replaced by its value in transit. A new Secret-typed field
 * in Target that `encodeTarget` does not handle is a compile error there, not a lost password.
 */
export type InTransit<T> = T extends Secret
  ? SecretInTransit
  : T extends readonly (infer U)[]
    ? InTransit<U>[]
    : T extends object
      ? { [K in keyof T]: InTransit<T[K]> }
      : T;

/** TargetInTransit: a Target as a worker receives it. */
export type TargetInTransit = InTransit<Target>;

/** How a probe was cancelled: by the user (the probe's steps say PROBE_INTERRUPTED) or otherwise. */
export type AbortReasonInTransit = { kind: 'interrupted'; signalName: string } | { kind: 'aborted'; message: string };

/** The ICMP sockets the main thread could open, by family, for a probe that pings (see worker-icmp.ts). */
export type IcmpAvailability = Record<4 | 6, PingerOpenResultInTransit>;
/** PingerOpenResultInTransit: a PingerOpenResult without the pinger (it stays in the main thread). */
export type PingerOpenResultInTransit = { ok: true } | Extract<PingerOpenResult, { ok: false }>;

/** ToWorker: what the main thread sends a worker. */
export type ToWorker =
  | { type: 'probe'; id: number; target: TargetInTransit; authHold?: AuthHold; icmp?: IcmpAvailability }
  | { type: 'cancel'; id: number; reason: AbortReasonInTransit }
  | { type: 'echoed'; seq: number; outcome: EchoOutcome }
  | { type: 'token-result'; seq: number; result: TokenResultInTransit };

/** FromWorker: what a worker sends back. */
export type FromWorker =
  | { type: 'report'; id: number; report: Report }
  /** The probe threw: a bug in smtprobe, rethrown in the main thread as the in-process probe would. */
  | { type: 'failed'; id: number; message: string }
  /** An ICMP echo for one of the worker's probes, to be sent by the main thread's shared ICMP sessions. */
  | { type: 'echo'; seq: number; family: 4 | 6; req: EchoRequest }
  /** A bearer token for one of the worker's probes, from the main thread's one token cache. */
  | { type: 'token'; seq: number; credential: InTransit<OAuthCredential>; ca: string[]; timeoutMs: number }
  /** The probe waiting for token request `seq` was cancelled. */
  | { type: 'token-cancel'; seq: number };

/**
 * TokenResultInTransit: what the main thread's token cache answered: the token (and whether it
 * was cached), the endpoint's refusal (a TokenRequestError's detail), or an unexpected error.
 */
export type TokenResultInTransit =
  | { kind: 'token'; token: SecretInTransit; expiresAt: number; cached: boolean }
  | { kind: 'refused'; detail: TokenEndpointError }
  | { kind: 'error'; message: string };

/** reveal: a Secret's value for one message. */
export const reveal = (s: Secret): SecretInTransit => ({ secret: s.reveal() });
/** wrap: a value from a message in a Secret again. */
export const wrap = (s: SecretInTransit): Secret => new Secret(s.secret);

/** encodeTarget: the Target as a message can carry it (every secret revealed into the message). */
export function encodeTarget(target: Target): TargetInTransit {
  const { password, token, oauth, ...rest } = target;
  const out: TargetInTransit = { ...rest };
  if (password !== undefined) out.password = reveal(password);
  if (token !== undefined) out.token = reveal(token);
  if (oauth !== undefined) out.oauth = encodeOAuth(oauth);
  return out;
}

/** decodeTarget: the Target again, every secret wrapped in a `Secret`. */
export function decodeTarget(wire: TargetInTransit): Target {
  const { password, token, oauth, ...rest } = wire;
  const out: Target = { ...rest };
  if (password !== undefined) out.password = wrap(password);
  if (token !== undefined) out.token = wrap(token);
  if (oauth !== undefined) out.oauth = decodeOAuth(oauth);
  return out;
}

/** encodeOAuth: an OAuth credential as a message carries it (its secrets revealed into the message). */
export function encodeOAuth(c: OAuthCredential): InTransit<OAuthCredential> {
  const { clientSecret, clientCert, refreshToken, serviceAccount, ...rest } = c;
  const out: InTransit<OAuthCredential> = { ...rest };
  if (clientSecret !== undefined) out.clientSecret = reveal(clientSecret);
  if (clientCert !== undefined) out.clientCert = { ...clientCert, keyPem: reveal(clientCert.keyPem) };
  if (refreshToken !== undefined) out.refreshToken = reveal(refreshToken);
  if (serviceAccount !== undefined) out.serviceAccount = { ...serviceAccount, privateKey: reveal(serviceAccount.privateKey) };
  return out;
}

/** decodeOAuth: the credential again, its secrets wrapped. */
export function decodeOAuth(c: InTransit<OAuthCredential>): OAuthCredential {
  const { clientSecret, clientCert, refreshToken, serviceAccount, ...rest } = c;
  const out: OAuthCredential = { ...rest };
  if (clientSecret !== undefined) out.clientSecret = wrap(clientSecret);
  if (clientCert !== undefined) out.clientCert = { ...clientCert, keyPem: wrap(clientCert.keyPem) };
  if (refreshToken !== undefined) out.refreshToken = wrap(refreshToken);
  if (serviceAccount !== undefined) out.serviceAccount = { ...serviceAccount, privateKey: wrap(serviceAccount.privateKey) };
  return out;
}

/** encodeAbortReason: why the run's signal was aborted, as a message carries it. */
export function encodeAbortReason(reason: unknown): AbortReasonInTransit {
  if (reason instanceof Interrupted) return { kind: 'interrupted', signalName: reason.signalName };
  return { kind: 'aborted', message: reason instanceof Error ? reason.message : String(reason) };
}

/** decodeAbortReason: the reason again, so the worker's steps tell an interrupt from a deadline as in-process. */
export function decodeAbortReason(r: AbortReasonInTransit): Error {
  return r.kind === 'interrupted' ? new Interrupted(r.signalName) : new Error(r.message);
}
