/**
 * Every bundled scenario file validates, names itself after its file, and starts and stops
 * a mock server that leaves no socket open behind it.
 */
import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { bundledScenarioFiles, listScenarios, loadScenarioFile, startMockServer } from '../../src/mock/index.js';
import { LineClient } from './mock-fixtures/line-client.js';

const files = await bundledScenarioFiles();
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
});
