import { mkdtempSync, copyFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadProbesFile, parseProbesText, resolveAllTargets, resolveProbeTarget, targetInputFor } from '../../../src/config/probes-file.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/probes');
const tmp = mkdtempSync(path.join(tmpdir(), 'smtprobe-probes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** configError runs fn and returns the ConfigError's one-line message. */
function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('probes.yaml', () => {
  it('the minimal file of the issue works exactly as written; relative paths are relative to the file', async () => {
    const dir = path.join(tmp, 'minimal');
    rmSync(dir, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(dir);
    copyFileSync(path.join(fixtures, 'minimal.yaml'), path.join(dir, 'probes.yaml'));
    writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const config = await loadProbesFile(path.join(dir, 'probes.yaml'));
    const [t] = await resolveAllTargets(config, { SMTP_PASS: 'secret-value' });
    expect(t).toMatchObject({ name: 'relay-a', host: '127.0.0.1', port: 2525, tls: 'starttls', tlsDomain: 'smarthost.test', user: 'probe@smarthost.test' });
    expect(t?.caFiles).toEqual([path.join(dir, 'ca.pem')]);
    expect(t?.ca[0]).toContain('BEGIN CERTIFICATE');
    expect(t?.password?.reveal()).toBe('secret-value');
  });

  // A FIFO can be read once (one writer, one reader): were the CA or the password file read per
  // target, the second read would wait for a writer that never comes.
  it.skipIf(process.platform === 'win32')('one load reads a file that many targets name once: the CA bundle and the password file of 50 relays', async () => {
    const { execFileSync } = await import('node:child_process');
    const { writeFile } = await import('node:fs/promises');
    const dir = mkdtempSync(path.join(tmp, 'fifo-'));
    const ca = path.join(dir, 'ca.pem');
    const pass = path.join(dir, 'pass');
    execFileSync('mkfifo', [ca, pass]);
    const lines = ['defaults:', '  port: 2525', '  ca: ca.pem', '  user: probe@relay.test', '  passwordFile: pass', 'targets:'];
    for (let i = 0; i < 50; i++) lines.push(`  - { name: relay-${i}, host: 127.0.0.${i + 1} }`);
    const config = parseProbesText(`${lines.join('\n')}\n`, 'probes.yaml', dir);
    const writers = Promise.all([writeFile(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'), writeFile(pass, 'fifo-secret\n')]);
    const targets = await resolveAllTargets(config, {});
    await writers;
    expect(targets).toHaveLength(50);
    expect(new Set(targets.map((t) => t.ca[0]))).toEqual(new Set(['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n']));
    expect(targets.every((t) => t.password?.reveal() === 'fifo-secret')).toBe(true);
  }, 10_000);

  it('a missing secret names file:line of the field and never the value', async () => {
    const config = parseProbesText(await (await import('node:fs/promises')).readFile(path.join(fixtures, 'minimal.yaml'), 'utf8'), 'probes.yaml', tmp);
    writeFileSync(path.join(tmp, 'ca.pem'), 'x');
    await expect(resolveProbeTarget(config, config.targets[0]!, { env: {} })).rejects.toThrow(/^probes\.yaml:10: targets\.0\(relay-a\)\.password: environment variable SMTP_PASS is not set$/);
  });

  it('defaults < module < target, labels merged key by key', () => {
    const config = parseProbesText([
      'defaults:', '  port: 25', '  timeout: 10', '  labels: { team: mail, tier: "1" }',
      'modules:', '  sub:', '    port: 587', '    auth: LOGIN', '    labels: { tier: "2" }',
      'targets:', '  - name: a', '    host: a.test', '    module: sub', '    timeout: 5', '    labels: { site: fra }',
      '  - name: b', '    host: b.test',
    ].join('\n'), 'p.yaml', tmp);
    expect(targetInputFor(config, config.targets[0]!)).toEqual({ port: 587, timeout: 5, auth: 'LOGIN', host: 'a.test', name: 'a', labels: { team: 'mail', tier: '2', site: 'fra' } });
    expect(targetInputFor(config, config.targets[1]!)).toEqual({ port: 25, timeout: 10, host: 'b.test', name: 'b', labels: { team: 'mail', tier: '1' } });
    // serve's &module= picks another module for the same target
    expect(targetInputFor(config, config.targets[1]!, 'sub').port).toBe(587);
  });

  it('a secret given one way in the defaults and another on the target: the target wins', () => {
    const config = parseProbesText(['defaults:', '  password: env:SHARED', 'targets:', '  - name: a', '    host: a.test', '    passwordFile: ./a.pass'].join('\n'), 'p.yaml', tmp);
    const input = targetInputFor(config, config.targets[0]!);
    expect(input.passwordFile).toBe('./a.pass');
    expect(input.password).toBeUndefined();
  });

  it.each([
    ['an unknown key, on its own line', 'targets:\n  - name: a\n    host: a.test\n    pasword: env:X\n', 'p.yaml:4: targets.0.pasword: unknown key (keys are the check flags in camelCase)'],
    ['a bad value', 'targets:\n  - name: a\n    host: a.test\n    port: 99999\n', 'p.yaml:4: targets.0.port:'],
    ['a bad TLS mode in a module', 'modules:\n  m:\n    tls: maybe\ntargets:\n  - name: a\n    host: a.test\n', 'p.yaml:3: modules.m.tls:'],
    ['a missing host', 'targets:\n  - name: a\n    port: 25\n', 'p.yaml:2: targets.0.host:'],
    ['an unknown module', 'modules:\n  m: {}\ntargets:\n  - name: a\n    host: a.test\n    module: x\n', 'p.yaml:6: targets.0.module: no module "x" (modules: m)'],
    ['a duplicate name', 'targets:\n  - name: a\n    host: a.test\n  - name: a\n    host: b.test\n', 'p.yaml:4: targets.1.name: "a" is already the name of the target on line 2'],
    ['no targets', 'defaults: {}\n', 'p.yaml:1: targets:'],
    ['broken YAML', 'targets:\n  - name: a\n    host: [a.test\n', 'p.yaml:'],
    ['a duplicate key', 'targets:\n  - name: a\n    host: a.test\n    host: b.test\n', 'p.yaml:4:'],
    ['host in defaults', 'defaults:\n  host: x.test\ntargets:\n  - name: a\n    host: a.test\n', 'p.yaml:2: defaults.host: unknown key'],
  ])('%s is one error naming file:line and field', (_what, text, expected) => {
    expect(configError(() => parseProbesText(text, 'p.yaml', tmp))).toContain(expected);
  });

  it('every example in fixtures/probes/ is valid', async () => {
    for (const f of ['minimal.yaml', 'fleet.yaml']) {
      const config = await loadProbesFile(path.join(fixtures, f));
      expect(config.targets.length).toBeGreaterThan(0);
    }
  });
});
