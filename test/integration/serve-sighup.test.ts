/**
 * `smtprobe serve` reads probes.yaml again on SIGHUP, as Prometheus and its exporters do: a
 * good new file takes effect, a bad one is refused with one line on stderr and the exporter
 * keeps serving the previous one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPROBE_BIN } from '../support/bin.js';
import { freePort } from '../support/wait-port.js';

const yaml = (names: string[]): string => ['defaults: { icmp: false }', 'targets:', ...names.map((n) => `  - { name: ${n}, host: 127.0.0.1, port: 9 }`)].join('\n');

describe('smtprobe serve and SIGHUP', () => {
  let child: ChildProcess | undefined;
  let base = '';
  let dir = '';
  let config = '';
  let stderr = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-hup-'));
    config = path.join(dir, 'probes.yaml');
    writeFileSync(config, yaml(['one']));
    const port = await freePort();
    child = spawn(process.execPath, [SMTPROBE_BIN, 'serve', '--config', config, '--listen', `127.0.0.1:${port}`], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${base}/metrics`).then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('serve did not come up');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** metricsAfterHup sends SIGHUP and waits for the reload's log line. */
  async function hup(): Promise<string> {
    const before = stderr.length;
    child?.kill('SIGHUP');
    for (let i = 0; i < 100 && !/reload/.test(stderr.slice(before)); i++) await new Promise((r) => setTimeout(r, 50));
    return stderr.slice(before);
  }

  it('a good file takes effect; a bad one is one line on stderr and the old file stays', async () => {
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('smtprobe_exporter_config_targets 1');
    writeFileSync(config, yaml(['one', 'two', 'three']));
    expect(await hup()).toMatch(/^smtprobe serve: reloaded .*probes\.yaml: 3 targets\n$/);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('smtprobe_exporter_config_targets 3');

    writeFileSync(config, 'targets:\n  - { name: x, host: 127.0.0.1, colour: blue }\n');
    const line = await hup();
    expect(line).toMatch(/^smtprobe serve: reload refused, still using the previous configuration: .*probes\.yaml:2: .*colour.*\n$/);
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('smtprobe_exporter_config_targets 3');
    expect(metrics).toContain('smtprobe_exporter_config_last_reload_successful 0');
    expect(child?.exitCode).toBeNull();
  });
});
