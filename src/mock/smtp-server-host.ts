import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { authEverOffered, authOffered, DEFAULT_SIZE } from './ehlo-lines.js';
import type { ReplyScript } from './reply-script.js';
import type { Scenario, ScriptableVerb } from './scenario-schema.js';
import type { ServerResources } from './server-resources.js';
import type { ServerTls } from './server-tls.js';
import { acceptTls } from './tls-accept.js';

/** Idle sessions end as in the raw responder (RFC 5321 §4.5.3.2.7). */
const IDLE_TIMEOUT_MS = 300_000;
const DATA_REFUSED = '5.7.1 Error: DATA is refused by the smtprobe mock smart host';

/**
 * MockSmtpServer: smtp-server with two behaviours it has no option for, set on each new
 * connection instance (never on the prototype):
 * - DATA is refused with 554 before any 354, whatever the session state (its onData runs
 *   only after 354);
 * - with `authBeforeTls` false, EHLO on a plaintext connection does not list AUTH (smtp-server
 *   lists it always and refuses the command with 538), as Postfix's smtpd_tls_auth_only does.
 */
class MockSmtpServer extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    private readonly authBeforeTls: boolean,
    /** Logs a command of the connection from this client port. */
    private readonly onCommandLog?: (remotePort: number, line: string) => void,
  ) {
    super(options);
  }

  override connect(socket: Socket, socketOptions?: SMTPConnectionOptions | null): void {
    super.connect(socket, socketOptions);
    const connection = [...this.connections].at(-1);
    if (!connection) return;
    // Both are logged: the log is how a test proves from the server's side that no probe ever
    // asked to send a message (the raw engine logs every line it receives).
    const refuse = (command: Buffer, done: () => void): void => {
      this.onCommandLog?.(connection.remotePort, `< ${command.toString('latin1').split(' ')[0]?.toUpperCase() ?? 'DATA'} (refused with 554)`);
      connection.send(554, DATA_REFUSED);
      done();
    };
    connection.handler_DATA = refuse;
    // smtp-server has no BDAT (RFC 3030); without this it would answer 500 and log nothing.
    (connection as unknown as { handler_BDAT: typeof refuse }).handler_BDAT = refuse;
    const ehlo = connection.handler_EHLO.bind(connection);
    connection.handler_EHLO = (command: Buffer, done: () => void): void => {
      if (connection.secure || this.authBeforeTls) {
        ehlo(command, done);
        return;
      }
      // handler_EHLO builds and sends its reply synchronously, so hiding the mechanisms for
      // the length of the call affects this reply only.
      const mechanisms = this.options.authMethods;
      this.options.authMethods = [];
      try {
        ehlo(command, done);
      } finally {
        this.options.authMethods = mechanisms;
      }
    };
  }
}

/** SmtpServerHostDeps: what the smtp-server engine shares with the mock server. */
export interface SmtpServerHostDeps {
  scenario: Scenario;
  tls: ServerTls | undefined;
  resources: ServerResources;
  script: ReplyScript;
  log: (line: string) => void;
  /** Called per accepted connection; returns its session number. */
  nextSession: () => number;
}

/** An Error carrying the reply smtp-server sends for it (its `responseCode` convention). */
function replyError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

/** The banner smtp-server appends to "<name> ESMTP": the scenario's greeting text after that prefix. */
function bannerOf(server: Scenario['server']): string {
  const text = server.greeting.text;
  const prefix = `${server.hostname} ESMTP`;
  return typeof text === 'string' && text.startsWith(prefix) ? text.slice(prefix.length).trim() : 'mock';
}

/**
 * createSmtpServerHost builds the smtp-server engine for a scenario that it can express
 * (engine-choice.ts decides): its own EHLO, STARTTLS, SASL and envelope handling, with the
 * scenario's users, scripted AUTH/MAIL/RCPT replies, greeting delay and connection limit
 * plugged into its hooks. The server is not yet listening.
 */
export function createSmtpServerHost(deps: SmtpServerHostDeps): SmtpServerHost {
  const { scenario, tls, resources, script } = deps;
  const server = scenario.server;
  // smtp-server names sessions with random ids and calls onConnect asynchronously; our session
  // numbers are given on accept (so sessions() counts every connection) and found by client port.
  const idsByPort = new Map<number, number>();
  const socketsByPort = new Map<number, Socket>();
  const log = (session: SMTPServerSession, line: string): void => deps.log(`#${idsByPort.get(session.remotePort) ?? '?'} ${line}`);
  const disabled: string[] = [];
  if (server.tls === 'none') disabled.push('STARTTLS');
  if (!authEverOffered(server)) disabled.push('AUTH');

  /** Plays a scripted reply for verb, if any: resolves to the error to answer with, or undefined. */
  const scripted = async (verb: ScriptableVerb): Promise<Error | undefined> => {
    const step = script.next(verb);
    if (step === undefined || step === 'default') return undefined;
    await resources.sleep(step.delayMs);
    return replyError(step.code, typeof step.text === 'string' ? step.text : step.text.join(' '));
  };

  const implicit = server.tls === 'implicit';
  const options: SMTPServerOptions = {
    secure: implicit,
    // Implicit TLS is terminated here (acceptTls), not by smtp-server: closing smtp-server
    // while its own implicit-TLS handshakes are pending crashes Node 20 (a TLS wrap torn
    // down from below). smtp-server then treats every connection as already secure.
    secured: implicit,
    name: server.hostname,
    banner: bannerOf(server),
    heloResponse: '%s',
    size: DEFAULT_SIZE,
    hideENHANCEDSTATUSCODES: true,
    hideDSN: true,
    hideREQUIRETLS: true,
    disabledCommands: disabled,
    authMethods: [...server.auth.mechanisms],
    authOptional: !server.auth.required || !authEverOffered(server),
    allowInsecureAuth: authOffered(server, false),
    logger: false,
    disableReverseLookup: true,
    maxAllowedUnauthenticatedCommands: false,
    socketTimeout: IDLE_TIMEOUT_MS,
    closeTimeout: 1,
    ...(tls ? { ...tls.options, requestCert: tls.requestCert, rejectUnauthorized: tls.rejectUnauthorized } : {}),

    onConnect(session, callback) {
      log(session, `* connect from ${session.remoteAddress}:${session.remotePort} (smtp-server)`);
      if (server.maxConnections > 0 && smtp.connections.size > server.maxConnections) {
        log(session, '> 421 4.7.0 Too many connections, try again later');
        callback(replyError(421, '4.7.0 Too many connections, try again later'));
        return;
      }
      void resources.sleep(server.greeting.delayMs).then(() => callback());
    },

    onSecure(socket, session, callback) {
      const parent = socketsByPort.get(session.remotePort);
      if (socket instanceof TLSSocket && parent) resources.trackWrapper(socket, parent);
      // getCipher() is null once the client has gone (it may hang up right after its handshake).
      if (socket instanceof TLSSocket) log(session, `* TLS ${socket.getProtocol() ?? '?'} ${(socket.getCipher() as ReturnType<TLSSocket['getCipher']> | null)?.name ?? '?'}`);
      callback();
    },

    onAuth(auth: SMTPServerAuthentication, session, callback) {
      void scripted('AUTH').then((err) => {
        const username = auth.username ?? '';
        if (err) {
          log(session, `* AUTH ${auth.method} as ${username}: scripted ${(err as Error & { responseCode: number }).responseCode}`);
          callback(err);
          return;
        }
        const ok = server.auth.users.some((u) => {
          if (u.username !== username) return false;
          switch (auth.method) {
            case 'CRAM-MD5':
              return auth.validatePassword(u.password);
            case 'XOAUTH2':
              return auth.accessToken === u.password;
            default:
              return auth.password === u.password;
          }
        });
        log(session, `* AUTH ${auth.method} as ${username}: ${ok ? 'accepted' : 'rejected'}`);
        if (ok) callback(null, { user: username });
        else callback(replyError(535, '5.7.8 Error: authentication failed: authentication failure'));
      });
    },

    onMailFrom(address, session, callback) {
      void scripted('MAIL').then((err) => {
        log(session, `* MAIL FROM:<${address.address}> ${err ? (err as Error & { responseCode: number }).responseCode : 250}`);
        callback(err ?? null);
      });
    },

    onRcptTo(address, session, callback) {
      void scripted('RCPT').then((err) => {
        log(session, `* RCPT TO:<${address.address}> ${err ? (err as Error & { responseCode: number }).responseCode : 250}`);
        callback(err ?? null);
      });
    },

    onData(stream, _session, callback) {
      // Unreachable (DATA is answered 554 first); kept so a future smtp-server never accepts mail.
      stream.resume();
      stream.on('end', () => callback(replyError(554, DATA_REFUSED)));
    },

    onClose(session) {
      log(session, '* closed');
      idsByPort.delete(session.remotePort);
      socketsByPort.delete(session.remotePort);
    },
  };
  const smtp = new MockSmtpServer(options, authOffered(server, false), (remotePort, line) => deps.log(`#${idsByPort.get(remotePort) ?? '?'} ${line}`));
  smtp.on('error', (err) => deps.log(`* smtp-server error: ${err.message}`));
  const accept = (socket: Socket): boolean => {
    resources.track(socket);
    const port = socket.remotePort;
    if (port === undefined) return false;
    idsByPort.set(port, deps.nextSession());
    socketsByPort.set(port, socket);
    socket.once('close', () => socketsByPort.delete(port));
    return true;
  };
  let listener = smtp.server;
  if (implicit) {
    if (!tls) throw new Error('bug: implicit TLS without TLS material');
    listener = createServer((socket) => {
      if (!accept(socket)) return socket.destroy();
      const id = idsByPort.get(socket.remotePort ?? 0);
      acceptTls(socket, tls, resources, (line) => deps.log(`#${id} ${line}`), (secure) => smtp.connect(secure));
    });
  } else {
    smtp.server.on('connection', (socket: Socket) => void accept(socket));
  }
  return { smtp, listener, shutdown: () => shutdown(smtp, listener) };
}

/** SmtpServerHost: the smtp-server engine and its safe shutdown. */
export interface SmtpServerHost {
  smtp: SMTPServer;
  /** The listening socket: smtp-server's own, or ours when we terminate implicit TLS. */
  listener: Server;
  /**
   * shutdown stops listening and ends the sessions smtp-server holds: sockets in a TLS
   * handshake are destroyed from the top (the TLS socket), the plain sockets under them are
   * returned so the caller leaves them alone; everything else is closed by the caller.
   */
  shutdown(): { closed: Promise<void>; spare: Set<Socket> };
}

function shutdown(smtp: SMTPServer, listener: Server): { closed: Promise<void>; spare: Set<Socket> } {
  const spare = new Set<Socket>(smtp._pendingSockets.keys());
  for (const connection of smtp.connections) {
    // A STARTTLS handshake in progress: its TLS socket is out of reach, so end the plain
    // socket gracefully (FIN) rather than destroy it from below.
    if (connection._upgrading) {
      spare.add(connection._socket);
      connection._socket.end();
    } else if (connection._socket instanceof TLSSocket) {
      connection._socket.destroy();
    }
  }
  // smtp-server destroys its pending sockets from the top and stops listening.
  const closed = Promise.all([
    new Promise<void>((resolve) => smtp.close(() => resolve())),
    listener === smtp.server ? undefined : new Promise<void>((resolve) => listener.close(() => resolve())),
  ]).then(() => undefined);
  return { closed, spare };
}
