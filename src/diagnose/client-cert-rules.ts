import type { FindingDraft, Rule } from './rule.js';

/**
 * The client certificate smtprobe is configured to present: one finding per problem found in
 * it before the handshake. When the server then refused a client certificate, the refusal is
 * named in the evidence, since the problem is its most likely cause.
 */
const clientCertRule: Rule = {
  id: 'tls-client-cert',
  apply(ctx) {
    const d = ctx.data('tls');
    if (!d?.clientCertProblems) return [];
    const refused = ctx.result('tls')?.error?.code;
    return d.clientCertProblems.map((p): FindingDraft => {
      const evidence = [p.detail];
      if (refused === 'CLIENT_CERT_REJECTED' || refused === 'CLIENT_CERT_REQUIRED') evidence.push(`the server refused the client certificate (${refused})`);
      return { code: p.code, step: 'tls', evidence, severity: p.severity };
    });
  },
};

/** CLIENT_CERT_RULES: the configured client certificate. */
export const CLIENT_CERT_RULES: readonly Rule[] = [clientCertRule];
