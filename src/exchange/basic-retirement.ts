/**
 * Microsoft 365 retires Basic authentication for SMTP AUTH client submission: off by default
 * for existing tenants at the end of December 2026. A Send connector that still sends a
 * password (BasicAuth/BasicAuthRequireTLS, i.e. AUTH LOGIN) to Microsoft 365 will then fail.
 */

/** Host names of Microsoft 365's SMTP endpoints (submission and the tenant's MX). */
const M365_HOST = /(^|\.)(office365\.com|outlook\.com|office\.com)$/i;

/** The words every flagged connector gets: the date and the three ways forward. */
export const BASIC_RETIREMENT_ADVICE =
  'AUTH_BASIC_RETIREMENT: Basic auth (AUTH LOGIN with a password) towards Microsoft 365 stops working when Microsoft disables it by default at the end of December 2026; ' +
  'move to OAuth (XOAUTH2; test it with smtprobe check --oauth-tenant/--oauth-client-id), High Volume Email, or an inbound connector to <tenant>.mail.protection.outlook.com:25 authenticated by certificate or IP';

/** isMicrosoft365Host: a smart host name that is Microsoft 365's. */
export function isMicrosoft365Host(host: string | undefined): boolean {
  return host !== undefined && M365_HOST.test(host.replace(/\.$/, ''));
}

/** connectorUsesBasicToM365: a connector that sends a password to a Microsoft 365 smart host. */
export function connectorUsesBasicToM365(c: { smartHostAuthMechanism?: string; smartHosts: { host: string }[] }): boolean {
  return (c.smartHostAuthMechanism === 'BasicAuth' || c.smartHostAuthMechanism === 'BasicAuthRequireTLS') && c.smartHosts.some((h) => isMicrosoft365Host(h.host));
}

/**
 * basicRetirementNote: for `explain`, when the event or log shows a password mechanism
 * (Login, AUTH LOGIN/PLAIN) towards a Microsoft 365 host.
 */
export function basicRetirementNote(parameters: Record<string, unknown>): { name: string; value: string; meaning: string } | undefined {
  const host = [parameters.targetHost, parameters.greetingHost, parameters.fqdn].find((h): h is string => typeof h === 'string' && isMicrosoft365Host(h.replace(/^SMTPSVC\//i, '')));
  if (!host) return undefined;
  const mech = String(parameters.mechanism ?? '');
  const cmd = String(parameters.authCommand ?? '');
  const basic = /^(Login|BasicAuth|BasicAuthRequireTLS)$/i.test(mech) || /^AUTH (LOGIN|PLAIN)\b/i.test(cmd);
  return basic ? { name: 'basicAuthRetirement', value: host, meaning: BASIC_RETIREMENT_ADVICE } : undefined;
}
