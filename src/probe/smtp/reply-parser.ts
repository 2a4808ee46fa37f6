import { isUtf8 } from 'node:buffer';
import type { SmtpReply } from '../../model/step-data.js';

/**
 * ParserLimits bound what a server can make the client hold in memory. RFC 5321 §4.5.3.1.5
 * caps a reply line at 512 octets; real servers exceed that (long EHLO lists, verbose 5xx
 * texts), so the defaults are tolerant but still bounded.
 */
export interface ParserLimits {
  /** Longest line accepted, in bytes, without its line ending. */
  maxLineBytes: number;
  /** Most lines in one (multi-line) reply. */
  maxReplyLines: number;
  /** Most bytes in one reply, line endings included. */
  maxReplyBytes: number;
}

/** DEFAULT_PARSER_LIMITS: 8 KiB per line, 1000 lines and 64 KiB per reply. */
export const DEFAULT_PARSER_LIMITS: ParserLimits = Object.freeze({
  maxLineBytes: 8192,
  maxReplyLines: 1000,
  maxReplyBytes: 65536,
});

/**
 * ParseEvent: what a chunk of input completed. A `reply` carries the parsed reply and its raw
 * lines (decoded, without line endings); a `violation` describes input that broke RFC 5321
 * §4.2 or a limit, with the offending line (truncated, printable) when there is one.
 */
export type ParseEvent =
  | { kind: 'reply'; reply: SmtpReply; raw: string[] }
  | { kind: 'violation'; detail: string; line?: string };

/** Longest excerpt of an offending line a violation carries. */
const VIOLATION_LINE_CHARS = 200;

/** RFC 5321 §4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF. */
const REPLY_LINE = /^([1-5][0-9][0-9])(?:([ -])([\s\S]*))?$/;

/**
 * RFC 3463 §2: status-code = class "." subject "." detail, class 2/4/5, subject and detail
 * 1-3 digits; it is followed by a space or ends the text.
 */
const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?= |$)/;

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;
const CR = 0x0d;

/** A reply being assembled from its lines. */
interface PartialReply {
  code: number;
  /** Text after the separator of each line, enhanced status not yet stripped. */
  texts: string[];
  raw: string[];
  bytes: number;
  bareLf: boolean;
}

/**
 * ReplyParser turns the bytes an SMTP server sends, in whatever chunks they arrive, into
 * complete replies (RFC 5321 §4.2) and protocol violations. It never throws on input and
 * holds at most one line (bounded by `maxLineBytes`) plus one reply (bounded by
 * `maxReplyLines`/`maxReplyBytes`), so a hostile or broken server cannot exhaust memory.
 * After a violation it keeps parsing later lines; the caller decides whether to abort.
 */
export class ReplyParser {
  readonly #limits: ParserLimits;
  /** Bytes of the current, unterminated line. */
  #pending: Buffer = EMPTY;
  /** An over-long line was reported; drop bytes until its LF. */
  #discardingLine = false;
  /** A reply broke a limit and was reported; drop its lines until its last line. */
  #discardingReply = false;
  #reply: PartialReply | undefined;

  constructor(limits?: Partial<ParserLimits>) {
    this.#limits = { ...DEFAULT_PARSER_LIMITS, ...limits };
  }

  /** Bytes held waiting for a line end. */
  get pendingBytes(): number {
    return this.#pending.length;
  }

  /** Feed bytes as they arrive (any chunking). Returns the events completed by this chunk. */
  push(chunk: Buffer): ParseEvent[] {
    const events: ParseEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const piece = chunk.subarray(start, lf === -1 ? chunk.length : lf);
      start = lf === -1 ? chunk.length : lf + 1;
      if (this.#discardingLine) {
        // The rest of a line already reported as too long.
        if (lf !== -1) this.#discardingLine = false;
        continue;
      }
      const line = this.#append(piece, lf !== -1, events);
      if (line !== undefined && lf !== -1) this.#line(line, events);
    }
    return events;
  }

  /**
   * Adds `piece` to the held bytes and returns the line so far, unless that would exceed
   * `maxLineBytes`: then the line is reported and dropped without copying it, and the rest of
   * it (up to its LF) is discarded. A line is judged the same whether it arrives whole or in
   * pieces, so the events never depend on the chunking.
   */
  #append(piece: Buffer, complete: boolean, events: ParseEvent[]): Buffer | undefined {
    const held = this.#pending;
    const total = held.length + piece.length;
    const lastByte = piece.length > 0 ? piece[piece.length - 1] : held[held.length - 1];
    // A final CR is the first half of CRLF (or, unterminated, may yet be), so it does not count.
    const content = lastByte === CR ? total - 1 : total;
    if (content > this.#limits.maxLineBytes) {
      const excerptBytes = Math.min(VIOLATION_LINE_CHARS, this.#limits.maxLineBytes);
      const head = Buffer.concat([held.subarray(0, excerptBytes), piece.subarray(0, excerptBytes)]).subarray(0, excerptBytes);
      events.push(violation(`line longer than ${this.#limits.maxLineBytes} bytes`, decode(head)));
      // The reply the line belonged to is lost with it.
      this.#reply = undefined;
      this.#discardingReply = false;
      this.#pending = EMPTY;
      this.#discardingLine = !complete;
      return undefined;
    }
    if (complete) {
      this.#pending = EMPTY;
      return held.length === 0 ? piece : Buffer.concat([held, piece]);
    }
    // Copy: the caller may reuse its chunk buffer.
    this.#pending = Buffer.concat([held, piece]);
    return this.#pending;
  }

  /** Handles one complete line (bytes before the LF, possibly ending in CR). */
  #line(bytes: Buffer, events: ParseEvent[]): void {
    const crlf = bytes.length > 0 && bytes[bytes.length - 1] === CR;
    const body = crlf ? bytes.subarray(0, bytes.length - 1) : bytes;
    const text = decode(body);
    const m = REPLY_LINE.exec(text);
    if (!m) {
      events.push(violation('line is not an SMTP reply line (RFC 5321 §4.2: three digits, then "-", " " or end)', text));
      return;
    }
    const code = Number(m[1]);
    const last = m[2] !== '-';
    const lineText = m[3] ?? '';

    if (this.#discardingReply) {
      if (last) this.#discardingReply = false;
      return;
    }

    const reply = this.#reply;
    if (reply && reply.code !== code) {
      // RFC 5321 §4.2.1: every line of a multi-line reply carries the same code. The partial
      // reply cannot be trusted; this line starts afresh.
      events.push(violation(`reply code changed from ${reply.code} to ${code} within a multi-line reply`, text));
      this.#reply = undefined;
    }
    const current: PartialReply = this.#reply ?? { code, texts: [], raw: [], bytes: 0, bareLf: false };
    this.#reply = current;
    current.texts.push(lineText);
    current.raw.push(text);
    current.bytes += bytes.length + 1;
    if (!crlf) current.bareLf = true;

    if (current.raw.length > this.#limits.maxReplyLines || current.bytes > this.#limits.maxReplyBytes) {
      events.push(violation(
        `reply longer than ${this.#limits.maxReplyLines} lines or ${this.#limits.maxReplyBytes} bytes`,
        current.raw[0],
      ));
      this.#reply = undefined;
      this.#discardingReply = !last;
      return;
    }
    if (last) {
      this.#reply = undefined;
      events.push({ kind: 'reply', reply: finish(current), raw: current.raw });
    }
  }
}

/** Builds the SmtpReply, taking the enhanced status from the first line (RFC 3463 §2). */
function finish(p: PartialReply): SmtpReply {
  const reply: SmtpReply = { code: p.code, lines: p.texts };
  const m = ENHANCED.exec(p.texts[0] ?? '');
  // A "2.x.x" on a 5xx reply is text, not a status: RFC 3463 §3.1 requires the classes to agree.
  if (m && m[1] === String(p.code).charAt(0)) {
    const enhanced = m[0];
    reply.enhanced = enhanced;
    reply.lines = p.texts.map((t) => stripEnhanced(t, enhanced));
  }
  if (p.bareLf) reply.bareLf = true;
  return reply;
}

/**
 * Removes a leading enhanced status equal to `enhanced` and the spaces after it (Gmail puts
 * two: "535 5.7.8  https://...").
 */
function stripEnhanced(text: string, enhanced: string): string {
  if (text === enhanced) return '';
  if (text.startsWith(`${enhanced} `)) return text.slice(enhanced.length).replace(/^ +/, '');
  return text;
}

/**
 * Decodes a line: UTF-8 when it is valid (RFC 6531 servers), else latin1, so every byte
 * survives and binary never throws.
 */
function decode(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}

function violation(detail: string, line: string | undefined): ParseEvent {
  return line === undefined ? { kind: 'violation', detail } : { kind: 'violation', detail, line: printable(line) };
}

/** Escapes control characters so a violation line is safe to print, and truncates it. */
function printable(text: string): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > VIOLATION_LINE_CHARS ? escaped.slice(0, VIOLATION_LINE_CHARS) : escaped;
}
