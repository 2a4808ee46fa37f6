import type net from 'node:net';
import type { Deadline } from '../../model/deadline.js';
import type { Capabilities } from '../../model/step-data.js';
import type { Target } from '../../model/target.js';
import { connectTcp } from '../tcp.js';
import { handshakeOptions } from '../tls/handshake-options.js';
import { tlsHandshake } from '../tls/handshake.js';
import { TranscriptRecorder } from '../transcript.js';
import { parseCapabilities } from './capabilities.js';
import { SmtpConnection } from './connection.js';

/**
 * openForTls opens a second, short-lived connection that is ready for a TLS handshake:
 * straight after connect for implicit TLS, after banner/EHLO/STARTTLS otherwise. Used by the
 * TLS version scan (one handshake per version) and by the post-TLS capability peek. Its
 * dialogue is not part of the main transcript. Returns undefined when the server would not
 * get that far; never leaks the socket.
 */
export async function openForTls(target: Target, address: string, deadline: Deadline): Promise<net.Socket | undefined> {
  const tcp = await connectTcp(address, target.port, deadline, target.connectivity.sourceAddress);
  if (!tcp.socket) return undefined;
  if (target.tls === 'implicit') return tcp.socket;
  const conn = new SmtpConnection(tcp.socket, new TranscriptRecorder(deadline.clock));
  const banner = await conn.readReply(deadline);
  if (banner.reply?.code !== 220) return abandon(conn);
  const ehlo = await conn.command(`EHLO ${target.ehlo}`, deadline);
  if (ehlo.reply?.code !== 250) return abandon(conn);
  const go = await conn.command('STARTTLS', deadline);
  if (go.reply?.code !== 220) return abandon(conn);
  return conn.detachForTls().socket;
}

function abandon(conn: SmtpConnection): undefined {
  conn.close();
  return undefined;
}

/**
 * peekCapsInsideTls reads the capabilities a server offers inside TLS, on a side connection
 * with no certificate check and no AUTH: it lets a plaintext probe say which mechanisms appear
 * only after STARTTLS (AUTH_ONLY_AFTER_STARTTLS) without changing the main session.
 */
export async function peekCapsInsideTls(target: Target, address: string, deadline: Deadline): Promise<Capabilities | undefined> {
  const raw = await openForTls({ ...target, tls: 'starttls' }, address, deadline);
  if (!raw) return undefined;
  // The shared handshake, with no certificate check and any version: the question is only what
  // the server offers inside TLS.
  const { socket: secure } = await tlsHandshake(raw, { ...handshakeOptions(target, 'starttls'), verify: 'none', minVersion: 'TLSv1' }, deadline);
  if (!secure) return undefined;
  const conn = new SmtpConnection(secure, new TranscriptRecorder(deadline.clock), { secure: true });
  const ehlo = await conn.command(`EHLO ${target.ehlo}`, deadline);
  if (ehlo.reply?.code === 250) conn.send('QUIT');
  conn.close();
  return ehlo.reply?.code === 250 ? parseCapabilities(ehlo.reply) : undefined;
}
