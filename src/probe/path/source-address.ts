import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/**
 * sourceAddressProblem: why echoes cannot leave from `source`, or undefined when it is an
 * address of this host. A raw socket that writes its own IP header sends whatever source it
 * is given, so an address the host does not have would be spoofed and its answers would go
 * elsewhere; binding a UDP socket to it (port 0, closed at once, nothing sent) asks the kernel
 * the same question a TCP connect from it does. The words match TCP's for the same mistake.
 */
export function sourceAddressProblem(source: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let socket;
    try {
      socket = createSocket(isIPv6(source) ? 'udp6' : 'udp4');
    } catch (err) {
      return resolve(`cannot send from source address ${source} (${(err as Error).message})`);
    }
    const s = socket;
    s.once('error', (err: NodeJS.ErrnoException) => {
      s.close();
      const why = err.code === 'EADDRNOTAVAIL' || err.code === 'EINVAL' ? `${err.code}: not an address of this host` : (err.code ?? err.message);
      resolve(`cannot send from source address ${source} (${why})`);
    });
    s.bind({ address: source, port: 0, exclusive: true }, () => {
      s.close();
      resolve(undefined);
    });
  });
}
