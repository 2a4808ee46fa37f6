import { ConfigError } from '../config/config-error.js';

/** ListenAddress: where the exporter listens. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * parseListen reads `HOST:PORT`, `[::1]:PORT` or `:PORT`. A bare `:PORT` means loopback: an
 * exporter that can start probes is not put on every interface unless the user says so.
 */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError('listen', `"${text}" is not HOST:PORT (e.g. 127.0.0.1:9465)`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
