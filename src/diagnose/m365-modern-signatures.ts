import type { SmtpReply } from '../model/step-data.js';
import { replyText } from '../model/smtp-reply.js';
import type { ProviderSignature } from './provider-signatures.js';

const M365 = 'Microsoft 365';

function has(r: SmtpReply, code: number, enhanced: string, text?: RegExp): boolean {
  if (r.code !== code) return false;
  const all = `${r.enhanced ?? ''} ${replyText(r)}`;
  return (r.enhanced === enhanced || all.includes(enhanced)) && (text === undefined || text.test(all));
}

/**
 * M365_MODERN_SIGNATURES: Microsoft 365 replies of the move away from Basic auth and Direct
 * Send (2025–2026). Checked before the general Microsoft 365 signatures.
 */
export const M365_MODERN_SIGNATURES: readonly ProviderSignature[] = [
  {
    id: 'm365-reject-direct-send', provider: M365, code: 'RELAY_DENIED',
    match: (r) => has(r, 550, '5.7.68') || /TenantInboundAttribution/i.test(replyText(r)),
    title: 'Microsoft 365 rejects Direct Send for this tenant',
    cause: 'The tenant has "Reject Direct Send" on (Set-OrganizationConfig -RejectDirectSend $true): unauthenticated mail from outside with the tenant\'s own domain as sender is refused (550 5.7.68 TenantInboundAttribution).',
    fix: [
      'Send through an inbound connector that trusts this server\'s certificate or IP address (partner connector), or authenticate (SMTP AUTH with OAuth, --oauth-*).',
      'Only if Direct Send is really wanted: Set-OrganizationConfig -RejectDirectSend $false.',
    ],
  },
  {
    id: 'm365-hve-external', provider: M365, code: 'RELAY_DENIED',
    match: (r) => has(r, 550, '5.5.105'),
    title: 'High Volume Email cannot send outside the organisation',
    cause: 'High Volume Email (HVE) accounts may send only to recipients inside the tenant (550 5.5.105); this recipient is external.',
    fix: ['Send external mail through a normal mailbox with SMTP AUTH (OAuth), Azure Communication Services Email, or a connector relay.'],
  },
];
