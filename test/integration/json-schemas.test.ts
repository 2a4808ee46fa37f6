/**
 * `smtprobe schema report|probes|scenario` against an independent validator (ajv, JSON Schema
 * draft 2020-12): the Report of every bundled scenario, as the mock and the probe produce it,
 * and every bundled probes.yaml and scenario file must validate; broken documents must not.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../src/mock/certs/index.js';
import { loadScenarioFile } from '../../src/mock/index.js';
import { replayScenario } from '../../src/run/replay.js';
import { SMTPROBE_BIN } from '../support/bin.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scenarioDir = path.join(root, 'fixtures/scenarios');
const probesDir = path.join(root, 'fixtures/probes');
const scenarioFiles = readdirSync(scenarioDir).filter((f) => f.endsWith('.yaml')).sort();
const probesFiles = readdirSync(probesDir).filter((f) => f.endsWith('.yaml')).sort();

const run = promisify(execFile);

async function printed(kind: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [SMTPROBE_BIN, 'schema', kind]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

function validator(schema: Record<string, unknown>): ValidateFunction {
  return new Ajv2020({ strict: false, allErrors: true }).compile(schema);
}

function explain(v: ValidateFunction): string {
  return (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ');
}

const validators: Partial<Record<'report' | 'probes' | 'scenario', ValidateFunction>> = {};
let pki: TestPki;

beforeAll(async () => {
  for (const kind of ['report', 'probes', 'scenario'] as const) validators[kind] = validator(await printed(kind));
  pki = await createTestPki();
});

describe('smtprobe schema', () => {
  it('prints the schemas the package ships (schemas/*.schema.json, written by the build)', async () => {
    for (const kind of ['report', 'probes', 'scenario']) {
      const shipped = JSON.parse(readFileSync(path.join(root, 'schemas', `${kind}.schema.json`), 'utf8')) as unknown;
      expect(shipped, kind).toEqual(await printed(kind));
    }
  });

  it('refuses an unknown document with one line and exit code 3', async () => {
    const err = await run(process.execPath, [SMTPROBE_BIN, 'schema', 'nonsense']).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(3);
    expect(err?.stderr).toMatch(/nonsense/);
  });

  it('every bundled probes.yaml validates; a misspelt key and a bad port do not', () => {
    const v = validators.probes!;
    expect(probesFiles.length).toBeGreaterThan(0);
    for (const file of probesFiles) {
      const doc = parse(readFileSync(path.join(probesDir, file), 'utf8')) as unknown;
      expect(v(doc), `${file}: ${explain(v)}`).toBe(true);
    }
    expect(v({ targets: [{ name: 'a', host: 'relay.example', prot: 587 }] })).toBe(false);
    expect(v({ targets: [{ name: 'a', host: 'relay.example', port: 70000 }] })).toBe(false);
    expect(v({ targets: [] })).toBe(false);
  });

  it('every bundled scenario file validates; an unknown field does not', () => {
    const v = validators.scenario!;
    for (const file of scenarioFiles) {
      const doc = parse(readFileSync(path.join(scenarioDir, file), 'utf8')) as unknown;
      expect(v(doc), `${file}: ${explain(v)}`).toBe(true);
    }
    expect(v({ name: 'x', expect: { verdict: 'ok' }, sever: {} })).toBe(false);
  });

  it('a Report missing its verdict, or with an unknown finding code, does not validate', async () => {
    const scenario = await loadScenarioFile(path.join(scenarioDir, 'good-starttls.yaml'));
    const report = JSON.parse(JSON.stringify(await replayScenario(scenario, { pki }))) as Record<string, unknown>;
    const v = validators.report!;
    expect(v(report), explain(v)).toBe(true);
    const { verdict: _v, ...noVerdict } = report;
    expect(v(noVerdict)).toBe(false);
    expect(v({ ...report, findings: [{ code: 'NOT_A_CODE', severity: 'info', title: 't', evidence: [], cause: 'c', fix: [] }] })).toBe(false);
  });
});

describe('the Report of every bundled scenario validates against `smtprobe schema report`', () => {
  for (const file of scenarioFiles) {
    it.concurrent(file.replace(/\.yaml$/, ''), async () => {
      const scenario = await loadScenarioFile(path.join(scenarioDir, file));
      // Through JSON, as a consumer reads `--format json`.
      const report = JSON.parse(JSON.stringify(await replayScenario(scenario, { pki }))) as unknown;
      const v = validators.report!;
      expect(v(report), `${file}: ${explain(v)}`).toBe(true);
    });
  }
});
