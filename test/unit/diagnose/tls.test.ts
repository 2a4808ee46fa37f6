import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnose/index.js';
import type { CertProblem, TlsScanData } from '../../../src/model/step-data.js';
import { cert, input, problem, step, tlsData } from './builders.js';

const CERT_CODES: CertProblem['code'][] = [
  'CERT_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_EXPIRES_SOON', 'CERT_HOSTNAME_MISMATCH', 'CERT_SELF_SIGNED',
  'CERT_UNTRUSTED_ROOT', 'CERT_CHAIN_INCOMPLETE', 'CERT_WEAK_KEY', 'CERT_WEAK_SIGNATURE', 'CERT_VERIFY_FAILED',
];

function tlsFail(problems: CertProblem[], code = problems[0]?.code ?? 'CERT_VERIFY_FAILED') {
  return step('tls', 'fail', tlsData({ problems, verifyPassed: false }), { code });
}

describe('certificate problems', () => {
  it.each(CERT_CODES)('%s alone → its own finding', (code) => {
    const f = diagnose(input([tlsFail([problem(code)])]));
    expect(f.map((x) => [x.code, x.severity])).toEqual([[code, 'critical']]);
    expect(f[0]?.step).toBe('tls');
  });

  it('expired AND wrong host → both findings', () => {
    const f = diagnose(input([tlsFail([problem('CERT_EXPIRED'), problem('CERT_HOSTNAME_MISMATCH')])]));
    expect(f.map((x) => x.code).sort()).toEqual(['CERT_EXPIRED', 'CERT_HOSTNAME_MISMATCH']);
  });

  it('every problem listed becomes a finding, not just the step error', () => {
    const all = [problem('CERT_SELF_SIGNED'), problem('CERT_EXPIRED'), problem('CERT_HOSTNAME_MISMATCH'), problem('CERT_WEAK_KEY', 'warning'), problem('CERT_WEAK_SIGNATURE', 'warning')];
    const f = diagnose(input([tlsFail(all, 'CERT_SELF_SIGNED')]));
    expect(f.map((x) => x.code)).toEqual(['CERT_SELF_SIGNED', 'CERT_EXPIRED', 'CERT_HOSTNAME_MISMATCH', 'CERT_WEAK_KEY', 'CERT_WEAK_SIGNATURE']);
    expect(f.map((x) => x.severity)).toEqual(['critical', 'critical', 'critical', 'warning', 'warning']);
  });

  it('the same code on two certificates is one finding with both as evidence', () => {
    const p1 = { ...problem('CERT_WEAK_SIGNATURE', 'warning', 0), detail: 'leaf is signed with sha1' };
    const p2 = { ...problem('CERT_WEAK_SIGNATURE', 'warning', 1), detail: 'intermediate is signed with sha1' };
    const f = diagnose(input([step('tls', 'warn', tlsData({ problems: [p1, p2] }))]));
    expect(f).toHaveLength(1);
    expect(f[0]?.evidence).toEqual(expect.arrayContaining(['leaf is signed with sha1', 'intermediate is signed with sha1']));
  });

  it('warnings appear even when the step passed', () => {
    const problems = [problem('CERT_EXPIRES_SOON', 'warning'), problem('CERT_WEAK_KEY', 'warning'), problem('CERT_WEAK_SIGNATURE', 'warning')];
    const f = diagnose(input([step('tls', 'warn', tlsData({ problems }))]));
    expect(f.map((x) => [x.code, x.severity])).toEqual([
      ['CERT_EXPIRES_SOON', 'warning'], ['CERT_WEAK_KEY', 'warning'], ['CERT_WEAK_SIGNATURE', 'warning'],
    ]);
  });

  it('expiry inside --cert-crit-days stays critical although verification passed', () => {
    const f = diagnose(input([step('tls', 'pass', tlsData({ problems: [problem('CERT_EXPIRES_SOON', 'critical')] }))]));
    expect(f.map((x) => [x.code, x.severity])).toEqual([['CERT_EXPIRES_SOON', 'critical']]);
  });

  it('a problem the configured level does not enforce is a warning (name mismatch at --tls-verify chain)', () => {
    const d = tlsData({ verify: 'chain', verifyPassed: true, problems: [problem('CERT_HOSTNAME_MISMATCH')] });
    const f = diagnose(input([step('tls', 'pass', d)]));
    expect(f.map((x) => [x.code, x.severity])).toEqual([['CERT_HOSTNAME_MISMATCH', 'warning']]);
  });

  it('the name mismatch names the name checked and the names in the certificate', () => {
    const d = tlsData({ servername: 'smtp.example.net', chain: [cert({ san: ['mail.example.com', '*.example.com'] })], problems: [problem('CERT_HOSTNAME_MISMATCH')], verifyPassed: false });
    const f = diagnose(input([step('tls', 'fail', d, { code: 'CERT_HOSTNAME_MISMATCH' })]));
    expect(f[0]?.evidence.join('\n')).toMatch(/smtp\.example\.net[\s\S]*mail\.example\.com/);
  });

  it('the step error is not repeated when it is one of the problems', () => {
    const f = diagnose(input([tlsFail([problem('CERT_UNTRUSTED_ROOT'), problem('CERT_EXPIRED')], 'CERT_UNTRUSTED_ROOT')]));
    expect(f.filter((x) => x.code === 'CERT_UNTRUSTED_ROOT')).toHaveLength(1);
  });
});

describe('protocol versions', () => {
  function scan(accepted: string[], allowed: string[]): TlsScanData {
    return {
      versions: (['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const).map((v) => ({ version: v, accepted: accepted.includes(v) })),
      allowed: allowed as TlsScanData['allowed'],
    };
  }

  it('TLS 1.0/1.1 accepted → TLS_LEGACY_PROTOCOL warning', () => {
    const s = step('tls-scan', 'warn', scan(['TLSv1', 'TLSv1.2'], ['TLSv1.2', 'TLSv1.3']), { code: 'TLS_LEGACY_PROTOCOL' });
    const f = diagnose(input([s]));
    expect(f.map((x) => [x.code, x.severity])).toEqual([['TLS_LEGACY_PROTOCOL', 'warning']]);
  });

  it('no allowed version accepted → TLS_VERSION_MISMATCH naming what the server accepts', () => {
    const s = step('tls-scan', 'fail', scan(['TLSv1.2', 'TLSv1.3'], ['TLSv1']), { code: 'TLS_VERSION_MISMATCH' });
    const f = diagnose(input([s]));
    expect(f.map((x) => x.code)).toEqual(['TLS_VERSION_MISMATCH']);
    expect(f[0]?.evidence).toContain('server accepts: TLSv1.2, TLSv1.3');
    expect(f[0]?.evidence).toContain('client allows: TLSv1');
  });

  it('a negotiated TLS 1.0 session shows the server accepts legacy TLS', () => {
    const f = diagnose(input([step('tls', 'pass', tlsData({ protocol: 'TLSv1' }))]));
    expect(f.map((x) => x.code)).toEqual(['TLS_LEGACY_PROTOCOL']);
  });

  it('a good scan and a clean handshake give nothing', () => {
    expect(diagnose(input([step('tls-scan', 'pass', scan(['TLSv1.2', 'TLSv1.3'], ['TLSv1.2', 'TLSv1.3']))]))).toEqual([]);
  });
});
