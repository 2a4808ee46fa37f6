import { parseTargetInput, resolveTarget } from '../config/resolve-target.js';
import { VERDICT_EXIT_CODE } from '../model/report.js';
import { probe } from '../probe/probe.js';
import { isOutputFormat, loadRenderer } from '../report/index.js';
import { promptHidden } from './prompt.js';

/** Flags that are about output, not about the target. */
const OUTPUT_FLAGS = new Set(['format', 'json', 'transcript', 'record', 'keepUsernames']);

/** runCheck: flags → Target → probe → rendered report on stdout; returns the exit code. */
export async function runCheck(host: string, flags: Record<string, unknown>): Promise<number> {
  const raw: Record<string, unknown> = { host };
  for (const [k, v] of Object.entries(flags)) {
    if (OUTPUT_FLAGS.has(k) || v === undefined) continue;
    // commander's --no-icmp gives icmp: true by default; only pass it when it was turned off.
    if (k === 'icmp' && v === true) continue;
    raw[k] = v;
  }
  const input = parseTargetInput(raw, 'flag');
  const target = await resolveTarget(input, {
    env: process.env,
    baseDir: process.cwd(),
    where: undefined,
    ...(process.stdin.isTTY && process.stderr.isTTY ? { prompt: promptHidden } : {}),
  });
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const report = await probe(target, { signal: ac.signal });
    if (typeof flags.record === 'string') {
      const { writeRecording } = await import('./run-record.js');
      await writeRecording(report, flags.record, { keepUsernames: flags.keepUsernames === true, secrets: [target.password, target.token] });
    }
    const format = flags.json ? 'json' : String(flags.format ?? 'human');
    const renderer = await loadRenderer(isOutputFormat(format) ? format : 'human');
    const text = renderer.one(report, { color: process.stdout.isTTY === true && !process.env.NO_COLOR, transcript: flags.transcript === true });
    process.stdout.write(text);
    return VERDICT_EXIT_CODE[report.verdict];
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

