import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose, matchProviderSignature, SIGNATURES } from '../../../src/diagnose/index.js';
import type { FindingCode } from '../../../src/model/finding-codes.js';
import type { SmtpReply } from '../../../src/model/step-data.js';
import { authData, authFail, input, step } from './builders.js';
import { sample } from '../../support/samples.js';

const SAMPLES = sample('provider-replies.txt');

interface Sample { provider: string; text: string }

/** The sample file: "provider | reply (\n between lines) | status", # comments. */
function readSamples(): Sample[] {
  return readFileSync(SAMPLES, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [provider = '', text = ''] = l.split(' | ');
      return { provider: provider.trim(), text: text.trim() };
    });
}

/**
 * toReply parses a sample the way the reply parser would: "535-5.7.8 text" lines. NDR-style
 * fragments ("5.7.57 SMTP; ...") and bare fragments get a reply code from the status class.
 */
function toReply(text: string): SmtpReply {
  const raw = text.split('\\n');
  const m = /^(\d{3})[ -]?(.*)$/.exec(raw[0] ?? '');
  let code: number;
  let rest: string[];
  if (m) {
    code = Number(m[1]);
    rest = raw.map((l) => l.replace(/^\d{3}[ -]?/, ''));
  } else {
    const cls = /^([245])\.\d/.exec(text)?.[1] ?? '5';
    code = Number(cls) * 100 + 50;
    rest = raw;
  }
  const enh = /^([245]\.\d{1,3}\.\d{1,3})\s*/.exec(rest[0] ?? '');
  const lines = rest.map((l) => l.replace(/^[245]\.\d{1,3}\.\d{1,3}\s*/, ''));
  const r: SmtpReply = { code, lines };
  if (enh) r.enhanced = enh[1];
  return r;
}

/**
 * EXPECTED: every sample line (found by a unique fragment) → the code its signature gives,
 * or null for replies without a failure meaning (success, go-ahead).
 */
const EXPECTED: [fragment: string, code: FindingCode | null][] = [
  ['disabled for the Tenant', 'AUTH_DISABLED_BY_PROVIDER'],
  ['disabled for the Mailbox', 'AUTH_DISABLED_BY_PROVIDER'],
  ['basic authentication is disabled', 'AUTH_DISABLED_BY_PROVIDER'],
  ['did not meet the criteria', 'AUTH_DISABLED_BY_PROVIDER'],
  ['security defaults policy', 'AUTH_DISABLED_BY_PROVIDER'],
  ['user credentials were incorrect', 'AUTH_CREDENTIALS_REJECTED'],
  ['account is locked due to too many', 'AUTH_CREDENTIALS_REJECTED'],
  ['535 5.7.3 Authentication unsuccessful', 'AUTH_CREDENTIALS_REJECTED'],
  ['530 5.7.57 Client not authenticated', 'RELAY_DENIED'],
  ['5.7.57 SMTP; Client was not authenticated', 'RELAY_DENIED'],
  ['5.7.60 SMTP', 'SENDER_REJECTED'],
  ['550 5.7.30', 'AUTH_DISABLED_BY_PROVIDER'],
  ['421 4.7.66', 'TLS_VERSION_MISMATCH'],
  ['451 5.7.3 Must issue a STARTTLS', 'AUTH_MUST_STARTTLS'],
  ['554 5.2.252 SendAsDenied', 'SENDER_REJECTED'],
  ['BadCredentials', 'AUTH_CREDENTIALS_REJECTED'],
  ['InvalidSecondFactor', 'AUTH_APP_PASSWORD_REQUIRED'],
  ['WebLoginRequired', 'AUTH_APP_PASSWORD_REQUIRED'],
  ['534-5.7.14', 'AUTH_APP_PASSWORD_REQUIRED'],
  ['530 5.7.0 Must issue a STARTTLS command first. <id> - gsmtp', 'AUTH_MUST_STARTTLS'],
  ['530-5.7.0 Authentication Required', 'RELAY_DENIED'],
  ['530-5.5.1 Authentication Required', 'RELAY_DENIED'],
  ['Too many login attempts', 'AUTH_TEMPFAIL'],
  ['temporary system problem', 'AUTH_TEMPFAIL'],
  ['550 5.7.1 Invalid credentials for relay', 'RELAY_DENIED'],
  ['550 5.7.0 Mail relay denied', 'RELAY_DENIED'],
  ['unmanaged work accounts', 'RELAY_DENIED'],
  ['535 Authentication Credentials Invalid', 'AUTH_CREDENTIALS_REJECTED'],
  ['530 Authentication required', 'RELAY_DENIED'],
  ['Amazon SES530 Must issue', 'AUTH_MUST_STARTTLS'],
  ['Email address is not verified', 'SENDER_REJECTED'],
  ['Bad username / password', 'AUTH_CREDENTIALS_REJECTED'],
  ['authorization grant is invalid', 'AUTH_CREDENTIALS_REJECTED'],
  ['Unauthenticated senders not allowed', 'RELAY_DENIED'],
  ['verified Sender Identity', 'SENDER_REJECTED'],
  ['Mailgun is not loving', 'AUTH_CREDENTIALS_REJECTED'],
  ['Must issue an AUTH command first', 'RELAY_DENIED'],
  ['OpenSMTPD530 5.5.1 Invalid command: Must issue a STARTTLS', 'AUTH_MUST_STARTTLS'],
  ['OpenSMTPD535 Authentication failed', 'AUTH_CREDENTIALS_REJECTED'],
  ['550 Invalid recipient: <', 'RELAY_DENIED'],
  ['Postmark535 5.7.8 Error: authentication failed', 'AUTH_CREDENTIALS_REJECTED'],
  ['Haraka535 5.7.8 Authentication failed', 'AUTH_CREDENTIALS_REJECTED'],
  ['Haraka504 Invalid AUTH string', 'AUTH_CREDENTIALS_REJECTED'],
  ['Haraka500 Unrecognized command', null],
  ['Haraka550 I cannot deliver mail for', 'RELAY_DENIED'],
  ['Haraka550 Authentication required', 'RELAY_DENIED'],
  ['Postfix (Cyrus/Dovecot SASL)535 5.7.8 Error: authentication failed', 'AUTH_CREDENTIALS_REJECTED'],
  ['454 4.7.0 Temporary authentication failure: <reason>', 'AUTH_TEMPFAIL'],
  ['501 5.7.0 Authentication aborted', 'AUTH_PROTOCOL_ERROR'],
  ['503 5.5.1 Error: authentication not enabled', 'AUTH_NOT_OFFERED'],
  ['Postfix530 5.7.0 Must issue a STARTTLS', 'AUTH_MUST_STARTTLS'],
  ['535 Incorrect authentication data', 'AUTH_CREDENTIALS_REJECTED'],
  ['235 2.7.0', null],
  ['432 4.7.12', 'AUTH_TEMPFAIL'],
  ['RFC 4954454 4.7.0 Temporary authentication failure', 'AUTH_TEMPFAIL'],
  ['534 5.7.9 Authentication mechanism is too weak', 'AUTH_MECHANISM_TOO_WEAK'],
  ['535 5.7.8 Authentication credentials invalid', 'AUTH_CREDENTIALS_REJECTED'],
  ['500 5.5.6', 'AUTH_PROTOCOL_ERROR'],
  ['RFC 4954530 5.7.0 Authentication required', 'RELAY_DENIED'],
  ['538 5.7.11', 'AUTH_ENCRYPTION_REQUIRED'],
  ['504 5.5.4', 'AUTH_NO_COMMON_MECHANISM'],
  ['220 Ready to start TLS', null],
  ['501 Syntax error (no parameters allowed)', 'STARTTLS_REJECTED'],
  ['454 TLS not available', 'STARTTLS_REJECTED'],
  ['RFC 3207530 Must issue a STARTTLS', 'AUTH_MUST_STARTTLS'],
];

/** The key a fragment is matched against: provider glued to reply, so a provider can disambiguate. */
const keyOf = (s: Sample): string => `${s.provider}${s.text}`;

describe('provider signatures: every sample in samples/provider-replies.txt', () => {
  const samples = readSamples();

  it('the table covers every sample exactly once, and every table row is used', () => {
    expect(samples.length).toBeGreaterThan(50);
    for (const s of samples) {
      const rows = EXPECTED.filter(([frag]) => keyOf(s).includes(frag));
      expect(rows.map((r) => r[0]), keyOf(s)).toHaveLength(1);
    }
    for (const [frag] of EXPECTED) expect(samples.some((s) => keyOf(s).includes(frag)), frag).toBe(true);
  });

  it.each(samples.map((s) => [keyOf(s), s] as const))('%s', (_key, s) => {
    const row = EXPECTED.find(([frag]) => keyOf(s).includes(frag));
    const sig = matchProviderSignature(toReply(s.text));
    expect(sig?.code ?? null).toBe(row?.[1]);
  });
});

/** Real MTA replies beyond the sample file: what Postfix, Exim, Exchange and M365 say on the wire. */
const MORE: [reply: string, code: FindingCode, id: string][] = [
  ['535 5.7.8 Error: authentication failed: Invalid authentication mechanism', 'AUTH_NO_COMMON_MECHANISM', 'postfix-invalid-mechanism'],
  ['535 5.7.8 Error: authentication failed: authentication failure', 'AUTH_CREDENTIALS_REJECTED', 'postfix-auth-failed'],
  ['554 5.7.1 <b@example.org>: Relay access denied', 'RELAY_DENIED', 'postfix-relay-access-denied'],
  ['553 5.7.1 <a@example.net>: Sender address rejected: not owned by user alice', 'SENDER_REJECTED', 'postfix-sender-rejected'],
  ['503 AUTH command used when not advertised', 'AUTH_NOT_OFFERED', 'exim-auth-not-advertised'],
  ['550 relay not permitted', 'RELAY_DENIED', 'exim-relay-not-permitted'],
  ['550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain', 'RELAY_DENIED', 'exchange-unable-to-relay'],
  ['550 5.7.64 TenantAttribution; Relay Access Denied', 'RELAY_DENIED', 'm365-tenant-attribution-relay-denied'],
  ['504 5.7.4 Unrecognized authentication type', 'AUTH_NO_COMMON_MECHANISM', 'exchange-unrecognized-auth-type'],
  ['530 5.7.1 Client was not authenticated', 'RELAY_DENIED', 'exchange-client-not-authenticated'],
  ['454 4.7.5 Certificate validation failure', 'CLIENT_CERT_REJECTED', 'exchange-certificate-validation-failure'],
  ['554 5.7.3 Unable to initialize security subsystem', 'STARTTLS_REJECTED', 'exchange-security-subsystem'],
  ['550 5.7.1 <b@example.org>... Relaying denied', 'RELAY_DENIED', 'rfc3463-relay-denied'],
  ['501 5.5.4 Authentication cancelled', 'AUTH_PROTOCOL_ERROR', 'exchange-auth-cancelled'],
  ['530 5.7.0 Must issue a STARTTLS command first', 'AUTH_MUST_STARTTLS', 'rfc3207-must-starttls'],
];

describe('provider signatures: MTA replies beyond the samples', () => {
  it.each(MORE)('%s → %s', (text, code, id) => {
    const sig = matchProviderSignature(toReply(text));
    expect(sig?.code).toBe(code);
    expect(sig?.id).toBe(id);
  });
});

describe('provider signatures: table hygiene', () => {
  it('ids are unique and every signature has a title, cause and fix', () => {
    expect(new Set(SIGNATURES.map((s) => s.id)).size).toBe(SIGNATURES.length);
    for (const s of SIGNATURES) {
      expect(s.title.length, s.id).toBeGreaterThan(0);
      expect(s.cause.length, s.id).toBeGreaterThan(0);
      expect(s.fix.length, s.id).toBeGreaterThan(0);
    }
  });

  it('names the provider: Postmark only when probing Postmark, Postfix otherwise', () => {
    const r = toReply('535 5.7.8 Error: authentication failed: bad token');
    expect(matchProviderSignature(r)?.provider).toMatch(/Postfix/);
    expect(matchProviderSignature(r, 'smtp.postmarkapp.com')?.provider).toBe('Postmark');
  });

  it('tells Amazon SES from the RFC wording of the same words', () => {
    expect(matchProviderSignature(toReply('535 Authentication Credentials Invalid'))?.provider).toBe('Amazon SES');
    expect(matchProviderSignature(toReply('535 5.7.8 Authentication credentials invalid'))?.provider).not.toBe('Amazon SES');
  });
});

describe('provider signatures refine the AUTH step', () => {
  const cases: [string, FindingCode, FindingCode][] = [
    ['535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.', 'AUTH_CREDENTIALS_REJECTED', 'AUTH_DISABLED_BY_PROVIDER'],
    ['534-5.7.9 Application-specific password required. Learn more at\\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor x - gsmtp', 'AUTH_MECHANISM_TOO_WEAK', 'AUTH_APP_PASSWORD_REQUIRED'],
    ['535 Authentication Credentials Invalid', 'AUTH_CREDENTIALS_REJECTED', 'AUTH_CREDENTIALS_REJECTED'],
    ['454-4.7.0 Too many login attempts, please try again later.\\n454 4.7.0  https://support.google.com/mail/answer/7126229 x - gsmtp', 'AUTH_TEMPFAIL', 'AUTH_TEMPFAIL'],
  ];

  it.each(cases)('%s', (text, stepCode, expected) => {
    const f = diagnose(input([authFail(toReply(text), stepCode)]));
    expect(f.map((x) => x.code)).toEqual([expected]);
    expect(f[0]?.evidence.some((e) => e.startsWith('reply signature:'))).toBe(true);
  });

  it('the M365 tenant finding says the provider and carries its own fix', () => {
    const r = toReply('535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.');
    const [f] = diagnose(input([authFail(r, 'AUTH_CREDENTIALS_REJECTED')]));
    expect(f?.title).toMatch(/Microsoft 365/);
    expect(f?.exchange?.command).toBe('Set-TransportConfig -SmtpClientAuthenticationDisabled $false');
    expect(f?.evidence).toContain('< 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.');
  });

  it('SendGrid: the fix names the literal user apikey', () => {
    const [f] = diagnose(input([authFail(toReply('535 Authentication failed: Bad username / password'), 'AUTH_CREDENTIALS_REJECTED')]));
    expect(f?.fix.join(' ')).toContain('apikey');
    expect(f?.exchange?.command).toContain('-UserName "apikey"');
  });

  it('a relay-only meaning does not re-label an AUTH failure', () => {
    // "530 ... Authentication required" means RELAY_DENIED after MAIL, not after AUTH.
    const f = diagnose(input([authFail(toReply('530 5.7.0 Authentication required'), 'AUTH_MUST_STARTTLS')]));
    expect(f.map((x) => x.code)).toEqual(['AUTH_MUST_STARTTLS']);
  });

  it('a passing AUTH is never refined', () => {
    expect(diagnose(input([step('auth', 'pass', authData())]))).toEqual([]);
  });
});
