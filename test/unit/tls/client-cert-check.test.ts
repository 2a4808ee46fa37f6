import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../../src/mock/certs/index.js';
import { clientCertProblems } from '../../../src/probe/tls/client-cert-check.js';

const DAY = 86_400_000;
const limits = { warnDays: 21, critDays: 7 };

describe('clientCertProblems: the client certificate is judged before it is sent', () => {
  let pki: TestPki;
  const now = Date.now();
  beforeAll(async () => {
    pki = await createTestPki({ now: new Date(now) });
  });

  it('a clientAuth certificate within its dates: no problem', async () => {
    const c = await pki.issueClient('relay-client');
    expect(clientCertProblems(c.certPem, now, limits)).toEqual([]);
  });

  it('serverAuth only (what public CAs issue since 2026): CLIENT_CERT_NO_CLIENT_AUTH, critical', async () => {
    const c = await pki.issueClient('relay-client', { serverAuthOnly: true });
    const problems = clientCertProblems(c.certPem, now, limits);
    expect(problems.map((p) => p.code)).toEqual(['CLIENT_CERT_NO_CLIENT_AUTH']);
    expect(problems[0]!.detail).toMatch(/allows only serverAuth/);
  });

  it('expired, expiring, not yet valid', async () => {
    const c = await pki.issueClient('relay-client'); // valid for 365 days from now - 1 h
    expect(clientCertProblems(c.certPem, now + 400 * DAY, limits).map((p) => p.code)).toEqual(['CLIENT_CERT_EXPIRED']);
    expect(clientCertProblems(c.certPem, now - 2 * DAY, limits).map((p) => p.code)).toEqual(['CLIENT_CERT_EXPIRED']);
    const soon = clientCertProblems(c.certPem, now + 360 * DAY, limits);
    expect(soon.map((p) => [p.code, p.severity])).toEqual([['CLIENT_CERT_EXPIRES_SOON', 'critical']]);
    expect(clientCertProblems(c.certPem, now + 350 * DAY, limits)[0]?.severity).toBe('warning');
  });

  it('garbage instead of a certificate: CLIENT_CERT_UNUSABLE, no throw', () => {
    expect(clientCertProblems('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', now, limits).map((p) => p.code)).toEqual(['CLIENT_CERT_UNUSABLE']);
  });
});
