import path from 'node:path';
import { Secret } from '../model/secret.js';
import { ConfigError } from './config-error.js';
import { readConfigText, type TextFiles } from './text-file.js';

/**
 * SecretSource: where a secret comes from. Values never travel on the command line
 * (docs/design.md, "Safety rules"): a variable name, a file, or an interactive prompt.
 */
export interface SecretEnv {
  env: NodeJS.ProcessEnv;
  baseDir: string;
  /** Literal values are allowed only in scenario files (test passwords of the mock). */
  allowLiteral?: boolean;
  prompt?: (question: string) => Promise<string>;
  /** Files already read in this load (a password file named by many targets is read once). */
  files?: TextFiles;
}

/** resolveSecretRef reads `env:VAR` or `file:PATH` (a literal only where allowed). */
export async function resolveSecretRef(ref: string, field: string, ctx: SecretEnv): Promise<Secret> {
  if (ref.startsWith('env:')) return fromEnv(ref.slice(4), field, ctx);
  if (ref.startsWith('file:')) return fromFile(ref.slice(5), field, ctx);
  if (ctx.allowLiteral) return new Secret(ref);
  throw new ConfigError(field, 'must be a reference, env:VAR or file:PATH (secrets are never written inline)');
}

export function fromEnv(name: string, field: string, ctx: SecretEnv): Secret {
  const v = ctx.env[name];
  if (v === undefined || v === '') throw new ConfigError(field, `environment variable ${name} is not set`);
  return new Secret(v);
}

/**
 * fromFile: the secret in a file. An empty one (nothing but a newline) is bad input, as an empty
 * variable is: it would go out as an empty credential, which no server accepts and every server
 * words its own way.
 */
export async function fromFile(file: string, field: string, ctx: SecretEnv): Promise<Secret> {
  const text = await readConfigText(file, field, ctx);
  // One trailing newline is an artefact of `echo > file`, not part of the secret.
  const secret = new Secret(text.replace(/\r?\n$/, ''));
  if (secret.isEmpty) throw new ConfigError(field, `${path.resolve(ctx.baseDir, file)} is empty: there is no secret in it`);
  return secret;
}
