/**
 * LineClient: a bare SMTP client for the mock's own tests — raw net/tls, no dependency on
 * smtprobe's probe, so these tests pin the server's behaviour on the wire.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export interface Reply {
  code: number;
  lines: string[];
  /** The raw text, CRLFs included. */
  raw: string;
}

export class LineClient {
  #socket: Socket;
  #buf = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #ended = false;
  /** The last socket error (e.g. ECONNRESET), if any. */
  error: NodeJS.ErrnoException | undefined;
  /** Every data chunk as received, for tests that look at framing (tarpit). */
  readonly chunks: Buffer[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  static async connect(port: number, opts: { tls?: ConnectionOptions } = {}): Promise<LineClient> {
    const socket = opts.tls ? tlsConnect({ host: '127.0.0.1', port, ...opts.tls }) : netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(opts.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  get socket(): Socket {
    return this.#socket;
  }

  get ended(): boolean {
    return this.#ended;
  }

  #attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.#buf = Buffer.concat([this.#buf, chunk]);
      this.#wake();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err;
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** waitFor resolves when `pred` holds on the buffered bytes, or rejects once the socket closed without it. */
  async waitFor(pred: (buf: Buffer) => boolean): Promise<void> {
    while (!pred(this.#buf)) {
      if (this.#ended) throw new Error(`connection closed; got ${JSON.stringify(this.#buf.toString('latin1').slice(0, 300))}`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** waitClosed resolves when the server closed the connection. */
  async waitClosed(): Promise<void> {
    while (!this.#ended) await new Promise<void>((r) => this.#waiters.push(r));
  }

  /** buffered: bytes received and not yet consumed by read(). */
  get buffered(): Buffer {
    return this.#buf;
  }

  /** read one complete reply (RFC 5321 §4.2: lines "ddd-" until "ddd "). */
  async read(): Promise<Reply> {
    let end = -1;
    await this.waitFor((b) => {
      const text = b.toString('latin1');
      const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n|(^|\r\n)(\d{3})\r\n/.exec(text);
      if (!m) return false;
      end = m.index + m[0].length;
      return true;
    });
    const raw = this.#buf.subarray(0, end).toString('utf8');
    this.#buf = this.#buf.subarray(end);
    const lines = raw.split('\r\n').filter(Boolean);
    return { code: Number(lines[0]?.slice(0, 3)), lines: lines.map((l) => l.slice(4)), raw };
  }

  send(line: string): void {
    this.#socket.write(line + '\r\n');
  }

  async command(line: string): Promise<Reply> {
    this.send(line);
    return this.read();
  }

  /** startTls upgrades the connection after a 220 to STARTTLS. */
  async startTls(opts: ConnectionOptions): Promise<TLSSocket> {
    const plain = this.#socket;
    plain.removeAllListeners('data');
    const secure = tlsConnect({ socket: plain, ...opts });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#buf = Buffer.alloc(0);
    this.#attach(secure);
    return secure;
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** b64: base64 of a UTF-8 string, for SASL lines. */
export function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}
