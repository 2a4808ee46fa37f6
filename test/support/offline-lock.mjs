#!/usr/bin/env node
/**
 * offline-lock APP_DIR TARBALL: writes APP_DIR/package.json and package-lock.json that install
 * the packed smtprobe TARBALL with exactly the production dependencies of this checkout's
 * lockfile. A lockfile names each package's tarball and integrity, so `npm ci --offline` takes
 * them from npm's cache (filled by this checkout's own `npm ci`) without asking the registry
 * for package metadata, which a lockfile-less install of the tarball would need.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [appDir, tarball] = process.argv.slice(2);
if (!appDir || !tarball) {
  console.error('usage: offline-lock.mjs APP_DIR TARBALL');
  process.exit(3);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const spec = `file:${path.relative(appDir, path.resolve(tarball))}`;
const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;

const packages = {
  '': { name: 'smtprobe-install-test', dependencies: { smtprobe: spec } },
  'node_modules/smtprobe': {
    version: pkg.version,
    resolved: spec,
    integrity,
    license: pkg.license,
    dependencies: pkg.dependencies,
    optionalDependencies: pkg.optionalDependencies,
    bin: pkg.bin,
    engines: pkg.engines,
  },
};
for (const [key, entry] of Object.entries(lock.packages)) {
  if (key === '' || entry.dev || entry.link) continue;
  packages[key] = entry;
}
// The checkout's lockfile was resolved under its overrides (nan for newer Node); the app has
// the same, and lets raw-socket's install script run, so its native build is really attempted.
const app = { name: 'smtprobe-install-test', private: true, dependencies: { smtprobe: spec }, overrides: pkg.overrides, allowScripts: { 'raw-socket': true } };
writeFileSync(path.join(appDir, 'package.json'), `${JSON.stringify(app, null, 2)}\n`);
writeFileSync(path.join(appDir, 'package-lock.json'), `${JSON.stringify({ name: 'smtprobe-install-test', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
