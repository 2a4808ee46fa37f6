/**
 * close() leaves nothing behind: many clients in the middle of every fault (a tarpit
 * dripping, an endless reply streaming, a TLS handshake half done, a greeting delayed) and
 * of ordinary sessions, then close() — no socket, server or timer of ours remains.
 */
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { bundledScenarioFiles, loadScenarioFile, startMockServer } from '../../src/mock/index.js';

const CLIENTS_PER_SCENARIO = 25;
const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate'];

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

function activeCounts(): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(WATCHED.map((k) => [k, 0]));
  for (const r of process.getActiveResourcesInfo()) if (r in counts) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** One client that does a little of everything a probe might: EHLO, STARTTLS, a fake ClientHello. */
function client(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    s.on('close', () => resolve());
    s.on('data', () => undefined);
    s.once('connect', () => {
      s.write('EHLO client.test\r\nSTARTTLS\r\n');
      s.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]));
    });
  });
}

describe('no leaks', () => {
  it('closing every bundled scenario with clients mid-session leaves no socket, server or timer', async () => {
    const before = activeCounts();
    let connections = 0;
    for (const file of await bundledScenarioFiles()) {
      const scenario = await loadScenarioFile(file);
      const server = await startMockServer(scenario, { pki });
      const clients = Array.from({ length: CLIENTS_PER_SCENARIO }, () => client(server.port));
      // Let every connection be accepted before closing under them.
      while (server.sessions() < CLIENTS_PER_SCENARIO) await new Promise((r) => setImmediate(r));
      await server.close();
      await Promise.all(clients);
      expect(server.openConnections(), scenario.name).toBe(0);
      connections += server.sessions();
    }
    expect(connections).toBeGreaterThanOrEqual(40 * CLIENTS_PER_SCENARIO);
    const after = activeCounts();
    for (const k of WATCHED) expect(after[k], k).toBeLessThanOrEqual(before[k] ?? 0);
  });

  for (const engine of ['smtp-server', 'raw'] as const) {
    it(`${engine}: close() while clients wait inside a STARTTLS handshake ends them without crashing`, async () => {
      const scenario = await loadScenarioFile((await bundledScenarioFiles()).find((f) => f.endsWith('/good-starttls.yaml')) as string);
      scenario.server.engine = engine;
      const server = await startMockServer(scenario, { pki });
      const waiting = Array.from({ length: 10 }, async () => {
        const s = connect({ host: '127.0.0.1', port: server.port });
        s.on('error', () => undefined);
        let text = '';
        const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
        await new Promise<void>((resolve) => {
          s.on('data', (d: Buffer) => {
            text += d.toString();
            if (text.includes('220 2.0.0 Ready to start TLS') || text.includes('220 Ready to start TLS')) resolve();
            else if (text.includes('\r\n') && !text.includes('STARTTLS sent')) {
              text += 'STARTTLS sent';
              s.write('EHLO client.test\r\nSTARTTLS\r\n');
            }
          });
        });
        // Wrapped, or the async function would wait for `closed` itself.
        return { closed };
      });
      const clients = await Promise.all(waiting);
      await server.close();
      await Promise.all(clients.map((c) => c.closed));
      expect(server.openConnections()).toBe(0);
    });
  }
});
