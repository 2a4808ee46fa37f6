import type { CatalogEntry } from './catalog.js';

/** OAUTH_CATALOG: the default words of the modern-authentication codes (rules add the specific cause). */
export const OAUTH_CATALOG = {
  OAUTH_TOKEN_REQUEST_FAILED: {
    severity: 'critical',
    title: 'OAuth token request failed',
    cause: 'The token endpoint refused to issue a token (or could not be reached), so AUTH was never attempted.',
    fix: ['Read the endpoint\'s error above; docs/oauth.md lists each error with the portal or PowerShell step that fixes it.'],
  },
  AUTH_TOKEN_REJECTED: {
    severity: 'critical',
    title: 'Server refused the OAuth token',
    cause: 'The SMTP server refused the bearer token (XOAUTH2/OAUTHBEARER): wrong audience or scope, missing permission or consent, the mailbox not reachable for the app, or an expired token.',
    fix: ['Compare the token\'s claims above with what the server needs; docs/oauth.md walks through each cause.'],
  },
  AUTH_BASIC_RETIREMENT: {
    severity: 'warning',
    title: 'Basic authentication against Microsoft 365 is being retired',
    cause: 'This relay authenticates to Microsoft 365 with a password (PLAIN/LOGIN). Microsoft turns Basic authentication for SMTP AUTH client submission off by default for existing tenants at the end of December 2026; after that it fails (550 5.7.30 / 535 5.7.139).',
    fix: [
      'Move to OAuth 2.0: smtprobe check smtp.office365.com --user <mailbox> --oauth-tenant <tenant> --oauth-client-id <app id> --oauth-client-secret-env VAR (or --oauth-client-cert/--oauth-client-key), then configure the relay the same way (docs/oauth.md).',
      'Or send through High Volume Email (HVE) for internal bulk/application mail.',
      'Or stop authenticating: relay to <tenant>.mail.protection.outlook.com:25 through an inbound connector that trusts this server\'s certificate or IP address.',
    ],
  },
} as const satisfies Record<string, CatalogEntry>;
