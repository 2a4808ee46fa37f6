import type { Capabilities, SmtpReply } from '../../model/step-data.js';

/**
 * Key under which a legacy `AUTH=` line's mechanisms are kept in `Capabilities.keywords`,
 * apart from `AUTH`, because clients treat the two differently (Exchange ignores `AUTH=`).
 */
export const LEGACY_AUTH_KEYWORD = 'AUTH=';

/** RFC 5321 §4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). */
const EHLO_KEYWORD = /^[A-Z0-9][A-Z0-9-]*$/;
/** RFC 4422 §3.1: sasl-mech = 1*20 (UPPER-ALPHA / DIGIT / "-" / "_"); length not enforced, to be tolerant. */
const SASL_MECH = /^[A-Z0-9_-]+$/;

/**
 * parseCapabilities reads an EHLO reply (RFC 5321 §4.1.1.1): the first line names the server,
 * each further line is `keyword [params]`. Keywords are upper-cased. `AUTH` lines (RFC 4954 §3)
 * give `auth`; the pre-standard `AUTH=MECH ...` form gives only `authLegacy`, since a client
 * such as Exchange ignores it (docs/domain.md). Duplicate lines merge their AUTH mechanisms; for other
 * keywords the first occurrence wins. Lines that are not a valid keyword are skipped, never thrown on.
 */
export function parseCapabilities(reply: SmtpReply): Capabilities {
  const [first = '', ...rest] = reply.lines;
  const caps: Capabilities = {
    domain: tokens(first)[0] ?? '',
    keywords: {},
    auth: [],
    authLegacy: [],
    starttls: false,
  };
  for (const line of rest) {
    const [word, ...params] = tokens(line);
    if (word === undefined) continue;
    const keyword = word.toUpperCase();
    if (keyword.startsWith(LEGACY_AUTH_KEYWORD)) {
      // "AUTH=LOGIN PLAIN": the first mechanism is glued to the keyword.
      addMechanisms(caps.authLegacy, [keyword.slice(LEGACY_AUTH_KEYWORD.length), ...params]);
      caps.keywords[LEGACY_AUTH_KEYWORD] = [...caps.authLegacy];
      continue;
    }
    if (!EHLO_KEYWORD.test(keyword)) continue;
    if (keyword === 'AUTH') {
      addMechanisms(caps.auth, params);
      caps.keywords.AUTH = [...caps.auth];
      continue;
    }
    if (Object.hasOwn(caps.keywords, keyword)) continue;
    caps.keywords[keyword] = params;
    if (keyword === 'STARTTLS') caps.starttls = true;
    // RFC 1870 §4: SIZE takes an optional decimal maximum; 0 means no fixed limit.
    if (keyword === 'SIZE' && params[0] !== undefined && /^\d+$/.test(params[0])) caps.size = Number(params[0]);
  }
  return caps;
}

/**
 * CapabilityDiff: what changed between two EHLO replies (typically before and after STARTTLS).
 * Entries are keywords; AUTH and the legacy AUTH= carry their mechanisms ("AUTH PLAIN LOGIN",
 * "AUTH=LOGIN PLAIN") because the mechanisms are what matters. `changed` lists keywords present
 * on both sides with different parameters, in their `after` form.
 */
export interface CapabilityDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

/**
 * diffCapabilities compares two capability sets; a missing side counts as no capabilities
 * (e.g. EHLO failed, or HELO was used). Order follows the reply order of each side.
 */
export function diffCapabilities(before: Capabilities | undefined, after: Capabilities | undefined): CapabilityDiff {
  const b = before?.keywords ?? {};
  const a = after?.keywords ?? {};
  const diff: CapabilityDiff = { added: [], removed: [], changed: [] };
  for (const [keyword, params] of Object.entries(a)) {
    const old = Object.hasOwn(b, keyword) ? b[keyword] : undefined;
    if (old === undefined) diff.added.push(display(keyword, params));
    else if (!sameParams(keyword, old, params)) diff.changed.push(display(keyword, params));
  }
  for (const [keyword, params] of Object.entries(b)) {
    if (!Object.hasOwn(a, keyword)) diff.removed.push(display(keyword, params));
  }
  return diff;
}

/** Splits on SMTP whitespace; never returns empty tokens. */
function tokens(line: string): string[] {
  return line.split(/[ \t]+/).filter((t) => t.length > 0);
}

function addMechanisms(into: string[], words: string[]): void {
  for (const w of words) {
    const mech = w.toUpperCase();
    if (SASL_MECH.test(mech) && !into.includes(mech)) into.push(mech);
  }
}

function display(keyword: string, params: string[]): string {
  if (keyword === 'AUTH') return ['AUTH', ...params].join(' ');
  if (keyword === LEGACY_AUTH_KEYWORD) return `${LEGACY_AUTH_KEYWORD}${params.join(' ')}`;
  return keyword;
}

/** Mechanism lists compare as sets (their order is not a preference); other parameters in order. */
function sameParams(keyword: string, x: string[], y: string[]): boolean {
  if (x.length !== y.length) return false;
  if (keyword === 'AUTH' || keyword === LEGACY_AUTH_KEYWORD) return x.every((v) => y.includes(v));
  return x.every((v, i) => v === y[i]);
}
