import type { SaslCredentials, SaslMechanism, SaslStep, ServerInfo } from './mechanism.js';
import { REDACTED, missing, nothing, refusePlaintext, utf8 } from './mechanism.js';

/**
 * PlainMechanism: SASL PLAIN (RFC 4616). One message, sent as the initial response
 * (RFC 4954 §4) so AUTH takes a single round trip: `authzid NUL authcid NUL passwd` with an
 * empty authzid (act as the user authenticated).
 */
export class PlainMechanism implements SaslMechanism {
  readonly name = 'PLAIN' as const;
  #sent = false;

  constructor(private readonly creds: SaslCredentials) {}

  start(server: ServerInfo): SaslStep {
    const refusal = refusePlaintext(server, this.name);
    if (refusal) return refusal;
    const { user, password } = this.creds;
    if (user === undefined || password === undefined) return missing(this.name, 'a user name and password');
    this.#sent = true;
    return { kind: 'respond', data: utf8(`\0${user}\0${password.reveal()}`), redacted: REDACTED.credentials };
  }

  next(_challenge: Uint8Array, more: boolean): SaslStep {
    if (!more) return nothing();
    // RFC 4616 §2: PLAIN has exactly one message, already sent; a further challenge is a
    // server error, and answering it again would only resend the password.
    if (this.#sent) return { kind: 'abort', reason: 'unexpected challenge after the PLAIN response' };
    return { kind: 'abort', reason: 'PLAIN challenge before start()' };
  }
}
