import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { importConnectors } from '../exchange/connector-targets.js';
import { writeProbesYaml } from '../exchange/probes-yaml-writer.js';

/** runImportConnector: connectors JSON → probes.yaml on stdout or in `--output`; returns the exit code. */
export async function runImportConnector(file: string, flags: Record<string, unknown>): Promise<number> {
  const name = typeof flags.name === 'string' ? flags.name : undefined;
  const mappings = await importConnectors(file, name);
  const count = mappings.reduce((n, m) => n + m.targets.length, 0);
  if (count === 0) {
    const why = mappings.map((m) => `"${m.connector.name}": ${m.skipped ?? 'no smart hosts'}`).join('; ');
    throw new ConfigError('connector', `no smart host to probe (${why})`, file);
  }
  const text = writeProbesYaml(mappings, { source: path.basename(file) });
  if (typeof flags.output === 'string') {
    await writeFile(flags.output, text, 'utf8');
    process.stderr.write(`smtprobe: wrote ${count} target(s) from ${mappings.length} connector(s) to ${flags.output}\n`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}
