/**
 * The mock smart host on the wire, driven by a bare line client (no smtprobe probe code):
 * greeting, EHLO before and after STARTTLS, AUTH per mechanism and user, scripted replies,
 * DATA refused, connection limits, client certificates, TLS versions, log redaction.
 * Dialogue tests run against both engines wherever both can serve the scenario.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseScenario, type MockServer, type Scenario } from '../../src/mock/index.js';
import { b64, LineClient } from './mock-fixtures/line-client.js';
import { mockPool } from '../support/mock-pool.js';

const pool = mockPool();

const USERS = `
  auth:
    mechanisms: [PLAIN, LOGIN, CRAM-MD5, XOAUTH2]
    users:
      - { username: alice@smarthost.test, password: alice-pass }
      - { username: bob@smarthost.test, password: bob-pass }`;

function scenario(yaml: string): Scenario {
  return parseScenario(`name: inline\ndescription: inline test scenario\n${yaml}\nexpect: { verdict: ok }\n`, 'inline');
}

async function start(yaml: string, engine: 'auto' | 'smtp-server' | 'raw' = 'auto', logs?: string[]): Promise<MockServer> {
  const s = scenario(yaml);
  s.server.engine = engine;
  return pool.start(s, logs ? { onLog: (l: string) => logs.push(l) } : {});
}

/** Connects, reads the greeting, EHLOs, upgrades with STARTTLS and EHLOs again. */
async function tlsSession(server: MockServer): Promise<{ c: LineClient; before: string[]; after: string[] }> {
  const c = await LineClient.connect(server.port);
  expect((await c.read()).code).toBe(220);
  const before = (await c.command('EHLO client.test')).lines;
  expect((await c.command('STARTTLS')).code).toBe(220);
  await c.startTls({ ca: server.caPem, servername: server.scenario.server.hostname });
  const after = (await c.command('EHLO client.test')).lines;
  return { c, before, after };
}

function cram(challengeB64: string, user: string, password: string): string {
  const challenge = Buffer.from(challengeB64, 'base64').toString();
  return b64(`${user} ${createHmac('md5', password).update(challenge).digest('hex')}`);
}

for (const engine of ['smtp-server', 'raw'] as const) {
  describe(`engine ${engine}`, () => {
    it('greets, lists STARTTLS but not AUTH before TLS, AUTH but not STARTTLS after', async () => {
      const server = await start(`server:\n  hostname: smarthost.test${USERS}`, engine);
      expect(server.engine).toBe(engine);
      const { c, before, after } = await tlsSession(server);
      expect(before[0]).toBe('smarthost.test');
      expect(before).toContain('STARTTLS');
      expect(before.some((l) => l.startsWith('AUTH'))).toBe(false);
      expect(after).toContain('AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2');
      expect(after).not.toContain('STARTTLS');
      c.close();
    });

    it('accepts each user with PLAIN and rejects a wrong password with 535', async () => {
      const server = await start(`server:\n  hostname: smarthost.test${USERS}`, engine);
      for (const [user, pass, code] of [
        ['alice@smarthost.test', 'alice-pass', 235],
        ['bob@smarthost.test', 'bob-pass', 235],
        ['bob@smarthost.test', 'alice-pass', 535],
        ['mallory@smarthost.test', 'x', 535],
      ] as const) {
        const { c } = await tlsSession(server);
        expect((await c.command(`AUTH PLAIN ${b64(`\0${user}\0${pass}`)}`)).code).toBe(code);
        c.close();
      }
    });

    it('runs LOGIN and CRAM-MD5 exchanges', async () => {
      const server = await start(`server:\n  hostname: smarthost.test${USERS}`, engine);
      const { c } = await tlsSession(server);
      expect((await c.command('AUTH LOGIN')).code).toBe(334);
      expect((await c.command(b64('alice@smarthost.test'))).code).toBe(334);
      expect((await c.command(b64('alice-pass'))).code).toBe(235);
      c.close();
      const s2 = await tlsSession(server);
      const challenge = await s2.c.command('AUTH CRAM-MD5');
      expect(challenge.code).toBe(334);
      expect((await s2.c.command(cram(challenge.lines[0] ?? '', 'bob@smarthost.test', 'bob-pass'))).code).toBe(235);
      s2.c.close();
    });

    it('accepts XOAUTH2 with the password as token', async () => {
      const server = await start(`server:\n  hostname: smarthost.test${USERS}`, engine);
      const { c } = await tlsSession(server);
      expect((await c.command(`AUTH XOAUTH2 ${b64('user=alice@smarthost.test\x01auth=Bearer alice-pass\x01\x01')}`)).code).toBe(235);
      c.close();
    });

    it('refuses DATA with 554, even after a valid envelope', async () => {
      const server = await start(`server:\n  hostname: smarthost.test${USERS}`, engine);
      const { c } = await tlsSession(server);
      expect((await c.command(`AUTH PLAIN ${b64('\0alice@smarthost.test\0alice-pass')}`)).code).toBe(235);
      expect((await c.command('MAIL FROM:<alice@smarthost.test>')).code).toBe(250);
      expect((await c.command('RCPT TO:<someone@elsewhere.test>')).code).toBe(250);
      const data = await c.command('DATA');
      expect(data.code).toBe(554);
      expect((await c.command('QUIT')).code).toBe(221);
      await c.waitClosed();
    });

    it('requires AUTH before MAIL (530) when AUTH is offered', async () => {
      const server = await start(`server:\n  hostname: smarthost.test${USERS}`, engine);
      const { c } = await tlsSession(server);
      expect((await c.command('MAIL FROM:<alice@smarthost.test>')).code).toBe(530);
      c.close();
    });

    it('plays a scripted AUTH reply after the credentials, and counts attempts across connections', async () => {
      const server = await start(
        `server:\n  hostname: smarthost.test${USERS}\n  replies:\n    AUTH:\n      - { code: 454, text: "4.7.0 Temporary authentication failure" }\n      - default`,
        engine,
      );
      const first = await tlsSession(server);
      expect((await first.c.command('AUTH LOGIN')).code).toBe(334);
      expect((await first.c.command(b64('alice@smarthost.test'))).code).toBe(334);
      const reply = await first.c.command(b64('alice-pass'));
      expect(reply.raw).toBe('454 4.7.0 Temporary authentication failure\r\n');
      first.c.close();
      const second = await tlsSession(server);
      expect((await second.c.command(`AUTH PLAIN ${b64('\0alice@smarthost.test\0alice-pass')}`)).code).toBe(235);
      second.c.close();
    });

    it('greylists RCPT: 451 on the first attempt, 250 on the retry', async () => {
      const server = await start(
        `server:\n  hostname: smarthost.test\n  auth: { advertise: never, required: false }\n  replies:\n    RCPT:\n      - { code: 451, text: "4.7.1 Greylisted, try again later" }\n      - default`,
        engine,
      );
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await LineClient.connect(server.port);
        await c.read();
        await c.command('EHLO client.test');
        expect((await c.command('MAIL FROM:<a@client.test>')).code).toBe(250);
        codes.push((await c.command('RCPT TO:<b@elsewhere.test>')).code);
        c.close();
      }
      expect(codes).toEqual([451, 250, 250]);
    });

    it('serves implicit TLS from the first byte', async () => {
      const server = await start(`server:\n  hostname: smarthost.test\n  tls: implicit${USERS}`, engine);
      const c = await LineClient.connect(server.port, { tls: { ca: server.caPem, servername: 'smarthost.test' } });
      expect((await c.read()).code).toBe(220);
      const ehlo = await c.command('EHLO client.test');
      expect(ehlo.lines).toContain('AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2');
      expect(ehlo.lines).not.toContain('STARTTLS');
      c.close();
    });

    it('answers the connection beyond maxConnections with 421 and closes it', async () => {
      const server = await start(`server:\n  hostname: smarthost.test\n  maxConnections: 1`, engine);
      const a = await LineClient.connect(server.port);
      expect((await a.read()).code).toBe(220);
      const b = await LineClient.connect(server.port);
      const refused = await b.read();
      expect(refused.code).toBe(421);
      expect(refused.lines[0]).toMatch(/^4\.7\.0 Too many connections/);
      await b.waitClosed();
      a.close();
    });

    it('requires a client certificate from the client CA when clientCert is require', async () => {
      const server = await start(`server:\n  hostname: smarthost.test\n  tls: implicit\n  clientCert: require`, engine);
      const trusted = await pool.pki.issueClient('probe');
      const good = await LineClient.connect(server.port, { tls: { ca: server.caPem, servername: 'smarthost.test', key: trusted.keyPem, cert: trusted.certPem } });
      expect((await good.read()).code).toBe(220);
      good.close();
      const untrusted = await pool.pki.issueClient('probe', { untrusted: true });
      // TLS 1.3: the client finishes its side first, then learns of the rejection when it reads.
      const bad = await LineClient.connect(server.port, { tls: { ca: server.caPem, servername: 'smarthost.test', key: untrusted.keyPem, cert: untrusted.certPem } }).catch(() => undefined);
      if (bad) await expect(bad.read()).rejects.toThrow(/closed/);
      const none = await LineClient.connect(server.port, { tls: { ca: server.caPem, servername: 'smarthost.test' } }).catch(() => undefined);
      if (none) await expect(none.read()).rejects.toThrow(/closed/);
    });

    it('keeps to its TLS version window', async () => {
      const server = await start(`server:\n  hostname: smarthost.test\n  tls: implicit\n  tlsVersions: { min: TLSv1.3, max: TLSv1.3 }`, engine);
      await expect(LineClient.connect(server.port, { tls: { ca: server.caPem, servername: 'smarthost.test', maxVersion: 'TLSv1.2' } })).rejects.toThrow();
      const ok = await LineClient.connect(server.port, { tls: { ca: server.caPem, servername: 'smarthost.test' } });
      expect((ok.socket as import('node:tls').TLSSocket).getProtocol()).toBe('TLSv1.3');
      ok.close();
    });

    it('never logs a password or an AUTH payload', async () => {
      const logs: string[] = [];
      const server = await start(`server:\n  hostname: smarthost.test${USERS}`, engine, logs);
      const { c } = await tlsSession(server);
      await c.command(`AUTH PLAIN ${b64('\0alice@smarthost.test\0alice-pass')}`);
      await c.command('QUIT');
      await c.waitClosed();
      await server.close();
      const text = logs.join('\n');
      expect(text).toContain('AUTH PLAIN as alice@smarthost.test: accepted');
      expect(text).not.toContain('alice-pass');
      expect(text).not.toContain(b64('\0alice@smarthost.test\0alice-pass'));
    });
  });
}

describe('raw responder only', () => {
  it('uses custom extension lists and the legacy AUTH= line', async () => {
    const server = await start(
      `server:\n  hostname: smarthost.test\n  extensions:\n    plain: [SIZE 52428800, "!STARTTLS", XXXXXXXA]\n    tls: [SIZE 52428800, CHUNKING]\n  auth: { mechanisms: [LOGIN, PLAIN], legacyAuthEquals: true }`,
    );
    expect(server.engine).toBe('raw');
    const c = await LineClient.connect(server.port);
    await c.read();
    expect((await c.command('EHLO client.test')).lines).toEqual(['smarthost.test', 'SIZE 52428800', 'XXXXXXXA']);
    // STARTTLS still works although hidden: the firewall masks the keyword, not the server.
    expect((await c.command('STARTTLS')).code).toBe(220);
    await c.startTls({ ca: server.caPem, servername: 'smarthost.test' });
    expect((await c.command('EHLO client.test')).lines).toEqual(['smarthost.test', 'SIZE 52428800', 'CHUNKING', 'AUTH LOGIN PLAIN', 'AUTH=LOGIN PLAIN']);
    c.close();
  });

  it('answers AUTH at the command with a stage: command script, before any 334', async () => {
    const server = await start(
      `server:\n  hostname: smarthost.test\n  auth: { advertise: always }\n  replies:\n    AUTH: [{ code: 530, text: "5.7.0 Must issue a STARTTLS command first", stage: command }]`,
    );
    const c = await LineClient.connect(server.port);
    await c.read();
    expect((await c.command('EHLO client.test')).lines).toContain('AUTH PLAIN LOGIN');
    expect((await c.command('AUTH LOGIN')).raw).toBe('530 5.7.0 Must issue a STARTTLS command first\r\n');
    c.close();
  });

  it('sends multi-line scripted replies verbatim', async () => {
    const server = await start(
      `server:\n  hostname: smtp.gmail.test\n  auth: { users: [{ username: u@gmail.test, password: p }] }\n  replies:\n    AUTH:\n      - code: 534\n        text: ["5.7.9 Application-specific password required. Learn more at", "5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor x - gsmtp"]`,
    );
    const { c } = await tlsSession(server);
    const reply = await c.command(`AUTH PLAIN ${b64('\0u@gmail.test\0p')}`);
    expect(reply.raw).toBe(
      '534-5.7.9 Application-specific password required. Learn more at\r\n534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor x - gsmtp\r\n',
    );
    c.close();
  });

  it('scripts EHLO and STARTTLS replies', async () => {
    const server = await start(
      `server:\n  hostname: smarthost.test\n  replies:\n    EHLO: [{ code: 502, text: "5.5.2 Error: command not recognized" }, default]\n    STARTTLS: [{ code: 454, text: "4.7.0 TLS not available due to local problem" }]`,
    );
    const c = await LineClient.connect(server.port);
    await c.read();
    expect((await c.command('EHLO client.test')).code).toBe(502);
    expect((await c.command('HELO client.test')).raw).toBe('250 smarthost.test\r\n');
    expect((await c.command('EHLO client.test')).code).toBe(250);
    expect((await c.command('STARTTLS')).code).toBe(454);
    c.close();
  });

  it('after a 554 greeting, answers 503 until QUIT (RFC 5321 §3.1)', async () => {
    const server = await start(`server:\n  hostname: smarthost.test\n  greeting: { code: 554, text: "5.7.1 Service unavailable; client host blocked" }`);
    const c = await LineClient.connect(server.port);
    expect((await c.read()).raw).toBe('554 5.7.1 Service unavailable; client host blocked\r\n');
    expect((await c.command('EHLO client.test')).code).toBe(503);
    expect((await c.command('QUIT')).code).toBe(221);
    await c.waitClosed();
  });

  it('closes after a 421 greeting', async () => {
    const server = await start(`server:\n  hostname: smarthost.test\n  greeting: { code: 421, text: "4.7.0 Too many connections" }`);
    const c = await LineClient.connect(server.port);
    expect((await c.read()).code).toBe(421);
    await c.waitClosed();
  });

  it('drops commands pipelined after STARTTLS instead of answering them under TLS (RFC 3207 §5)', async () => {
    const server = await start(`server:\n  hostname: smarthost.test${USERS}`, 'raw');
    const c = await LineClient.connect(server.port);
    await c.read();
    await c.command('EHLO client.test');
    c.send('STARTTLS\r\nNOOP');
    expect((await c.read()).code).toBe(220);
    await c.startTls({ ca: server.caPem, servername: 'smarthost.test' });
    // The first reply under TLS answers our EHLO, not the injected NOOP.
    expect((await c.command('EHLO client.test')).lines[0]).toBe('smarthost.test');
    c.close();
  });

  it('delays a scripted reply and the greeting by delayMs, keeping pipelined order', async () => {
    const server = await start(
      `server:\n  hostname: smarthost.test\n  greeting: { delayMs: 50 }\n  auth: { advertise: never, required: false }\n  replies:\n    MAIL: [{ code: 250, text: "2.1.0 Sender ok, slowly", delayMs: 50 }]`,
    );
    const c = await LineClient.connect(server.port);
    c.send('EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@elsewhere.test>');
    expect((await c.read()).code).toBe(220);
    expect((await c.read()).code).toBe(250);
    expect((await c.read()).raw).toBe('250 2.1.0 Sender ok, slowly\r\n');
    expect((await c.read()).raw).toBe('250 2.1.5 Ok\r\n');
    c.close();
  });

  it('answers an over-long line with 500 5.5.6 and goes on; tolerates bare LF', async () => {
    const server = await start(`server:\n  hostname: smarthost.test`, 'raw');
    const c = await LineClient.connect(server.port);
    await c.read();
    c.socket.write('NOOP ' + 'x'.repeat(20_000));
    expect((await c.read()).raw).toBe('500 5.5.6 Error: line too long\r\n');
    c.socket.write('\nNOOP\n');
    // The rest of the long line ends at the first LF: one 502 for it, then the NOOP.
    expect((await c.read()).code).toBe(502);
    expect((await c.read()).raw).toBe('250 2.0.0 Ok\r\n');
    c.close();
  });
});
