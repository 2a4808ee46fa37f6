import type net from 'node:net';
import type { Deadline } from '../../model/deadline.js';
import type { TlsScanData } from '../../model/step-data.js';
import { TLS_VERSIONS, type TlsVersion } from '../../model/target.js';
import { tlsHandshake } from './handshake.js';
import { TrustStore } from './trust-store.js';

export interface TlsScanOptions {
  servername: string;
  /** Versions the client policy (--tls-min/--tls-max) allows; recorded, all four are tried. */
  allowed: TlsVersion[];
}

/**
 * scanTlsVersions asks the server for each of TLS 1.0–1.3 on its own connection, all at once:
 * each handshake is pinned to one version (min = max), and the legacy ones lower OpenSSL's
 * security level for that handshake only. The certificate is not judged here (the main
 * handshake does that); every socket is destroyed before this returns.
 *
 * @param open gives a connected socket ready for the TLS handshake (after STARTTLS when needed);
 *   a rejection counts as "not accepted" with its message.
 */
export async function scanTlsVersions(open: () => Promise<net.Socket>, opts: TlsScanOptions, deadline: Deadline): Promise<TlsScanData> {
  const store = new TrustStore([]); // verify 'none': nothing to trust, nothing to parse
  const versions = await Promise.all(TLS_VERSIONS.map((version) => tryVersion(version, open, opts.servername, store, deadline)));
  return { versions, allowed: [...opts.allowed] };
}

async function tryVersion(
  version: TlsVersion, open: () => Promise<net.Socket>, servername: string, trustStore: TrustStore, deadline: Deadline,
): Promise<TlsScanData['versions'][number]> {
  let raw: net.Socket;
  try {
    raw = await open();
  } catch (err) {
    return { version, accepted: false, error: `could not reach the handshake: ${(err as Error).message}` };
  }
  const out = await tlsHandshake(raw, {
    mode: 'starttls', servername, verify: 'none', ca: [], minVersion: version, maxVersion: version, warnDays: 0, critDays: 0, trustStore,
  }, deadline);
  if (out.socket) {
    out.socket.destroy();
    const r: TlsScanData['versions'][number] = { version, accepted: true };
    if (out.data.cipher?.name) r.cipher = out.data.cipher.name;
    return r;
  }
  return { version, accepted: false, error: out.error ? `${out.error.code}: ${out.error.message}` : 'handshake failed' };
}
