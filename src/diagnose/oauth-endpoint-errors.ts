import type { PublicOAuth, TokenEndpointError } from '../model/oauth.js';

/** EndpointExplanation: what a token endpoint's error means and the step that fixes it. */
export interface EndpointExplanation {
  /** Stable id of the cause, shown as evidence ("oauth cause: invalid-client-secret"). */
  id: string;
  cause: string;
  fix: string[];
}

const ENTRA = 'Microsoft Entra admin center (entra.microsoft.com)';

/** Microsoft Entra ID errors by AADSTS number (learn.microsoft.com "AADSTS error codes"). */
const AADSTS: ReadonlyArray<{ codes: number[]; explain: (o: PublicOAuth | undefined) => EndpointExplanation }> = [
  {
    codes: [90002, 900023, 90013],
    explain: (o) => ({
      id: 'unknown-tenant',
      cause: `The tenant ${o?.tenant ? `"${o.tenant}" ` : ''}does not exist in Microsoft Entra ID (a typo, or a domain that is not verified in any tenant).`,
      fix: [`Use the Directory (tenant) ID from the ${ENTRA} > Overview, or a domain verified in that tenant, as --oauth-tenant.`],
    }),
  },
  {
    codes: [700016],
    explain: (o) => ({
      id: 'app-not-found',
      cause: `No application with client id ${o?.clientId ?? '(unknown)'} exists in this tenant: a wrong client id, a wrong tenant, or a multi-tenant app never consented to here.`,
      fix: [`${ENTRA} > App registrations: copy the Application (client) ID of the app into --oauth-client-id, and check that --oauth-tenant is the tenant it is registered (or consented) in.`],
    }),
  },
  {
    codes: [7000215],
    explain: () => ({
      id: 'invalid-client-secret',
      cause: 'The client secret is wrong. The usual mistake: the secret\'s ID was copied instead of its Value (shown only once, when it was created).',
      fix: [`${ENTRA} > App registrations > the app > Certificates & secrets: create a new client secret and store its Value (not the Secret ID) where --oauth-client-secret-env/-file reads it.`],
    }),
  },
  {
    codes: [7000222],
    explain: () => ({
      id: 'expired-client-secret',
      cause: 'The client secret has expired.',
      fix: [`${ENTRA} > App registrations > the app > Certificates & secrets: create a new secret, update the relay, delete the old one. Prefer a certificate credential for daemons (--oauth-client-cert).`],
    }),
  },
  {
    codes: [700027, 700023, 50012],
    explain: () => ({
      id: 'certificate-not-registered',
      cause: 'The client assertion was signed with a certificate the app registration does not know (not uploaded, removed, or a different key).',
      fix: [`${ENTRA} > App registrations > the app > Certificates & secrets > Certificates: upload the public certificate given as --oauth-client-cert (its thumbprint must match).`],
    }),
  },
  {
    codes: [700024],
    explain: () => ({
      id: 'clock-skew',
      cause: 'The client assertion is not within its valid time range: this machine\'s clock is off.',
      fix: ['Synchronise the clock (NTP; Windows: w32tm /resync), then retry.'],
    }),
  },
  {
    codes: [65001, 650057, 90094, 90008],
    explain: (o) => ({
      id: 'consent-missing',
      cause: 'The permission was never consented to: an administrator has not granted consent for this app in this tenant.',
      fix: [
        `${ENTRA} > App registrations > the app > API permissions: add Office 365 Exchange Online > ${o?.grant === 'client_credentials' ? 'Application permissions > SMTP.SendAsApp' : 'Delegated permissions > SMTP.Send'}, then "Grant admin consent for <tenant>".`,
      ],
    }),
  },
  {
    codes: [70011, 1002012, 500011],
    explain: (o) => ({
      id: 'invalid-scope',
      cause: `The scope ${o?.scope ? `"${o.scope}" ` : ''}is not valid for this request${o?.grant === 'client_credentials' ? ': the client credentials grant takes only a resource\'s ".default" scope' : ''}.`,
      fix: ['Use --oauth-scope https://outlook.office365.com/.default (the default), or for a delegated token https://outlook.office365.com/SMTP.Send offline_access.'],
    }),
  },
  {
    codes: [700082, 70008, 50173, 700084, 54005],
    explain: () => ({
      id: 'refresh-token-expired',
      cause: 'The refresh token has expired or was revoked (password change, sign-out, inactivity).',
      fix: ['Sign in again through the app\'s consent flow to get a new refresh token and store it where --oauth-refresh-token-env/-file reads it.'],
    }),
  },
  {
    codes: [53003, 53000, 50076, 50079],
    explain: () => ({
      id: 'conditional-access',
      cause: 'A Conditional Access policy (MFA, compliant device, location) blocks the token for this account or app.',
      fix: [`${ENTRA} > Sign-in logs: find the failed sign-in and the policy that blocked it; exclude the workload identity or service account if appropriate.`],
    }),
  },
];

/** explainEndpointError gives the cause and fix of a token endpoint's error, most specific first. */
export function explainEndpointError(e: TokenEndpointError, o: PublicOAuth | undefined): EndpointExplanation {
  for (const entry of AADSTS) if (entry.codes.some((c) => e.aadsts.includes(c))) return entry.explain(o);
  const desc = e.description ?? '';
  if (o?.provider === 'google') {
    if (e.error === 'unauthorized_client') {
      return {
        id: 'google-domain-wide-delegation-missing',
        cause: `The service account${o.serviceAccountEmail ? ` ${o.serviceAccountEmail}` : ''} is not allowed to impersonate users for this scope: domain-wide delegation is not set up (or lacks ${o.scope ?? 'https://mail.google.com/'}).`,
        fix: [
          'Google Admin console > Security > Access and data control > API controls > Manage Domain Wide Delegation: add the service account\'s client ID (the numeric "Unique ID") with the scope https://mail.google.com/.',
          'Changes can take some minutes (up to 24 hours) to apply.',
        ],
      };
    }
    if (e.error === 'invalid_grant') {
      if (/signature/i.test(desc)) {
        return { id: 'google-key-revoked', cause: 'Google does not accept the service account\'s key signature: the key was deleted or disabled.', fix: ['Google Cloud console > IAM & Admin > Service accounts > Keys: create a new key and use its JSON file with --oauth-service-account.'] };
      }
      if (/time|iat|exp|short-lived/i.test(desc)) {
        return { id: 'clock-skew', cause: 'The signed assertion\'s time window is not accepted: this machine\'s clock is off.', fix: ['Synchronise the clock (NTP), then retry.'] };
      }
      return {
        id: 'google-invalid-grant',
        cause: 'Google refused the grant: the impersonated user (--user) does not exist or is suspended in the Workspace domain, or the service account or key is disabled.',
        fix: ['Check that --user is an active mailbox in the Workspace domain that delegated to this service account; check the service account and key are enabled.'],
      };
    }
  }
  switch (e.error) {
    case 'invalid_client':
      return { id: 'invalid-client', cause: 'The token endpoint did not accept the client authentication (wrong client id, secret or certificate).', fix: ['Check the client id and the secret or certificate registered for it at the identity provider.'] };
    case 'unauthorized_client':
      return { id: 'unauthorized-client', cause: 'This client is not allowed to use this grant type.', fix: ['Enable the grant (client credentials or refresh token) for the client at the identity provider.'] };
    case 'invalid_grant':
      return { id: 'invalid-grant', cause: 'The grant (refresh token or assertion) is invalid, expired or revoked.', fix: ['Obtain a new refresh token (or key) and retry.'] };
    case 'invalid_scope':
      return { id: 'invalid-scope', cause: `The scope ${o?.scope ? `"${o.scope}" ` : ''}is unknown to the endpoint or not allowed for this client.`, fix: ['Request the scope the mail provider documents for SMTP (--oauth-scope).'] };
    case 'request_failed':
      return { id: 'endpoint-unreachable', cause: 'The token endpoint could not be reached or its HTTPS certificate was not trusted.', fix: ['Check the URL, the network path (proxy, firewall) and that the endpoint\'s CA is trusted (--ca).'] };
    default:
      return { id: 'endpoint-error', cause: `The token endpoint answered "${e.error}".`, fix: ['Read the error description and the identity provider\'s sign-in logs.'] };
  }
}
