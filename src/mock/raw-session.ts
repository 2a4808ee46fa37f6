import type { Socket } from 'node:net';
import { authEverOffered, authOffered, ehloKeywords } from './ehlo-lines.js';
import { effectiveTls } from './engine-choice.js';
import { outputFor, runConnectFault, runReplyFault, runStartTlsFault, type FaultContext } from './faults.js';
import { formatReply, type ReplyScript } from './reply-script.js';
import type { ReplyStep, Scenario, ScriptableVerb, ScriptedReply } from './scenario-schema.js';
import type { ServerResources } from './server-resources.js';
import { acceptTls } from './tls-accept.js';
import { startSaslExchange, type SaslOutcome, type SaslServerExchange } from './server-sasl.js';
import type { ServerTls } from './server-tls.js';
import type { SessionOutput } from './session-output.js';

/**
 * Longest command line accepted. RFC 5321 §4.5.3.1.4 allows 512 octets; RFC 4954 §4 lets
 * an AUTH line be longer (12288 octets, as Postfix's line_length_limit does in practice).
 */
const MAX_LINE = 12_288;
/** Idle sessions end like Postfix's smtpd_timeout (RFC 5321 §4.5.3.2.7 suggests 5 minutes). */
const IDLE_TIMEOUT_MS = 300_000;

/** Queued in place of a line that exceeded MAX_LINE. */
const LINE_TOO_LONG = Symbol('line too long');

/** RawSessionDeps: what one session shares with its server. */
export interface RawSessionDeps {
  scenario: Scenario;
  tls: ServerTls | undefined;
  resources: ServerResources;
  script: ReplyScript;
  /** Session number, for log lines. */
  id: number;
  log: (line: string) => void;
  /** The connection is over maxConnections. */
  overLimit: boolean;
}

type Handler = (arg: string) => Promise<void>;

interface PendingSasl {
  mechanism: string;
  exchange: SaslServerExchange;
  scripted: ScriptedReply | undefined;
}

/** What a log line shows of a client line: AUTH payloads never reach the log. */
function loggable(line: string, inSasl: boolean): string {
  if (inSasl) return '[sasl response redacted]';
  const m = /^(AUTH\s+\S+)\s+\S/i.exec(line);
  return m ? `${m[1]} [initial response redacted]` : line;
}

/**
 * RawSession: one connection to the raw responder — a tiny SMTP server (RFC 5321) with
 * STARTTLS (RFC 3207) and AUTH (RFC 4954) whose every reply a scenario can script, and
 * whose faults can take over at connect, at any reply, or at STARTTLS. It never accepts
 * DATA: smtprobe must never deliver mail, so neither does its mock.
 */
export class RawSession {
  #socket: Socket;
  readonly #out: SessionOutput;
  readonly #server: Scenario['server'];
  readonly #handlers: Map<string, Handler>;
  #buffer: Buffer = Buffer.alloc(0);
  readonly #queue: (string | typeof LINE_TOO_LONG)[] = [];
  #busy = false;
  /** The session no longer reads commands (closing, or a fault took it over). */
  #done = false;
  #secure = false;
  #helo: string | undefined;
  #user: string | undefined;
  #mailFrom: string | undefined;
  #rejected = false;
  /** Commands wait for the greeting (an early talker's lines are queued, not answered first). */
  #greeted = false;
  #sasl: PendingSasl | undefined;
  readonly #onData = (chunk: Buffer): void => this.#receive(chunk);

  constructor(
    socket: Socket,
    private readonly deps: RawSessionDeps,
  ) {
    this.#socket = socket;
    this.#server = deps.scenario.server;
    this.#out = outputFor(this.#server.fault, () => this.#socket, deps.resources);
    this.#handlers = new Map<string, Handler>([
      ['EHLO', (a) => this.#ehlo(a)],
      ['HELO', (a) => this.#heloCmd(a)],
      ['STARTTLS', (a) => this.#startTls(a)],
      ['AUTH', (a) => this.#auth(a)],
      ['MAIL', (a) => this.#mail(a)],
      ['RCPT', (a) => this.#rcpt(a)],
      ['DATA', () => this.#data()],
      ['RSET', () => this.#rset()],
      ['NOOP', () => this.#simple('NOOP', 250, '2.0.0 Ok')],
      ['VRFY', () => this.#simple('VRFY', 252, '2.0.0 Cannot VRFY user, but will accept message')],
      ['QUIT', () => this.#quit()],
    ]);
  }

  /** start runs the session: connection limit, connect faults, TLS on connect, greeting. */
  start(): void {
    const socket = this.#socket;
    socket.on('error', (err) => this.#log(`* socket error: ${err.message}`));
    socket.setTimeout(IDLE_TIMEOUT_MS, () => {
      this.#write(formatReply(421, '4.4.2 Error: timeout exceeded'));
      this.#close();
    });
    if (this.deps.overLimit) {
      // RFC 5321 §3.1: a server that cannot serve may answer the connection with 421 and close.
      this.#write(formatReply(421, '4.7.0 Too many connections, try again later'));
      this.#close();
      return;
    }
    if (runConnectFault(this.#server.fault, this.#faultContext())) {
      this.#done = true;
      return;
    }
    socket.on('data', this.#onData);
    if (effectiveTls(this.deps.scenario) === 'implicit') this.#upgrade(() => void this.#greet());
    else void this.#greet();
  }

  #log(line: string): void {
    this.deps.log(`#${this.deps.id} ${line}`);
  }

  #faultContext(): FaultContext {
    return { socket: this.#socket, out: this.#out, resources: this.deps.resources, log: (l) => this.#log(l) };
  }

  #write(text: string): void {
    for (const line of text.split('\r\n').slice(0, -1)) this.#log(`> ${line.length > 200 ? line.slice(0, 200) + '…' : line}`);
    this.#out.write(text);
  }

  /** #close ends the session gracefully: nothing more is read, queued output still goes out. */
  #close(): void {
    this.#done = true;
    this.#socket.removeListener('data', this.#onData);
    this.#out.end();
  }

  async #greet(): Promise<void> {
    const g = this.#server.greeting;
    await this.deps.resources.sleep(g.delayMs);
    if (this.#socket.destroyed) return;
    const text = g.text ?? `${this.#server.hostname} ESMTP mock`;
    if (!this.#reply('greeting', g.code, text)) return;
    if (g.code === 421) {
      this.#close();
      return;
    }
    // RFC 5321 §3.1: after a 554 greeting the server waits for QUIT, answering 503 meanwhile.
    if (g.code >= 400) this.#rejected = true;
    if (this.#server.fault.kind === 'close-after-banner') {
      this.#log('* fault close-after-banner');
      this.#close();
      return;
    }
    this.#greeted = true;
    this.#pump();
  }

  /**
   * #reply sends a reply unless the scenario's fault takes that reply over; returns false
   * when the fault took it (the session then stops reading commands).
   */
  #reply(at: 'greeting' | ScriptableVerb, code: number, text: string | readonly string[]): boolean {
    const normal = formatReply(code, text);
    if (runReplyFault(this.#server.fault, at, code, normal, this.#faultContext())) {
      this.#done = true;
      this.#socket.removeListener('data', this.#onData);
      return false;
    }
    this.#write(normal);
    return true;
  }

  /** #scripted sends a scripted reply with its delay; closes after it when the script says so. */
  async #scripted(at: ScriptableVerb, step: ScriptedReply): Promise<void> {
    await this.deps.resources.sleep(step.delayMs);
    if (this.#socket.destroyed) return;
    if (this.#reply(at, step.code, step.text) && (step.close || step.code === 421)) this.#close();
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const nl = this.#buffer.indexOf(0x0a);
      if (nl < 0) break;
      // Bare LF is tolerated as a line end, as most servers do (RFC 5321 §2.3.8 says CRLF).
      this.#queue.push(this.#buffer.subarray(0, nl).toString('utf8').replace(/\r$/, ''));
      this.#buffer = this.#buffer.subarray(nl + 1);
    }
    if (this.#buffer.length > MAX_LINE) {
      this.#buffer = Buffer.alloc(0);
      this.#queue.push(LINE_TOO_LONG);
    }
    this.#pump();
  }

  /** #pump handles queued lines one at a time, so pipelined commands (RFC 2920) keep their order. */
  #pump(): void {
    if (this.#busy || !this.#greeted) return;
    this.#busy = true;
    void (async () => {
      while (!this.#done && this.#queue.length > 0) {
        const line = this.#queue.shift();
        if (line === LINE_TOO_LONG) this.#write(formatReply(500, '5.5.6 Error: line too long'));
        else if (line !== undefined) await this.#handle(line);
      }
      this.#busy = false;
    })().catch((err: unknown) => {
      // A bug in a handler must not become an unhandled rejection in the host process.
      this.#log(`* internal error: ${err instanceof Error ? err.message : String(err)}`);
      this.#done = true;
      this.#socket.destroy();
    });
  }

  async #handle(line: string): Promise<void> {
    this.#log(`< ${loggable(line, this.#sasl !== undefined)}`);
    if (this.#sasl) {
      await this.#saslOutcome(this.#sasl.exchange.next(line.trim()));
      return;
    }
    const sp = line.indexOf(' ');
    const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    const arg = sp < 0 ? '' : line.slice(sp + 1).trim();
    if (this.#rejected) {
      if (verb === 'QUIT') await this.#quit();
      else this.#write(formatReply(503, '5.5.1 Error: service refused, send QUIT'));
      return;
    }
    const handler = this.#handlers.get(verb);
    if (!handler) {
      this.#write(formatReply(502, '5.5.2 Error: command not recognized'));
      return;
    }
    await handler(arg);
  }

  /** #step takes the scripted step for a verb; `undefined` means answer normally. */
  #step(verb: ScriptableVerb): ScriptedReply | undefined {
    const step: ReplyStep | undefined = this.deps.script.next(verb);
    return step === undefined || step === 'default' ? undefined : step;
  }

  async #ehlo(arg: string): Promise<void> {
    await this.#hello('EHLO', arg, () => [this.#server.hostname, ...ehloKeywords(this.#server, this.#secure, effectiveTls(this.deps.scenario))]);
  }

  async #heloCmd(arg: string): Promise<void> {
    await this.#hello('HELO', arg, () => this.#server.hostname);
  }

  /** #hello answers EHLO or HELO: the scripted reply if any, else a syntax error or `lines`. */
  async #hello(verb: 'EHLO' | 'HELO', arg: string, lines: () => string | readonly string[]): Promise<void> {
    const step = this.#step(verb);
    if (step) {
      await this.#scripted(verb, step);
      if (step.code < 300) this.#resetSession(arg || 'unknown');
      return;
    }
    if (!arg) {
      this.#reply(verb, 501, `5.5.4 Syntax: ${verb} hostname`);
      return;
    }
    this.#resetSession(arg);
    this.#reply(verb, 250, lines());
  }

  /** EHLO/HELO start a new session state (RFC 5321 §4.1.4), keeping TLS and AUTH. */
  #resetSession(helo: string): void {
    this.#helo = helo;
    this.#mailFrom = undefined;
  }

  async #startTls(arg: string): Promise<void> {
    const step = this.#step('STARTTLS');
    if (step) {
      await this.#scripted('STARTTLS', step);
      if (step.code === 220 && !this.#done) this.#beginTls();
      return;
    }
    if (effectiveTls(this.deps.scenario) !== 'starttls' || !this.deps.tls) {
      this.#reply('STARTTLS', 502, '5.5.1 Error: command not implemented');
      return;
    }
    if (this.#secure) {
      this.#reply('STARTTLS', 503, '5.5.1 Error: TLS already active');
      return;
    }
    if (arg) {
      this.#reply('STARTTLS', 501, '5.5.4 Syntax: STARTTLS');
      return;
    }
    if (runStartTlsFault(this.#server.fault, this.#faultContext())) {
      this.#done = true;
      return;
    }
    if (this.#reply('STARTTLS', 220, '2.0.0 Ready to start TLS')) this.#beginTls();
  }

  /**
   * #beginTls starts the handshake after a 220 to STARTTLS. Lines the client pipelined after
   * STARTTLS are dropped, never answered under TLS (RFC 3207 §5, the CVE-2011-0411 class).
   */
  #beginTls(): void {
    this.#queue.length = 0;
    this.#buffer = Buffer.alloc(0);
    this.#upgrade(() => {
      // RFC 3207 §4.2: the server forgets everything it learned before TLS, including EHLO.
      this.#helo = undefined;
      this.#mailFrom = undefined;
        this.#pump();
    });
  }

  /** #upgrade wraps the socket in TLS (server side) and calls `then` once the handshake is done. */
  #upgrade(then: () => void): void {
    const tls = this.deps.tls;
    if (!tls) throw new Error('bug: TLS upgrade without TLS material');
    const plain = this.#socket;
    plain.removeListener('data', this.#onData);
    this.#socket = acceptTls(plain, tls, this.deps.resources, (l) => this.#log(l), (secure) => {
      this.#secure = true;
      secure.on('data', this.#onData);
      then();
    });
  }

  async #auth(arg: string): Promise<void> {
    if (!this.#helo) {
      this.#reply('AUTH', 503, '5.5.1 Error: send HELO/EHLO first');
      return;
    }
    if (this.#user !== undefined) {
      this.#reply('AUTH', 503, '5.5.1 Error: already authenticated');
      return;
    }
    const step = this.#step('AUTH');
    if (step?.stage === 'command') {
      await this.#scripted('AUTH', step);
      return;
    }
    if (!authOffered(this.#server, this.#secure)) {
      if (!this.#secure && this.#server.auth.advertise === 'after-starttls' && effectiveTls(this.deps.scenario) === 'starttls') {
        this.#reply('AUTH', 538, '5.7.11 Encryption required for requested authentication mechanism');
      } else {
        this.#reply('AUTH', 503, '5.5.1 Error: authentication not enabled');
      }
      return;
    }
    const [mechWord = '', initial] = arg.split(/\s+/);
    const mechanism = mechWord.toUpperCase();
    const known = this.#server.auth.mechanisms.find((m) => m === mechanism);
    const exchange = known ? startSaslExchange(known, this.#server.auth.users, this.#server.hostname) : undefined;
    if (!exchange) {
      this.#reply('AUTH', 504, '5.5.4 Unrecognized authentication type');
      return;
    }
    this.#sasl = { mechanism, exchange, scripted: step };
    await this.#saslOutcome(exchange.start(initial));
  }

  /** #saslOutcome sends the next challenge or ends the exchange (RFC 4954 §4). */
  async #saslOutcome(outcome: SaslOutcome): Promise<void> {
    const pending = this.#sasl;
    if (!pending) throw new Error('bug: SASL outcome without an exchange');
    switch (outcome.kind) {
      case 'challenge':
        this.#write(`334 ${outcome.challenge}\r\n`);
        return;
      case 'error':
        this.#sasl = undefined;
        this.#reply('AUTH', outcome.code, outcome.text);
        return;
      case 'done':
        this.#sasl = undefined;
        await this.#authDone(pending, outcome.username, outcome.ok);
    }
  }

  async #authDone(pending: PendingSasl, username: string, ok: boolean): Promise<void> {
    if (pending.scripted) {
      this.#log(`* AUTH ${pending.mechanism} as ${username}: scripted ${pending.scripted.code}`);
      await this.#scripted('AUTH', pending.scripted);
      if (pending.scripted.code === 235) this.#user = username;
    } else if (ok) {
      this.#log(`* AUTH ${pending.mechanism} as ${username}: accepted`);
      this.#user = username;
      this.#reply('AUTH', 235, '2.7.0 Authentication successful');
    } else {
      this.#log(`* AUTH ${pending.mechanism} as ${username}: rejected`);
      this.#reply('AUTH', 535, '5.7.8 Error: authentication failed: authentication failure');
    }
  }

  async #mail(arg: string): Promise<void> {
    if (!this.#helo) {
      this.#reply('MAIL', 503, '5.5.1 Error: send HELO/EHLO first');
      return;
    }
    if (this.#server.auth.required && authEverOffered(this.#server) && this.#user === undefined) {
      this.#reply('MAIL', 530, '5.7.0 Authentication required');
      return;
    }
    if (this.#mailFrom !== undefined) {
      this.#reply('MAIL', 503, '5.5.1 Error: nested MAIL command');
      return;
    }
    const address = /^FROM:\s*<([^>]*)>/i.exec(arg)?.[1];
    const step = this.#step('MAIL');
    if (step) {
      await this.#scripted('MAIL', step);
      if (step.code < 300) this.#mailFrom = address ?? '';
      return;
    }
    if (address === undefined) {
      this.#reply('MAIL', 501, '5.5.4 Syntax: MAIL FROM:<address>');
      return;
    }
    this.#mailFrom = address;
    this.#reply('MAIL', 250, '2.1.0 Ok');
  }

  async #rcpt(arg: string): Promise<void> {
    if (this.#mailFrom === undefined) {
      this.#reply('RCPT', 503, '5.5.1 Error: need MAIL command');
      return;
    }
    const address = /^TO:\s*<([^>]+)>/i.exec(arg)?.[1];
    const step = this.#step('RCPT');
    if (step) {
      await this.#scripted('RCPT', step);
      return;
    }
    if (address === undefined) {
      this.#reply('RCPT', 501, '5.5.4 Syntax: RCPT TO:<address>');
      return;
    }
    this.#reply('RCPT', 250, '2.1.5 Ok');
  }

  /** DATA is refused whatever the state: the mock never accepts a message. */
  async #data(): Promise<void> {
    this.#write(formatReply(554, '5.7.1 Error: DATA is refused by the smtprobe mock smart host'));
  }

  async #rset(): Promise<void> {
    const step = this.#step('RSET');
    if (step) {
      await this.#scripted('RSET', step);
      return;
    }
    this.#mailFrom = undefined;
    this.#reply('RSET', 250, '2.0.0 Ok');
  }

  async #simple(verb: ScriptableVerb, code: number, text: string): Promise<void> {
    const step = this.#step(verb);
    if (step) await this.#scripted(verb, step);
    else this.#reply(verb, code, text);
  }

  async #quit(): Promise<void> {
    const step = this.#step('QUIT');
    if (step) await this.#scripted('QUIT', step);
    else if (!this.#reply('QUIT', 221, '2.0.0 Bye')) return;
    this.#close();
  }
}
