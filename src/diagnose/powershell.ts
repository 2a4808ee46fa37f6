import type { PublicTarget } from '../model/target.js';

/**
 * psString quotes a value for a PowerShell command line. Double quotes read naturally
 * (`Set-SendConnector "Relay"`), but PowerShell expands `$` and backtick escapes inside
 * them, so a value containing `$`, `` ` `` or `"` is single-quoted instead, where only `'`
 * is special (doubled). Placeholders such as `<connector name>` are quoted like any value.
 */
export function psString(value: string): string {
  if (/[$`"\u201C\u201D]/.test(value)) return `'${value.replace(/['\u2018\u2019]/g, "''")}'`;
  return `"${value}"`;
}

/** connectorArg: the connector name for `Set-SendConnector`, or a placeholder when unknown. */
export function connectorArg(target: PublicTarget): string {
  return psString(target.connectorName ?? '<connector name>');
}

/** setSendConnector builds one `Set-SendConnector <name> <params>` line. */
export function setSendConnector(target: PublicTarget, params: string): string {
  return `Set-SendConnector ${connectorArg(target)} ${params}`;
}

/** credentialArg: `(Get-Credential -UserName "...")`, with the user when it is known. */
export function credentialArg(user: string | undefined): string {
  return user ? `(Get-Credential -UserName ${psString(user)})` : '(Get-Credential)';
}
