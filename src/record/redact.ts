import { Secret } from '../model/secret.js';

/**
 * Redaction for recordings (docs/design.md, "Safety rules": never a secret in a recorded fixture).
 * The transcript is already redacted at capture; this is the second line of defence, applied
 * to every string of a recorded scenario and of its YAML comments: known secrets, anything
 * that decodes from base64 to one, SASL challenges, and — unless the user keeps them — the
 * user name.
 */

/** USER_PLACEHOLDER stands for the recorded user name (RFC 2606 reserves `.invalid`). */
export const USER_PLACEHOLDER = 'recorded-user@example.invalid';
/**
 * REPLAY_PASSWORD: the fixed test password a recording's mock accepts and its probe sends, so
 * the replay can authenticate. It is a test value, never the recorded one.
 */
export const REPLAY_PASSWORD = 'replay-test-password';
/** CHALLENGE_PLACEHOLDER replaces a server's SASL challenge (334 payload) in recorded text. */
export const CHALLENGE_PLACEHOLDER = '<challenge>';
/** SECRET_PLACEHOLDER replaces a secret found where none should be. */
export const SECRET_PLACEHOLDER = '<redacted:secret>';

/** RedactOptions: what a Redactor must hide for one recording. */
export interface RedactOptions {
  /** The user name of the recorded run; replaced by USER_PLACEHOLDER unless keepUsernames. */
  username?: string | undefined;
  keepUsernames?: boolean;
  /** Passwords, tokens and keys known to the recorder (e.g. `check --record`); never in the output. */
  secrets?: readonly (string | Secret | undefined)[];
}

/** Shortest base64 token examined: shorter ones cannot hide a useful secret and match words. */
const MIN_B64 = 8;
const B64_TOKEN = /[A-Za-z0-9+/]{8,}={0,2}/g;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Redactor scrubs strings for one recording. Construct it with what the recorder knows;
 * `text` is safe to call on any string, `deep` on any JSON-like value.
 */
export class Redactor {
  readonly #secrets: string[];
  readonly #username: string | undefined;
  readonly #keepUsernames: boolean;

  constructor(opts: RedactOptions = {}) {
    // Revealed only to be searched for and replaced; the values never leave this object.
    this.#secrets = (opts.secrets ?? []).map((s) => (s instanceof Secret ? s.reveal() : s)).filter((s): s is string => s !== undefined && s.length > 0);
    this.#keepUsernames = opts.keepUsernames === true;
    this.#username = opts.username && opts.username.length > 0 ? opts.username : undefined;
  }

  /** userName: the name a recording may show for the recorded user. */
  userName(): string {
    return this.#keepUsernames && this.#username ? this.#username : USER_PLACEHOLDER;
  }

  /** #sensitive: literal values that must not appear (the user name only when not kept). */
  #sensitive(): string[] {
    const values = [...this.#secrets];
    if (!this.#keepUsernames && this.#username) values.push(this.#username);
    return values;
  }

  /** #hidesSecret: whether a base64 token decodes to text holding a secret (or the user name). */
  #hidesSecret(token: string, values: readonly string[]): boolean {
    if (token.length < MIN_B64) return false;
    // Try the token at each alignment: it may sit inside a longer run of base64 letters.
    for (let shift = 0; shift < 4; shift++) {
      const decoded = Buffer.from(token.slice(shift), 'base64').toString('latin1');
      if (values.some((v) => decoded.includes(v) || decoded.includes(Buffer.from(v, 'utf8').toString('latin1')))) return true;
    }
    return false;
  }

  /** text returns `s` with every secret, its base64 forms and (unless kept) the user name replaced. */
  text(s: string): string {
    const values = this.#sensitive();
    if (values.length === 0) return s;
    let out = s;
    for (const secret of this.#secrets) out = out.split(secret).join(SECRET_PLACEHOLDER);
    if (!this.#keepUsernames && this.#username) {
      // Whole names only: "bob" must not turn "bobcat" into nonsense, while "bob@example.com" and "<bob>" match.
      const name = new RegExp(`(?<![A-Za-z0-9._%+-])${escapeRegExp(this.#username)}(?![A-Za-z0-9_%+-]|\\.[A-Za-z0-9])`, 'gi');
      out = out.replace(name, USER_PLACEHOLDER);
    }
    // Base64 of a secret (alone, or inside a SASL message such as PLAIN's "\0user\0pass").
    out = out.replace(B64_TOKEN, (token) => (this.#hidesSecret(token, values) ? SECRET_PLACEHOLDER : token));
    for (const v of values) {
      for (const b64 of [Buffer.from(v).toString('base64'), Buffer.from(v).toString('base64').replace(/=+$/, '')]) {
        if (b64.length >= 4) out = out.split(b64).join(SECRET_PLACEHOLDER);
      }
    }
    return out;
  }

  /** deep applies `text` to every string value of a JSON-like value (keys are schema names), returning a copy. */
  deep<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.deep(v)) as T;
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.deep(v);
      return out as T;
    }
    return value;
  }
}

/**
 * redactChallenge: a 334 line's payload replaced by a placeholder. Challenges can carry a
 * nonce (CRAM-MD5), an NTLM target name or a provider's error JSON (XOAUTH2); none is needed
 * to replay, since the mock issues its own.
 */
export function redactChallenge(payload: string): string {
  return payload.trim() === '' ? '' : CHALLENGE_PLACEHOLDER;
}
