import net from 'node:net';
import tls from 'node:tls';
import { ipFamily } from '../ip-family.js';

type IsIP = (input: string) => number;

/**
 * connectTls is tls.connect without its 3–6 ms first-call cost in a fresh process.
 *
 * tls.connect checks the SNI name with `net.isIP`, only to warn when it is an IP address
 * (DEP0123). For a host name that runs Node's IPv6 pattern, which V8 compiles on first use:
 * 3–6 ms — ~5% of a whole `smtprobe check` (bench/README.md, "Whole-process smtprobe check").
 * For the duration of this synchronous call, `net.isIP` is ipFamily, which answers the same for
 * every input (a property test holds it to net.isIP) without that pattern; it is put back before
 * anything else can run, also when tls.connect throws. Were Node to stop calling `net.isIP`
 * here, nothing would change but the time.
 */
export function connectTls(options: tls.ConnectionOptions): tls.TLSSocket {
  const netModule = net as unknown as { isIP: IsIP };
  const nodeIsIP = netModule.isIP;
  netModule.isIP = ipFamily;
  try {
    return tls.connect(options);
  } finally {
    netModule.isIP = nodeIsIP;
  }
}
