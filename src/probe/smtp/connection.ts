import type net from 'node:net';
import type tls from 'node:tls';
import type { Deadline } from '../../model/deadline.js';
import type { StepError } from '../../model/report.js';
import type { SmtpReply } from '../../model/step-data.js';
import { framingCharacter } from '../../model/wire-text.js';
import type { TranscriptRecorder } from '../transcript.js';
import { classifyTlsError } from '../tls/handshake.js';
import { ReplyParser, type ParseEvent, type ParserLimits } from './reply-parser.js';
import { sniffNonSmtp } from './sniff.js';

/** The verbs smtprobe sends, for naming a refused command without echoing any of its text. */
const KNOWN_VERB = /^(?:EHLO|HELO|STARTTLS|AUTH|MAIL|RCPT|RSET|NOOP|QUIT)\b/i;

/** ReadOutcome: a complete reply, or why there is none. */
export type ReadOutcome = { reply: SmtpReply; error?: undefined } | { reply?: undefined; error: StepError };

/** What the server sent first, when it was not SMTP at all. */
export type Sniffed = ReturnType<typeof sniffNonSmtp>;

/**
 * SmtpConnection is the client side of one SMTP conversation on a socket (plain or TLS).
 * It reads replies with a streaming parser, writes commands, records both in the transcript
 * (callers pass a redacted form for anything secret), and bounds every wait by a deadline.
 * It never throws for a network outcome: reads resolve to `{ error }` instead.
 */
export class SmtpConnection {
  #socket: net.Socket | tls.TLSSocket;
  #parser: ReplyParser;
  readonly #limits: Partial<ParserLimits> | undefined;
  #events: ParseEvent[] = [];
  #waiter: (() => void) | undefined;
  #ended: StepError | undefined;
  #sawBytes = false;
  #sniffed: Sniffed;
  #secure: boolean;
  /** A client certificate went out in the TLS handshake, and nothing came back since. */
  #clientCertUnanswered = false;
  readonly #onData = (chunk: Buffer): void => this.#receive(chunk);
  readonly #onEnd = (): void => this.#fail(this.#closedError());
  readonly #onError = (err: Error): void => this.#fail(this.#classifySocketError(err));

  constructor(
    socket: net.Socket | tls.TLSSocket,
    readonly transcript: TranscriptRecorder,
    opts: { secure?: boolean; limits?: Partial<ParserLimits> } = {},
  ) {
    this.#socket = socket;
    this.#limits = opts.limits;
    this.#parser = new ReplyParser(opts.limits);
    this.#secure = opts.secure ?? false;
    this.#listen();
  }

  /** Whether the conversation is currently inside TLS. */
  get secure(): boolean {
    return this.#secure;
  }

  get socket(): net.Socket | tls.TLSSocket {
    return this.#socket;
  }

  /** What the server's first bytes looked like, when they were not SMTP. */
  get sniffed(): Sniffed {
    return this.#sniffed;
  }

  get closed(): boolean {
    return this.#ended !== undefined;
  }

  /**
   * readReply waits for the next complete reply until the deadline. A protocol violation
   * ends the wait at once with PROTOCOL_VIOLATION (or NOT_SMTP when the first bytes were not SMTP).
   */
  readReply(deadline: Deadline): Promise<ReadOutcome> {
    const ready = this.#takeEvent();
    if (ready) return Promise.resolve(ready);
    if (this.#ended) return Promise.resolve({ error: this.#ended });
    return new Promise((resolve) => {
      const budget = deadline.remainingMs();
      const done = (o: ReadOutcome): void => {
        deadline.clock.clearTimeout(timer);
        deadline.signal.removeEventListener('abort', onAbort);
        this.#waiter = undefined;
        resolve(o);
      };
      const timeout = (why: string): void => {
        const partial = this.#parser.pendingBytes > 0 ? ` (${this.#parser.pendingBytes} bytes of an unfinished line received)` : '';
        this.transcript.event(`timeout: ${deadline.phase} ${why}${partial}`);
        done({ error: { code: 'PHASE_TIMEOUT', message: `${deadline.phase}: no complete reply within ${budget} ms${partial}` } });
      };
      const onAbort = (): void => timeout('cancelled');
      const timer = deadline.clock.setTimeout(() => timeout(`after ${budget} ms`), budget);
      deadline.signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = () => {
        const e = this.#takeEvent();
        if (e) done(e);
        else if (this.#ended) done({ error: this.#ended });
      };
    });
  }

  /**
   * send writes one command line; `shown` is what the transcript records instead (for secrets).
   * This is the only place a command reaches the socket, so it is where a command is refused
   * that holds CR, LF or NUL: written, it would be two commands (or a truncated one) while the
   * transcript shows one. Input validation refuses such values first; reaching this refusal is
   * a bug, so nothing is written, the transcript says so, and the error is PROBE_INTERNAL_ERROR.
   * The check is on the bytes to write, never on `shown`: a redacted form cannot hide a line.
   */
  send(line: string, shown: string = line): StepError | undefined {
    const bad = framingCharacter(line);
    if (bad) {
      // Only a known verb is named: the rest of the line may be a credential.
      const verb = KNOWN_VERB.exec(line)?.[0]?.toUpperCase() ?? 'a command';
      const message = `refused to send ${verb} holding ${bad.name} at position ${bad.index + 1}: it would have gone out as more than one command line; nothing was sent`;
      this.transcript.event(message);
      return { code: 'PROBE_INTERNAL_ERROR', message };
    }
    if (this.#ended) {
      // The transcript holds what was written, so a command that could not be is an event.
      this.transcript.event(`not sent (the connection had ended): ${shown}`);
      return undefined;
    }
    this.transcript.sent(shown);
    this.#socket.write(`${line}\r\n`);
    return undefined;
  }

  /** command sends a line and reads its reply; a refused line ends at once with its error. */
  async command(line: string, deadline: Deadline, shown?: string): Promise<ReadOutcome> {
    const refused = this.send(line, shown);
    if (refused) return { error: refused };
    return this.readReply(deadline);
  }

  /**
   * detachForTls hands the raw socket over for a TLS handshake (RFC 3207 §4). Bytes the
   * server sent after its 220 and before the handshake would be a command-injection vector
   * (CVE-2011-0411 class), so they are reported, not kept.
   */
  detachForTls(): { socket: net.Socket; leftover: number } {
    this.#unlisten();
    const leftover = this.#parser.pendingBytes + this.#events.length;
    this.#events = [];
    return { socket: this.#socket as net.Socket, leftover };
  }

  /** attachTls continues the conversation on the TLS socket, with a fresh parser. */
  attachTls(socket: tls.TLSSocket, opts: { clientCertSent?: boolean } = {}): void {
    this.#socket = socket;
    this.#clientCertUnanswered = opts.clientCertSent === true;
    this.#parser = new ReplyParser(this.#limits);
    this.#secure = true;
    this.#ended = undefined;
    this.#listen();
  }

  /** close ends the connection at once and releases the socket. */
  close(): void {
    this.#unlisten();
    // Keep a no-op error handler: a late ECONNRESET on a destroyed socket must not crash the process.
    this.#socket.on('error', () => {});
    this.#socket.destroy();
    if (!this.#ended) this.#ended = { code: 'CONNECTION_DROPPED', message: 'connection closed by client' };
  }

  #listen(): void {
    this.#socket.on('data', this.#onData);
    this.#socket.on('end', this.#onEnd);
    this.#socket.on('close', this.#onEnd);
    this.#socket.on('error', this.#onError);
  }

  #unlisten(): void {
    this.#socket.removeListener('data', this.#onData);
    this.#socket.removeListener('end', this.#onEnd);
    this.#socket.removeListener('close', this.#onEnd);
    this.#socket.removeListener('error', this.#onError);
  }

  #receive(chunk: Buffer): void {
    this.#clientCertUnanswered = false;
    if (!this.#sawBytes) {
      this.#sawBytes = true;
      this.#sniffed = sniffNonSmtp(chunk);
      if (this.#sniffed) {
        this.transcript.event(`server's first bytes look like ${this.#sniffed}, not SMTP`);
        this.#fail({ code: 'NOT_SMTP', message: `the server spoke ${this.#sniffed} first, not SMTP` });
        this.#socket.destroy();
        return;
      }
    }
    for (const ev of this.#parser.push(chunk)) {
      if (ev.kind === 'reply') {
        for (const raw of ev.raw) this.transcript.received(raw);
        // Tolerated, but noted: RFC 5321 §2.3.8 wants CRLF, and strict clients stall on bare LF.
        if (ev.reply.bareLf) this.transcript.event('reply lines ended in a bare LF, not CRLF (RFC 5321 §2.3.8)');
      }
      else this.transcript.event(`protocol violation: ${ev.detail}${ev.line !== undefined ? `: ${ev.line}` : ''}`);
      this.#events.push(ev);
    }
    this.#waiter?.();
  }

  #takeEvent(): ReadOutcome | undefined {
    const ev = this.#events.shift();
    if (!ev) return undefined;
    if (ev.kind === 'reply') return { reply: ev.reply };
    // After a violation the stream can't be trusted: stop reading.
    this.#events = [];
    return { error: { code: 'PROTOCOL_VIOLATION', message: ev.detail } };
  }

  #fail(err: StepError): void {
    if (!this.#ended) {
      this.#ended = err;
      if (err.code !== 'NOT_SMTP') this.transcript.event(`${err.code}: ${err.message}`);
    }
    this.#waiter?.();
  }

  /**
   * A TLS 1.3 server checks the client certificate after the client already considers the
   * handshake done; Node and many MTAs then just close, with no alert. A close before any
   * reply, right after sending a certificate, is that rejection.
   */
  #closedError(): StepError {
    if (this.#clientCertUnanswered) {
      return { code: 'CLIENT_CERT_REJECTED', message: 'the server closed the connection right after the TLS handshake, before any reply: it rejected the client certificate (TLS 1.3 rejects after the handshake, often without an alert)' };
    }
    return { code: 'CONNECTION_DROPPED', message: 'server closed the connection' };
  }

  #classifySocketError(err: Error): StepError {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (this.#secure && (code.startsWith('ERR_SSL') || /alert/i.test(err.message))) {
      const c = classifyTlsError(err, 'after-handshake');
      return { code: c.code, message: c.message };
    }
    if (code === 'ECONNRESET') return this.#clientCertUnanswered ? this.#closedError() : { code: 'CONNECTION_DROPPED', message: 'connection reset by the server' };
    return { code: 'CONNECTION_DROPPED', message: `socket error: ${code || err.message}` };
  }
}
