import { stat } from 'node:fs/promises';
import { withInterrupt } from './interrupt.js';
import { normaliseTargetFlags } from './target-flags.js';
import { ConfigError } from '../config/config-error.js';
import { parseTargetInput, resolveTarget } from '../config/resolve-target.js';
import { decodeText, readTextFile } from '../config/text-file.js';
import { connectorInputFor, readConnectorFile, selectConnectors } from '../exchange/connector-targets.js';
import type { SendConnector } from '../exchange/connector-json.js';
import { explainParsed, parseExplainInput, type ExplainOptions } from '../exchange/explain.js';
import { explainJson, type ExplainProbe } from '../exchange/explain-json.js';
import { judgeCauses, planConfirmProbe, probeHeadline } from '../exchange/probe-confirm.js';
import { VERDICT_EXIT_CODE } from '../model/report.js';
import { probe } from '../check.js';
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

/**
 * pickConnector: the connector the input (or --connector-name) names; a file with one
 * connector is that connector even when the event calls it otherwise (a renamed connector,
 * an export from another server).
 */
function pickConnector(all: readonly SendConnector[], name: string | undefined, file: string): SendConnector {
  if (all.length === 1 && all[0] && (name === undefined || !all.some((c) => c.name.toLowerCase() === name.toLowerCase()))) return all[0];
  if (name === undefined) throw new ConfigError('connector-name', `${all.length} connectors in ${file}; pick one with --connector-name (${all.map((c) => `"${c.name}"`).join(', ')})`);
  const [hit] = selectConnectors(all, name, file);
  if (!hit) throw new ConfigError('connector-name', `no connector named "${name}" in ${file}`);
  return hit;
}

/** runExplain: input → explanation (→ probe) → rendered on stdout; returns the exit code. */
export async function runExplain(arg: string | undefined, flags: Record<string, unknown>): Promise<number> {
  const text = await readInput(arg);
  const parsed = parseExplainInput(text);
  const opts: ExplainOptions = typeof flags.connectorName === 'string' ? { connector: flags.connectorName } : {};
  if (typeof flags.connector === 'string') {
    const named = typeof flags.connectorName === 'string' ? flags.connectorName : parsed.kind === 'event' ? parsed.event.params.connector : undefined;
    opts.sendConnector = pickConnector(await readConnectorFile(flags.connector), named, flags.connector);
  }
  const expl = explainParsed(parsed, opts);
  let probed: ExplainProbe | undefined;
  if (flags.probe) {
    const overrides: Record<string, unknown> = {};
    for (const k of PROBE_FLAGS) if (flags[k] !== undefined) overrides[k] = flags[k];
    // Checked as typed, so the one line names the flag (`--port: "abc" is not a port number`).
    normaliseTargetFlags(overrides);
    // With --connector the probe takes the connector's settings (port, TLS policy, Fqdn, user) too.
    const connectorName = typeof flags.connectorName === 'string' ? flags.connectorName : typeof expl.parameters.connector === 'string' ? expl.parameters.connector : undefined;
    const base = typeof flags.connector === 'string'
      ? await connectorInputFor(flags.connector, opts.sendConnector?.name ?? connectorName, typeof expl.parameters.targetHost === 'string' ? expl.parameters.targetHost : undefined, overrides)
      : overrides;
    const plan = planConfirmProbe(expl, base);
    const target = await resolveTarget(parseTargetInput(plan.input, 'flag'), {
      env: process.env,
      baseDir: process.cwd(),
      ...(process.stdin.isTTY && process.stderr.isTTY ? { prompt: promptHidden } : {}),
    });
    probed = await withInterrupt({}, async (ac) => {
      const report = await probe(target, { signal: ac.signal });
      const causes = judgeCauses(expl, report, opts.sendConnector);
      return { report, causes, notes: plan.notes, summary: probeHeadline(expl, causes, report) };
    });
  }
  const out = flags.json
    ? explainJson(expl, probed)
    : renderExplainHuman(expl, { color: process.stdout.isTTY === true && !process.env.NO_COLOR, width: outputWidth(), ...(probed ? { probe: probed } : {}) });
  process.stdout.write(out);
  return probed ? VERDICT_EXIT_CODE[probed.report.verdict] : 0;
}
