import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { Target } from '../model/target.js';
import { ConfigError } from './config-error.js';
import { probesFileSchema, type ProbeTargetSettings, type SharedSettings } from './probes-schema.js';
import { resolveTarget } from './resolve-target.js';
import type { TargetInput } from './target-schema.js';
import { readTextFile, TextFiles } from './text-file.js';

/** ProbeEntry: one target of probes.yaml as written, with where it is in the file. */
export interface ProbeEntry {
  name: string;
  /** The module the entry names, if any. */
  module?: string;
  settings: ProbeTargetSettings;
  /** Index in `targets`. */
  index: number;
  /** 1-based line of the entry. */
  line: number;
}

/**
 * ProbesConfig: a validated probes.yaml. Targets are kept as written (not resolved) so that
 * `serve` can apply another module per request; `targetInputFor` merges, `resolveProbeTarget`
 * resolves (files, secrets).
 */
export interface ProbesConfig {
  /** The path as the user gave it (used in messages). */
  file: string;
  /** Folder relative paths in the file are relative to. */
  baseDir: string;
  defaults: SharedSettings;
  modules: Record<string, SharedSettings>;
  targets: ProbeEntry[];
  /** Line of a YAML path, for messages naming file:line (undefined when not in the file). */
  lineOf(yamlPath: (string | number)[]): number | undefined;
}

/** loadProbesFile reads and validates probes.yaml; a problem is a ConfigError naming file:line and field. */
export async function loadProbesFile(file: string): Promise<ProbesConfig> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (err) {
    throw new ConfigError('config', `cannot read ${path.resolve(file)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return parseProbesText(text, file, path.dirname(path.resolve(file)));
}

/** parseProbesText validates probes.yaml text; `file` names it in messages, `baseDir` anchors relative paths. */
export function parseProbesText(text: string, file: string, baseDir: string): ProbesConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0]?.line ?? lineCounter.linePos(yamlError.pos[0]).line;
    throw new ConfigError('(yaml)', yamlError.message.split('\n')[0] ?? 'invalid YAML', `${file}:${line}`);
  }
  const lineOf = (p: (string | number)[]): number | undefined => nodeLine(doc, lineCounter, p);
  const raw: unknown = doc.toJS() ?? {};
  const parsed = probesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (!issue) throw new ConfigError('(root)', 'invalid', file);
    let p = issue.path.filter((x): x is string | number => typeof x !== 'symbol');
    let field = p.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) {
      // Point at the unknown key itself: that line is the one to fix.
      p = [...p, issue.keys[0]];
      field = p.map(String).join('.');
    }
    const line = lineOf(p) ?? lineOf(p.slice(0, -1)) ?? 1;
    const problem = issue.code === 'unrecognized_keys' ? 'unknown key (keys are the check flags in camelCase)' : issue.message;
    throw new ConfigError(field, problem, `${file}:${line}`);
  }
  const data = parsed.data;
  const modules = data.modules ?? {};
  const seen = new Map<string, number>();
  const targets: ProbeEntry[] = data.targets.map((t, index) => {
    const line = lineOf(['targets', index]) ?? 1;
    const prev = seen.get(t.name);
    if (prev !== undefined) throw new ConfigError(`targets.${index}.name`, `"${t.name}" is already the name of the target on line ${prev}`, `${file}:${lineOf(['targets', index, 'name']) ?? line}`);
    seen.set(t.name, line);
    if (t.module !== undefined && !(t.module in modules)) {
      const known = Object.keys(modules);
      throw new ConfigError(`targets.${index}.module`, `no module "${t.module}"${known.length ? ` (modules: ${known.join(', ')})` : ' (the file has no modules)'}`, `${file}:${lineOf(['targets', index, 'module']) ?? line}`);
    }
    const entry: ProbeEntry = { name: t.name, settings: t, index, line };
    if (t.module !== undefined) entry.module = t.module;
    return entry;
  });
  return { file, baseDir, defaults: data.defaults ?? {}, modules, targets, lineOf };
}

/**
 * targetInputFor merges defaults < module < target into one TargetInput. `moduleOverride`
 * (serve's `&module=`) replaces the module the entry names. Labels merge key by key.
 */
export function targetInputFor(config: ProbesConfig, entry: ProbeEntry, moduleOverride?: string): TargetInput {
  const moduleName = moduleOverride ?? entry.module;
  const mod = moduleName === undefined ? {} : config.modules[moduleName];
  if (mod === undefined) throw new ConfigError('module', `no module "${moduleName}"`, config.file);
  const { module: _m, ...own } = entry.settings;
  const labels = { ...config.defaults.labels, ...mod.labels, ...own.labels };
  const merged: TargetInput = { ...config.defaults, ...mod, ...own };
  // A password given one way in the defaults and another way on the target: the target's wins.
  for (const secret of ['password', 'token'] as const) {
    const keys = [secret, `${secret}Env`, `${secret}File`] as const;
    const ownKey = keys.find((k) => own[k] !== undefined) ?? keys.find((k) => mod[k] !== undefined);
    if (ownKey) for (const k of keys) if (k !== ownKey && own[k] === undefined) delete merged[k];
  }
  if (Object.keys(labels).length > 0) merged.labels = labels;
  else delete merged.labels;
  return merged;
}

/** ResolveProbeOptions: the environment secrets are read from, and an optional module override. */
export interface ResolveProbeOptions {
  env: NodeJS.ProcessEnv;
  module?: string;
  /** The load's files, each read once for all its targets. */
  files?: TextFiles;
}

/**
 * resolveProbeTarget builds the Target of one entry: merged settings, files relative to the
 * config's folder, secrets resolved. Errors name file:line of the field at fault.
 */
export async function resolveProbeTarget(config: ProbesConfig, entry: ProbeEntry, opts: ResolveProbeOptions): Promise<Target> {
  const input = targetInputFor(config, entry, opts.module);
  // Labels travel with the target: its module is one of them, so metrics and tables can show it.
  const moduleName = opts.module ?? entry.module;
  if (moduleName !== undefined) input.labels = { module: moduleName, ...input.labels };
  try {
    return await resolveTarget(input, { env: opts.env, baseDir: config.baseDir, where: `${config.file}:${entry.line}`, ...(opts.files ? { files: opts.files } : {}) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const field = err.field.replace(/(Env|File)$/, '');
    const line = [['targets', entry.index, err.field], ['targets', entry.index, field]]
      .map((p) => config.lineOf(p))
      .find((l) => l !== undefined)
      ?? (moduleName !== undefined ? config.lineOf(['modules', moduleName, err.field]) : undefined)
      ?? config.lineOf(['defaults', err.field])
      ?? entry.line;
    throw new ConfigError(`targets.${entry.index}(${entry.name}).${err.field}`, err.problem, `${config.file}:${line}`);
  }
}

/** resolveAllTargets resolves every entry, in file order; the first bad one throws. */
export async function resolveAllTargets(config: ProbesConfig, env: NodeJS.ProcessEnv): Promise<Target[]> {
  const out: Target[] = [];
  const files = new TextFiles();
  for (const entry of config.targets) out.push(await resolveProbeTarget(config, entry, { env, files }));
  return out;
}

function nodeLine(doc: Document, lc: LineCounter, p: (string | number)[]): number | undefined {
  if (p.length === 0) return 1;
  const parent = p.length > 1 ? doc.getIn(p.slice(0, -1), true) : doc.contents;
  const last = p[p.length - 1];
  // For a mapping key, the key's own position is the line a reader looks for.
  const pair = parent && typeof parent === 'object' && 'items' in parent
    ? (parent.items as unknown[]).find((it): it is { key: { value?: unknown; range?: [number, number, number] } } =>
      typeof it === 'object' && it !== null && 'key' in it && (it as { key?: { value?: unknown } }).key?.value === last)
    : undefined;
  const range = pair?.key.range ?? (doc.getIn(p, true) as { range?: [number, number, number] } | undefined)?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}
