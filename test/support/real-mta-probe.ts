/**
 * One probe of a real MTA on loopback as its suites make it (Exim, Dovecot, OpenSMTPD, Haraka):
 * the test PKI's CA, the suite's user, ICMP off, the password handed over apart from the
 * input — and what every such suite asks of the Report.
 */
import { parseTargetInput, resolveTarget } from '../../src/config/resolve-target.js';
import { probe } from '../../src/check.js';
import type { Report } from '../../src/model/report.js';
import { Secret } from '../../src/model/secret.js';

/** Where and as whom a suite probes its server. */
export interface RealMtaEndpoint {
  /** default 127.0.0.1 */
  address?: string;
  port: number;
  tlsDomain: string;
  caFile: string;
  user: string;
}

/** probeRealMta: `flags` are target settings as in probes.yaml; `password: null` sends none. */
export async function probeRealMta(at: RealMtaEndpoint, flags: Record<string, unknown>, password: string | null): Promise<Report> {
  const input = parseTargetInput({ host: at.address ?? '127.0.0.1', port: at.port, tlsDomain: at.tlsDomain, ca: at.caFile, user: at.user, icmp: false, timeout: 20, phaseTimeout: 10, ...flags });
  const target = await resolveTarget(input, { env: {}, baseDir: process.cwd() });
  if (password !== null) target.password = new Secret(password);
  return probe(target);
}

/** The finding codes of a Report, in order. */
export const codes = (r: Report): string[] => r.findings.map((f) => f.code);

/** Every fix line of a Report, joined. */
export const allFixes = (r: Report): string => r.findings.flatMap((f) => f.fix).join(' | ');

/** Postfix's own words: advice for any other server must not name them. */
export const POSTFIX = /smtpd_|Postfix|Cyrus|mech_list/;
