/** The public cloud's Microsoft Entra authority host; --oauth-token-url replaces it (national clouds, tests). */
export const MICROSOFT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** Google's token endpoint, where service-account assertions are posted. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** microsoftTokenUrl: the v2.0 token endpoint of a tenant (id or domain). */
export function microsoftTokenUrl(tenant: string): string {
  return `${MICROSOFT_AUTHORITY_HOST}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
}
