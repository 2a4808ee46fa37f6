import type { Target } from '../../model/target.js';
import type { HandshakeOptions } from './handshake.js';

/** handshakeOptions: the TLS client policy a target asks for. */
export function handshakeOptions(target: Target, mode: 'starttls' | 'implicit'): HandshakeOptions {
  const o: HandshakeOptions = {
    mode,
    servername: target.tlsDomain ?? target.host,
    verify: target.tlsVerify,
    ca: target.ca,
    warnDays: target.certWarnDays,
    critDays: target.certCritDays,
  };
  if (target.certWarnLifetimePct !== undefined) o.warnLifetimePct = target.certWarnLifetimePct;
  if (target.clientCert) o.clientCert = target.clientCert;
  if (target.clientKey) o.clientKey = target.clientKey;
  if (target.tlsMin) o.minVersion = target.tlsMin;
  if (target.tlsMax) o.maxVersion = target.tlsMax;
  return o;
}
