import { execFileSync, spawnSync } from 'node:child_process';
import { IP6TABLES, IPROUTE2, IPTABLES, missingPackagesReason } from '../support/system-packages.js';

/**
 * A chain of network namespaces for the path tests and bench:
 *
 *   client — r1 — r2 — … — rN — server
 *
 * Link i (0..N) joins node i and node i+1 on 10.213.i.0/24: the left end is .1, the right end
 * .2. So the client is 10.213.0.1, router k answers from 10.213.(k-1).2 (the side facing the
 * client) and the server is 10.213.N.2. Routers forward (net.ipv4.ip_forward=1 in their own
 * namespace). Private addresses only, and only inside namespaces this module creates.
 */

/** NETNS_PREFIX: every namespace made here starts with it, then the creating process id. */
export const NETNS_PREFIX = 'smtprobe-t';

export interface Chain {
  /** Namespace names: client, routers r1..rN, server. */
  client: string;
  routers: string[];
  server: string;
  /** Address router k (1-based) answers from: routerAddress(k). */
  routerAddress(k: number): string;
  serverAddress: string;
  clientAddress: string;
  /** IPv6 address router k answers from. */
  routerAddress6(k: number): string;
  serverAddress6: string;
  /** Interface of router k facing the client (its inbound side for client→server traffic). */
  routerInbound(k: number): string;
  /** Runs a command inside a namespace; throws with stderr on failure. */
  exec(ns: string, cmd: string[]): string;
  /** Flushes every router's iptables and ip6tables filter rules (back to a clean path). */
  resetRules(): void;
  /** Deletes every namespace of this chain (idempotent). */
  destroy(): void;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * setSysctl writes per-namespace sysctls through /proc/sys (no dependency on procps' sysctl,
 * which slim images lack); `ip netns exec` remounts /proc/sys/net for the namespace.
 */
function setSysctl(ns: string, values: Record<string, number>): void {
  const script = Object.entries(values).map(([k, v]) => `echo ${v} > /proc/sys/${k}`).join(' && ');
  run('ip', ['netns', 'exec', ns, 'sh', '-c', script]);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * removeStaleNamespaces deletes namespaces left by an earlier run that crashed: ours by prefix,
 * whose creating process is gone. Namespaces of a live run (another test file) are kept.
 */
export function removeStaleNamespaces(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(name);
    if (m && !pidAlive(Number(m[1]))) spawnSync('ip', ['netns', 'del', name]);
  }
}

/** netnsCapability: why namespace tests cannot run here, or undefined when they can. */
export function netnsCapability(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  return missingPackagesReason([IPROUTE2, IPTABLES, IP6TABLES])
    ?? (process.getuid?.() !== 0 ? 'network namespaces, veth and iptables need root' : undefined);
}

/**
 * buildChain creates client, `routers` routers and a server, wired in a line. `tag` keeps the
 * names of chains made by one process apart. Call destroy() in a finally/afterAll.
 */
export function buildChain(routers: number, tag: string): Chain {
  const base = `${NETNS_PREFIX}${process.pid}-${tag}`;
  const client = `${base}-c`;
  const server = `${base}-s`;
  const routerNs = Array.from({ length: routers }, (_, i) => `${base}-r${i + 1}`);
  const nodes = [client, ...routerNs, server];
  const exec = (ns: string, cmd: string[]): string => run('ip', ['netns', 'exec', ns, ...cmd]);
  const destroy = (): void => {
    for (const ns of nodes) spawnSync('ip', ['netns', 'del', ns]);
  };
  const net = (i: number): string => `10.213.${i}`;
  const net6 = (i: number): string => `fd00:213:${i}:`;
  /** canonical6: the RFC 5952 text form the kernel and smtprobe print (zero group compressed). */
  const canonical6 = (i: number, host: number): string => (i === 0 ? `fd00:213::${host}` : `fd00:213:${i}::${host}`);
  const chain: Chain = {
    client,
    routers: routerNs,
    server,
    routerAddress: (k) => `${net(k - 1)}.2`,
    serverAddress: `${net(routers)}.2`,
    clientAddress: `${net(0)}.1`,
    routerAddress6: (k) => canonical6(k - 1, 2),
    serverAddress6: canonical6(routers, 2),
    routerInbound: () => 'left',
    exec,
    resetRules: () => {
      for (const ns of routerNs) {
        exec(ns, ['iptables', '-F']);
        exec(ns, ['ip6tables', '-F']);
      }
    },
    destroy,
  };
  try {
    for (const ns of nodes) {
      run('ip', ['netns', 'add', ns]);
      exec(ns, ['ip', 'link', 'set', 'lo', 'up']);
      // No duplicate address detection on these private links: a tentative link-local
      // address would hold up IPv6 neighbour discovery, and the first packets, for a second.
      setSysctl(ns, { 'net/ipv6/conf/default/accept_dad': 0, 'net/ipv6/conf/all/accept_dad': 0 });
    }
    // Link i: node i's "right" interface to node i+1's "left" interface. The veth pair is
    // created under unique temporary names in the root namespace, then moved and renamed.
    for (let i = 0; i <= routers; i++) {
      const a = `sp${process.pid % 100000}a${i}`;
      const b = `sp${process.pid % 100000}b${i}`;
      run('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
      run('ip', ['link', 'set', a, 'netns', nodes[i] as string]);
      run('ip', ['link', 'set', b, 'netns', nodes[i + 1] as string]);
      exec(nodes[i] as string, ['ip', 'link', 'set', a, 'name', 'right']);
      exec(nodes[i + 1] as string, ['ip', 'link', 'set', b, 'name', 'left']);
      exec(nodes[i] as string, ['ip', 'addr', 'add', `${net(i)}.1/24`, 'dev', 'right']);
      exec(nodes[i + 1] as string, ['ip', 'addr', 'add', `${net(i)}.2/24`, 'dev', 'left']);
      // nodad: the address is usable at once (no duplicate address detection on a private veth)
      exec(nodes[i] as string, ['ip', '-6', 'addr', 'add', `${net6(i)}:1/64`, 'dev', 'right', 'nodad']);
      exec(nodes[i + 1] as string, ['ip', '-6', 'addr', 'add', `${net6(i)}:2/64`, 'dev', 'left', 'nodad']);
      exec(nodes[i] as string, ['ip', 'link', 'set', 'right', 'up']);
      exec(nodes[i + 1] as string, ['ip', 'link', 'set', 'left', 'up']);
    }
    // Routes: the client and server reach everything through their one neighbour; router k
    // sends subnets beyond link k right and subnets before link k-1 left.
    exec(client, ['ip', 'route', 'add', '10.213.0.0/16', 'via', `${net(0)}.2`]);
    exec(server, ['ip', 'route', 'add', '10.213.0.0/16', 'via', `${net(routers)}.1`]);
    exec(client, ['ip', '-6', 'route', 'add', 'fd00:213::/32', 'via', `${net6(0)}:2`]);
    exec(server, ['ip', '-6', 'route', 'add', 'fd00:213::/32', 'via', `${net6(routers)}:1`]);
    for (let k = 1; k <= routers; k++) {
      const ns = routerNs[k - 1] as string;
      setSysctl(ns, { 'net/ipv4/ip_forward': 1, 'net/ipv6/conf/all/forwarding': 1 });
      for (let j = 0; j <= routers; j++) {
        if (j > k) {
          exec(ns, ['ip', 'route', 'add', `${net(j)}.0/24`, 'via', `${net(k)}.2`]);
          exec(ns, ['ip', '-6', 'route', 'add', `${net6(j)}:/64`, 'via', `${net6(k)}:2`]);
        }
        if (j < k - 1) {
          exec(ns, ['ip', 'route', 'add', `${net(j)}.0/24`, 'via', `${net(k - 1)}.1`]);
          exec(ns, ['ip', '-6', 'route', 'add', `${net6(j)}:/64`, 'via', `${net6(k - 1)}:1`]);
        }
      }
    }
  } catch (err) {
    destroy();
    throw err;
  }
  return chain;
}

/** How one address family's firewall names what the faults need. */
interface FirewallWords {
  tool: 'iptables' | 'ip6tables';
  icmp: string;
  icmpType: string;
  unreachable: string;
}

/** Faults a router can be given, each with iptables (or ip6tables) alone: this kernel has no netem. */
function faultsWith(w: FirewallWords) {
  return {
    /** Drop `probability` of the traffic it forwards from the client side (one direction, so the truth is exactly that). */
    forwardLoss: (chain: Chain, k: number, probability: number): void => {
      chain.exec(chain.routers[k - 1] as string, [w.tool, '-A', 'FORWARD', '-i', 'left', '-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-j', 'DROP']);
    },
    /** Rate-limit the ICMP the router itself sends (echo replies, time-exceeded); forwarding untouched. */
    rateLimitOwnIcmp: (chain: Chain, k: number, limit = '2/second', burst = 3): void => {
      const ns = chain.routers[k - 1] as string;
      for (const type of ['echo-reply', 'time-exceeded']) {
        chain.exec(ns, [w.tool, '-A', 'OUTPUT', '-p', w.icmp, w.icmpType, type, '-m', 'limit', '--limit', limit, '--limit-burst', String(burst), '-j', 'ACCEPT']);
        chain.exec(ns, [w.tool, '-A', 'OUTPUT', '-p', w.icmp, w.icmpType, type, '-j', 'DROP']);
      }
    },
    /** Reject what it would forward onwards with ICMP unreachable. */
    rejectUnreachable: (chain: Chain, k: number): void => {
      chain.exec(chain.routers[k - 1] as string, [w.tool, '-A', 'FORWARD', '-i', 'left', '-j', 'REJECT', '--reject-with', w.unreachable]);
    },
    /** Silently drop what it would forward onwards. */
    blackhole: (chain: Chain, k: number): void => {
      chain.exec(chain.routers[k - 1] as string, [w.tool, '-A', 'FORWARD', '-i', 'left', '-j', 'DROP']);
    },
  };
}

/** The faults for IPv4 traffic. */
export const faults = faultsWith({ tool: 'iptables', icmp: 'icmp', icmpType: '--icmp-type', unreachable: 'icmp-host-unreachable' });
/** The same faults for IPv6 traffic (ICMPv6 type names for the router's own answers). */
export const faults6 = faultsWith({ tool: 'ip6tables', icmp: 'ipv6-icmp', icmpType: '--icmpv6-type', unreachable: 'icmp6-addr-unreachable' });
