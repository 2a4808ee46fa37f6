import { stat } from 'node:fs/promises';
import { ConfigError } from '../config/config-error.js';
import { parseTargetInput, resolveTarget } from '../config/resolve-target.js';
import { decodeText, readTextFile } from '../config/text-file.js';
import { connectorInputFor } from '../exchange/connector-targets.js';
import { explain } from '../exchange/explain.js';
import { explainJson, type ExplainProbe } from '../exchange/explain-json.js';
import { judgeCauses, planConfirmProbe } from '../exchange/probe-confirm.js';
import { VERDICT_EXIT_CODE } from '../model/report.js';
import { probe } from '../probe/probe.js';
import { renderExplainHuman } from '../report/explain-human.js';
import { outputWidth } from './output-width.js';
import { promptHidden } from './prompt.js';

/** Flags of explain that become check settings with --probe (camelCase, as commander gives them). */
const PROBE_FLAGS = ['host', 'port', 'ehlo', 'user', 'passwordEnv', 'passwordFile', 'ca', 'tlsVerify', 'tlsDomain', 'exchangeTls', 'timeout'] as const;

/** readInput: `-` or nothing = stdin; an existing file = its content; anything else = the text itself. */
async function readInput(arg: string | undefined): Promise<string> {
  if (arg === undefined || arg === '-') {
    if (arg === undefined && process.stdin.isTTY) throw new ConfigError('input', 'give the text, a file, or pipe it in (smtprobe explain - < event.txt)');
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return decodeText(Buffer.concat(chunks));
  }
  const st = await stat(arg).catch((err: NodeJS.ErrnoException) => err);
  if (!(st instanceof Error)) {
    if (!st.isFile()) throw new ConfigError('input', `${arg} is not a file`);
    return readTextFile(arg).catch((err: NodeJS.ErrnoException) => {
      throw new ConfigError('input', `cannot read ${arg}: ${err.code ?? err.message}`);
    });
  }
  if (looksLikePath(arg)) throw new ConfigError('input', `no such file: ${arg}`);
  return arg.replace(/\r\n/g, '\n');
}

/**
 * looksLikePath: one word with a folder separator or a file extension (`/tmp/event.txt`,
 * `.\\queue.log`) — a file name, not the text of an event or a reply, which has spaces.
 */
function looksLikePath(arg: string): boolean {
  return !/\s/.test(arg) && (/[\\/]/.test(arg) || /\.[A-Za-z0-9]{1,5}$/.test(arg));
}

/** runExplain: input → explanation (→ probe) → rendered on stdout; returns the exit code. */
export async function runExplain(arg: string | undefined, flags: Record<string, unknown>): Promise<number> {
  const text = await readInput(arg);
  const expl = explain(text, typeof flags.connectorName === 'string' ? { connector: flags.connectorName } : {});
  let probed: ExplainProbe | undefined;
  if (flags.probe) {
    const overrides: Record<string, unknown> = {};
    for (const k of PROBE_FLAGS) if (flags[k] !== undefined) overrides[k] = flags[k];
    // With --connector the probe takes the connector's settings (port, TLS policy, Fqdn, user) too.
    const connectorName = typeof flags.connectorName === 'string' ? flags.connectorName : typeof expl.parameters.connector === 'string' ? expl.parameters.connector : undefined;
    const base = typeof flags.connector === 'string'
      ? await connectorInputFor(flags.connector, connectorName, typeof expl.parameters.targetHost === 'string' ? expl.parameters.targetHost : undefined, overrides)
      : overrides;
    const plan = planConfirmProbe(expl, base);
    const target = await resolveTarget(parseTargetInput(plan.input, 'flag'), {
      env: process.env,
      baseDir: process.cwd(),
      ...(process.stdin.isTTY && process.stderr.isTTY ? { prompt: promptHidden } : {}),
    });
    const ac = new AbortController();
    const onSigint = (): void => ac.abort();
    process.once('SIGINT', onSigint);
    try {
      const report = await probe(target, { signal: ac.signal });
      probed = { report, causes: judgeCauses(expl, report), notes: plan.notes };
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  }
  const out = flags.json
    ? explainJson(expl, probed)
    : renderExplainHuman(expl, { color: process.stdout.isTTY === true && !process.env.NO_COLOR, width: outputWidth(), ...(probed ? { probe: probed } : {}) });
  process.stdout.write(out);
  return probed ? VERDICT_EXIT_CODE[probed.report.verdict] : 0;
}
