import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnose/index.js';
import { EXCHANGE_REMEDIATION } from '../../../src/diagnose/exchange-remediation.js';
import { psString } from '../../../src/diagnose/powershell.js';
import { makeContext } from '../../../src/diagnose/rule.js';
import type { FindingCode } from '../../../src/model/finding-codes.js';
import { authData, authFail, caps, ehloData, input, passingSteps, problem, reply, step, target, tlsData } from './builders.js';

const exchange = { client: 'exchange' as const, connectorName: 'Relay' };

describe('Exchange client profile', () => {
  it('a relay offering only AUTH PLAIN: Exchange QUITs with 451 5.7.3 Require basic authentication', () => {
    const auth = step('auth', 'fail', authData({
      offered: ['PLAIN'], offeredAfterTls: ['PLAIN'], usable: [], attempted: false, skipped: 'no-common-mechanism', mechanism: undefined,
    }), { code: 'AUTH_NO_COMMON_MECHANISM' });
    const f = diagnose(input([auth, step('ehlo-tls', 'pass', ehloData(caps({ auth: ['PLAIN'], authLegacy: ['PLAIN'] })))], { target: exchange }));
    expect(f.map((x) => x.code)).toEqual(['AUTH_NO_COMMON_MECHANISM']);
    expect(f[0]?.cause).toContain('451 5.7.3 Require basic authentication');
    expect(f[0]?.evidence).toContain('after STARTTLS: AUTH PLAIN');
    expect(f[0]?.exchange?.setting).toBe('SmartHostAuthMechanism');
    expect(f[0]?.exchange?.command).toMatch(/^Set-SendConnector "Relay" -SmartHostAuthMechanism/);
  });

  it('the profile alone spots a missing LOGIN even if the step said nothing', () => {
    const auth = step('auth', 'pass', authData({ offered: ['PLAIN', 'CRAM-MD5'], offeredAfterTls: ['PLAIN', 'CRAM-MD5'] }));
    const f = diagnose(input([auth], { target: exchange }));
    expect(f.map((x) => x.code)).toEqual(['AUTH_NO_COMMON_MECHANISM']);
  });

  it('LOGIN only on the legacy AUTH= line does not count for Exchange', () => {
    const auth = step('auth', 'fail', authData({ offered: ['PLAIN'], offeredAfterTls: ['PLAIN'], usable: [], attempted: false }), { code: 'AUTH_NO_COMMON_MECHANISM' });
    const tlsEhlo = step('ehlo-tls', 'pass', ehloData(caps({ auth: ['PLAIN'], authLegacy: ['LOGIN'] })));
    const [f] = diagnose(input([auth, tlsEhlo], { target: exchange }));
    expect(f?.cause).toMatch(/AUTH=/);
    expect(f?.evidence).toContain('legacy AUTH= line: LOGIN');
  });

  it('SmartHostAuthMechanism ExchangeServer against a relay without X-EXPS: 451 5.7.3 Cannot achieve Exchange Server authentication', () => {
    const tlsEhlo = step('ehlo-tls', 'pass', ehloData(caps({ keywords: { PIPELINING: [], AUTH: ['PLAIN', 'LOGIN'] }, auth: ['PLAIN', 'LOGIN'] })));
    const f = diagnose(input([tlsEhlo], { target: { ...exchange, smartHostAuthMechanism: 'ExchangeServer', auth: 'none' } }));
    const g = f.find((x) => x.code === 'AUTH_NO_COMMON_MECHANISM');
    expect(g?.cause).toContain('Cannot achieve Exchange Server authentication');
    expect(g?.evidence.join(' ')).toContain('X-EXPS');
    expect(g?.exchange?.command).toMatch(/-SmartHostAuthMechanism BasicAuthRequireTLS/);
  });

  it('SmartHostAuthMechanism ExchangeServer against an Exchange relay (X-ANONYMOUSTLS, X-EXPS): no finding', () => {
    const plainEhlo = step('ehlo', 'pass', ehloData(caps({ keywords: { 'X-ANONYMOUSTLS': [], STARTTLS: [] }, starttls: true })));
    const tlsEhlo = step('ehlo-tls', 'pass', ehloData(caps({ keywords: { 'X-EXPS': ['GSSAPI', 'NTLM'], 'X-ANONYMOUSTLS': [] } })));
    const f = diagnose(input([plainEhlo, tlsEhlo], { target: { ...exchange, smartHostAuthMechanism: 'ExchangeServer', auth: 'none' } }));
    expect(f.map((x) => x.code)).not.toContain('AUTH_NO_COMMON_MECHANISM');
  });

  it('STARTTLS not offered: 451 5.7.3 Require STARTTLS to do basic authentication', () => {
    const st = step('starttls', 'fail', { offered: false }, { code: 'STARTTLS_NOT_OFFERED' });
    const [f] = diagnose(input([st], { target: { ...exchange, port: 25 }, drop: ['tls', 'ehlo-tls', 'auth'] }));
    expect(f?.code).toBe('STARTTLS_NOT_OFFERED');
    expect(f?.cause).toContain('451 5.7.3 Require STARTTLS to do basic authentication');
    expect(f?.exchange).toEqual({ setting: 'Port', command: 'Set-SendConnector "Relay" -Port 587' });
  });

  it.each([
    ['port 465', { port: 465 }],
    ['implicit TLS', { tls: 'implicit' as const, port: 2465 }],
  ])('%s → IMPLICIT_TLS_UNSUPPORTED_BY_EXCHANGE with the port fix', (_name, over) => {
    const f = diagnose(input([], { target: { ...exchange, ...over } }));
    const g = f.find((x) => x.code === 'IMPLICIT_TLS_UNSUPPORTED_BY_EXCHANGE');
    expect(g?.severity).toBe('critical');
    expect(g?.exchange).toEqual({ setting: 'Port', command: 'Set-SendConnector "Relay" -Port 587' });
  });

  it('a TLS server answering the STARTTLS-style probe → implicit-TLS finding for Exchange', () => {
    const banner = step('banner', 'fail', { detected: 'tls' }, { code: 'TLS_ON_CONNECT_EXPECTED' });
    const codes = diagnose(input([banner], { target: { ...exchange, port: 2465 } })).map((x) => x.code);
    expect(codes).toEqual(expect.arrayContaining(['TLS_ON_CONNECT_EXPECTED', 'IMPLICIT_TLS_UNSUPPORTED_BY_EXCHANGE']));
  });

  it('no implicit-TLS finding for the generic client', () => {
    expect(diagnose(input([], { target: { port: 465, tls: 'implicit' } }))).toEqual([]);
  });

  it('credentials rejected: re-enter the connector credential with Get-Credential', () => {
    const [f] = diagnose(input([authFail(reply(535, '5.7.8', 'Error: authentication failed: x'), 'AUTH_CREDENTIALS_REJECTED')], { target: exchange }));
    expect(f?.exchange).toEqual({
      setting: 'AuthenticationCredential',
      command: 'Set-SendConnector "Relay" -AuthenticationCredential (Get-Credential -UserName "alice@example.net")',
    });
    expect(f?.cause).toMatch(/2003/);
  });

  it('name mismatch: TlsDomain set to a name the certificate covers', () => {
    const d = tlsData({ verifyPassed: false, problems: [problem('CERT_HOSTNAME_MISMATCH')] });
    d.chain[0]!.san = ['DNS:*.example.com', 'IP Address:192.0.2.1', 'DNS:mail.example.com'];
    const [f] = diagnose(input([step('tls', 'fail', d, { code: 'CERT_HOSTNAME_MISMATCH' })], { target: exchange }));
    expect(f?.exchange?.setting).toBe('TlsDomain');
    expect(f?.exchange?.command).toBe('Set-SendConnector "Relay" -RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain "mail.example.com"');
  });

  it('without a connector name the command uses a placeholder', () => {
    const [f] = diagnose(input([authFail(reply(535, '5.7.8', 'bad'), 'AUTH_CREDENTIALS_REJECTED')], { target: { client: 'exchange' } }));
    expect(f?.exchange?.command).toMatch(/^Set-SendConnector "<connector name>" /);
  });

  it('every code mapped to a connector setting yields a setting and a command', () => {
    const ctx = makeContext(target({ ...exchange, port: 465, tlsMax: 'TLSv1' }), passingSteps(), []);
    for (const [code, remedy] of Object.entries(EXCHANGE_REMEDIATION) as [FindingCode, NonNullable<(typeof EXCHANGE_REMEDIATION)[FindingCode]>][]) {
      const fix = remedy(ctx);
      if (code === 'RELAY_DENIED') continue; // none once AUTH passed: then it is about rights, not settings
      expect(fix?.setting, code).toBeTruthy();
      expect(fix?.command, code).toBeTruthy();
    }
  });
});

describe('psString', () => {
  it('double-quotes plain names and single-quotes names PowerShell would expand', () => {
    expect(psString('Relay')).toBe('"Relay"');
    expect(psString('组织内 SMTP 发送连接器')).toBe('"组织内 SMTP 发送连接器"');
    expect(psString('Relay $env:USERNAME')).toBe("'Relay $env:USERNAME'");
    expect(psString('O\'Brien "x"')).toBe("'O''Brien \"x\"'");
  });
});
