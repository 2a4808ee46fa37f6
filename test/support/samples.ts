/**
 * The shared reply and log samples (test/samples, kept in the repo so that the
 * tests read the same bytes on every machine). SMTPROBE_SAMPLES points elsewhere, e.g. at a
 * newer copy of the samples, to check that the parsers still hold.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMPLES_DIR = process.env.SMTPROBE_SAMPLES ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../samples');

/** sample: the path of one sample file. */
export function sample(name: string): string {
  return path.join(SAMPLES_DIR, name);
}
