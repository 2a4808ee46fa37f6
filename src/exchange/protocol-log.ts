/**
 * Exchange SMTP protocol log (Send or Receive) parser (docs/domain.md, "Exchange SMTP Send protocol log"). Accepts whole files
 * (`#Software`/`#Version`/`#Log-type`/`#Date`/`#Fields` header, then CSV rows), excerpts with
 * the full nine columns, and excerpts whose prefix columns were stripped (`<,220 ...`,
 * `*,,Sending certificate`), as people paste them in forums and tickets.
 */

/** Event column: `+` connect, `-` disconnect, `>` sent by this server, `<` received, `*` information. */
export type LogEvent = '+' | '-' | '>' | '<' | '*';

export interface ProtocolLogRow {
  /** 1-based line in the input. */
  line: number;
  dateTime?: string;
  connectorId?: string;
  sessionId?: string;
  sequence?: number;
  localEndpoint?: string;
  remoteEndpoint?: string;
  event: LogEvent;
  data: string;
  context: string;
}

export interface ProtocolLogHeaders {
  software?: string;
  version?: string;
  logType?: string;
  date?: string;
  fields?: string[];
}

export interface ProtocolLogSession {
  /** connector-id + session-id, or "excerpt" for stripped rows. */
  key: string;
  connectorId?: string;
  sessionId?: string;
  localEndpoint?: string;
  remoteEndpoint?: string;
  rows: ProtocolLogRow[];
}

export interface ProtocolLog {
  headers: ProtocolLogHeaders;
  /** From `#Log-type`; `send` when unknown (the log explain is asked about is usually SmtpSend). */
  direction: 'send' | 'receive';
  rows: ProtocolLogRow[];
  sessions: ProtocolLogSession[];
  /** Lines that were neither a header, a comment nor a row. */
  skipped: number;
}

const DEFAULT_FIELDS = ['date-time', 'connector-id', 'session-id', 'sequence-number', 'local-endpoint', 'remote-endpoint', 'event', 'data', 'context'];
const EVENTS = new Set(['+', '-', '>', '<', '*']);

/** splitCsv splits one line by RFC 4180 rules: fields with commas are double-quoted, `""` is a quote. */
export function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const HEADER = /^#(Software|Version|Log-type|Date|Fields):\s*(.*)$/i;

/** parseRow reads one CSV row in full (9 columns per #Fields) or stripped (event,data[,context]) form. */
function parseRow(line: string, n: number, fields: string[]): ProtocolLogRow | undefined {
  const cols = splitCsv(line);
  const eventIdx = fields.indexOf('event');
  if (cols.length >= fields.length && eventIdx >= 0 && EVENTS.has(cols[eventIdx] ?? '')) {
    const col = (name: string): string | undefined => {
      const i = fields.indexOf(name);
      return i >= 0 ? cols[i] : undefined;
    };
    // Extra columns come from an unquoted comma in the last field; they belong to the context.
    const contextIdx = fields.indexOf('context');
    const context = contextIdx === fields.length - 1 ? cols.slice(contextIdx).join(',') : col('context') ?? '';
    const row: ProtocolLogRow = { line: n, event: cols[eventIdx] as LogEvent, data: col('data') ?? '', context };
    const set = <K extends keyof ProtocolLogRow>(k: K, v: ProtocolLogRow[K] | undefined): void => {
      if (v !== undefined && v !== '') row[k] = v;
    };
    set('dateTime', col('date-time'));
    set('connectorId', col('connector-id'));
    set('sessionId', col('session-id'));
    const seq = Number(col('sequence-number'));
    if (Number.isInteger(seq)) row.sequence = seq;
    set('localEndpoint', col('local-endpoint'));
    set('remoteEndpoint', col('remote-endpoint'));
    return row;
  }
  if (EVENTS.has(cols[0] ?? '') && cols.length >= 2) {
    return { line: n, event: cols[0] as LogEvent, data: cols[1] ?? '', context: cols.slice(2).join(',') };
  }
  return undefined;
}

/** parseProtocolLog reads a log or an excerpt; rows keep input order, sessions group them. */
export function parseProtocolLog(text: string): ProtocolLog {
  const headers: ProtocolLogHeaders = {};
  const rows: ProtocolLogRow[] = [];
  let skipped = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line.trim() === '') return;
    const h = HEADER.exec(line.trim());
    if (h?.[1]) {
      const value = (h[2] ?? '').trim();
      switch (h[1].toLowerCase()) {
        // First header wins: a file has one; a pasted excerpt may quote others after it.
        case 'software': headers.software ??= value; break;
        case 'version': headers.version ??= value; break;
        case 'log-type': headers.logType ??= value; break;
        case 'date': headers.date ??= value; break;
        case 'fields': headers.fields ??= value.split(',').map((f) => f.trim()); break;
      }
      return;
    }
    if (line.startsWith('#')) return;
    const row = parseRow(line.trim(), i + 1, headers.fields ?? DEFAULT_FIELDS);
    if (row) rows.push(row);
    else skipped++;
  });
  const sessions = new Map<string, ProtocolLogSession>();
  for (const r of rows) {
    const key = r.sessionId || r.connectorId ? `${r.connectorId ?? ''}/${r.sessionId ?? ''}` : 'excerpt';
    let s = sessions.get(key);
    if (!s) {
      s = { key, rows: [] };
      if (r.connectorId) s.connectorId = r.connectorId;
      if (r.sessionId) s.sessionId = r.sessionId;
      sessions.set(key, s);
    }
    s.localEndpoint ??= r.localEndpoint;
    s.remoteEndpoint ??= r.remoteEndpoint;
    if (s.localEndpoint === undefined) delete s.localEndpoint;
    if (s.remoteEndpoint === undefined) delete s.remoteEndpoint;
    s.rows.push(r);
  }
  for (const s of sessions.values()) s.rows.sort((a, b) => (a.sequence !== undefined && b.sequence !== undefined ? a.sequence - b.sequence : a.line - b.line));
  const direction = /receive/i.test(headers.logType ?? '') ? 'receive' : 'send';
  return { headers, direction, rows, sessions: [...sessions.values()], skipped };
}

/** looksLikeProtocolLog: a log header, or lines that parse as rows (all of them, or most of two or more). */
export function looksLikeProtocolLog(text: string): boolean {
  if (/^#(Log-type|Fields):/im.test(text)) return true;
  const log = parseProtocolLog(text);
  return (log.rows.length >= 1 && log.skipped === 0) || (log.rows.length >= 2 && log.rows.length >= log.skipped);
}
