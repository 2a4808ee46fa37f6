import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { parseTargetInput } from '../config/resolve-target.js';
import type { TargetInput } from '../config/target-schema.js';
import { parseSendConnectorJson, type SendConnector } from './connector-json.js';
import { mapConnector, type ConnectorMapping, type MappingOptions } from './connector-mapping.js';
import { readTextFile } from '../config/text-file.js';

/** readConnectorFile reads and parses a `Get-SendConnector | ConvertTo-Json` file. */
export async function readConnectorFile(file: string): Promise<SendConnector[]> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (err) {
    throw new ConfigError('connector', `cannot read ${path.resolve(file)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return parseSendConnectorJson(text, file);
}

/**
 * selectConnectors picks connectors by name (case-insensitive, as Exchange compares names).
 * Without a name every connector is kept. An unknown name is an error listing the known ones.
 */
export function selectConnectors(all: readonly SendConnector[], name: string | undefined, where?: string): SendConnector[] {
  if (name === undefined) return [...all];
  const hit = all.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  if (hit.length === 0) throw new ConfigError('name', `no connector named "${name}" (connectors: ${all.map((c) => `"${c.name}"`).join(', ')})`, where);
  return hit;
}

/**
 * validated checks a connector's mapped targets against the target schema, so a value that
 * would reach the wire (a control character in Fqdn, a smart host or the user name) is
 * refused naming the connector file and connector, not the flags it is merged with later.
 */
function validated(mapping: ConnectorMapping, file: string): ConnectorMapping {
  for (const t of mapping.targets) parseTargetInput(t.input, `${file}: connector "${mapping.connector.name}"`);
  return mapping;
}

/** importConnectors: file → mappings of the selected connectors (for probes.yaml). */
export async function importConnectors(file: string, name?: string, opts: MappingOptions = {}): Promise<ConnectorMapping[]> {
  const all = await readConnectorFile(file);
  return selectConnectors(all, name, file).map((c) => validated(mapConnector(c, opts), file));
}

/** Secret keys: one given on the command line replaces the connector's password reference. */
const SECRET_KEYS = ['password', 'passwordEnv', 'passwordFile'] as const;

/** Flags of `check --connector` that choose the connector rather than set the target. */
const NOT_SETTINGS = new Set(['connector', 'name']);

/**
 * targetInputsFromConnector: the check inputs for `smtprobe check --connector FILE --name NAME`.
 * With several connectors in the file, `name` is required. `overrides` are the check flags
 * the user gave (camelCase, as run-check collects them); they win over the connector's
 * settings, and any password flag replaces the connector's `env:SMTP_PASS_...` reference.
 * Labels merge key by key.
 */
export async function targetInputsFromConnector(file: string, name: string | undefined, overrides: Record<string, unknown> = {}): Promise<TargetInput[]> {
  const all = await readConnectorFile(file);
  if (name === undefined && all.length > 1) {
    throw new ConfigError('name', `${all.length} connectors in the file; pick one with --name (${all.map((c) => `"${c.name}"`).join(', ')})`, file);
  }
  const mappings = selectConnectors(all, name, file).map((c) => validated(mapConnector(c), file));
  const skipped = mappings.filter((m) => m.skipped);
  const inputs = mappings.flatMap((m) => m.targets.map((t) => t.input));
  if (inputs.length === 0) {
    const why = skipped.map((m) => `"${m.connector.name}" ${m.skipped}`).join('; ');
    throw new ConfigError('connector', `nothing to probe: ${why || 'no smart hosts'}`, file);
  }
  const givenSecret = SECRET_KEYS.some((k) => overrides[k] !== undefined);
  // `connector` and `name` select the connector (check's --name), they are not target settings.
  const cleaned = Object.fromEntries(Object.entries(overrides).filter(([k, v]) => v !== undefined && !NOT_SETTINGS.has(k)));
  return inputs.map((input) => {
    const merged: TargetInput = { ...input, ...cleaned };
    if (givenSecret) {
      for (const k of SECRET_KEYS) if (cleaned[k] === undefined) delete merged[k];
    }
    const labels = { ...input.labels, ...(overrides.labels as Record<string, string> | undefined) };
    if (Object.keys(labels).length > 0) merged.labels = labels;
    return merged;
  });
}

/**
 * connectorInputFor: the check input of one smart host of a connector — the one named `host`
 * when the connector lists it (an event's SMTPSVC/<host>), else its first. `overrides` win as
 * in targetInputsFromConnector. Used by `explain --probe --connector FILE`.
 */
export async function connectorInputFor(file: string, name: string | undefined, host: string | undefined, overrides: Record<string, unknown> = {}): Promise<TargetInput> {
  const inputs = await targetInputsFromConnector(file, name, overrides);
  const wanted = host?.toLowerCase();
  const hit = (wanted ? inputs.find((i) => i.host?.toLowerCase() === wanted) : undefined) ?? inputs[0];
  if (!hit) throw new ConfigError('connector', 'nothing to probe', file);
  return hit;
}
