import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MockMechanism } from './scenario-schema.js';

/** Credentials a scenario accepts. */
export interface MockUser {
  username: string;
  password: string;
}

/**
 * SaslOutcome: what the server does after a client line. `challenge` is sent as
 * "334 <challenge>" (RFC 4954 §4); `done` ends the exchange with the identity the client
 * claimed and whether the credentials matched; `error` is a protocol error reply.
 */
export type SaslOutcome =
  | { kind: 'challenge'; challenge: string }
  | { kind: 'done'; username: string; ok: boolean }
  | { kind: 'error'; code: number; text: string };

/** SaslServerExchange: one server-side SASL exchange, fed the client's lines one by one. */
export interface SaslServerExchange {
  /** start: with the optional initial response from the AUTH command line. */
  start(initial: string | undefined): SaslOutcome;
  next(line: string): SaslOutcome;
}

const CANCELLED: SaslOutcome = { kind: 'error', code: 501, text: '5.7.0 Authentication aborted' };
const BAD_BASE64: SaslOutcome = { kind: 'error', code: 501, text: '5.5.2 Cannot decode response' };

/** decode: RFC 4954 §4 base64; "=" is an empty initial response, "*" cancels (handled by callers). */
function decode(b64: string): Buffer | undefined {
  if (b64 === '=') return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  return Buffer.from(b64, 'base64');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function check(users: readonly MockUser[], username: string, password: string): SaslOutcome {
  const ok = users.some((u) => u.username === username && safeEqual(u.password, password));
  return { kind: 'done', username, ok };
}

/** PLAIN (RFC 4616 §2): authzid NUL authcid NUL passwd, as initial response or after "334 ". */
function plain(users: readonly MockUser[]): SaslServerExchange {
  const finish = (line: string): SaslOutcome => {
    if (line === '*') return CANCELLED;
    const raw = decode(line);
    if (!raw) return BAD_BASE64;
    const parts = raw.toString('utf8').split('\0');
    if (parts.length !== 3) return { kind: 'error', code: 501, text: '5.5.2 Invalid PLAIN message' };
    return check(users, parts[1] ?? '', parts[2] ?? '');
  };
  return {
    start: (initial) => (initial === undefined ? { kind: 'challenge', challenge: '' } : finish(initial)),
    next: finish,
  };
}

/** LOGIN (draft-murchison-sasl-login): "Username:" then "Password:" challenges, base64. */
function login(users: readonly MockUser[]): SaslServerExchange {
  let username: string | undefined;
  const USER = Buffer.from('Username:').toString('base64');
  const PASS = Buffer.from('Password:').toString('base64');
  const take = (line: string): SaslOutcome => {
    if (line === '*') return CANCELLED;
    const raw = decode(line);
    if (!raw) return BAD_BASE64;
    if (username === undefined) {
      username = raw.toString('utf8');
      return { kind: 'challenge', challenge: PASS };
    }
    return check(users, username, raw.toString('utf8'));
  };
  return {
    start: (initial) => (initial === undefined ? { kind: 'challenge', challenge: USER } : take(initial)),
    next: take,
  };
}

/** CRAM-MD5 (RFC 2195 §2): a unique challenge; the reply is "user hex(HMAC-MD5(password, challenge))". */
function cramMd5(users: readonly MockUser[], hostname: string): SaslServerExchange {
  const challenge = `<${randomBytes(8).readBigUInt64BE()}.${Date.now()}@${hostname}>`;
  return {
    start: (initial) =>
      initial === undefined ? { kind: 'challenge', challenge: Buffer.from(challenge).toString('base64') } : { kind: 'error', code: 501, text: '5.5.2 CRAM-MD5 takes no initial response' },
    next: (line) => {
      if (line === '*') return CANCELLED;
      const raw = decode(line);
      if (!raw) return BAD_BASE64;
      const text = raw.toString('utf8');
      const sp = text.lastIndexOf(' ');
      const username = text.slice(0, sp);
      const digest = text.slice(sp + 1).toLowerCase();
      const ok = users.some((u) => u.username === username && safeEqual(createHmac('md5', u.password).update(challenge).digest('hex'), digest));
      return { kind: 'done', username, ok };
    },
  };
}

/** XOAUTH2 (Google/Microsoft): "user=U^Aauth=Bearer T^A^A"; the mock accepts the user's password as token. */
function xoauth2(users: readonly MockUser[]): SaslServerExchange {
  const finish = (line: string): SaslOutcome => {
    if (line === '*') return CANCELLED;
    const raw = decode(line);
    if (!raw) return BAD_BASE64;
    const fields = new Map(raw.toString('utf8').split('\x01').filter(Boolean).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const));
    const token = (fields.get('auth') ?? '').replace(/^Bearer\s+/i, '');
    return check(users, fields.get('user') ?? '', token);
  };
  return {
    start: (initial) => (initial === undefined ? { kind: 'challenge', challenge: '' } : finish(initial)),
    next: finish,
  };
}

/**
 * startSaslExchange: a server-side exchange for `mechanism`, or undefined for one the mock
 * only advertises (NTLM, GSSAPI) — those are answered 504 by the caller.
 */
export function startSaslExchange(mechanism: MockMechanism, users: readonly MockUser[], hostname: string): SaslServerExchange | undefined {
  switch (mechanism) {
    case 'PLAIN':
      return plain(users);
    case 'LOGIN':
      return login(users);
    case 'CRAM-MD5':
      return cramMd5(users, hostname);
    case 'XOAUTH2':
      return xoauth2(users);
    case 'NTLM':
    case 'GSSAPI':
      return undefined;
  }
}
