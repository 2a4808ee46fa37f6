import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadProbesFile } from '../../../src/config/probes-file.js';
import { parseTargetInput, resolveTarget } from '../../../src/config/resolve-target.js';
import { controlCharacterProblem, hasControlCharacter } from '../../../src/model/wire-text.js';
import { configError } from '../../support/config-error.js';

describe('controlCharacterProblem', () => {
  it.each([
    ['\r', 'U+000D (CR)'],
    ['\n', 'U+000A (LF)'],
    ['\0', 'U+0000 (NUL)'],
    ['\t', 'U+0009 (TAB)'],
    ['\x01', 'U+0001'],
    ['\x1b', 'U+001B (ESC)'],
    ['\x7f', 'U+007F (DEL)'],
    ['\u0085', 'U+0085 (NEL)'],
    ['\u009b', 'U+009B'],
    ['\u2028', 'U+2028 (LINE SEPARATOR)'],
  ])('refuses %j and names it (%s) with its position', (c, named) => {
    const problem = controlCharacterProblem(`ab${c}cd`);
    expect(problem).toContain(named);
    expect(problem).toContain('position 3');
    expect(problem).not.toContain(c);
  });

  it.each(['probe@relay.test', 'smtp.example.net', 'DOMAIN\\user', 'jörg@bücher.example', '用户@例子.广告', 'a b', '~!#$%^&*()'])('accepts %j', (v) => {
    expect(controlCharacterProblem(v)).toBeUndefined();
    expect(hasControlCharacter(v)).toBe(false);
  });
});

describe('the target schema refuses control characters in every value that reaches the wire', () => {
  it.each([
    [{ host: 'h', rcpt: 'x@y.test>\r\nDATA' }, 'rcpt'],
    [{ host: 'h', rcpt: ['ok@y.test', 'x@y.test\nRSET'] }, 'rcpt.1'],
    [{ host: 'h', mailFrom: 'a@b.test\u0000' }, 'mailFrom'],
    [{ host: 'h', mailFrom: 'a@b.test\x01' }, 'mailFrom'],
    [{ host: 'h', user: 'probe\u0000admin' }, 'user'],
    [{ host: 'h', user: 'user=a\x01auth=Bearer x' }, 'user'],
    [{ host: 'h', ehlo: 'client.test\r\nMAIL FROM:<>' }, 'ehlo'],
    [{ host: 'h\r\nQUIT' }, 'host'],
    [{ host: 'h', tlsDomain: 'relay.test\n' }, 'tlsDomain'],
    [{ host: 'h', mx: 'example.test\u0085' }, 'mx'],
  ])('%j → %s', (raw, field) => {
    const err = configError(() => parseTargetInput(raw, 'flag'));
    expect(err.field).toBe(field);
    expect(err.problem).toMatch(/control character U\+[0-9A-F]{4}/);
    expect(err.message).not.toMatch(/[\r\n]/);
  });

  it('leaves values without control characters alone', () => {
    const t = parseTargetInput({ host: 'relay.test', rcpt: ['a@b.test', 'c@d.test'], mailFrom: 'probe@relay.test', user: 'DOMAIN\\svc', ehlo: 'client.test' });
    expect(t.rcpt).toEqual(['a@b.test', 'c@d.test']);
    expect(t.user).toBe('DOMAIN\\svc');
  });

  it('probes.yaml: the file and line of the bad value, and its field', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'smtprobe-wire-'));
    const file = path.join(dir, 'probes.yaml');
    writeFileSync(file, ['targets:', '  - name: relay', '    host: relay.test', '    mailFrom: probe@relay.test', '    rcpt: "x@y.test>\\r\\nDATA"', ''].join('\n'));
    const err = await loadProbesFile(file).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(`${file}:5`);
    expect((err as ConfigError).field).toBe('targets.0.rcpt');
    expect((err as ConfigError).problem).toContain('U+000D (CR)');
  });

  it('probes.yaml: a module or defaults value is refused too', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'smtprobe-wire-'));
    const file = path.join(dir, 'probes.yaml');
    writeFileSync(file, ['defaults:', '  ehlo: "client.test\\u0000"', 'targets:', '  - name: relay', '    host: relay.test', ''].join('\n'));
    const err = await loadProbesFile(file).then(() => undefined, (e: unknown) => e);
    expect((err as ConfigError).message).toContain(`${file}:2`);
    expect((err as ConfigError).field).toBe('defaults.ehlo');
  });
});

describe('an address is one path, with nothing after it', () => {
  it.each([
    [{ host: 'h', rcpt: 'a@b.test> NOTIFY=NEVER' }, 'rcpt'],
    [{ host: 'h', rcpt: ['ok@b.test', 'a@b.test>'] }, 'rcpt.1'],
    [{ host: 'h', mailFrom: 'a@b.test> SIZE=1' }, 'mailFrom'],
  ])('%j → %s: a space or > would add ESMTP parameters', (raw, field) => {
    const err = configError(() => parseTargetInput(raw, 'flag'));
    expect(err.field).toBe(field);
    expect(err.problem).toContain('without spaces or <>');
  });
});

describe('secrets that would rewrite a SASL message', () => {
  const base = { baseDir: process.cwd() };

  it('a password holding NUL is refused, naming the field and never the value', async () => {
    const err = await resolveTarget(parseTargetInput({ host: 'h', user: 'u', passwordEnv: 'P' }), { ...base, env: { P: 'Hunter2\u0000authzid' } }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('password');
    expect((err as ConfigError).message).not.toContain('Hunter2');
  });

  it('a token holding U+0001 (the XOAUTH2/OAUTHBEARER separator) is refused', async () => {
    const err = await resolveTarget(parseTargetInput({ host: 'h', user: 'u', tokenEnv: 'T' }), { ...base, env: { T: 'ya29.abc\u0001auth=Bearer x' } }).then(() => undefined, (e: unknown) => e);
    expect((err as ConfigError).field).toBe('token');
    expect((err as ConfigError).message).not.toContain('ya29');
  });

  it('a password with other characters, spaces and non-ASCII included, is kept as given', async () => {
    const t = await resolveTarget(parseTargetInput({ host: 'h', user: 'u', passwordEnv: 'P' }), { ...base, env: { P: ' pä ss\t' } });
    expect(t.password?.reveal()).toBe(' pä ss\t');
  });
});

describe('an Exchange connector import', () => {
  it('a control character in the connector (here in Fqdn, the EHLO name) is refused naming the file, the connector and the field', async () => {
    const { readFileSync } = await import('node:fs');
    const { importConnectors, targetInputsFromConnector } = await import('../../../src/exchange/connector-targets.js');
    const json = JSON.parse(readFileSync('fixtures/connectors/basicauth.names.json', 'utf8')) as Record<string, unknown>;
    json.Fqdn = 'mail.contoso.com\r\nMAIL FROM:<x@y>';
    const dir = mkdtempSync(path.join(os.tmpdir(), 'smtprobe-wire-'));
    const file = path.join(dir, 'connector.json');
    writeFileSync(file, JSON.stringify(json));
    for (const load of [() => importConnectors(file), () => targetInputsFromConnector(file, undefined)]) {
      const err = await load().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe('ehlo');
      expect((err as ConfigError).message).toContain(`${file}: connector "`);
      expect((err as ConfigError).problem).toContain('U+000D (CR)');
    }
  });
});
