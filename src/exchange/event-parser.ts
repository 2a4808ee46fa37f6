import { canonicalMechanism, canonicalStatus } from './sspi-status.js';

/**
 * Exchange transport events (source MSExchangeTransport) in the three forms admins copy them:
 * the message text (optionally with Event Viewer's "Copy details" header), the event XML,
 * and `Get-WinEvent | ConvertTo-Json` (or `Get-EventLog`'s ReplacementStrings). Templates are
 * from samples/exchange-event-texts.txt; those marked "recalled" there are matched loosely.
 */

export const EVENT_IDS = [2016, 2017, 2003, 2015, 2000, 12014, 12013, 12024, 1035, 1020] as const;
export type EventId = (typeof EVENT_IDS)[number];

/** Named insertion strings (%1..%n) of an event, by meaning. */
export interface EventParams {
  /** SSPI SecurityStatus name (2016, 2017, 1035). */
  status?: string;
  /** Send or Receive connector name. */
  connector?: string;
  /** None | Login | Gssapi | Ntlm | ExchangeAuth. */
  mechanism?: string;
  /** SMTPSVC/<host> or the remote host name (2003). */
  target?: string;
  /** Host part of `target`. */
  targetHost?: string;
  /** 2016 %5: the configured user name, else the transport service identity. */
  user?: string;
  /** 2003 %3: the remote site's response. */
  response?: string;
  /** 2000 %2: DNS diagnostic information. */
  diagnostic?: string;
  /** 12014: the FQDN no certificate covers. */
  fqdn?: string;
  /** 12013/12024: thumbprint of the certificate that could not be loaded. */
  thumbprint?: string;
  /** 1035: source IP of the client. */
  sourceIp?: string;
  /** 1020: the account without submit permission. */
  account?: string;
}

export interface ExchangeEvent {
  id: EventId;
  form: 'text' | 'xml' | 'json';
  params: EventParams;
  /** Insertion strings as given (XML <Data>, JSON Properties), when the form carries them. */
  insertions: string[];
  message?: string;
  source?: string;
  level?: string;
  time?: string;
  computer?: string;
}

type ParamName = keyof EventParams;

/** EventTemplate: the message template and what each %n means. */
interface EventTemplate {
  id: EventId;
  /** Parameter names of %1..%n, in order. */
  params: ParamName[];
  /** Matches the rendered message; groups are %1..%n. */
  pattern?: RegExp;
  /** Loose recognition when the exact wording is not known ("recalled" templates). */
  recognise?: RegExp;
}

/**
 * template turns "text %1 more %2." into an anchored regex with one lazy group per insertion.
 * With `sentences`, the last value ends at its sentence end: a full stop followed by white
 * space (the sentences Exchange appends, "Try reentering the credential. ...") or the end of
 * the text; a dot inside a value (EXCH01.contoso.local) is followed by a character, so it
 * stays. Without it the last value runs to the end (a remote reply may hold sentences).
 */
function template(t: string, sentences = false): RegExp {
  const parts = t.split(/%\d/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+'));
  const body = parts.join('([\\s\\S]+?)').replace(/\\\.$/, '');
  return new RegExp(`${body}${sentences ? '(?:\\.\\s[\\s\\S]*|\\.?\\s*)$' : '\\.?\\s*$'}`, 'i');
}

const TEMPLATES: readonly EventTemplate[] = [
  {
    id: 2016,
    params: ['status', 'connector', 'mechanism', 'target', 'user'],
    pattern: template('An authentication credential initialization error %1 occurred with Send connector %2. The authentication mechanism used was %3. The name of the server that we were trying to authenticate to was %4. This server was using the name %5.', true),
  },
  {
    id: 2017,
    params: ['status', 'connector', 'mechanism', 'target'],
    pattern: template('Outbound authentication failed with error %1 for Send connector %2. The authentication mechanism is %3. The target is %4.', true),
  },
  {
    id: 2003,
    params: ['connector', 'target', 'response'],
    pattern: template('Send connector %1 has failed to authenticate with %2. The response from the remote site is %3.'),
  },
  {
    id: 2000,
    params: ['connector', 'diagnostic'],
    pattern: template('Send connector %1: A DNS failure occurred with the following diagnostic information %2.'),
  },
  {
    id: 1035,
    params: ['status', 'connector', 'mechanism', 'sourceIp'],
    pattern: template('Inbound authentication failed with error %1 for Receive connector %2. The authentication mechanism is %3. The source IP address of the client who tried to authenticate to Microsoft Exchange is %4.', true),
  },
  {
    // Recalled wording (not from a live event): match the idea, pick the connector if named.
    id: 2015,
    params: ['connector'],
    recognise: /TLS (?:was|is) required[\s\S]*(?:did not|does not|doesn't) (?:offer|advertise|support) (?:STARTTLS|TLS)/i,
  },
  {
    id: 12014,
    params: ['fqdn', 'connector', 'fqdn'],
    pattern: /could not find a certificate that contains the domain name\s+(\S+?)\s+in the personal store[\s\S]*?for the connector\s+([\s\S]+?)\s+with a FQDN parameter of\s+(\S+?)\.?(?:\s|$)/i,
    recognise: /(?:could not|couldn't) find a certificate that contains the domain name/i,
  },
  {
    id: 12013,
    params: ['thumbprint'],
    pattern: /(?:could not|couldn't) load the certificate with thumbprint of\s+([0-9A-Fa-f]{40})/i,
    recognise: /certificate with thumbprint[\s\S]*(?:authentication with other Exchange servers|internal transport)/i,
  },
  {
    id: 1020,
    params: ['account', 'connector'],
    pattern: /The account '([^']+)' provided valid credentials, but it does not have submit permissions on SMTP Receive connector '([^']+)'/i,
  },
];

/** Parameters each event id carries, in %n order, for forms that give insertion strings. */
const PARAMS_BY_ID: Record<EventId, ParamName[]> = {
  2016: ['status', 'connector', 'mechanism', 'target', 'user'],
  2017: ['status', 'connector', 'mechanism', 'target'],
  2003: ['connector', 'target', 'response'],
  2015: ['connector'],
  2000: ['connector', 'diagnostic'],
  12014: ['fqdn', 'connector', 'fqdn'],
  12013: ['thumbprint'],
  12024: ['thumbprint'],
  1035: ['status', 'connector', 'mechanism', 'sourceIp'],
  1020: ['account', 'connector'],
};

export function isEventId(n: number): n is EventId {
  return (EVENT_IDS as readonly number[]).includes(n);
}

/** normaliseParams: canonical spelling of status and mechanism, the host out of SMTPSVC/<host>. */
function normaliseParams(p: EventParams): EventParams {
  const out: EventParams = {};
  for (const [k, v] of Object.entries(p) as [ParamName, string | undefined][]) {
    if (v === undefined) continue;
    const t = v.trim().replace(/\.$/, '');
    if (t !== '' && !/^%\d$/.test(t)) out[k] = t;
  }
  if (out.status) out.status = canonicalStatus(out.status);
  if (out.mechanism) out.mechanism = canonicalMechanism(out.mechanism);
  if (out.target) {
    const host = /^SMTPSVC\/(.+)$/i.exec(out.target)?.[1] ?? out.target;
    out.targetHost = host.replace(/^\[(.+)\]$/, '$1');
  }
  if (out.sourceIp) out.sourceIp = out.sourceIp.replace(/^\[(.+)\]$/, '$1');
  return out;
}

function fromInsertions(id: EventId, insertions: readonly string[]): EventParams {
  const p: EventParams = {};
  PARAMS_BY_ID[id].forEach((name, i) => {
    const v = insertions[i];
    if (v !== undefined && p[name] === undefined) p[name] = v;
  });
  return p;
}

/** matchMessage finds the template a message follows and reads its insertion strings. */
function matchMessage(message: string, id?: EventId): { id: EventId; params: EventParams } | undefined {
  const text = message.replace(/\s+/g, ' ').trim();
  for (const t of TEMPLATES) {
    if (id !== undefined && t.id !== id && !(id === 12024 && t.id === 12013)) continue;
    const m = t.pattern?.exec(text);
    if (m) {
      const p: EventParams = {};
      t.params.forEach((name, i) => {
        if (p[name] === undefined && m[i + 1] !== undefined) p[name] = m[i + 1];
      });
      return { id: id ?? t.id, params: p };
    }
    if (t.recognise?.test(text)) {
      const p: EventParams = {};
      const connector = /Send connector\s+"?([^".,]+?)"?(?:\s+but|[.,]|\s*$)/i.exec(text)?.[1];
      if (t.id === 2015 && connector) p.connector = connector;
      return { id: id ?? t.id, params: p };
    }
  }
  return undefined;
}

/** Event Viewer "Copy details as text" header fields. */
const HEADER = /^(Log Name|Source|Date|Event ID|Task Category|Level|Keywords|User|Computer|Description):[ \t]*(.*)$/;

/** parseEventText reads an event message, with or without the Event Viewer header. */
export function parseEventText(text: string): ExchangeEvent | undefined {
  const fields: Record<string, string> = {};
  const body: string[] = [];
  let inDescription = false;
  for (const line of text.split(/\r?\n/)) {
    const m = inDescription ? null : HEADER.exec(line.trim());
    if (m?.[1]) {
      if (m[1] === 'Description') inDescription = true;
      if (m[2]) (m[1] === 'Description' ? body : []).push(m[2]);
      fields[m[1]] = m[2] ?? '';
      continue;
    }
    body.push(line);
  }
  const message = body.join('\n').trim();
  const idField = Number(fields['Event ID']);
  const givenId = isEventId(idField) ? idField : undefined;
  const hit = matchMessage(message, givenId) ?? (givenId !== undefined ? { id: givenId, params: {} } : undefined);
  if (!hit) return undefined;
  const ev: ExchangeEvent = { id: hit.id, form: 'text', params: normaliseParams(hit.params), insertions: [], message };
  if (fields.Source) ev.source = fields.Source;
  if (fields.Level) ev.level = fields.Level;
  if (fields.Date) ev.time = fields.Date;
  if (fields.Computer) ev.computer = fields.Computer;
  return ev;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** decodeXml resolves the five predefined entities and numeric references (XML 1.0 §4.6). */
function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? _;
  });
}

const LEVELS: Record<string, string> = { '1': 'Critical', '2': 'Error', '3': 'Warning', '4': 'Information' };

/**
 * eventFrom: the event and its parameters from what a structured form (XML, JSON) carries —
 * the numbered insertion strings when there are any, else the rendered message text, which
 * also names the event when the id is missing or not one we know.
 */
function eventFrom(id: number, insertions: string[], message: string | undefined, form: 'xml' | 'json'): ExchangeEvent | undefined {
  let eventId: EventId | undefined = isEventId(id) ? id : undefined;
  let params: EventParams = {};
  if (eventId !== undefined && insertions.length > 0) params = fromInsertions(eventId, insertions);
  else if (message) {
    const hit = matchMessage(message, eventId);
    if (hit) ({ id: eventId, params } = hit);
  }
  if (eventId === undefined) return undefined;
  if (Object.keys(params).length === 0 && message) params = matchMessage(message, eventId)?.params ?? {};
  const ev: ExchangeEvent = { id: eventId, form, params: normaliseParams(params), insertions };
  if (message) ev.message = message;
  return ev;
}

/** parseEventXml reads the <Event> XML of Event Viewer / wevtutil / Get-WinEvent .ToXml(). */
export function parseEventXml(xml: string): ExchangeEvent | undefined {
  const idText = /<EventID\b[^>]*>\s*(\d+)\s*<\/EventID>/i.exec(xml)?.[1];
  const id = Number(idText);
  const insertions = [...xml.matchAll(/<Data\b[^>]*?(?:\/>|>([\s\S]*?)<\/Data>)/gi)].map((m) => decodeXml(m[1] ?? ''));
  const messageXml = /<Message>([\s\S]*?)<\/Message>/i.exec(xml)?.[1];
  const message = messageXml !== undefined ? decodeXml(messageXml) : undefined;
  const ev = eventFrom(id, insertions, message, 'xml');
  if (!ev) return undefined;
  const source = /<Provider\b[^>]*\bName=['"]([^'"]+)['"]/i.exec(xml)?.[1] ?? /<Provider>([^<]+)<\/Provider>/i.exec(xml)?.[1];
  if (source) ev.source = source;
  const level = /<Level>\s*(\d)\s*<\/Level>/i.exec(xml)?.[1];
  if (level) ev.level = LEVELS[level] ?? level;
  const time = /<TimeCreated\b[^>]*\bSystemTime=['"]([^'"]+)['"]/i.exec(xml)?.[1];
  if (time) ev.time = time;
  const computer = /<Computer>([^<]+)<\/Computer>/i.exec(xml)?.[1];
  if (computer) ev.computer = computer;
  return ev;
}

type JsonObject = Record<string, unknown>;

function prop(o: JsonObject, ...names: string[]): unknown {
  for (const n of names) {
    const k = Object.keys(o).find((key) => key.toLowerCase() === n.toLowerCase());
    if (k !== undefined) return o[k];
  }
  return undefined;
}

/** "/Date(1573123456789)/" (ConvertTo-Json of a DateTime in Windows PowerShell) → ISO. */
function jsonDate(v: unknown): string | undefined {
  if (typeof v === 'string') {
    const ms = /\/Date\((-?\d+)\)\//.exec(v)?.[1];
    return ms ? new Date(Number(ms)).toISOString() : v;
  }
  if (v && typeof v === 'object') return jsonDate(prop(v as JsonObject, 'DateTime', 'value'));
  return undefined;
}

function eventFromJson(o: JsonObject): ExchangeEvent | undefined {
  // Get-WinEvent: Id; Get-EventLog: EventID (InstanceId carries the qualifiers in its high bits).
  const rawId = prop(o, 'Id', 'EventID', 'InstanceId');
  const id = typeof rawId === 'number' ? rawId & 0xffff : Number(rawId);
  const props = prop(o, 'Properties');
  const replacement = prop(o, 'ReplacementStrings');
  const insertions = Array.isArray(props)
    ? props.map((p) => (p && typeof p === 'object' ? String(prop(p as JsonObject, 'Value') ?? '') : String(p)))
    : Array.isArray(replacement) ? replacement.map(String) : [];
  const message = typeof prop(o, 'Message') === 'string' ? (prop(o, 'Message') as string) : undefined;
  const ev = eventFrom(id, insertions, message, 'json');
  if (!ev) return undefined;
  const source = prop(o, 'ProviderName', 'Source');
  if (typeof source === 'string') ev.source = source;
  const level = prop(o, 'LevelDisplayName', 'EntryType', 'Level');
  if (typeof level === 'string') ev.level = level;
  else if (typeof level === 'number') ev.level = LEVELS[String(level)] ?? String(level);
  const time = jsonDate(prop(o, 'TimeCreated', 'TimeGenerated'));
  if (time) ev.time = time;
  const computer = prop(o, 'MachineName');
  if (typeof computer === 'string') ev.computer = computer;
  return ev;
}

/** parseEventJson reads `Get-WinEvent | ConvertTo-Json` (one event or an array); known events only, in input order. */
export function parseEventJson(json: string): ExchangeEvent[] {
  const data: unknown = JSON.parse(json.replace(/^\uFEFF/, ''));
  const list = Array.isArray(data) ? data : [data];
  return list
    .filter((x): x is JsonObject => typeof x === 'object' && x !== null)
    .map(eventFromJson)
    .filter((e): e is ExchangeEvent => e !== undefined);
}

/** looksLikeEventXml: the text holds an <Event> element. */
export function looksLikeEventXml(text: string): boolean {
  return /<Event[\s>]/.test(text) && /<EventID\b/i.test(text);
}
