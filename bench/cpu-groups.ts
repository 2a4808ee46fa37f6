/**
 * CPU accounting groups for benchmarks: each side of a measurement (the client under test, the
 * server, the load generator) runs in its own cgroup, and the kernel adds up the CPU time of
 * every process and thread that ever ran in it — forked children included, however short-lived.
 * That is the one honest way to charge a pool of check_smtp processes, a Go exporter's threads
 * and Postfix's forked smtpd processes alike. cgroup v1 `cpuacct` (cpuacct.usage, ns) where it
 * is mounted, else cgroup v2 (cpu.stat usage_usec, present without any controller enabled).
 * Needs root and a writable cgroup hierarchy.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Hierarchy {
  /** The mount point, e.g. /sys/fs/cgroup/cpuacct. */
  mount: string;
  /** cgroup v1 `cpuacct` or v2. */
  kind: 'cpuacct' | 'v2';
}

function findHierarchy(): Hierarchy | undefined {
  const candidates: Hierarchy[] = [
    { mount: '/sys/fs/cgroup/cpuacct', kind: 'cpuacct' },
    { mount: '/sys/fs/cgroup/cpu,cpuacct', kind: 'cpuacct' },
    { mount: '/sys/fs/cgroup', kind: 'v2' },
    { mount: '/sys/fs/cgroup/unified', kind: 'v2' },
  ];
  return candidates.find((h) => existsSync(path.join(h.mount, h.kind === 'cpuacct' ? 'cpuacct.usage' : 'cgroup.controllers')));
}

/** The cgroup a process is in, within the hierarchy (from /proc/<pid>/cgroup). */
function cgroupOf(pid: number | 'self', h: Hierarchy): string {
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [id, controllers, p] = line.split(':') as [string, string | undefined, string | undefined];
    if (h.kind === 'v2' ? id === '0' : (controllers ?? '').split(',').includes('cpuacct')) return p ?? '/';
  }
  return '/';
}

/** One accounting group: processes put into it, and the CPU they have used. */
export interface CpuGroup {
  readonly name: string;
  /** The cgroup.procs file: a process that writes its own pid there moves itself in (see `wrap`). */
  readonly procsFile: string;
  /** CPU milliseconds (user + system) used by every process that ran in the group so far. */
  usageMs(): number;
  /** Moves a process (all its threads) into the group; later forks stay in it. */
  add(pid: number): void;
  /** The processes in it now. */
  pids(): number[];
}

/** A set of groups under one private parent; `close` moves what is left back and removes them. */
export interface CpuGroups {
  readonly kind: 'cpuacct' | 'v2';
  group(name: string): CpuGroup;
  /**
   * wrap(group, cmd, args): a command line that moves itself into `group` before it becomes
   * `cmd` (sh writes its pid, then execs), so the command's whole CPU — exec, start-up, every
   * child — is charged to the group and nothing of its parent's.
   */
  wrap(group: CpuGroup, cmd: string, args: string[]): [string, string[]];
  close(): void;
}

/**
 * openCpuGroups makes `<hierarchy>/<name>` with one child group per name asked for, or returns
 * a reason when this machine has no writable cgroup hierarchy.
 */
export function openCpuGroups(name: string): CpuGroups | string {
  const h = findHierarchy();
  if (!h) return 'no cgroup hierarchy with CPU accounting (cgroup v1 cpuacct or v2) is mounted';
  const home = cgroupOf('self', h);
  const root = path.join(h.mount, name);
  try {
    mkdirSync(root, { recursive: true });
  } catch (err) {
    return `cannot create ${root}: ${(err as Error).message}`;
  }
  const groups = new Map<string, CpuGroup>();
  const procs = (dir: string): number[] => readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  const make = (g: string): CpuGroup => {
    const dir = path.join(root, g);
    mkdirSync(dir, { recursive: true });
    const procsFile = path.join(dir, 'cgroup.procs');
    return {
      name: g,
      procsFile,
      usageMs: h.kind === 'cpuacct'
        ? () => Number(readFileSync(path.join(dir, 'cpuacct.usage'), 'utf8')) / 1e6
        : () => Number(/usage_usec (\d+)/.exec(readFileSync(path.join(dir, 'cpu.stat'), 'utf8'))?.[1] ?? NaN) / 1e3,
      add: (pid) => writeFileSync(procsFile, `${pid}\n`),
      pids: () => procs(dir),
    };
  };
  return {
    kind: h.kind,
    group(g) {
      let cg = groups.get(g);
      if (!cg) groups.set(g, (cg = make(g)));
      return cg;
    },
    wrap(group, cmd, args) {
      return ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', group.procsFile, cmd, ...args]];
    },
    close() {
      // Whatever is still inside (this process, a server not yet stopped) goes back to where
      // this process came from; a process that exits meanwhile is simply gone.
      const back = path.join(h.mount, home, 'cgroup.procs');
      for (const cg of groups.values()) {
        for (let round = 0; round < 20; round++) {
          const left = cg.pids();
          if (left.length === 0) break;
          for (const pid of left) {
            try {
              writeFileSync(back, `${pid}\n`);
            } catch {
              // ended while being moved
            }
          }
        }
        try {
          rmdirSync(path.join(root, cg.name));
        } catch {
          // still busy: left for the administrator (named in the results)
        }
      }
      try {
        rmdirSync(root);
      } catch {
        // as above
      }
    },
  };
}
