import { z } from 'zod';
import { ATTEMPTABLE_MECHANISMS, TLS_VERSIONS } from '../model/target.js';

const tlsVersion = z.enum(TLS_VERSIONS as [string, ...string[]]);
const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1))]);
const port = z.coerce.number().int().min(1).max(65535);
const seconds = z.coerce.number().positive().max(3600);
const days = z.coerce.number().int().min(0).max(3650);
const count = z.coerce.number().int().min(1).max(10_000);
const hostName = z.string().min(1).max(253).regex(/^[A-Za-z0-9._:\-[\]%]+$/, 'not a host name or IP address');

/**
 * targetInputSchema: one target's settings, as `check` flags in camelCase. The same keys serve
 * the command line, probes.yaml (defaults, modules, targets), scenario files' `probe:` section
 * and imported Exchange connectors, so every source is validated by one schema.
 * Secrets are references here (`env:VAR`, `file:PATH`), never values.
 */
export const targetInputSchema = z
  .object({
    name: z.string().min(1).optional(),
    host: hostName.optional(),
    port: port.optional(),
    tls: z.enum(['auto', 'implicit', 'starttls', 'starttls-optional', 'none']).optional(),
    tlsVerify: z.enum(['none', 'chain', 'domain']).optional(),
    tlsDomain: hostName.optional(),
    ca: oneOrMany.optional(),
    clientCert: z.string().min(1).optional(),
    clientKey: z.string().min(1).optional(),
    tlsMin: tlsVersion.optional(),
    tlsMax: tlsVersion.optional(),
    tlsScan: z.boolean().optional(),
    certWarnDays: days.optional(),
    certCritDays: days.optional(),
    ehlo: hostName.optional(),
    auth: z.enum(['auto', 'none', ...ATTEMPTABLE_MECHANISMS]).optional(),
    user: z.string().min(1).max(512).optional(),
    password: z.string().min(1).optional(),
    passwordEnv: z.string().min(1).optional(),
    passwordFile: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    tokenEnv: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    allowPlaintextAuth: z.boolean().optional(),
    mailFrom: z.string().max(320).regex(/^[^\s<>]*$/, 'an address without spaces or <>').optional(),
    rcpt: oneOrMany.optional(),
    client: z.enum(['generic', 'exchange']).optional(),
    exchangeTls: z.enum(['1.0', '1.2']).optional(),
    timeout: seconds.optional(),
    phaseTimeout: seconds.optional(),
    icmp: z.boolean().optional(),
    icmpCount: count.optional(),
    path: z.boolean().optional(),
    pathCount: count.optional(),
    dnsServer: z.string().min(1).optional(),
    mx: hostName.optional(),
    labels: z.record(z.string(), z.string()).optional(),
    connectorName: z.string().optional(),
    /** The Send connector's SmartHostAuthMechanism, when the target came from one. */
    smartHostAuthMechanism: z.enum(['None', 'BasicAuth', 'BasicAuthRequireTLS', 'ExchangeServer', 'ExternalAuthoritative']).optional(),
  })
  .strict();

export type TargetInput = z.infer<typeof targetInputSchema>;

/** formatIssue renders one zod issue as "field: problem" on one line. */
export function formatIssue(issue: z.core.$ZodIssue, prefix = ''): string {
  const path = issue.path.map(String).join('.');
  return `${prefix}${path || '(root)'}: ${issue.message}`;
}
