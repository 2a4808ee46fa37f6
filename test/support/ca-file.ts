import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** writeCaFile writes a test PKI's root to a fresh temporary file, for `--ca` / `ca:` in real-server tests. */
export function writeCaFile(rootPem: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'smtprobe-ca-')), 'root.pem');
  writeFileSync(file, rootPem);
  return file;
}
