/**
 * Every bundled scenario file validates, names itself after its file, and starts and stops
 * a mock server that leaves no socket open behind it.
 */
import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { bundledScenarioFiles, listScenarios, loadScenarioFile, startMockServer } from '../../src/mock/index.js';
import { authOffered } from '../../src/mock/ehlo-lines.js';
import { LineClient } from './mock-fixtures/line-client.js';

const files = await bundledScenarioFiles();
/** Scenarios whose EHLO is the engine's own (no fault, script, refusal or literal EHLO list); `oauth.smtp` ones speak as Microsoft 365 or Gmail instead. */
const plainEhlo = (await Promise.all(files.map((f) => loadScenarioFile(f)))).filter((s) => {
  const srv = s.server;
  return !s.oauth?.smtp && srv.fault.kind === 'none' && !srv.replies.EHLO && !srv.replies.STARTTLS && srv.greeting.code === 220 && !srv.extensions.plain && !srv.extensions.tls;
});
let pki: TestPki;

beforeAll(async () => {
  pki = await createTestPki();
});

describe('bundled scenario files', () => {
  it('there are at least 40, every one listed with a description', async () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    const list = await listScenarios();
    expect(list.map((s) => s.name)).toEqual(files.map((f) => basename(f, '.yaml')));
    for (const s of list) expect(s.description.length).toBeGreaterThan(10);
  });

  it('cover every fault kind', async () => {
    const kinds = new Set((await Promise.all(files.map((f) => loadScenarioFile(f)))).map((s) => s.server.fault.kind));
    for (const k of ['close-after-banner', 'close-mid-reply', 'reset-after-starttls', 'abort-mid-handshake', 'never-answer', 'tarpit', 'endless-multiline', 'huge-line', 'binary-garbage', 'http-server', 'tls-on-starttls-port']) {
      expect(kinds, k).toContain(k);
    }
  });

  for (const file of files) {
    it(`${basename(file, '.yaml')} validates, serves a connection and closes cleanly`, async () => {
      const scenario = await loadScenarioFile(file);
      const server = await startMockServer(scenario, { pki });
      const client = await LineClient.connect(server.port);
      await new Promise<void>((resolve) => setImmediate(resolve));
      await server.close();
      await client.waitClosed();
      expect(server.openConnections()).toBe(0);
      expect(server.sessions()).toBe(1);
    });
  }

  /**
   * EHLO before and after TLS agrees with the scenario, whichever engine serves it: STARTTLS
   * only before TLS on a STARTTLS port, AUTH exactly where `auth.advertise` puts it.
   */
  it('most scenarios use the engines\' own EHLO', () => {
    expect(plainEhlo.length).toBeGreaterThanOrEqual(40);
  });

  for (const scenario of plainEhlo) {
    it(`${scenario.name}: EHLO before and after TLS matches tls and auth.advertise`, async () => {
      const srv = scenario.server;
      const server = await startMockServer(scenario, { pki });
      const client = srv.clientCert === 'none' ? undefined : await pki.issueClient('probe');
      const tlsOpts = { rejectUnauthorized: false, servername: srv.hostname, ...(client ? { key: client.keyPem, cert: client.certPem } : {}) };
      const authLine = (lines: string[]): boolean => lines.some((l) => /^AUTH /.test(l));
      try {
        if (srv.tls === 'implicit') {
          const c = await LineClient.connect(server.port, { tls: tlsOpts });
          expect((await c.read()).code).toBe(220);
          const lines = (await c.command('EHLO client.test')).lines;
          expect(lines[0]).toBe(srv.hostname);
          expect(lines).not.toContain('STARTTLS');
          expect(authLine(lines)).toBe(authOffered(srv, true));
          c.close();
          return;
        }
        const c = await LineClient.connect(server.port);
        expect((await c.read()).code).toBe(220);
        const before = (await c.command('EHLO client.test')).lines;
        expect(before[0]).toBe(srv.hostname);
        expect(before.includes('STARTTLS')).toBe(srv.tls === 'starttls');
        expect(authLine(before)).toBe(authOffered(srv, false));
        if (srv.tls === 'starttls') {
          expect((await c.command('STARTTLS')).code).toBe(220);
          await c.startTls(tlsOpts);
          const after = (await c.command('EHLO client.test')).lines;
          expect(after).not.toContain('STARTTLS');
          expect(authLine(after)).toBe(authOffered(srv, true));
        }
        c.close();
      } finally {
        await server.close();
      }
    });
  }
});
