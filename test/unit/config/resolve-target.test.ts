import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseTargetInput, resolveTarget, resolveTlsMode } from '../../../src/config/resolve-target.js';
import { fromFile } from '../../../src/config/secrets.js';
import { toPublicTarget } from '../../../src/model/target.js';
import { configError } from '../../support/config-error.js';

const base = { env: {}, baseDir: process.cwd() };

describe('parseTargetInput', () => {
  it('accepts flags as strings and coerces numbers', () => {
    const t = parseTargetInput({ host: 'smtp.example.net', port: '2525', timeout: '5' });
    expect(t.port).toBe(2525);
    expect(t.timeout).toBe(5);
  });

  it.each([
    [{ host: 'h', port: '70000' }, 'port'],
    [{ host: 'h', port: 'abc' }, 'port'],
    [{ host: 'h', tls: 'sometimes' }, 'tls'],
    [{ host: 'h', auth: 'DIGEST-MD5' }, 'auth'],
    [{ host: 'h', portt: 1 }, '(root)'],
    [{ host: 'bad host name' }, 'host'],
    [{ host: 'h', mailFrom: 'a b@c' }, 'mailFrom'],
  ])('rejects %j naming the field %s, on one line', (raw, field) => {
    const err = configError(() => parseTargetInput(raw, 'flag'));
    expect(err.field).toBe(field);
    expect(err.message).not.toContain('\n');
  });
});

describe('resolveTlsMode', () => {
  it('auto is implicit on 465 and STARTTLS elsewhere', () => {
    expect(resolveTlsMode('auto', 465)).toBe('implicit');
    expect(resolveTlsMode(undefined, 587)).toBe('starttls');
    expect(resolveTlsMode('none', 465)).toBe('none');
  });
});

describe('resolveTarget', () => {
  it('applies the defaults of check', async () => {
    const t = await resolveTarget(parseTargetInput({ host: 'smtp.example.net' }), base);
    expect(t).toMatchObject({ port: 587, tls: 'starttls', tlsVerify: 'domain', auth: 'auto', allowPlaintextAuth: false, certWarnDays: 21, certCritDays: 7 });
    expect(t.timeouts).toEqual({ totalMs: 60_000, phaseMs: 30_000 });
  });

  it('reads a password from an environment variable and never shows it', async () => {
    const t = await resolveTarget(parseTargetInput({ host: 'h', user: 'u', passwordEnv: 'P' }), { ...base, env: { P: 'hunter2-secret' } });
    expect(t.password?.reveal()).toBe('hunter2-secret');
    expect(JSON.stringify(t)).not.toContain('hunter2-secret');
    expect(inspect(t, { depth: 5 })).not.toContain('hunter2-secret');
    expect(JSON.stringify(toPublicTarget(t))).not.toContain('hunter2-secret');
    expect(toPublicTarget(t).hasPassword).toBe(true);
  });

  it('reads a password file relative to the base directory, without its trailing newline', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'smtprobe-cfg-'));
    writeFileSync(path.join(dir, 'pw'), 's3cret\n');
    const t = await resolveTarget(parseTargetInput({ host: 'h', user: 'u', password: 'file:pw' }), { ...base, baseDir: dir });
    expect(t.password?.reveal()).toBe('s3cret');
  });

  it('refuses inline secrets outside scenario files', async () => {
    await expect(resolveTarget(parseTargetInput({ host: 'h', user: 'u', password: 'plain-text' }), base)).rejects.toThrow(/env:VAR or file:PATH/);
  });

  it('names a missing environment variable', async () => {
    await expect(resolveTarget(parseTargetInput({ host: 'h', user: 'u', passwordEnv: 'NOPE' }), base)).rejects.toThrow(/NOPE is not set/);
  });

  it('names an unreadable CA file', async () => {
    await expect(resolveTarget(parseTargetInput({ host: 'h', ca: '/nonexistent/ca.pem' }), base)).rejects.toThrow(/ca: cannot read/);
  });

  it('rejects inconsistent settings', async () => {
    await expect(resolveTarget(parseTargetInput({ host: 'h', tlsMin: 'TLSv1.3', tlsMax: 'TLSv1.2' }), base)).rejects.toThrow(/tlsMin/);
    await expect(resolveTarget(parseTargetInput({ host: 'h', certWarnDays: 3, certCritDays: 10 }), base)).rejects.toThrow(/certCritDays/);
    await expect(resolveTarget(parseTargetInput({ host: 'h', clientCert: 'a.pem' }), base)).rejects.toThrow(/clientKey/);
  });

  it('--cert-warn-lifetime: a percentage between 0 and 100 (exclusive), as flag text or number', async () => {
    expect((await resolveTarget(parseTargetInput({ host: 'h', certWarnLifetime: '33' }), base)).certWarnLifetimePct).toBe(33);
    expect((await resolveTarget(parseTargetInput({ host: 'h' }), base)).certWarnLifetimePct).toBeUndefined();
    expect(() => parseTargetInput({ host: 'h', certWarnLifetime: 100 })).toThrow(/certWarnLifetime/);
    expect(() => parseTargetInput({ host: 'h', certWarnLifetime: 'abc' })).toThrow(/certWarnLifetime/);
  });

  it('--dns-server: an IP address (optionally with a port); a host name is an input error, not a DNS timeout later', async () => {
    for (const ok of ['192.0.2.53', '192.0.2.53:5353', '2001:db8::53', '[2001:db8::53]:5353']) {
      expect((await resolveTarget(parseTargetInput({ host: 'h', dnsServer: ok }), base)).connectivity.dnsServer).toBe(ok);
    }
    for (const bad of ['not-an-ip', 'dns.example.net:53', '192.0.2.53:99999', '[192.0.2.53]:53']) {
      expect(() => parseTargetInput({ host: 'h', dnsServer: bad }), bad).toThrow(/dnsServer: an IP address/);
    }
  });

  it('the Exchange TLS 1.0 profile pins TLS 1.0', async () => {
    const t = await resolveTarget(parseTargetInput({ host: 'h', client: 'exchange', exchangeTls: '1.0' }), base);
    expect([t.tlsMin, t.tlsMax]).toEqual(['TLSv1', 'TLSv1']);
  });
});

describe('an empty password file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smtprobe-emptypw-'));
  it.each([
    ['an empty file', ''],
    ['a lone newline (`echo > file`)', '\n'],
    ['a lone CRLF', '\r\n'],
  ])('%s is an input error naming the file, never an empty AUTH', async (_name, content) => {
    const file = path.join(dir, `pw-${content.length}`);
    writeFileSync(file, content);
    for (const input of [{ host: 'h', user: 'u@h.test', passwordFile: file }, { host: 'h', user: 'u@h.test', password: `file:${file}` }]) {
      const field = 'passwordFile' in input ? 'passwordFile' : 'password';
      await expect(resolveTarget(parseTargetInput(input), base)).rejects.toMatchObject({ field, message: expect.stringContaining(`${file} is empty`) });
    }
  });

  it('any secret file, not only the password (OAuth client secrets, refresh tokens, keys): empty is bad input naming its field', async () => {
    const file = path.join(dir, 'secret-empty');
    writeFileSync(file, '\n');
    await expect(fromFile(file, 'oauthClientSecretFile', base)).rejects.toMatchObject({ field: 'oauthClientSecretFile', message: expect.stringContaining(`${file} is empty`) });
  });

  it('a one-character password is still a password', async () => {
    const file = path.join(dir, 'pw-one');
    writeFileSync(file, 'x\n');
    const t = await resolveTarget(parseTargetInput({ host: 'h', user: 'u@h.test', passwordFile: file }), base);
    expect(t.password?.reveal()).toBe('x');
  });
});
