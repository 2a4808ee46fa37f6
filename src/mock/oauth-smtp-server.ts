import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';
import type { TestPki } from './certs/index.js';
import { verifyHs256 } from './mock-jwt.js';
import type { OAuthServerFace } from './oauth-server-face.js';
import { formatReply } from './reply-script.js';
import type { IssuedGoogleToken } from './token-endpoint.js';

/**
 * How the mock answers: `m365` as smtp.office365.com (banner, EHLO, 535 5.7.3 / 5.7.139),
 * `gmail` as smtp.gmail.com (535-5.7.8 ... gsmtp).
 */
export type OAuthSmtpProfile = 'm365' | 'gmail';

/** Exchange Online's side of app access: which apps it knows and which mailboxes they may use. */
export interface ExchangeAppAccess {
  /** App ids registered with New-ServicePrincipal. */
  servicePrincipals: string[];
  /** mailbox → app ids with Add-MailboxPermission. */
  mailboxPermissions: Record<string, string[]>;
  /** Mailboxes with SmtpClientAuthenticationDisabled $true. */
  smtpAuthDisabled?: string[];
}

export interface OAuthSmtpOptions {
  profile: OAuthSmtpProfile;
  pki: TestPki;
  /** Verifies Microsoft/generic tokens (the mock token endpoint's key). */
  signingKey?: Buffer;
  /** Google's opaque tokens, from the mock token endpoint. */
  googleTokens?: Map<string, IssuedGoogleToken>;
  /** Mechanisms after STARTTLS (default m365: LOGIN XOAUTH2; gmail: LOGIN PLAIN XOAUTH2 OAUTHBEARER). */
  mechanisms?: string[];
  exchange?: ExchangeAppAccess;
  /** Password users (Basic auth), e.g. to show AUTH_BASIC_RETIREMENT. */
  passwords?: Record<string, string>;
  /** The server's clock offset in seconds (a server ahead of the token's issuer). */
  clockOffsetS?: number;
  /** Audience the server requires (default https://outlook.office365.com). */
  audience?: string;
  /**
   * Refuse every bearer token: send `challenge` (base64 JSON) in a 334 when given, then
   * `reply` (one reply, its lines) — a refusal recorded from a real server, replayed.
   */
  reject?: { challenge?: Record<string, string | undefined> | undefined; reply: string[] };
  /**
   * Greet, list extensions and present a certificate as this face says instead of as the
   * provider does (a recorded server's); tokens are still judged as `profile` judges them.
   */
  face?: OAuthServerFace;
  /** Receives one line per session event; tokens and passwords never appear. */
  onLog?: (line: string) => void;
  /** Default 127.0.0.1 and an ephemeral port. */
  host?: string;
  port?: number;
}

export interface OAuthSmtpServer {
  port: number;
  /** What the server decided per AUTH, for tests: mechanism, result, reason (no tokens). */
  decisions: { mechanism: string; ok: boolean; reason: string }[];
  /** Connections accepted so far. */
  sessions(): number;
  /** Connections open now. */
  openConnections(): number;
  close(): Promise<void>;
}

const M365_HOST = 'MW4PR03CA0001.outlook.office365.com';
const REQUIRED_ROLE = 'SMTP.SendAsApp';

/**
 * startOAuthSmtpServer: a loopback SMTP server that checks bearer tokens as Microsoft 365 or
 * Gmail do — signature, audience, role or scope, expiry, then (M365) the Exchange service
 * principal, mailbox permission and mailbox SMTP AUTH setting — and fails the way they fail:
 * a 334 base64 JSON error status, then 535 5.7.3 (M365) or 535-5.7.8 (Gmail). Never accepts DATA.
 * With a `face` it greets, lists its extensions and serves TLS as a recorded server did, so the
 * findings about those come out as in the field while AUTH is answered as the profile answers.
 */
export async function startOAuthSmtpServer(opts: OAuthSmtpOptions): Promise<OAuthSmtpServer> {
  const m365 = opts.profile === 'm365';
  const face = opts.face;
  const tlsServer = face ? face.tlsServer : await profileTls(opts.pki, m365);
  const tlsMode = face?.tls ?? 'starttls';
  const mechanisms = opts.mechanisms ?? (m365 ? ['LOGIN', 'XOAUTH2'] : ['LOGIN', 'PLAIN', 'XOAUTH2', 'OAUTHBEARER']);
  const decisions: OAuthSmtpServer['decisions'] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const log = opts.onLog ?? ((): void => undefined);
  let sessions = 0;

  const server: Server = createServer((raw) => {
    sockets.add(raw);
    const id = ++sessions;
    log(`#${id} * connect from ${raw.remoteAddress}:${raw.remotePort} (oauth ${opts.profile})`);
    raw.on('close', () => {
      sockets.delete(raw);
      log(`#${id} * closed`);
    });
    raw.on('error', () => undefined);
    session(raw);
  });

  function session(raw: Socket): void {
    let sock: Socket | TLSSocket = raw;
    let secure = false;
    let buffer = '';
    let pending: { mechanism: string; step: 'login-user' | 'login-pass' | 'error-ack' | 'initial'; user?: string; reply?: string } | undefined;
    /** Commands wait for the greeting; after a refusing greeting only QUIT is served (RFC 5321 §3.1). */
    let state: 'before-greeting' | 'open' | 'refused' = 'before-greeting';
    const write = (line: string): void => {
      sock.write(`${line}\r\n`);
    };
    /** upgrade: TLS on this connection, with the face's certificate or the provider's. */
    const upgrade = (): void => {
      raw.removeListener('data', onData);
      const tls = new TLSSocket(raw, { isServer: true, secureContext: tlsServer?.secureContext, requestCert: tlsServer?.requestCert ?? false, rejectUnauthorized: tlsServer?.rejectUnauthorized ?? false });
      tls.on('error', () => raw.destroy());
      tls.on('data', onData);
      sock = tls;
      secure = true;
      buffer = '';
    };
    const greet = (): void => {
      if (raw.destroyed) return;
      if (!face) {
        write(m365 ? `220 ${M365_HOST} Microsoft ESMTP MAIL Service ready at ${new Date().toUTCString()}` : '220 smtp.gmail.com ESMTP a1-20020a170902000000b001mock - gsmtp');
        state = 'open';
      } else {
        sock.write(formatReply(face.greeting.code, face.greeting.lines));
        state = face.greeting.code === 220 ? 'open' : 'refused';
        if (face.greeting.code === 421) {
          // RFC 5321 §3.1: a server that cannot serve may say 421 and close.
          raw.removeListener('data', onData);
          sock.end();
          return;
        }
      }
      // Lines a client sent before the greeting are answered now, in order.
      onData(Buffer.alloc(0));
    };
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1');
      if (buffer.length > 64 * 1024) {
        sock.destroy();
        return;
      }
      if (state === 'before-greeting') return;
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (handle(line) === 'starttls') return;
      }
    };
    raw.on('data', onData);
    if (tlsMode === 'implicit') upgrade();
    const delayMs = face?.greeting.delayMs ?? 0;
    if (delayMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        greet();
      }, delayMs);
      timers.add(timer);
    } else greet();

    function handle(line: string): 'starttls' | undefined {
      if (pending) {
        sasl(line);
        return undefined;
      }
      const verb = (line.split(' ')[0] ?? '').toUpperCase();
      if (state === 'refused' && verb !== 'QUIT') {
        write('503 5.5.1 No service here');
        return undefined;
      }
      switch (verb) {
        case 'EHLO': {
          const name = m365 ? M365_HOST : 'smtp.gmail.com';
          const ext = m365 ? ['SIZE 157286400', 'PIPELINING', 'DSN', 'ENHANCEDSTATUSCODES'] : ['SIZE 35882577', '8BITMIME', 'ENHANCEDSTATUSCODES', 'PIPELINING', 'CHUNKING', 'SMTPUTF8'];
          const lines = face ? face.ehloLines(secure) : [m365 ? `${name} Hello [127.0.0.1]` : `${name} at your service, [127.0.0.1]`, ...ext, secure ? `AUTH ${mechanisms.join(' ')}` : 'STARTTLS'];
          sock.write(formatReply(250, lines));
          return undefined;
        }
        case 'STARTTLS': {
          if (secure) {
            write('503 5.5.1 TLS already active');
            return undefined;
          }
          if (tlsMode !== 'starttls' || !tlsServer) {
            write('454 4.7.0 TLS not available');
            return undefined;
          }
          write('220 2.0.0 SMTP server ready');
          upgrade();
          return 'starttls';
        }
        case 'AUTH': {
          if (!secure && face?.authInClear !== true) {
            write(m365 ? '504 5.7.4 Unrecognized authentication type' : '530 5.7.0 Must issue a STARTTLS command first.');
            return undefined;
          }
          const [, mech = '', initial] = line.split(' ');
          const m = mech.toUpperCase();
          if (!mechanisms.includes(m)) {
            write('504 5.7.4 Unrecognized authentication type');
            return undefined;
          }
          if (m === 'LOGIN') {
            if (initial) {
              pending = { mechanism: m, step: 'login-pass', user: b64d(initial) };
              write('334 UGFzc3dvcmQ6');
            } else {
              pending = { mechanism: m, step: 'login-user' };
              write('334 VXNlcm5hbWU6');
            }
            return undefined;
          }
          if (m === 'PLAIN') {
            const parts = b64d(initial ?? '').split('\0');
            finishPassword(m, parts[1] ?? '', parts[2] ?? '');
            return undefined;
          }
          pending = { mechanism: m, step: 'initial' };
          if (initial) sasl(initial);
          else write('334 ');
          return undefined;
        }
        case 'NOOP':
          write('250 2.0.0 OK');
          return undefined;
        case 'RSET':
          write('250 2.0.0 Resetting');
          return undefined;
        case 'QUIT':
          write(m365 ? `221 2.0.0 Service closing transmission channel` : '221 2.0.0 closing connection - gsmtp');
          sock.end();
          return undefined;
        default:
          write('502 5.5.2 Command not implemented');
          return undefined;
      }
    }

    function sasl(line: string): void {
      const p = pending;
      if (!p) return;
      if (line === '*') {
        pending = undefined;
        write('501 5.0.0 Authentication aborted');
        return;
      }
      if (p.step === 'login-user') {
        p.user = b64d(line);
        p.step = 'login-pass';
        write('334 UGFzc3dvcmQ6');
        return;
      }
      if (p.step === 'login-pass') {
        pending = undefined;
        finishPassword('LOGIN', p.user ?? '', b64d(line));
        return;
      }
      if (p.step === 'error-ack') {
        pending = undefined;
        write(p.reply ?? '535 5.7.3 Authentication unsuccessful');
        return;
      }
      const fields = parseBearer(p.mechanism, b64d(line));
      const verdict = opts.reject ? { ok: false, reason: 'scripted refusal', reply: opts.reject.reply.map((l, n, all) => `${l.slice(0, 3)}${n === all.length - 1 ? ' ' : '-'}${l.slice(4)}`).join('\r\n') } : judge(fields.user, fields.token);
      decisions.push({ mechanism: p.mechanism, ok: verdict.ok, reason: verdict.reason });
      log(`AUTH ${p.mechanism}: ${verdict.ok ? 'accepted' : `refused (${verdict.reason})`}`);
      if (verdict.ok) {
        pending = undefined;
        write('235 2.7.0 Authentication successful');
        return;
      }
      p.step = 'error-ack';
      p.reply = verdict.reply;
      if (opts.reject && !opts.reject.challenge) {
        pending = undefined;
        write(verdict.reply ?? FAIL_M365);
        return;
      }
      const json = opts.reject?.challenge
        ? opts.reject.challenge
        : m365
        ? { status: '401', schemes: 'bearer', scope: 'https://outlook.office365.com/.default' }
        : { status: verdict.status ?? '400', schemes: 'Bearer', scope: 'https://mail.google.com/' };
      write(`334 ${Buffer.from(JSON.stringify(json)).toString('base64')}`);
    }

    function finishPassword(mechanism: string, user: string, password: string): void {
      const ok = opts.passwords?.[user] !== undefined && opts.passwords[user] === password;
      decisions.push({ mechanism, ok, reason: ok ? 'password accepted' : 'bad password' });
      if (ok) write('235 2.7.0 Authentication successful');
      else write(m365 ? `535 5.7.139 Authentication unsuccessful, the user credentials were incorrect. [${M365_HOST}]` : '535-5.7.8 Username and Password not accepted. For more information, go to\r\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1-20020a170902 - gsmtp');
    }
  }

  const FAIL_M365 = `535 5.7.3 Authentication unsuccessful [${M365_HOST}]`;
  const FAIL_GMAIL = '535-5.7.8 Username and Password not accepted. For more information, go to\r\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1-20020a170902 - gsmtp';

  /** judge: the server's decision on one bearer token, in the order Exchange/Gmail check. */
  function judge(user: string, token: string): { ok: boolean; reason: string; reply?: string; status?: string } {
    const now = Math.floor(Date.now() / 1000) + (opts.clockOffsetS ?? 0);
    if (!m365) {
      const g = opts.googleTokens?.get(token);
      if (!g) return { ok: false, reason: 'unknown token', reply: FAIL_GMAIL, status: '400' };
      if (g.exp <= now) return { ok: false, reason: 'expired', reply: FAIL_GMAIL, status: '401' };
      if (!g.scope.split(' ').includes('https://mail.google.com/')) return { ok: false, reason: 'scope', reply: FAIL_GMAIL, status: '400' };
      if (g.email.toLowerCase() !== user.toLowerCase()) return { ok: false, reason: 'user mismatch', reply: FAIL_GMAIL, status: '400' };
      return { ok: true, reason: 'token accepted' };
    }
    const c = opts.signingKey ? verifyHs256(token, opts.signingKey) : undefined;
    if (!c) return { ok: false, reason: 'bad signature', reply: FAIL_M365 };
    const aud = String(c.aud ?? '').replace(/\/$/, '');
    if (aud !== (opts.audience ?? 'https://outlook.office365.com')) return { ok: false, reason: 'audience', reply: FAIL_M365 };
    if (typeof c.nbf === 'number' && c.nbf > now + 300) return { ok: false, reason: 'not yet valid', reply: FAIL_M365 };
    if (typeof c.exp === 'number' && c.exp <= now) return { ok: false, reason: 'expired', reply: FAIL_M365 };
    const roles = Array.isArray(c.roles) ? c.roles : [];
    const scp = typeof c.scp === 'string' ? c.scp.split(' ') : undefined;
    if (scp ? !scp.includes('SMTP.Send') : !roles.includes(REQUIRED_ROLE)) return { ok: false, reason: 'permission', reply: FAIL_M365 };
    const mailbox = scp ? String(c.upn ?? '') : user;
    if (scp && mailbox.toLowerCase() !== user.toLowerCase()) return { ok: false, reason: 'user mismatch', reply: FAIL_M365 };
    if (opts.exchange?.smtpAuthDisabled?.includes(mailbox)) {
      return { ok: false, reason: 'smtp auth disabled', reply: `535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information. [${M365_HOST}]` };
    }
    if (!scp) {
      const app = String(c.appid ?? '');
      const ex = opts.exchange ?? { servicePrincipals: [app], mailboxPermissions: { [user]: [app] } };
      if (!ex.servicePrincipals.includes(app)) return { ok: false, reason: 'no service principal', reply: FAIL_M365 };
      if (!(ex.mailboxPermissions[user] ?? []).includes(app)) return { ok: false, reason: 'no mailbox permission', reply: FAIL_M365 };
    }
    return { ok: true, reason: 'token accepted' };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    decisions,
    sessions: () => sessions,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** profileTls: the provider's own certificate, for smtp.office365.com or smtp.gmail.com and loopback. */
async function profileTls(pki: TestPki, m365: boolean): Promise<NonNullable<OAuthServerFace['tlsServer']>> {
  const leaf = await pki.issue('valid', { hostnames: [...(m365 ? [M365_HOST, 'smtp.office365.com'] : ['smtp.gmail.com']), '127.0.0.1', 'localhost'] });
  return { secureContext: createSecureContext({ key: leaf.keyPem, cert: leaf.chainPem, minVersion: 'TLSv1.2' }), requestCert: false, rejectUnauthorized: false };
}

function b64d(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

/** parseBearer reads user and token from an XOAUTH2 or OAUTHBEARER initial response. */
function parseBearer(mechanism: string, text: string): { user: string; token: string } {
  const parts = text.split('\x01');
  let user = '';
  if (mechanism === 'OAUTHBEARER') {
    const gs2 = parts[0] ?? '';
    const a = /(?:^|,)a=([^,]*)/.exec(gs2);
    user = (a?.[1] ?? '').replace(/=2C/g, ',').replace(/=3D/g, '=');
  }
  let token = '';
  for (const f of parts) {
    if (f.startsWith('user=')) user = f.slice(5);
    if (f.startsWith('auth=')) token = f.slice(5).replace(/^Bearer\s+/i, '');
  }
  return { user, token };
}
