#!/usr/bin/env node
/**
 * write-schemas: schemas/*.schema.json, the JSON Schemas `smtprobe schema` prints, written at
 * build time so the package ships them (editors point yaml-language-server at
 * node_modules/smtprobe/schemas/probes.schema.json). Generated from dist/, i.e. from the zod
 * schemas the code validates with.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { SCHEMA_KINDS, jsonSchemaOf } = await import(path.join(root, 'dist/cli/run-schema.js'));
const outdir = path.join(root, 'schemas');
mkdirSync(outdir, { recursive: true });
for (const kind of SCHEMA_KINDS) {
  writeFileSync(path.join(outdir, `${kind}.schema.json`), `${JSON.stringify(jsonSchemaOf(kind), null, 2)}\n`);
}
