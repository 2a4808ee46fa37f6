import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import * as z from 'zod/mini';
import { ConfigError } from '../config/config-error.js';
// zod/mini leaves messages to the caller; this module sets the English ones.
import '../config/target-schema.js';

/**
 * `serve --web-config FILE`: the web configuration file Prometheus exporters share
 * (prometheus/exporter-toolkit, docs/web-configuration.md), so an SRE secures smtprobe's exporter
 * exactly as node_exporter or blackbox_exporter: TLS with an optional client CA, and HTTP basic
 * auth against bcrypt hashes. The exporter holds relay credentials and probes on demand, so it
 * must be able to refuse strangers.
 *
 * Supported keys: `tls_server_config` (`cert_file`, `key_file`, `client_ca_file`,
 * `client_auth_type`, `min_version`, `max_version`) and `basic_auth_users`. Other keys of the
 * format (cipher suites, curve preferences, HTTP/2, response headers) are refused by name rather
 * than silently ignored. Paths are relative to the file, as in exporter-toolkit.
 */

const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];
const TLS_VERSION_NAMES = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

/** bcrypt hashes as `htpasswd -B` and Go's bcrypt write them ($2a$, $2b$, $2y$ with a cost). */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

const webConfigSchema = z.strictObject({
  tls_server_config: z.optional(z.strictObject({
    cert_file: z.string().check(z.minLength(1)),
    key_file: z.string().check(z.minLength(1)),
    client_ca_file: z.optional(z.string().check(z.minLength(1))),
    client_auth_type: z.optional(z.enum(CLIENT_AUTH_TYPES)),
    min_version: z.optional(z.enum(['TLS12', 'TLS13'])),
    max_version: z.optional(z.enum(['TLS12', 'TLS13'])),
  })),
  basic_auth_users: z.optional(z.nullable(z.record(z.string().check(z.minLength(1)), z.string().check(z.regex(BCRYPT_HASH, 'a bcrypt hash ($2y$..., from htpasswd -nBC 10 USER)'))))),
});

/** WebConfig: a loaded web configuration — the TLS material read, the password hashes kept. */
export interface WebConfig {
  tls?: {
    cert: string;
    key: string;
    ca?: string;
    clientAuth: ClientAuthType;
    minVersion?: 'TLSv1.2' | 'TLSv1.3';
    maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  };
  /** User name → bcrypt hash. Empty: no basic auth. */
  users: ReadonlyMap<string, string>;
}

/** loadWebConfig reads and checks a web configuration file; every problem is a ConfigError naming the key. */
export async function loadWebConfig(file: string): Promise<WebConfig> {
  const where = `--web-config ${file}`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError('--web-config', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    throw new ConfigError('yaml', (err as Error).message.split('\n')[0] ?? 'not YAML', where);
  }
  const parsed = webConfigSchema.safeParse(doc);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new ConfigError(issue?.path.map(String).join('.') || '(root)', issue?.message ?? 'invalid', where);
  }
  const base = path.dirname(path.resolve(file));
  const read = async (key: string, p: string): Promise<string> => {
    try {
      return await readFile(path.resolve(base, p), 'utf8');
    } catch (err) {
      throw new ConfigError(`tls_server_config.${key}`, `cannot read ${p} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, where);
    }
  };
  const t = parsed.data.tls_server_config;
  const config: WebConfig = { users: new Map(Object.entries(parsed.data.basic_auth_users ?? {})) };
  if (t) {
    const clientAuth = t.client_auth_type ?? 'NoClientCert';
    const needsCa = clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert';
    if (needsCa && t.client_ca_file === undefined) throw new ConfigError('tls_server_config.client_ca_file', `is required with client_auth_type ${clientAuth}`, where);
    config.tls = {
      cert: await read('cert_file', t.cert_file),
      key: await read('key_file', t.key_file),
      clientAuth,
      ...(t.client_ca_file !== undefined ? { ca: await read('client_ca_file', t.client_ca_file) } : {}),
      ...(t.min_version ? { minVersion: TLS_VERSION_NAMES[t.min_version] } : {}),
      ...(t.max_version ? { maxVersion: TLS_VERSION_NAMES[t.max_version] } : {}),
    };
  }
  return config;
}

/**
 * createWebServer: the exporter's HTTP server as the web config asks — HTTPS when
 * `tls_server_config` is given (a plain-HTTP client then gets no answer at all), and every
 * request behind basic auth when `basic_auth_users` is. Without a web config: plain HTTP, open.
 */
export function createWebServer(web: WebConfig | undefined, handler: RequestListener): Server {
  const guarded: RequestListener = web ? (req, res) => void guard(web, req, res, handler) : handler;
  if (!web?.tls) return createHttpServer(guarded);
  const t = web.tls;
  return createHttpsServer({
    cert: t.cert,
    key: t.key,
    ...(t.ca !== undefined ? { ca: t.ca } : {}),
    requestCert: t.clientAuth !== 'NoClientCert',
    // Node can only demand a *verified* certificate in the handshake; the other modes are checked per request.
    rejectUnauthorized: t.clientAuth === 'RequireAndVerifyClientCert',
    minVersion: t.minVersion ?? 'TLSv1.2',
    ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}),
  }, guarded);
}

/** A hash of a random password, compared when the user is unknown, so that the answer takes as long either way. */
let dummyHash: string | undefined;

async function guard(web: WebConfig, req: IncomingMessage, res: ServerResponse, handler: RequestListener): Promise<void> {
  const socket = req.socket as Partial<TLSSocket>;
  const mode = web.tls?.clientAuth;
  if (mode === 'RequireAnyClientCert' || mode === 'VerifyClientCertIfGiven') {
    const cert = socket.getPeerCertificate?.();
    const presented = cert !== undefined && Object.keys(cert).length > 0;
    if ((mode === 'RequireAnyClientCert' && !presented) || (mode === 'VerifyClientCertIfGiven' && presented && socket.authorized !== true)) {
      return refuse(res, 403, 'client certificate required\n');
    }
  }
  if (web.users.size > 0 && !(await authorized(web.users, req.headers.authorization))) {
    res.setHeader('WWW-Authenticate', 'Basic realm="smtprobe"');
    return refuse(res, 401, 'unauthorized\n');
  }
  handler(req, res);
}

async function authorized(users: ReadonlyMap<string, string>, header: string | undefined): Promise<boolean> {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return false;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  // Compare the user name in constant time over all users, then always run one bcrypt comparison.
  let hash: string | undefined;
  const wanted = createHash('sha256').update(user).digest();
  for (const [name, h] of users) if (timingSafeEqual(createHash('sha256').update(name).digest(), wanted)) hash = h;
  dummyHash ??= bcrypt.hashSync(randomBytes(16).toString('hex'), 10);
  const ok = await bcrypt.compare(password, hash ?? dummyHash);
  return ok && hash !== undefined;
}

function refuse(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(body);
}
