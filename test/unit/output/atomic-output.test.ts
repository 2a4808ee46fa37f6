/**
 * writeFileAtomic under a concurrent reader: another process reads the file in a tight loop
 * while it is rewritten many times with large contents; every read must be one whole version
 * (a plain truncate-and-write shows the reader empty and half-written files at these sizes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputSink, writeFileAtomic } from '../../../src/cli/atomic-output.js';
import { ConfigError } from '../../../src/config/config-error.js';

const dir = mkdtempSync(path.join(tmpdir(), 'smtprobe-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Version `v`: a header line naming it, 4 MiB of filler, and a footer naming it again. */
function version(v: number): string {
  return `# begin ${v}\n${'x'.repeat(4 * 1024 * 1024)}\n# end ${v}\n`;
}

/** Reads `file` until `stop` appears beside it; prints one line per read: "ok V", "torn ..." or "missing". */
const READER = `
const fs = require('node:fs');
const [file, stop] = process.argv.slice(1);
const seen = [];
while (!fs.existsSync(stop)) {
  let text;
  try { text = fs.readFileSync(file, 'utf8'); } catch { seen.push('missing'); continue; }
  const head = /^# begin (\\d+)\\n/.exec(text);
  const tail = /\\n# end (\\d+)\\n$/.exec(text);
  seen.push(head && tail && head[1] === tail[1] && text.length === ${version(0).length} + 2 * (head[1].length - 1) ? 'ok ' + head[1] : 'torn ' + text.length);
}
process.stdout.write(seen.join('\\n'));
`;

describe('writeFileAtomic', () => {
  it('a concurrent reader only ever sees whole versions', async () => {
    const file = path.join(dir, 'smtprobe.prom');
    const stop = path.join(dir, 'stop');
    writeFileSync(file, version(0));
    const reader = spawn(process.execPath, ['-e', READER, file, stop], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    reader.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<void>((resolve) => reader.on('close', () => resolve()));
    for (let v = 1; v <= 40; v++) await writeFileAtomic(file, version(v));
    writeFileSync(stop, '');
    await done;
    const reads = out.split('\n').filter(Boolean);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((r) => !r.startsWith('ok ')).slice(0, 5)).toEqual([]);
    // The reader really ran during the rewrites: it saw more than one version.
    expect(new Set(reads).size).toBeGreaterThan(1);
    // No temporary file is left behind (node_exporter would ignore it, but it would pile up).
    expect(readdirSync(dir).sort()).toEqual(['smtprobe.prom', 'stop']);
    rmSync(stop);
  });

  it('refuses a missing directory and a directory before anything runs, naming --output', async () => {
    await expect(outputSink(path.join(dir, 'no-such-dir', 'out.prom'))).rejects.toThrow(ConfigError);
    await expect(outputSink(path.join(dir, 'no-such-dir', 'out.prom'))).rejects.toThrow(/--output: cannot write in .*no-such-dir \(ENOENT\)/);
    await expect(outputSink(dir)).rejects.toThrow(/--output: .* is a directory/);
  });

  it('collects what is written and puts it in place on close only', async () => {
    const file = path.join(dir, 'out.txt');
    const sink = await outputSink(file);
    expect(sink.tty).toBe(false);
    sink.write('one\n');
    sink.write('two\n');
    expect(readdirSync(dir)).not.toContain('out.txt');
    await sink.close();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo\n');
  });
});
