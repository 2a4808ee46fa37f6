import net from 'node:net';
import type { Deadline } from '../model/deadline.js';
import type { StepError } from '../model/report.js';
import type { TcpData } from '../model/step-data.js';
import { ipFamily } from './ip-family.js';

export interface TcpOutcome {
  socket?: net.Socket;
  data: TcpData;
  error?: StepError;
}

/**
 * classifyConnectError maps a socket error from connect() to a finding code.
 * ECONNREFUSED means something answered with RST (port closed); EHOSTUNREACH/ENETUNREACH
 * mean an ICMP unreachable or no route; ECONNRESET during connect means a middlebox reset.
 */
export function classifyConnectError(err: NodeJS.ErrnoException): StepError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return { code: 'TCP_REFUSED', message: `connection refused (${err.code})` };
    case 'ECONNRESET':
    case 'EPIPE':
      return { code: 'TCP_RESET', message: `connection reset during connect (${err.code})` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return { code: 'HOST_UNREACHABLE', message: `host unreachable (${err.code})` };
    case 'ETIMEDOUT':
      return { code: 'TCP_TIMEOUT', message: `connect timed out (${err.code})` };
    default:
      return { code: 'HOST_UNREACHABLE', message: `connect failed: ${err.code ?? err.message}` };
  }
}

/**
 * bindError: a connect error when a source address was given. EADDRNOTAVAIL (and EINVAL,
 * which Linux gives for a source of the other family) then mean the source address cannot be
 * used, not that the relay is unreachable: the message says which address and why.
 */
function bindError(err: NodeJS.ErrnoException, localAddress: string): StepError {
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'EINVAL' || err.code === 'EAFNOSUPPORT') {
    return { code: 'HOST_UNREACHABLE', message: `cannot connect from source address ${localAddress} (${err.code}: not an address of this host, or of the other family)` };
  }
  return classifyConnectError(err);
}

/**
 * connectTcp opens a TCP connection to one address, from `localAddress` when given (the
 * source address relays authorise), bounded by the deadline. The socket is destroyed on
 * every failure path; on success the caller owns it.
 */
export function connectTcp(address: string, port: number, deadline: Deadline, localAddress?: string): Promise<TcpOutcome> {
  const family = ipFamily(address) === 6 ? 6 : 4;
  const data: TcpData = { address, family, port };
  const budgetMs = deadline.remainingMs();
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port, family, ...(localAddress !== undefined ? { localAddress } : {}) });
    let settled = false;
    const finish = (o: TcpOutcome): void => {
      if (settled) return;
      settled = true;
      deadline.clock.clearTimeout(timer);
      deadline.signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('connect');
      socket.removeListener('error', onError);
      if (o.error) socket.destroy();
      resolve(o);
    };
    const onError = (err: NodeJS.ErrnoException): void => finish({ data, error: localAddress !== undefined ? bindError(err, localAddress) : classifyConnectError(err) });
    const onAbort = (): void => finish({ data, error: { code: 'TCP_TIMEOUT', message: 'probe cancelled during connect' } });
    const timer = deadline.clock.setTimeout(
      () => finish({ data, error: { code: 'TCP_TIMEOUT', message: `no answer to SYN within ${budgetMs} ms (filtered?)` } }),
      budgetMs,
    );
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      data.localAddress = socket.localAddress;
      data.localPort = socket.localPort;
      socket.setNoDelay(true);
      finish({ socket, data });
    });
    socket.on('error', onError);
  });
}
