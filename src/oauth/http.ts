import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { isLoopbackHost } from './loopback.js';

/** HttpResponse: a token endpoint's answer, body as text. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** HttpOptions: trust and bounds for one request. */
export interface HttpOptions {
  /** Extra trusted roots (PEM), added to the system roots (the target's --ca). */
  ca: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Only loopback addresses may be reached: set when the configured token endpoint is on
   * loopback, so that a library following a discovery document can never leave the machine.
   */
  loopbackOnly?: boolean;
}

/** The largest token response read; real ones are a few kilobytes. */
const MAX_BODY = 256 * 1024;

/** HttpTransportError: no HTTP answer (refused, timeout, TLS failure); `code` is Node's or ours. */
export class HttpTransportError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'HttpTransportError';
  }
}

/**
 * httpSend makes one request to a token endpoint. HTTPS is checked against the system roots
 * plus `ca`; plain HTTP only to loopback. Never follows redirects (a token request must not be
 * replayed to another host), never logs the body.
 */
export function httpSend(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body: string | undefined, opts: HttpOptions): Promise<HttpResponse> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new HttpTransportError('EINVALIDURL', 'not a valid URL'));
  }
  if (opts.loopbackOnly && !isLoopbackHost(u.hostname)) {
    return Promise.reject(new HttpTransportError('ENOTLOOPBACK', `refused to contact ${u.host}: the token endpoint is on loopback, so nothing else may be reached`));
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    return Promise.reject(new HttpTransportError('EINSECURE', `refused to send a token request to ${u.protocol}//${u.host}: HTTPS is required except on loopback`));
  }
  return new Promise((resolve, reject) => {
    const common = { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) }, timeout: opts.timeoutMs };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { ...common, ca: [...rootCertificates, ...opts.ca], servername: isIpLiteral(u.hostname) ? '' : u.hostname })
        : httpRequest(u, common);
    const onAbort = (): void => {
      req.destroy(new HttpTransportError('ABORTED', 'the probe was cancelled'));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => opts.signal?.removeEventListener('abort', onAbort);
    req.on('timeout', () => req.destroy(new HttpTransportError('ETIMEDOUT', `no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(err instanceof HttpTransportError ? err : new HttpTransportError(err.code ?? 'EHTTP', err.message));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          req.destroy(new HttpTransportError('ETOOBIG', `the response is larger than ${MAX_BODY} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        done();
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err: NodeJS.ErrnoException) => {
        done();
        reject(new HttpTransportError(err.code ?? 'EHTTP', err.message));
      });
    });
    req.end(body);
  });
}

function isIpLiteral(h: string): boolean {
  return /^[\d.]+$/.test(h) || h.includes(':') || h.startsWith('[');
}
