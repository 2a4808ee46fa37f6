import { createHmac } from 'node:crypto';
import type { SaslCredentials, SaslMechanism, SaslStep, ServerInfo } from './mechanism.js';
import { REDACTED, missing, nothing, refusePlaintext, utf8 } from './mechanism.js';

/**
 * CramMd5Mechanism: CRAM-MD5 (RFC 2195). The server sends a challenge; the client answers
 * `user SP hex(HMAC-MD5(password, challenge))`. The password itself never crosses the wire,
 * yet it still refuses to start without TLS: an eavesdropper gets the user name in clear and
 * a challenge/digest pair to brute-force offline (RFC 2195 §4 itself warns of this), and the
 * probe's rule is no AUTH in clear unless the user allowed it (docs/design.md, "Credentials only over trusted TLS").
 */
export class CramMd5Mechanism implements SaslMechanism {
  readonly name = 'CRAM-MD5' as const;
  #answered = false;

  constructor(private readonly creds: SaslCredentials) {}

  start(server: ServerInfo): SaslStep {
    const refusal = refusePlaintext(server, this.name);
    if (refusal) return refusal;
    if (this.creds.user === undefined || this.creds.password === undefined) return missing(this.name, 'a user name and password');
    // RFC 2195 §2: the server speaks first, so there is no initial response.
    return nothing();
  }

  next(challenge: Uint8Array, more: boolean): SaslStep {
    if (!more) return nothing();
    if (this.#answered) return { kind: 'abort', reason: 'unexpected second CRAM-MD5 challenge' };
    const { user, password } = this.creds;
    if (user === undefined || password === undefined) return { kind: 'abort', reason: 'CRAM-MD5 challenge without credentials' };
    if (challenge.length === 0) return { kind: 'abort', reason: 'empty CRAM-MD5 challenge' };
    this.#answered = true;
    const digest = createHmac('md5', Buffer.from(password.reveal(), 'utf8')).update(challenge).digest('hex');
    return { kind: 'respond', data: utf8(`${user} ${digest}`), redacted: REDACTED.digest };
  }
}
