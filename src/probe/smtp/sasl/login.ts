import type { SaslCredentials, SaslMechanism, SaslStep, ServerInfo } from './mechanism.js';
import { REDACTED, missing, nothing, refusePlaintext, utf8 } from './mechanism.js';

/**
 * LoginMechanism: the LOGIN mechanism (MS-XLOGIN; draft-murchison-sasl-login). `AUTH LOGIN`
 * without an initial response, as Exchange's Send connector does; the user name answers the
 * first 334, the password the second. The 334 texts ("Username:", "Password:") are not checked:
 * servers word them differently, and Exchange ignores them too (docs/domain.md).
 */
export class LoginMechanism implements SaslMechanism {
  readonly name = 'LOGIN' as const;
  #round = 0;

  constructor(private readonly creds: SaslCredentials) {}

  start(server: ServerInfo): SaslStep {
    const refusal = refusePlaintext(server, this.name);
    if (refusal) return refusal;
    if (this.creds.user === undefined || this.creds.password === undefined) return missing(this.name, 'a user name and password');
    return nothing();
  }

  next(_challenge: Uint8Array, more: boolean): SaslStep {
    if (!more) return nothing();
    this.#round++;
    const { user, password } = this.creds;
    if (user === undefined || password === undefined) return { kind: 'abort', reason: 'LOGIN challenge without credentials' };
    if (this.#round === 1) return { kind: 'respond', data: utf8(user), redacted: REDACTED.username };
    if (this.#round === 2) return { kind: 'respond', data: utf8(password.reveal()), redacted: REDACTED.password };
    return { kind: 'abort', reason: `unexpected LOGIN challenge #${this.#round} (only user name and password are asked)` };
  }
}
