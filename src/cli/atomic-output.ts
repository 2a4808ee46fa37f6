import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';

/**
 * OutputSink: where `check` and `run` put their rendered result — stdout, or with `--output
 * FILE` a file that appears whole or not at all. Tools that read the file on their own schedule
 * (node_exporter's textfile collector, a Nagios passive check, a dashboard) must never see a
 * half-written result, so the text is collected, written to a temporary file in the same
 * directory (a rename is atomic only within one file system), flushed to disk, and renamed over
 * FILE: a reader opens either the previous file or the new one.
 */
export interface OutputSink {
  /** Whether the text goes to a terminal (colours are for terminals only). */
  readonly tty: boolean;
  write(text: string): void;
  /** Puts the collected text in place; a no-op for stdout. */
  close(): Promise<void>;
}

/** outputSink: stdout, or — when `file` is given — an atomic file, checked before any probe runs. */
export async function outputSink(file: unknown): Promise<OutputSink> {
  if (file === undefined) {
    return { tty: process.stdout.isTTY === true, write: (text) => void process.stdout.write(text), close: async () => undefined };
  }
  if (typeof file !== 'string' || file === '') throw new ConfigError('--output', 'needs a file name');
  const target = path.resolve(file);
  await checkWritable(target, file);
  const chunks: string[] = [];
  return {
    tty: false,
    write: (text) => void chunks.push(text),
    close: () => writeFileAtomic(target, chunks.join('')),
  };
}

async function checkWritable(target: string, given: string): Promise<void> {
  const dir = path.dirname(target);
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) throw new ConfigError('--output', `${given} is a directory`);
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new ConfigError('--output', `cannot write in ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** writeFileAtomic: temp file in the same directory, fsync, rename over `target` (mode 0644). */
export async function writeFileAtomic(target: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new ConfigError('--output', `cannot write ${target} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
