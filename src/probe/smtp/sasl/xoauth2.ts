import type { SaslCredentials, SaslMechanism, SaslStep, ServerInfo } from './mechanism.js';
import { REDACTED, missing, nothing, refusePlaintext, utf8 } from './mechanism.js';

/**
 * Xoauth2Mechanism: Google's and Microsoft's XOAUTH2
 * (https://developers.google.com/gmail/imap/xoauth2-protocol):
 * initial response `user=<user>^Aauth=Bearer <token>^A^A` (^A = 0x01). When the token is
 * refused the server sends a 334 whose data is a base64 JSON error; the client must answer with
 * an empty line, after which the server sends the final 535.
 */
export class Xoauth2Mechanism implements SaslMechanism {
  readonly name = 'XOAUTH2' as const;
  #errorAcknowledged = false;

  constructor(private readonly creds: SaslCredentials) {}

  start(server: ServerInfo): SaslStep {
    const refusal = refusePlaintext(server, this.name);
    if (refusal) return refusal;
    const { user, token } = this.creds;
    if (user === undefined || token === undefined) return missing(this.name, 'a user name and bearer token');
    return { kind: 'respond', data: utf8(`user=${user}\x01auth=Bearer ${token.reveal()}\x01\x01`), redacted: REDACTED.token };
  }

  next(_challenge: Uint8Array, more: boolean): SaslStep {
    if (!more) return nothing();
    if (this.#errorAcknowledged) return { kind: 'abort', reason: 'unexpected XOAUTH2 challenge after the error was acknowledged' };
    this.#errorAcknowledged = true;
    // The challenge is the JSON error status; an empty response lets the server send the 535.
    return { kind: 'respond', data: new Uint8Array(0), redacted: '<empty: error acknowledged>' };
  }
}
