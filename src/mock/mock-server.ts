import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki, type TestPki } from './certs/index.js';
import { chooseEngine, effectiveTls, type Engine } from './engine-choice.js';
import { RawSession } from './raw-session.js';
import { ReplyScript } from './reply-script.js';
import type { Scenario } from './scenario-schema.js';
import { ServerResources } from './server-resources.js';
import { buildServerTls } from './server-tls.js';
import { createSmtpServerHost } from './smtp-server-host.js';
import { startOAuthMockServer, type ScenarioOAuth } from './oauth-mock.js';

/** MockServer: a running mock smart host. */
export interface MockServer {
  host: string;
  port: number;
  scenario: Scenario;
  /** The test root CA PEM, written to a temporary file (removed by close()). */
  caFile: string;
  caPem: string;
  pki: TestPki;
  /** Which implementation serves the scenario (`oauth`: the bearer-checking server of `oauth.smtp`). */
  engine: Engine | 'oauth';
  /** The scenario's token endpoint and what a probe needs to use it (scenarios with `oauth:`). */
  oauth?: ScenarioOAuth;
  /** sessions: connections accepted so far. */
  sessions(): number;
  /** openConnections: connections currently open. */
  openConnections(): number;
  /** close ends every open connection and timer, stops listening and removes the CA file. */
  close(): Promise<void>;
}

export interface MockOptions {
  /** 0 = an ephemeral port (default). */
  port?: number;
  /** Default 127.0.0.1: the mock binds to loopback unless told otherwise (docs/design.md, "Safety rules"). */
  host?: string;
  /** Share one test PKI across servers (creating one costs key generation). */
  pki?: TestPki;
  /** Receives one line per session event; AUTH payloads and passwords never appear. */
  onLog?: (line: string) => void;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/**
 * startMockServer serves `scenario` on loopback (by default on an ephemeral port), with
 * certificates issued at start-up from the test PKI. smtp-server plays every scenario it
 * can express; the raw responder plays the rest (engine-choice.ts says why).
 */
export async function startMockServer(scenario: Scenario, opts: MockOptions = {}): Promise<MockServer> {
  if (!scenario.oauth) return startSmtpSide(scenario, opts);
  return startOAuthMockServer(scenario, { ...opts, pki: opts.pki ?? (await createTestPki()) }, startSmtpSide);
}

/** startSmtpSide: the scenario's `server:` on smtp-server or the raw responder. */
async function startSmtpSide(scenario: Scenario, opts: MockOptions): Promise<MockServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.onLog ?? ((): void => undefined);
  const pki = opts.pki ?? (await createTestPki());
  const tls = effectiveTls(scenario) === 'none' ? undefined : await buildServerTls(scenario.server, pki);
  const { engine, reasons } = chooseEngine(scenario);
  const resources = new ServerResources();
  const script = new ReplyScript(scenario.server.replies);
  let sessions = 0;
  const nextSession = (): number => ++sessions;

  let netServer: Server;
  /** Ends the engine's sessions and stops listening; resolves when the listener is closed. */
  let closeEngine: () => Promise<void>;
  if (engine === 'smtp-server') {
    const host = createSmtpServerHost({ scenario, tls, resources, script, log, nextSession });
    netServer = host.listener;
    closeEngine = async () => {
      const { closed, spare } = host.shutdown();
      resources.closeAll(spare);
      await closed;
    };
  } else {
    netServer = createServer((socket: Socket) => {
      resources.track(socket);
      const id = nextSession();
      log(`#${id} * connect from ${socket.remoteAddress}:${socket.remotePort} (raw)`);
      socket.once('close', () => log(`#${id} * closed`));
      const overLimit = scenario.server.maxConnections > 0 && resources.openSockets > scenario.server.maxConnections;
      new RawSession(socket, { scenario, tls, resources, script, id, log, overLimit }).start();
    });
    closeEngine = async () => {
      const closed = new Promise<void>((resolve) => netServer.close(() => resolve()));
      resources.closeAll();
      await closed;
    };
  }

  const port = await listen(netServer, opts.port ?? 0, host);
  const dir = await mkdtemp(join(tmpdir(), 'smtprobe-mock-'));
  const caFile = join(dir, 'mock-root-ca.pem');
  await writeFile(caFile, pki.rootPem);
  log(`* scenario ${scenario.name} on ${host}:${port}, engine ${engine}${reasons.length ? ` (${reasons.join('; ')})` : ''}`);

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    scenario,
    caFile,
    caPem: pki.rootPem,
    pki,
    engine,
    sessions: () => sessions,
    openConnections: () => resources.openSockets,
    close: () => {
      closing ??= (async () => {
        await closeEngine();
        await resources.socketsClosed();
        await rm(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
