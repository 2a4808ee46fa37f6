import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { scenarioSchema, type Scenario } from './scenario-schema.js';
import { InputError } from '../config/input-error.js';
import { readTextFile } from '../config/text-file.js';

/**
 * ScenarioError: a scenario file that cannot be used. `message` is one line,
 * "file: field: problem", so the CLI can print it as is.
 */
export class ScenarioError extends InputError {
  override readonly name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${field}: ${problem}`);
  }
}

/**
 * packageRoot finds the directory holding smtprobe's package.json, walking up from this
 * module, so fixtures are found both from src/ (vitest) and from dist/ (the built CLI).
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'fixtures'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('smtprobe package root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** scenariosDir: the bundled fixtures/scenarios directory. */
export function scenariosDir(): string {
  return join(packageRoot(), 'fixtures', 'scenarios');
}

/**
 * parseScenario validates YAML text as a scenario. `file` names it in errors; when
 * `expectName` is given the scenario's `name` must equal it (the file name rule).
 * @throws ScenarioError on the first problem, naming the field and its line.
 */
export function parseScenario(text: string, file: string, expectName?: string): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    const message = (yamlError.message.split('\n')[0] ?? 'invalid YAML').replace(/:\s*$/, '');
    throw new ScenarioError(file, pos ? `line ${pos.line}` : 'yaml', message);
  }
  const result = scenarioSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    const path = [...issue.path];
    if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
    const field = path.length > 0 ? path.map(String).join('.') : '(document)';
    const more = result.error.issues.length - 1;
    const line = lineOf(doc, lines, path);
    const problem = issue.message + (line ? ` (line ${line})` : '') + (more > 0 ? ` (and ${more} more)` : '');
    throw new ScenarioError(file, field, problem);
  }
  if (expectName !== undefined && result.data.name !== expectName) {
    throw new ScenarioError(file, 'name', `"${result.data.name}" must equal the file name "${expectName}"`);
  }
  return result.data;
}

/** lineOf: the 1-based line of the deepest node along `path` that exists in the document. */
function lineOf(doc: ReturnType<typeof parseDocument>, lines: LineCounter, path: PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * loadScenarioFile reads and validates one scenario file. By default its `name` must equal the
 * file name, which keeps the bundled library consistent (`mock NAME` finds NAME.yaml);
 * `nameMatchesFile: false` takes any file name — a recording renamed, or saved from stdout
 * (`record ... > repro.yaml`), is still the scenario it names.
 * @throws ScenarioError ("file: field: problem") for unreadable or invalid files.
 */
export async function loadScenarioFile(path: string, opts: { nameMatchesFile?: boolean } = {}): Promise<Scenario> {
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (err) {
    throw new ScenarioError(path, '(file)', (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((err as Error).message));
  }
  return parseScenario(text, path, opts.nameMatchesFile === false ? undefined : basename(path, extname(path)));
}

/**
 * findScenario resolves a bundled scenario name (fixtures/scenarios/<name>.yaml) or a path
 * to a scenario file (anything with a slash or a .yaml/.yml suffix, e.g. a recording, under
 * whatever file name the user gave it).
 */
export async function findScenario(nameOrPath: string): Promise<Scenario> {
  const looksLikePath = /[\\/]/.test(nameOrPath) || /\.ya?ml$/i.test(nameOrPath);
  if (looksLikePath) return loadScenarioFile(resolve(nameOrPath), { nameMatchesFile: false });
  const bundled = join(scenariosDir(), `${nameOrPath}.yaml`);
  if (!existsSync(bundled)) {
    throw new ScenarioError(nameOrPath, '(name)', 'no bundled scenario by that name (see `smtprobe mock --list`)');
  }
  return loadScenarioFile(bundled);
}

/** bundledScenarioFiles: absolute paths of every bundled scenario file, sorted by name. */
export async function bundledScenarioFiles(): Promise<string[]> {
  const dir = scenariosDir();
  const names = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  return names.map((f) => join(dir, f));
}

/** listScenarios: name and one-line description of every bundled scenario, sorted by name. */
export async function listScenarios(): Promise<{ name: string; description: string }[]> {
  const files = await bundledScenarioFiles();
  const scenarios = await Promise.all(files.map((f) => loadScenarioFile(f)));
  return scenarios.map((s) => ({ name: s.name, description: s.description }));
}
