/**
 * The scenario language: invalid files fail with one line "file: field: problem"
 * (fixtures beside this test, mock-fixtures/invalid-*.yaml); valid ones get their defaults;
 * the engine choice explains itself; replies are framed as RFC 5321 §4.2 says.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chooseEngine } from '../../src/mock/engine-choice.js';
import { findScenario, loadScenarioFile, parseScenario, ScenarioError } from '../../src/mock/index.js';
import { formatReply, ReplyScript } from '../../src/mock/reply-script.js';
import { ehloKeywords } from '../../src/mock/ehlo-lines.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mock-fixtures');

/** file → [field, a fragment of the problem] */
const INVALID: Record<string, [string, RegExp]> = {
  'invalid-data-verb.yaml': ['server.replies.DATA', /Unrecognized key/],
  'invalid-fault.yaml': ['server.fault.kind', /discriminator/],
  'invalid-finding-code.yaml': ['expect.codes.0', /"AUTH_FAILED" is not a finding code/],
  'invalid-missing-expect.yaml': ['expect', /expected object/],
  'invalid-name-mismatch.yaml': ['name', /must equal the file name "invalid-name-mismatch"/],
  'invalid-probe-flag.yaml': ['probe.tlsVerfy', /Unrecognized key/],
  'invalid-reply-code.yaml': ['server.replies.AUTH.0.code', /599/],
  'invalid-stage.yaml': ['server.replies.RCPT.0.stage', /AUTH only/],
  'invalid-tls-mode.yaml': ['server.tls', /"starttls"\|"implicit"\|"none"/],
  'invalid-tls-window.yaml': ['server.tlsVersions', /min is newer than max/],
  'invalid-unknown-key.yaml': ['server.tls_mode', /Unrecognized key/],
  'invalid-yaml.yaml': ['line 5', /Flow sequence/],
};

describe('invalid scenario files', () => {
  it('every invalid fixture has an expectation', () => {
    expect(readdirSync(dir).filter((f) => f.startsWith('invalid-')).sort()).toEqual(Object.keys(INVALID).sort());
  });

  for (const [file, [field, problem]] of Object.entries(INVALID)) {
    it(`${file}: ${field}`, async () => {
      const full = path.join(dir, file);
      const err = await loadScenarioFile(full).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ScenarioError);
      const e = err as ScenarioError;
      expect(e.message.split('\n')).toHaveLength(1);
      expect(e.message.startsWith(`${full}: ${field}: `)).toBe(true);
      expect(e.field).toBe(field);
      expect(e.problem).toMatch(problem);
    });
  }

  it('names the line of the offending field', async () => {
    const err = (await loadScenarioFile(path.join(dir, 'invalid-reply-code.yaml')).catch((e: unknown) => e)) as ScenarioError;
    expect(err.problem).toMatch(/\(line 6\)/);
  });

  it('an unknown bundled name or a missing file is one line too', async () => {
    await expect(findScenario('no-such-scenario')).rejects.toThrow(/^no-such-scenario: \(name\): no bundled scenario/);
    await expect(findScenario('./nowhere/x.yaml')).rejects.toThrow(/x\.yaml: \(file\): no such file$/);
  });
});

describe('defaults', () => {
  it('fills every server field, so a file states only what differs', () => {
    const s = parseScenario('name: minimal\ndescription: the least a scenario can say\nexpect: { verdict: ok }\n', 'minimal.yaml', 'minimal');
    expect(s.server).toMatchObject({
      hostname: 'smarthost.test',
      engine: 'auto',
      greeting: { code: 220, delayMs: 0 },
      tls: 'starttls',
      certificate: 'valid',
      tlsVersions: { min: 'TLSv1.2', max: 'TLSv1.3' },
      clientCert: 'none',
      auth: { mechanisms: ['PLAIN', 'LOGIN'], advertise: 'after-starttls', legacyAuthEquals: false, users: [], required: true },
      replies: {},
      maxConnections: 0,
      fault: { kind: 'none' },
    });
    expect(s.expect).toEqual({ codes: [], anyOf: [], absent: [], verdict: 'ok' });
    expect(s.probe).toEqual({});
  });

  it('takes a bare fault kind and a single rcpt as shorthand', () => {
    const s = parseScenario('name: x\ndescription: shorthand forms\nserver: { fault: tarpit }\nprobe: { rcpt: a@b.test }\nexpect: { verdict: critical }\n', 'x');
    expect(s.server.fault).toEqual({ kind: 'tarpit', intervalMs: 1000, bytesPerTick: 1 });
    expect(s.probe.rcpt).toEqual(['a@b.test']);
  });
});

describe('engine choice', () => {
  it('uses smtp-server for what it can express and says why not otherwise', async () => {
    expect(chooseEngine(await findScenario('good-starttls'))).toEqual({ engine: 'smtp-server', reasons: [] });
    expect(chooseEngine(await findScenario('bad-credentials')).engine).toBe('smtp-server');
    expect(chooseEngine(await findScenario('relay-denied')).engine).toBe('smtp-server');
    expect(chooseEngine(await findScenario('gmail-app-password'))).toEqual({ engine: 'raw', reasons: ['multi-line AUTH reply'] });
    expect(chooseEngine(await findScenario('must-starttls-530')).reasons).toEqual(['AUTH answered at the command']);
    expect(chooseEngine(await findScenario('tarpit')).reasons).toEqual(['fault tarpit']);
    expect(chooseEngine(await findScenario('m365-auth-disabled')).reasons).toContain('custom EHLO extensions');
  });

  it('refuses to force smtp-server onto a scenario it cannot express', async () => {
    const s = await findScenario('tarpit');
    s.server.engine = 'smtp-server';
    expect(() => chooseEngine(s)).toThrow(/cannot express: fault tarpit/);
  });
});

describe('replies and EHLO lines', () => {
  it('frames multi-line replies with "-" on every line but the last', () => {
    expect(formatReply(250, ['a.test', 'PIPELINING', 'SIZE 1'])).toBe('250-a.test\r\n250-PIPELINING\r\n250 SIZE 1\r\n');
    expect(formatReply(221, '2.0.0 Bye')).toBe('221 2.0.0 Bye\r\n');
    expect(formatReply(334, '')).toBe('334\r\n');
  });

  it('plays a script step per attempt, the last one repeating', () => {
    const script = new ReplyScript({ RCPT: [{ code: 451, text: 'x', delayMs: 0, close: false, stage: 'final' }, 'default'] });
    expect(script.next('RCPT')).toMatchObject({ code: 451 });
    expect(script.next('RCPT')).toBe('default');
    expect(script.next('RCPT')).toBe('default');
    expect(script.next('MAIL')).toBeUndefined();
  });

  it('derives STARTTLS and AUTH lines unless listed or suppressed', () => {
    const s = parseScenario('name: x\ndescription: ehlo lines\nserver:\n  auth: { advertise: always }\nexpect: { verdict: ok }\n', 'x');
    expect(ehloKeywords(s.server, false, 'starttls')).toEqual(['PIPELINING', 'SIZE 10240000', '8BITMIME', 'SMTPUTF8', 'AUTH PLAIN LOGIN', 'STARTTLS']);
    expect(ehloKeywords(s.server, true, 'starttls')).toEqual(['PIPELINING', 'SIZE 10240000', '8BITMIME', 'SMTPUTF8', 'AUTH PLAIN LOGIN']);
    s.server.extensions.plain = ['STARTTLS', 'AUTH LOGIN'];
    expect(ehloKeywords(s.server, false, 'starttls')).toEqual(['STARTTLS', 'AUTH LOGIN']);
    s.server.extensions.plain = ['SIZE 1', '!STARTTLS', '!AUTH'];
    expect(ehloKeywords(s.server, false, 'starttls')).toEqual(['SIZE 1']);
  });
});
