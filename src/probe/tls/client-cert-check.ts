import { X509Certificate } from 'node:crypto';
import type { ClientCertProblem } from '../../model/step-data.js';
import { certFacts } from './cert-facts.js';
import { EKU_ANY, EKU_CLIENT_AUTH, ekuName, weakKey } from './path-checks.js';
import { splitPem } from './trust-store.js';

const DAY_MS = 86_400_000;

/**
 * clientCertProblems: what is wrong with the client certificate smtprobe is configured to
 * present (`--client-cert`), judged before it is sent: dates, key strength, and whether it may
 * authenticate a TLS client at all. The last matters now: public CAs stopped including the
 * clientAuth extended key usage in TLS server certificates in 2026 (Chrome root program), so a
 * renewed certificate used for both roles silently stops working against relays that
 * authenticate clients by certificate (Exchange Online inbound connectors, Postfix
 * `permit_tls_clientcerts`).
 */
export function clientCertProblems(pem: string, now: number, limits: { warnDays: number; critDays: number }): ClientCertProblem[] {
  const first = splitPem(pem)[0];
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(first ?? pem);
  } catch (err) {
    return [{ code: 'CLIENT_CERT_UNUSABLE', severity: 'critical', detail: `the client certificate cannot be read: ${(err as Error).message}` }];
  }
  const f = certFacts(cert);
  const problems: ClientCertProblem[] = [];
  const subject = f.subject.split('\n').join(', ') || '(empty subject)';
  if (now > f.notAfter) {
    problems.push({ code: 'CLIENT_CERT_EXPIRED', severity: 'critical', detail: `the client certificate (${subject}) expired ${new Date(f.notAfter).toISOString()} (${Math.floor((now - f.notAfter) / DAY_MS)} days ago)` });
  } else if (now < f.notBefore) {
    problems.push({ code: 'CLIENT_CERT_EXPIRED', severity: 'critical', detail: `the client certificate (${subject}) is valid only from ${new Date(f.notBefore).toISOString()}` });
  } else {
    const left = Math.floor((f.notAfter - now) / DAY_MS);
    if (left <= limits.warnDays) {
      problems.push({ code: 'CLIENT_CERT_EXPIRES_SOON', severity: left <= limits.critDays ? 'critical' : 'warning', detail: `the client certificate (${subject}) expires ${new Date(f.notAfter).toISOString()} (${left} days left)` });
    }
  }
  if (f.eku !== undefined && !f.eku.includes(EKU_CLIENT_AUTH) && !f.eku.includes(EKU_ANY)) {
    const allowed = f.eku.length === 0 ? 'nothing' : f.eku.map(ekuName).join(', ');
    problems.push({
      code: 'CLIENT_CERT_NO_CLIENT_AUTH', severity: 'critical',
      detail: `the client certificate (${subject}) is not for TLS client authentication: its extended key usage allows only ${allowed}`,
    });
  }
  if (f.parseError) problems.push({ code: 'CLIENT_CERT_UNUSABLE', severity: 'critical', detail: `the client certificate is malformed: ${f.parseError}` });
  // The same key rules as for the server's certificates (RSA >= 2048, no DSA, the Web PKI curves).
  const weak = weakKey(f);
  if (weak) problems.push({ code: 'CLIENT_CERT_UNUSABLE', severity: 'critical', detail: `the client certificate ${weak}` });
  return problems;
}
