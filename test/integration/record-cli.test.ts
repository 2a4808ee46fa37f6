/**
 * `smtprobe record` as the CLI runs it (runRecord, without the built binary): files written
 * load as scenarios under their own name; bad input is one line on stderr and exit code 3.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runRecord } from '../../src/cli/run-record.js';
import { loadScenarioFile } from '../../src/mock/index.js';
import { SAMPLES_DIR } from '../support/samples.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const reportFixture = path.join(here, '../unit/record/fixtures/report-slow-banner.json');
const samples = SAMPLES_DIR;

let dir: string;
let stderr: string[];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'smtprobe-record-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** run calls the command with stderr captured. */
async function run(flags: Record<string, unknown>): Promise<number> {
  stderr = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  try {
    return await runRecord(flags);
  } finally {
    spy.mockRestore();
  }
}

describe('smtprobe record', () => {
  it('--from-report -o FILE writes a scenario named after the file', async () => {
    const out = path.join(dir, 'field-run.yaml');
    expect(await run({ fromReport: reportFixture, output: out, timeScale: '0.5' })).toBe(0);
    const s = await loadScenarioFile(out);
    expect(s.name).toBe('field-run');
    expect(s.server.greeting.delayMs).toBe(1000);
    expect(stderr.join('')).toContain(`replay it with: smtprobe mock ${out}`);
  });

  it('--from-exchange-log picks the failing session; a session without a known failure gets expect from a replay', async () => {
    const out = path.join(dir, 'invalidtoken.yaml');
    expect(await run({ fromExchangeLog: path.join(samples, 'exchange-smtpsend-tls-invalidtoken.log'), output: out })).toBe(0);
    expect((await loadScenarioFile(out)).expect.codes).toEqual(['TLS_VERSION_MISMATCH']);

    const log = path.join(dir, 'plain.log');
    await writeFile(log, ['<,220 relay.example.com ESMTP', '>,EHLO ex.example.net,', '<,250-relay.example.com,', '<,250 AUTH LOGIN,', '>,QUIT,', '<,221 bye,'].join('\n'));
    const out2 = path.join(dir, 'plain.yaml');
    expect(await run({ fromExchangeLog: log, output: out2 })).toBe(0);
    const text = await readFile(out2, 'utf8');
    expect(text).toContain('expect: taken from one replay');
    expect((await loadScenarioFile(out2)).expect.verdict).not.toBe('unknown');
  });

  it('bad input: one line on stderr, exit code 3', async () => {
    expect(await run({})).toBe(3);
    expect(await run({ fromReport: reportFixture, fromExchangeLog: reportFixture })).toBe(3);
    expect(await run({ fromReport: reportFixture, timeScale: '-1' })).toBe(3);
    expect(await run({ fromReport: path.join(dir, 'missing.json') })).toBe(3);
    expect(stderr.join('')).toMatch(/^smtprobe record: .*no such file\n$/);
    const notReport = path.join(dir, 'x.json');
    await writeFile(notReport, '{"hello": 1}');
    expect(await run({ fromReport: notReport })).toBe(3);
    expect(await run({ fromExchangeLog: path.join(samples, 'exchange-smtpsend-tls-invalidtoken.log'), session: 'nope' })).toBe(3);
    expect(stderr.join('')).toMatch(/no session "nope"/);
  });
});
