/**
 * Control characters as a user meets them: the built `smtprobe` refuses a value that would put
 * a line of its own on the wire — from a flag, probes.yaml or a Send connector — with one line
 * naming the field and where it came from, exit 3, and not one connection to the server.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { findScenario, startMockServer, type MockServer } from '../../src/mock/index.js';
import { SMTPROBE_BIN } from '../support/bin.js';

interface Run { code: number; stdout: string; stderr: string }
function smtprobe(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SMTPROBE_BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

let pki: TestPki;
let server: MockServer;
const dir = mkdtempSync(path.join(os.tmpdir(), 'smtprobe-wire-cli-'));
beforeAll(async () => {
  pki = await createTestPki();
  server = await startMockServer(await findScenario('good-starttls'), { pki });
});
afterAll(async () => {
  await server.close();
});

/** One line on stderr, exit 3, no stack trace, and the mock never saw a connection. */
function refused(r: Run, pattern: RegExp): void {
  expect(r.code).toBe(3);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stdout).toBe('');
  expect(server.sessions()).toBe(0);
}

describe('control characters in wire-reaching values are an input error', () => {
  const common = (): string[] => ['--port', String(server.port), '--tls-domain', 'smarthost.test', '--ca', server.caFile, '--no-icmp'];

  it.each([
    ['--rcpt', 'x@y.test>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nRCPT TO:<z@y.test', /^smtprobe: error: --rcpt: contains the control character U\+000D \(CR\) at position 10/],
    ['--mail-from', 'a@b.test\nRSET', /^smtprobe: error: --mail-from: contains the control character U\+000A \(LF\)/],
    // A NUL cannot reach argv at all (the OS refuses it); files and connectors are where it can hide.
    ['--ehlo', 'client.test\u001b[2J', /^smtprobe: error: --ehlo: contains the control character U\+001B \(ESC\)/],
    ['--user', 'probe\u0001x', /^smtprobe: error: --user: contains the control character U\+0001/],
    ['--tls-domain', 'smarthost.test\r', /^smtprobe: error: --tls-domain: contains the control character U\+000D \(CR\)/],
  ])('check %s with a control character', async (flag, value, pattern) => {
    const r = await smtprobe(['check', server.host, ...common(), '--user', 'probe@smarthost.test', '--password-env', 'PW', flag, value], { PW: 'mock-pass-1' });
    refused(r, pattern);
  });

  it('probes.yaml: file:line and field', async () => {
    const file = path.join(dir, 'probes.yaml');
    writeFileSync(file, ['targets:', '  - name: relay', `    host: ${server.host}`, `    port: ${server.port}`, '    mailFrom: probe@smarthost.test', '    rcpt: ["ok@y.test", "x@y.test\\r\\nDATA"]', ''].join('\n'));
    const r = await smtprobe(['run', file]);
    refused(r, new RegExp(`^smtprobe: error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6: targets\\.0\\.rcpt\\.1: contains the control character U\\+000D \\(CR\\)`));
  });

  it('a Send connector: check --connector and import-connector name the file and connector', async () => {
    const json = JSON.parse(readFileSync('fixtures/connectors/basicauth.names.json', 'utf8')) as Record<string, unknown>;
    json.Fqdn = 'mail.contoso.com\r\nMAIL FROM:<x@y>';
    const file = path.join(dir, 'connector.json');
    writeFileSync(file, JSON.stringify(json));
    for (const args of [['check', server.host, '--connector', file, ...common(), '--password-env', 'PW'], ['import-connector', file]]) {
      const r = await smtprobe(args, { PW: 'x' });
      refused(r, /^smtprobe: error: .*connector\.json: connector "[^"]+": ehlo: contains the control character U\+000D \(CR\)/);
    }
  });
});
