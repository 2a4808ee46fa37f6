import { afterEach, describe, expect, it } from 'vitest';
import { parseProbesText } from '../../../src/config/probes-file.js';
import type { Target } from '../../../src/model/target.js';
import { startExporter, type Exporter } from '../../../src/run/exporter.js';
import { FakeClock } from './fake-clock.js';
import { reportFor } from './fake-probe.js';

const yaml = (names: string[]): string => ['defaults: { icmp: false }', 'targets:', ...names.map((n) => `  - { name: ${n}, host: 127.0.0.1, port: 2525 }`)].join('\n');

let exporter: Exporter | undefined;
afterEach(async () => {
  await exporter?.close();
  exporter = undefined;
});

describe('reload with a schedule', () => {
  it('restarts the schedule on the new targets; a removed target leaves /metrics, a kept one keeps its last result until probed again', async () => {
    const clock = new FakeClock();
    const probed: string[] = [];
    let text = yaml(['kept', 'removed']);
    exporter = await startExporter({
      config: parseProbesText(text, 'probes.yaml', '/tmp'),
      load: async () => parseProbesText(text, 'probes.yaml', '/tmp'),
      env: {},
      listen: { host: '127.0.0.1', port: 0 },
      everyMs: 60_000,
      clock,
      probe: async (t: Target) => {
        probed.push(t.name);
        return reportFor(t, 'ok');
      },
    });
    await clock.advance(10_000);
    expect(probed.sort()).toEqual(['kept', 'removed']);

    text = yaml(['kept', 'added']);
    const outcome = await exporter.reload();
    expect(outcome).toEqual({ ok: true, message: 'reloaded probes.yaml: 2 targets' });
    let metrics = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(metrics).toContain('probe_success{target="kept"} 1');
    expect(metrics).not.toContain('target="removed"');
    expect(metrics).not.toContain('target="added"');

    await clock.advance(10_000);
    expect(probed.filter((n) => n === 'added')).toHaveLength(1);
    expect(probed.filter((n) => n === 'removed')).toHaveLength(1);
    metrics = await (await fetch(`${exporter.url}/metrics`)).text();
    expect(metrics).toContain('probe_success{target="added"} 1');
  });
});
