import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from './config-error.js';

/**
 * decodeText: the text of a file as people really have it. UTF-8 with or without a byte order
 * mark, and UTF-16 LE or BE with one — what Windows PowerShell 5.1's `>` and `Out-File` write
 * (`Get-SendConnector | ConvertTo-Json > connectors.json`) — with CRLF or LF line ends. The text
 * comes back without the mark and with LF line ends, so every parser sees the same input
 * whichever editor or shell saved it.
 */
export function decodeText(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text: string;
  if (b[0] === 0xff && b[1] === 0xfe) text = b.subarray(2).toString('utf16le');
  else if (b[0] === 0xfe && b[1] === 0xff) {
    // A copy (swap16 works in place) of whole code units only: an odd last byte is no character.
    text = Buffer.from(b.subarray(2, 2 + ((b.length - 2) & ~1))).swap16().toString('utf16le');
  }
  else text = b.toString('utf8').replace(/^\uFEFF/, '');
  return text.replace(/\r\n/g, '\n');
}

/** readTextFile reads a file with {@link decodeText}. Errors are fs errors (code ENOENT, ...). */
export async function readTextFile(file: string): Promise<string> {
  return decodeText(await readFile(file));
}

/**
 * TextFiles: the files of one load of a configuration, each read once however many targets
 * name it — a probes.yaml of thousands of relays names one CA bundle (or password file) for
 * every one of them, and each read is a trip through libuv's thread pool. A new load (the next
 * run, a reload) makes a new one, so a renewed file is read again then.
 */
export class TextFiles {
  readonly #texts = new Map<string, Promise<string>>();

  /** read: {@link readTextFile} of `file` (an absolute path), once for this load. */
  read(file: string): Promise<string> {
    let text = this.#texts.get(file);
    if (text === undefined) {
      text = readTextFile(file);
      this.#texts.set(file, text);
    }
    return text;
  }
}

/**
 * readConfigText: a file a configuration names (a CA bundle, a client certificate or key, a
 * secret), relative to `baseDir`, read with {@link readTextFile} — through this load's `files`
 * when there is one. A file that cannot be read is a ConfigError naming the field and the path.
 */
export async function readConfigText(file: string, field: string, ctx: { baseDir: string; files?: TextFiles; where?: string }): Promise<string> {
  const full = path.resolve(ctx.baseDir, file);
  try {
    return await (ctx.files ? ctx.files.read(full) : readTextFile(full));
  } catch (err) {
    throw new ConfigError(field, `cannot read ${full}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, ctx.where);
  }
}

/** readTextFileSync: {@link readTextFile} for the few callers that cannot wait. */
export function readTextFileSync(file: string): string {
  return decodeText(readFileSync(file));
}
