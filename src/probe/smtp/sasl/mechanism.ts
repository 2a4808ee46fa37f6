import type { MechanismName } from '../../../model/target.js';
import type { Secret } from '../../../model/secret.js';

/** ServerInfo: what a mechanism may know about the connection before it sends anything. */
export interface ServerInfo {
  /** The connection is encrypted (implicit TLS, or after a successful STARTTLS). */
  tls: boolean;
  /** The name the client connected to (OAUTHBEARER sends it, RFC 7628 §3.1). */
  host: string;
  port: number;
  /** `--allow-plaintext-auth`: the user accepts sending credentials without TLS. */
  allowPlaintext: boolean;
}

/** SaslCredentials: what the user gave. Secrets stay wrapped until the bytes are built. */
export interface SaslCredentials {
  user?: string;
  password?: Secret;
  /** OAuth 2.0 bearer token for XOAUTH2 and OAUTHBEARER. */
  token?: Secret;
}

/**
 * SaslStep: what the client does next.
 * - `respond`: send `data` (the caller base64-encodes it; `null` = nothing to send now, e.g. no
 *   initial response). The transcript shows `redacted` instead: it never holds a secret, a user
 *   name or a base64 payload.
 * - `refuse`: do not send AUTH at all (before any byte), with a finding code.
 * - `abort`: cancel the exchange by sending `*` (RFC 4954 §4).
 */
export type SaslStep =
  | { kind: 'respond'; data: Uint8Array | null; redacted: string }
  | { kind: 'refuse'; code: 'AUTH_PLAINTEXT_REFUSED' | 'AUTH_PROTOCOL_ERROR'; reason: string }
  | { kind: 'abort'; reason: string };

/**
 * SaslMechanism: one SASL mechanism as a small object (docs/design.md, "SASL mechanisms"; after Go's net/smtp `Auth`).
 * The SMTP connection owns base64, the 334/235 replies and sending `*`; the mechanism only
 * decides the bytes, so it is testable without a socket.
 */
export interface SaslMechanism {
  readonly name: MechanismName;
  /** Called before `AUTH` is sent: the initial response (or `null`), or a refusal. */
  start(server: ServerInfo): SaslStep;
  /**
   * Called with each decoded server challenge. `more` is true for a 334 challenge and false
   * for additional data on the final 235 (RFC 4954 §4), to which nothing is sent.
   */
  next(challenge: Uint8Array, more: boolean): SaslStep;
}

/** Transcript stand-ins for what a mechanism sends. */
export const REDACTED = {
  credentials: '<redacted:credentials>',
  username: '<redacted:username>',
  password: '<redacted:password>',
  token: '<redacted:token>',
  digest: '<redacted:username+digest>',
  none: '',
} as const;

/** The `respond` step for "nothing to send" (no initial response, or a final 235 with data). */
export function nothing(): SaslStep {
  return { kind: 'respond', data: null, redacted: REDACTED.none };
}

/**
 * refusePlaintext: the refusal every mechanism that sends a reusable secret returns on a
 * connection without TLS, unless the user explicitly allowed it.
 */
export function refusePlaintext(server: ServerInfo, name: MechanismName): SaslStep | undefined {
  if (server.tls || server.allowPlaintext) return undefined;
  // Anyone on the path (a Wi-Fi neighbour, a compromised router, a STARTTLS-stripping
  // middlebox) would read the credentials, so they are never sent in clear by default.
  return {
    kind: 'refuse',
    code: 'AUTH_PLAINTEXT_REFUSED',
    reason: `${name} would send the credentials unencrypted; refused (use TLS, or --allow-plaintext-auth)`,
  };
}

/** missing: the refusal when the credentials a mechanism needs were not given. */
export function missing(name: MechanismName, what: string): SaslStep {
  return { kind: 'refuse', code: 'AUTH_PROTOCOL_ERROR', reason: `${name} needs ${what}, which was not given` };
}

/** UTF-8 bytes of a string (RFC 4422 §3.4: SASL strings are UTF-8). */
export function utf8(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}
