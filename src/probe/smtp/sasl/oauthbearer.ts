import type { SaslCredentials, SaslMechanism, SaslStep, ServerInfo } from './mechanism.js';
import { REDACTED, missing, nothing, refusePlaintext, utf8 } from './mechanism.js';

/**
 * OauthBearerMechanism: OAUTHBEARER (RFC 7628 §3.1). Initial response:
 * `n,a=<user>,^Ahost=<host>^Aport=<port>^Aauth=Bearer <token>^A^A`. On failure the server sends
 * a 334 with a JSON error (§3.2.2); the client answers with a single ^A (0x01), after which the
 * server sends the final failure reply.
 */
export class OauthBearerMechanism implements SaslMechanism {
  readonly name = 'OAUTHBEARER' as const;
  #errorAcknowledged = false;

  constructor(private readonly creds: SaslCredentials) {}

  start(server: ServerInfo): SaslStep {
    const refusal = refusePlaintext(server, this.name);
    if (refusal) return refusal;
    const { user, token } = this.creds;
    if (token === undefined) return missing(this.name, 'a bearer token');
    // RFC 5801 §4 gs2-header: "n" (no channel binding), then the optional authzid.
    const gs2 = user === undefined ? 'n,,' : `n,a=${saslname(user)},`;
    const message = `${gs2}\x01host=${server.host}\x01port=${server.port}\x01auth=Bearer ${token.reveal()}\x01\x01`;
    return { kind: 'respond', data: utf8(message), redacted: REDACTED.token };
  }

  next(_challenge: Uint8Array, more: boolean): SaslStep {
    if (!more) return nothing();
    if (this.#errorAcknowledged) return { kind: 'abort', reason: 'unexpected OAUTHBEARER challenge after the error was acknowledged' };
    this.#errorAcknowledged = true;
    return { kind: 'respond', data: Uint8Array.of(0x01), redacted: '<0x01: error acknowledged>' };
  }
}

/** RFC 5801 §4: in a saslname "," is written "=2C" and "=" is written "=3D". */
function saslname(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}
