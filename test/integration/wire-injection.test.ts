/**
 * Nothing on the wire that we did not mean, seen from the server's side. The mock smart host
 * logs what it receives (the raw engine every line, smtp-server every DATA/BDAT), so these
 * tests read the server's log, not smtprobe's own transcript:
 * - a `--rcpt` carrying `\r\nDATA\r\n...` that got past input validation (a bug) is refused by
 *   the connection: no DATA, no extra RCPT, and the transaction is still reset and closed;
 * - property: any string given for a wire-reaching field is either refused at input or goes
 *   out as exactly the one command line the transcript shows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseTargetInput } from '../../src/config/resolve-target.js';
import { targetForScenario } from '../../src/mock/scenario-target.js';
import { parseScenario, type MockServer, type Scenario } from '../../src/mock/index.js';
import type { Report } from '../../src/model/report.js';
import { probe } from '../../src/check.js';
import { b64, LineClient } from './mock-fixtures/line-client.js';
import { mockPool } from '../support/mock-pool.js';

const USER = 'probe@smarthost.test';
const PASS = 'mock-pass-1';
const INJECTION = 'x@y.test>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nRCPT TO:<z@y.test';

const pool = mockPool();

function scenario(tls: 'starttls' | 'none', engine: 'smtp-server' | 'raw'): Scenario {
  const s = parseScenario([
    'name: inline',
    'description: a relay that accepts the probe user and any recipient',
    'server:',
    `  tls: ${tls}`,
    `  engine: ${engine}`,
    '  auth:',
    `    advertise: ${tls === 'none' ? 'always' : 'after-starttls'}`,
    `    users: [{ username: ${USER}, password: ${PASS} }]`,
    'probe:',
    `  tls: ${tls}`,
    ...(tls === 'none' ? ['  allowPlaintextAuth: true'] : ['  tlsVerify: domain', '  tlsDomain: smarthost.test']),
    `  user: ${USER}`,
    `  password: ${PASS}`,
    `  mailFrom: ${USER}`,
    '  rcpt: [a@elsewhere.test]',
    'expect: { verdict: ok }',
    '',
  ].join('\n'), 'inline');
  return s;
}

async function start(s: Scenario, logs: string[]): Promise<MockServer> {
  return pool.start(s, { onLog: (l) => logs.push(l) });
}

/** The client lines the raw engine received, in order (AUTH payloads are redacted in its log). */
const received = (logs: string[]): string[] => logs.map((l) => /^#\d+ < (.*)$/.exec(l)?.[1]).filter((l): l is string => l !== undefined);
const sent = (r: Report): string[] => r.transcript.filter((l) => l.dir === '>').map((l) => l.text);

describe('a --rcpt that smuggles DATA, past input validation', () => {
  it('is refused at input: one line naming the field, nothing probed', () => {
    let err: unknown;
    try {
      parseTargetInput({ host: '127.0.0.1', rcpt: INJECTION }, 'flag');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('rcpt');
  });

  for (const engine of ['raw', 'smtp-server'] as const) {
    it(`engine ${engine}: the connection refuses it; the server never sees DATA or the second RCPT, and still gets RSET and QUIT`, async () => {
      const logs: string[] = [];
      const server = await start(scenario('starttls', engine), logs);
      const target = await targetForScenario(server.scenario, server);
      // Bypass input validation, as a bug in a caller would.
      target.rcpt = ['ok@elsewhere.test', INJECTION];
      const r = await probe(target);
      await server.close();

      const rcpt = r.steps.find((s) => s.step === 'rcpt');
      expect(rcpt?.error?.code).toBe('PROBE_INTERNAL_ERROR');
      expect(r.verdict).toBe('unknown');
      expect(sent(r).some((l) => /DATA|z@y\.test/.test(l))).toBe(false);
      expect(sent(r).slice(-3)).toEqual(['RCPT TO:<ok@elsewhere.test>', 'RSET', 'QUIT']);
      expect(r.transcript.some((l) => l.dir === '*' && /^refused to send RCPT holding U\+000D \(CR\)/.test(l.text))).toBe(true);

      const log = logs.join('\n');
      expect(log).not.toMatch(/DATA|BDAT/);
      expect(log).not.toContain('z@y.test');
      expect(log).toContain('RCPT TO:<ok@elsewhere.test>');
      if (engine === 'raw') {
        // Every line the server received is one the transcript shows (AUTH redacted on both sides).
        expect(received(logs).slice(-3)).toEqual(['RCPT TO:<ok@elsewhere.test>', 'RSET', 'QUIT']);
        expect(received(logs).length).toBe(sent(r).length);
      }
    });
  }

  it('the smtp-server engine logs a DATA or BDAT it receives, so the absence above means something', async () => {
    const logs: string[] = [];
    const server = await start(scenario('none', 'smtp-server'), logs);
    const c = await LineClient.connect(server.port);
    await c.read();
    await c.command('EHLO client.test');
    expect((await c.command(`AUTH PLAIN ${b64(`\u0000${USER}\u0000${PASS}`)}`)).code).toBe(235);
    expect((await c.command(`MAIL FROM:<${USER}>`)).code).toBe(250);
    expect((await c.command('RCPT TO:<a@elsewhere.test>')).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(554);
    expect((await c.command('BDAT 10 LAST')).code).toBe(554);
    await c.command('QUIT');
    await server.close();
    expect(logs.filter((l) => /< (DATA|BDAT) \(refused with 554\)/.test(l))).toHaveLength(2);
  });
});

describe('property: no input forms a second command', () => {
  const CONTROL = fc.constantFrom('\r', '\n', '\r\n', '\u0000', '\t', '\u0085', '\u2028', '\x1b', '\x7f');
  const piece = fc.oneof(fc.string({ maxLength: 6 }), CONTROL, fc.constantFrom('DATA', 'RSET', 'QUIT', '>', '<', '.', ' ', '@'));
  const value = fc.oneof(
    fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join('')),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
    fc.stringMatching(/^[a-z0-9.-]{1,12}(@[a-z0-9.-]{1,12})?$/),
  );
  const field = fc.constantFrom('ehlo', 'mailFrom', 'rcpt', 'user', 'tlsDomain', 'host');

  it('each value is refused at input, or the server receives exactly the lines the transcript shows, and never DATA', async () => {
    const logs: string[] = [];
    const server = await start(scenario('none', 'raw'), logs);
    const base = await targetForScenario(server.scenario, server);
    let probed = 0;
    await fc.assert(
      fc.asyncProperty(field, value, async (name, v) => {
        let accepted = true;
        try {
          // The same schema every input source goes through; host is the field's own value here.
          parseTargetInput({ host: '127.0.0.1', [name]: v }, 'flag');
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          accepted = false;
          expect(e.field.split('.')[0]).toBe(name);
        }
        if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(v)) expect(accepted).toBe(false);
        // host and tlsDomain go into DNS and the TLS handshake, not into a command line.
        if (!accepted || name === 'host' || name === 'tlsDomain') return;
        probed++;
        const target = { ...base, rcpt: [...base.rcpt], [name]: name === 'rcpt' ? [v] : v };
        logs.length = 0;
        const r = await probe(target);
        const lines = received(logs);
        expect(lines).toHaveLength(sent(r).length);
        lines.forEach((l, i) => {
          if (!/^AUTH /.test(l)) expect(l).toBe(sent(r)[i]);
        });
        expect(lines.some((l) => /^(DATA|BDAT)\b/i.test(l))).toBe(false);
        if (name === 'user') expect(logs.join('\n')).toContain(`AUTH PLAIN as ${v}:`);
      }),
      { numRuns: 200 },
    );
    expect(probed).toBeGreaterThan(40);
  });
});
