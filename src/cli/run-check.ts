import { isatty } from 'node:tty';
import { ConfigError } from '../config/config-error.js';
import { parseTargetInput, resolveTarget } from '../config/resolve-target.js';
import { VERDICT_EXIT_CODE, type Report } from '../model/report.js';
import { oauthSecrets } from '../model/oauth.js';
import type { Target } from '../model/target.js';
import { probeTarget } from '../all-addresses.js';
import { isOutputFormat, loadRenderer } from '../report/index.js';
import { outputSink } from './atomic-output.js';
import { NON_TARGET_FLAGS } from './commands/check.js';
import { withInterrupt } from './interrupt.js';
import { outputWidth } from './output-width.js';
import { promptHidden } from './prompt.js';
import { normaliseTargetFlags, parseTargetFlags, refusePasswordFlag } from './target-flags.js';


/** runCheck: flags → Target → probe → rendered report on stdout; returns the exit code. */
export async function runCheck(host: string | undefined, flags: Record<string, unknown>): Promise<number> {
  refusePasswordFlag(flags);
  const raw: Record<string, unknown> = host === undefined ? {} : { host };
  for (const [k, v] of Object.entries(flags)) {
    if (NON_TARGET_FLAGS.has(k) || v === undefined) continue;
    // commander's --no-icmp gives icmp: true by default; only pass it when it was turned off.
    if (k === 'icmp' && v === true) continue;
    raw[k] = v;
  }
  const targets = await resolveTargets(normaliseTargetFlags(raw), flags);
  const out = await outputSink(flags.output);
  return withInterrupt({ notice: () => '\nsmtprobe: interrupted — printing what the probe found so far (again to quit now)\n' }, async (stop) => {
    const reports: Report[] = [];
    for (const target of targets) {
      if (stop.signal.aborted) break;
      const report = await probeTarget(target, { signal: stop.signal });
      reports.push(report);
      if (typeof flags.record === 'string') {
        const { writeRecording } = await import('./run-record.js');
        await writeRecording(report, flags.record, { keepUsernames: flags.keepUsernames === true, secrets: [target.password, target.token, ...oauthSecrets(target.oauth)] });
      }
    }
    const format = flags.json ? 'json' : String(flags.format ?? 'human');
    const renderer = await loadRenderer(isOutputFormat(format) ? format : 'human');
    const opts = { color: out.tty && !process.env.NO_COLOR, transcript: flags.transcript === true, width: flags.output === undefined ? outputWidth() : undefined };
    const [only] = reports;
    out.write(reports.length === 1 && only ? renderer.one(only, opts) : reports.map((r) => renderer.one(r, opts)).join(format === 'human' ? '\n' : ''));
    await out.close();
    // Interrupted: the Reports are partial, whatever they say (exit 3, unknown).
    if (stop.interrupted) return VERDICT_EXIT_CODE.unknown;
    return Math.max(0, ...reports.map((r) => VERDICT_EXIT_CODE[r.verdict]));
  });
}


/**
 * resolveTargets: one Target from the flags, or — with --connector — one per smart host of
 * the named Exchange Send connector, the flags overriding the connector's settings.
 */
async function resolveTargets(raw: Record<string, unknown>, flags: Record<string, unknown>): Promise<Target[]> {
  let inputs: Record<string, unknown>[] = [raw];
  if (typeof flags.connector === 'string') {
    const { targetInputsFromConnector } = await import('../exchange/connector-targets.js');
    inputs = await targetInputsFromConnector(flags.connector, flags.name as string | undefined, normaliseTargetFlags(raw));
  } else if (raw.host === undefined) {
    throw new ConfigError('host', 'is required (or --connector FILE)');
  }
  // isatty(0), not process.stdin.isTTY: that getter opens stdin as a stream, for nothing unless we prompt.
  const prompt = isatty(0) && process.stderr.isTTY ? { prompt: promptHidden } : {};
  const targets: Target[] = [];
  for (const i of inputs) {
    const input = flags.connector === undefined ? parseTargetFlags(i) : parseTargetInput(i, 'flag');
    const target = await resolveTarget(input, { env: process.env, baseDir: process.cwd(), ...prompt });
    requireCredential(target, prompt.prompt !== undefined);
    targets.push(target);
  }
  return targets;
}

/**
 * requireCredential: a user with no password, token or OAuth credential is a mistake in the command, not a
 * probe to run. Without this, `--user` off a terminal (cron, a pipe) probed without AUTH and
 * reported OK, hiding the one thing the user asked to test.
 */
function requireCredential(target: Target, prompted: boolean): void {
  if (!target.user || target.password || target.token || target.oauth || target.auth === 'none') return;
  throw new ConfigError('user', prompted
    ? `no password typed for ${target.user}`
    : `no password for ${target.user}: give --password-env VAR or --password-file FILE, or run on a terminal to be prompted for it`);
}
