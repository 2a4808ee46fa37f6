import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/model/secret.js';
import { createMechanism } from '../../../src/probe/smtp/sasl/index.js';
import type { SaslStep, ServerInfo } from '../../../src/probe/smtp/sasl/mechanism.js';

const tls: ServerInfo = { tls: true, host: 'server.example.com', port: 587, allowPlaintext: false };
const clear: ServerInfo = { ...tls, tls: false };
const b64 = (step: SaslStep): string | null | undefined =>
  step.kind === 'respond' ? (step.data === null ? null : Buffer.from(step.data).toString('base64')) : undefined;
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const tim = { user: 'tim', password: new Secret('tanstaaftanstaaf') };

describe('PLAIN (RFC 4616)', () => {
  it('sends the RFC 4616 §4 example as its initial response, with an empty authzid', () => {
    const m = createMechanism('PLAIN', tim);
    const step = m.start(tls);
    expect(b64(step)).toBe('AHRpbQB0YW5zdGFhZnRhbnN0YWFm');
    expect(step).toMatchObject({ kind: 'respond', redacted: '<redacted:credentials>' });
  });

  it('aborts on a challenge after its single message, and sends nothing on a final 235', () => {
    const m = createMechanism('PLAIN', tim);
    m.start(tls);
    expect(m.next(new Uint8Array(0), true).kind).toBe('abort');
    expect(m.next(new Uint8Array(0), false)).toEqual({ kind: 'respond', data: null, redacted: '' });
  });

  it('encodes a UTF-8 password as UTF-8', () => {
    const step = createMechanism('PLAIN', { user: 'u', password: new Secret('pässwörd') }).start(tls);
    expect(step.kind === 'respond' && Buffer.from(step.data ?? []).toString('utf8')).toBe('\0u\0pässwörd');
  });
});

describe('LOGIN (MS-XLOGIN)', () => {
  it('has no initial response, then sends user name and password in two rounds', () => {
    const m = createMechanism('LOGIN', { user: 'alice@example.net', password: new Secret('s3cret') });
    expect(m.start(tls)).toEqual({ kind: 'respond', data: null, redacted: '' });
    const r1 = m.next(bytes('Username:'), true);
    expect(b64(r1)).toBe(Buffer.from('alice@example.net').toString('base64'));
    expect(r1).toMatchObject({ redacted: '<redacted:username>' });
    const r2 = m.next(bytes('Password:'), true);
    expect(b64(r2)).toBe('czNjcmV0');
    expect(r2).toMatchObject({ redacted: '<redacted:password>' });
    expect(m.next(bytes('again?'), true).kind).toBe('abort');
  });

  it('does not trust the 334 text: the order decides, not the prompt', () => {
    const m = createMechanism('LOGIN', { user: 'u', password: new Secret('p') });
    m.start(tls);
    expect(b64(m.next(bytes('Password:'), true))).toBe('dQ==');
    expect(b64(m.next(bytes('Username:'), true))).toBe('cA==');
  });
});

describe('CRAM-MD5 (RFC 2195)', () => {
  it('answers the RFC 2195 §2 example', () => {
    const m = createMechanism('CRAM-MD5', tim);
    expect(m.start(tls)).toEqual({ kind: 'respond', data: null, redacted: '' });
    const step = m.next(bytes('<1896.697170952@postoffice.reston.mci.net>'), true);
    expect(step.kind === 'respond' && Buffer.from(step.data ?? []).toString()).toBe('tim b913a602c7eda7a495b4e6e7334d3890');
    expect(b64(step)).toBe('dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw');
    expect(step).toMatchObject({ redacted: '<redacted:username+digest>' });
  });

  it('aborts on a second or empty challenge', () => {
    const m = createMechanism('CRAM-MD5', tim);
    m.start(tls);
    m.next(bytes('<1.2@x>'), true);
    expect(m.next(bytes('<3.4@x>'), true).kind).toBe('abort');
    expect(createMechanism('CRAM-MD5', tim).next(new Uint8Array(0), true).kind).toBe('abort');
  });
});

describe('XOAUTH2', () => {
  const creds = { user: 'someuser@example.com', token: new Secret('ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg') };

  it('sends the exact bytes of Google\'s example', () => {
    const step = createMechanism('XOAUTH2', creds).start(tls);
    expect(b64(step)).toBe('dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==');
    expect(step).toMatchObject({ redacted: '<redacted:token>' });
  });

  it('answers the error challenge (base64 JSON) with an empty response, once', () => {
    const m = createMechanism('XOAUTH2', creds);
    m.start(tls);
    const err = bytes('{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}');
    const step = m.next(err, true);
    expect(step.kind).toBe('respond');
    expect(step.kind === 'respond' && step.data).toEqual(new Uint8Array(0));
    expect(m.next(err, true).kind).toBe('abort');
  });

  it('needs a user name', () => {
    expect(createMechanism('XOAUTH2', { token: creds.token }).start(tls)).toMatchObject({ kind: 'refuse', code: 'AUTH_PROTOCOL_ERROR' });
  });
});

describe('OAUTHBEARER (RFC 7628)', () => {
  const creds = { user: 'user@example.com', token: new Secret('vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==') };

  it('sends the RFC 7628 §4.1 example bytes', () => {
    const step = createMechanism('OAUTHBEARER', creds).start({ ...tls, port: 143 });
    expect(step.kind === 'respond' && Buffer.from(step.data ?? []).toString()).toBe(
      'n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==\x01\x01',
    );
    expect(b64(step)).toBe('bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2c9PQEB');
  });

  it('escapes "," and "=" in the user name (RFC 5801 saslname) and allows no user', () => {
    const a = createMechanism('OAUTHBEARER', { user: 'a,b=c', token: creds.token }).start(tls);
    expect(a.kind === 'respond' && Buffer.from(a.data ?? []).toString().startsWith('n,a=a=2Cb=3Dc,\x01')).toBe(true);
    const n = createMechanism('OAUTHBEARER', { token: creds.token }).start(tls);
    expect(n.kind === 'respond' && Buffer.from(n.data ?? []).toString().startsWith('n,,\x01host=')).toBe(true);
  });

  it('answers the error challenge with ^A (RFC 7628 §3.2.3), once', () => {
    const m = createMechanism('OAUTHBEARER', creds);
    m.start(tls);
    const err = bytes('{"status":"invalid_token","scope":"example_scope"}');
    const step = m.next(err, true);
    expect(step.kind === 'respond' && step.data).toEqual(Uint8Array.of(1));
    expect(m.next(err, true).kind).toBe('abort');
  });
});

describe('refusal without TLS', () => {
  const all = [
    ['PLAIN', tim],
    ['LOGIN', tim],
    ['CRAM-MD5', tim],
    ['XOAUTH2', { user: 'u', token: new Secret('t') }],
    ['OAUTHBEARER', { user: 'u', token: new Secret('t') }],
  ] as const;

  it.each(all)('%s refuses on a clear connection before sending anything', (name, creds) => {
    expect(createMechanism(name, creds).start(clear)).toMatchObject({ kind: 'refuse', code: 'AUTH_PLAINTEXT_REFUSED' });
  });

  it.each(all)('%s starts on a clear connection when plaintext is explicitly allowed', (name, creds) => {
    expect(createMechanism(name, creds).start({ ...clear, allowPlaintext: true }).kind).toBe('respond');
  });

  it('refuses when the needed credentials are missing', () => {
    expect(createMechanism('PLAIN', { user: 'u' }).start(tls)).toMatchObject({ kind: 'refuse', code: 'AUTH_PROTOCOL_ERROR' });
    expect(createMechanism('LOGIN', {}).start(tls)).toMatchObject({ kind: 'refuse', code: 'AUTH_PROTOCOL_ERROR' });
    expect(createMechanism('OAUTHBEARER', { user: 'u' }).start(tls)).toMatchObject({ kind: 'refuse', code: 'AUTH_PROTOCOL_ERROR' });
  });
});
