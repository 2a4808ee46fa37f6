import { readFile, stat } from 'node:fs/promises';
import { onInterrupt } from './interrupt.js';
import { ConfigError } from '../config/config-error.js';
import { parseTargetInput, resolveTarget } from '../config/resolve-target.js';
import { connectorInputFor } from '../exchange/connector-targets.js';
import { explain } from '../exchange/explain.js';
import { explainJson, type ExplainProbe } from '../exchange/explain-json.js';
import { judgeCauses, planConfirmProbe } from '../exchange/probe-confirm.js';
import { VERDICT_EXIT_CODE } from '../model/report.js';
import { probe } from '../probe/probe.js';
import { renderExplainHuman } from '../report/explain-human.js';
import { promptHidden } from './prompt.js';

/** Flags of explain that become check settings with --probe (camelCase, as commander gives them). */
const PROBE_FLAGS = ['host', 'port', 'ehlo', 'user', 'passwordEnv', 'passwordFile', 'ca', 'tlsVerify', 'tlsDomain', 'exchangeTls', 'timeout'] as const;

/** readInput: `-` or nothing = stdin; an existing file = its content; anything else = the text itself. */
async function readInput(arg: string | undefined): Promise<string> {
  if (arg === undefined || arg === '-') {
    if (arg === undefined && process.stdin.isTTY) throw new ConfigError('input', 'give the text, a file, or pipe it in (smtprobe explain - < event.txt)');
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  const isFile = await stat(arg).then((s) => s.isFile(), () => false);
  return isFile ? readFile(arg, 'utf8') : arg;
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
    const ac = onInterrupt();
    try {
      const report = await probe(target, { signal: ac.signal });
      probed = { report, causes: judgeCauses(expl, report), notes: plan.notes };
    } finally {
      ac.dispose();
    }
  }
  const out = flags.json
    ? explainJson(expl, probed)
    : renderExplainHuman(expl, { color: process.stdout.isTTY === true && !process.env.NO_COLOR, ...(probed ? { probe: probed } : {}) });
  process.stdout.write(out);
  return probed ? VERDICT_EXIT_CODE[probed.report.verdict] : 0;
}
