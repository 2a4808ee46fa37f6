import { isIP } from 'node:net';
import { ConfigError } from '../config/config-error.js';

/**
 * Exchange Send connector, as `Get-SendConnector | ConvertTo-Json` exports it, normalised.
 *
 * The export has no single shape (docs/domain.md, "Send connector JSON export"): enums come as integers
 * locally and as names through remoting; SmartHosts come as strings, as objects, or — at the
 * default `-Depth 2` — as a bare type name, in which case `SmartHostsString` is the only
 * usable copy; TimeSpans come as "00:10:00" or as a {Ticks, TotalSeconds, ...} object; one
 * connector is a single object, several are an array (PowerShell 5 may also wrap an array
 * as {value, Count}). This module accepts all of them and hands out one shape.
 */

/** SmartHostAuthMechanism values, by their Exchange enum number (docs/domain.md, "Exchange Send connector"). */
export const SMART_HOST_AUTH_MECHANISMS = {
  None: 0,
  BasicAuth: 2,
  BasicAuthRequireTLS: 4,
  ExchangeServer: 8,
  ExternalAuthoritative: 16,
} as const;
export type SmartHostAuthMechanism = keyof typeof SMART_HOST_AUTH_MECHANISMS;

/** TlsAuthLevel values, by their Exchange enum number. */
export const TLS_AUTH_LEVELS = {
  EncryptionOnly: 1,
  CertificateValidation: 2,
  DomainValidation: 4,
} as const;
export type TlsAuthLevel = keyof typeof TLS_AUTH_LEVELS;

/** SmartHost: one entry of SmartHosts, a DNS name or an IP address (shown by Exchange as `[ip]`). */
export interface SmartHost {
  /** Name or address, without the brackets Exchange puts around IP addresses. */
  host: string;
  isIp: boolean;
}

/** SendConnector: the settings smtprobe reads from one connector. */
export interface SendConnector {
  name: string;
  enabled: boolean;
  smartHosts: SmartHost[];
  dnsRoutingEnabled?: boolean;
  /** Exchange default 25. */
  port: number;
  smartHostAuthMechanism: SmartHostAuthMechanism;
  /** AuthenticationCredential.UserName; the password is never exported in clear. */
  userName?: string;
  requireTls: boolean;
  ignoreStartTls: boolean;
  forceHelo: boolean;
  tlsAuthLevel?: TlsAuthLevel;
  tlsDomain?: string;
  tlsCertificateName?: string;
  /** Name sent in EHLO/HELO; unset = the server's FQDN. */
  fqdn?: string;
  connectionInactivityTimeoutSeconds?: number;
  addressSpaces: string[];
  protocolLoggingLevel?: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A .NET type name where a value should be: what ConvertTo-Json writes for objects deeper
 * than `-Depth` ("Microsoft.Exchange.Data.SmartHost", "System.Management.Automation.PSCredential").
 */
const TYPE_NAME = /^(?:Microsoft|System)\.[A-Za-z0-9_.`[\],= ]+$/;

/** get reads a property case-insensitively (PowerShell property names are case-insensitive). */
function get(o: JsonObject, key: string): Json | undefined {
  if (key in o) return o[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

/** unwrapArray: a PowerShell 5 array wrapper {value: [...], Count: n} becomes the array. */
function unwrapArray(v: Json | undefined): Json | undefined {
  if (isObject(v)) {
    const inner = get(v, 'value');
    if (Array.isArray(inner) && get(v, 'Count') !== undefined) return inner;
  }
  return v;
}

/** ParseContext names the connector and field in errors ("connectors.json: [1].Port: ..."). */
interface Ctx {
  where?: string;
  index: number;
}

function fail(ctx: Ctx, field: string, problem: string): never {
  throw new ConfigError(`[${ctx.index}].${field}`, problem, ctx.where);
}

/** text reads a string-ish value: a string, or an object whose name-like property holds one. */
function text(v: Json | undefined): string | undefined {
  if (typeof v === 'string') {
    const s = v.trim();
    return s === '' || TYPE_NAME.test(s) ? undefined : s;
  }
  if (typeof v === 'number') return String(v);
  if (isObject(v)) {
    // Fqdn / SmtpDomain / Hostname / IPAddress objects and ADObjectId ({Name, ...}).
    for (const k of ['HostnameString', 'Domain', 'IPAddressToString', 'Address', 'Name', 'Value', 'value']) {
      const inner = get(v, k);
      if (inner !== undefined && inner !== v) {
        const t = text(inner);
        if (t !== undefined) return t;
      }
    }
  }
  return undefined;
}

/**
 * enumValue reads an enum given as an integer, a numeric string, a name (any case), or a
 * remoting-style {Value: ...} object. Unknown values are an error naming the accepted ones.
 */
function enumValue<K extends string>(table: Record<K, number>, v: Json | undefined, ctx: Ctx, field: string): K | undefined {
  if (v === null || v === undefined) return undefined;
  if (isObject(v)) return enumValue(table, get(v, 'Value') ?? get(v, 'value'), ctx, field);
  const names = Object.keys(table) as K[];
  if (typeof v === 'number' || (typeof v === 'string' && /^\s*\d+\s*$/.test(v))) {
    const n = Number(v);
    const hit = names.find((k) => table[k] === n);
    if (hit !== undefined) return hit;
  } else if (typeof v === 'string') {
    const hit = names.find((k) => k.toLowerCase() === v.trim().toLowerCase());
    if (hit !== undefined) return hit;
  }
  const accepted = names.map((k) => `${k}=${table[k]}`).join(', ');
  return fail(ctx, field, `unknown value ${JSON.stringify(v)} (accepted: ${accepted})`);
}

function bool(v: Json | undefined, ctx: Ctx, field: string): boolean | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  if (typeof v === 'number' && (v === 0 || v === 1)) return v === 1;
  return fail(ctx, field, `expected true or false, got ${JSON.stringify(v)}`);
}

function portValue(v: Json | undefined, ctx: Ctx): number {
  if (v === null || v === undefined) return 25;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) fail(ctx, 'Port', `expected a port number 1-65535, got ${JSON.stringify(v)}`);
  return n;
}

/** .NET TimeSpan text: [-][d.]hh:mm:ss[.fffffff]. */
const TIMESPAN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** timeSpanSeconds reads a TimeSpan as text ("00:10:00", "1.02:00:00") or as a {Ticks, TotalSeconds} object. */
export function timeSpanSeconds(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const m = TIMESPAN.exec(v.trim());
    if (!m) return undefined;
    const [, neg, d, h, min, s, frac] = m;
    const total = Number(d ?? 0) * 86400 + Number(h) * 3600 + Number(min) * 60 + Number(s) + (frac ? Number(`0.${frac}`) : 0);
    return neg ? -total : total;
  }
  if (isObject(v as Json)) {
    const o = v as JsonObject;
    const total = get(o, 'TotalSeconds');
    if (typeof total === 'number') return total;
    const ticks = get(o, 'Ticks');
    // A .NET tick is 100 ns.
    if (typeof ticks === 'number') return ticks / 10_000_000;
  }
  return undefined;
}

/** parseSmartHostText: "smtp.example.net" or "[192.0.2.1]" (or a bare address). */
export function parseSmartHostText(s: string): SmartHost | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  const bracketed = /^\[(.+)\]$/.exec(t);
  const inner = bracketed?.[1] ?? t;
  if (isIP(inner)) return { host: inner, isIp: true };
  if (bracketed) return undefined;
  return { host: t.replace(/\.$/, ''), isIp: false };
}

/** SmartHostsString: the comma list Exchange shows; a `;` separator is accepted too. */
export function parseSmartHostsString(s: string): SmartHost[] {
  return s.split(/[,;]/).map(parseSmartHostText).filter((h): h is SmartHost => h !== undefined);
}

function smartHost(v: Json): SmartHost | undefined {
  if (typeof v === 'string') return TYPE_NAME.test(v.trim()) ? undefined : parseSmartHostText(v);
  if (!isObject(v)) return undefined;
  // SmartHost objects: {Domain: {HostnameString}, Address: {IPAddressToString}, IsIPAddress}.
  const isIpFlag = get(v, 'IsIPAddress');
  const order = isIpFlag === true ? ['Address', 'Domain'] : ['Domain', 'Address'];
  for (const key of [...order, 'HostnameString', 'IPAddressToString', 'Name']) {
    const t = text(get(v, key));
    if (t !== undefined) return parseSmartHostText(t);
  }
  return undefined;
}

/**
 * smartHosts reads SmartHosts in any exported form; when it is a type name, empty, or holds
 * entries that cannot be read, SmartHostsString is used instead (docs/domain.md, "Exchange Send connector").
 */
function smartHosts(o: JsonObject): SmartHost[] {
  const raw = unwrapArray(get(o, 'SmartHosts'));
  const list = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
  const parsed: SmartHost[] = [];
  let unreadable = false;
  for (const item of list) {
    // A single string may itself be a comma list.
    if (typeof item === 'string' && /[,;]/.test(item)) {
      parsed.push(...parseSmartHostsString(item));
      continue;
    }
    const h = smartHost(item);
    if (h) parsed.push(h);
    else unreadable = true;
  }
  const fallback = text(get(o, 'SmartHostsString'));
  if ((parsed.length === 0 || unreadable) && fallback !== undefined) {
    const fromString = parseSmartHostsString(fallback);
    if (fromString.length > 0) return fromString;
  }
  return parsed;
}

/** userName reads AuthenticationCredential.UserName (an object, or absent / a type name). */
function userName(o: JsonObject): string | undefined {
  const cred = get(o, 'AuthenticationCredential');
  if (!isObject(cred)) return undefined;
  const u = get(cred, 'UserName');
  return typeof u === 'string' && u.trim() !== '' ? u.trim() : undefined;
}

function stringList(v: Json | undefined): string[] {
  const raw = unwrapArray(v);
  const list = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((x) => {
    if (isObject(x)) return text(get(x, 'Address')) ?? text(x);
    return text(x);
  }).filter((x): x is string => x !== undefined);
}

/** parseConnectorObject normalises one connector object. */
export function parseConnectorObject(o: unknown, index = 0, where?: string): SendConnector {
  const ctx: Ctx = { index, ...(where !== undefined ? { where } : {}) };
  if (!isObject(o as Json)) fail(ctx, '(connector)', 'expected an object');
  const obj = o as JsonObject;
  const name = text(get(obj, 'Name')) ?? text(get(obj, 'Identity'));
  if (name === undefined) fail(ctx, 'Name', 'missing (is this Get-SendConnector output?)');
  const c: SendConnector = {
    name,
    enabled: bool(get(obj, 'Enabled'), ctx, 'Enabled') ?? true,
    smartHosts: smartHosts(obj),
    port: portValue(get(obj, 'Port'), ctx),
    smartHostAuthMechanism: enumValue(SMART_HOST_AUTH_MECHANISMS, get(obj, 'SmartHostAuthMechanism'), ctx, 'SmartHostAuthMechanism') ?? 'None',
    requireTls: bool(get(obj, 'RequireTLS'), ctx, 'RequireTLS') ?? false,
    ignoreStartTls: bool(get(obj, 'IgnoreSTARTTLS'), ctx, 'IgnoreSTARTTLS') ?? false,
    forceHelo: bool(get(obj, 'ForceHELO'), ctx, 'ForceHELO') ?? false,
    addressSpaces: stringList(get(obj, 'AddressSpaces')),
  };
  const dns = bool(get(obj, 'DNSRoutingEnabled'), ctx, 'DNSRoutingEnabled');
  if (dns !== undefined) c.dnsRoutingEnabled = dns;
  const user = userName(obj);
  if (user !== undefined) c.userName = user;
  const level = enumValue(TLS_AUTH_LEVELS, get(obj, 'TlsAuthLevel'), ctx, 'TlsAuthLevel');
  if (level !== undefined) c.tlsAuthLevel = level;
  const tlsDomain = text(get(obj, 'TlsDomain'));
  if (tlsDomain !== undefined) c.tlsDomain = tlsDomain;
  const certName = text(get(obj, 'TlsCertificateName'));
  if (certName !== undefined) c.tlsCertificateName = certName;
  const fqdn = text(get(obj, 'Fqdn'));
  if (fqdn !== undefined) c.fqdn = fqdn;
  const idle = timeSpanSeconds(get(obj, 'ConnectionInactivityTimeOut'));
  if (idle !== undefined) c.connectionInactivityTimeoutSeconds = idle;
  const logging = get(obj, 'ProtocolLoggingLevel');
  if (typeof logging === 'string') c.protocolLoggingLevel = logging;
  else if (logging === 0 || logging === 1) c.protocolLoggingLevel = logging === 1 ? 'Verbose' : 'None';
  return c;
}

/**
 * parseSendConnectorJson reads `Get-SendConnector | ConvertTo-Json` output (one object or an
 * array; a UTF-8 BOM, as Windows PowerShell writes, is ignored). A problem is a ConfigError
 * naming the connector index and the field.
 */
export function parseSendConnectorJson(json: string, where?: string): SendConnector[] {
  let data: unknown;
  try {
    data = JSON.parse(json.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ConfigError('(json)', `not valid JSON: ${(err as Error).message}`, where);
  }
  const list = unwrapArray(data as Json);
  const items = Array.isArray(list) ? list : [list];
  if (items.length === 0) throw new ConfigError('(json)', 'no connector in the file', where);
  return items.map((o, i) => parseConnectorObject(o, i, where));
}
