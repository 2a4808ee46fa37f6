import type { Capabilities, TlsData } from '../../model/step-data.js';
import type { SessionContext } from '../step.js';
import type { TokenCache } from '../../oauth/token-cache.js';
import type { TrustStoreCache } from '../tls/trust-store.js';
import type { SmtpConnection } from './connection.js';

/** SmtpSessionState: what the steps of one probe leave for each other. */
export interface SmtpSessionState {
  /** Addresses to try, in order (set by the dns step). */
  addresses?: string[];
  /** The address the TCP step connected to. */
  address?: string;
  conn?: SmtpConnection;
  /** Capabilities from the EHLO before TLS (absent for implicit TLS). */
  capsPlain?: Capabilities;
  /** Capabilities from the EHLO inside TLS. */
  capsTls?: Capabilities;
  tls?: TlsData;
  /** False when the certificate failed the configured check: no AUTH then. */
  tlsVerified?: boolean;
  greetingHost?: string;
  authenticated?: boolean;
  /** Parsed trust anchors for the certificate check, shared across the probes of a run. */
  trustStores?: TrustStoreCache;
  /** Bearer tokens fetched with --oauth-*, shared across the probes of a run. */
  tokens?: TokenCache;
  /** Steps outside the SMTP dialogue (dns, icmp, path) share the same bag. */
  [key: string]: unknown;
}

export type SmtpContext = SessionContext<SmtpSessionState>;

/** currentCaps: the capabilities that apply now (inside TLS when the session is secure). */
export function currentCaps(state: SmtpSessionState): Capabilities | undefined {
  return state.conn?.secure ? state.capsTls : state.capsPlain;
}
