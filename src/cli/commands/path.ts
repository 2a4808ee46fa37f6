import { Command } from 'commander';
import { onInterrupt } from '../interrupt.js';

/** PathFlags: what `smtprobe path` accepts, as commander hands it over. */
interface PathFlags {
  count: string;
  maxHops: string;
  interval: string;
  timeout: string;
  dnsServer?: string;
  /** false with -n/--numeric (commander's negatable --no-names form is not used here). */
  numeric?: boolean;
  json?: boolean;
}

function positiveInt(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}

/**
 * registerPathCommand adds `smtprobe path HOST`: the pathping-like per-hop analysis, in
 * seconds instead of pathping's minutes, saying which loss is real and which is a router
 * rate-limiting its own replies. Exit code: 0 ok, 1 warning, 2 critical, 3 unknown.
 */
export function registerPathCommand(program: Command): void {
  program
    .command('path')
    .description('per-hop loss and latency to a host (pathping/mtr-like, all hops measured at once); needs raw sockets (root or cap_net_raw)')
    .argument('<host>', 'host name or IP address')
    .option('-c, --count <n>', 'samples per hop', '100')
    .option('--max-hops <n>', 'highest TTL to probe', '30')
    .option('--interval <ms>', 'spacing of samples to one hop, ms', '25')
    .option('--timeout <seconds>', 'hard deadline for the whole run', '60')
    .option('--dns-server <ip>', 'resolve (and reverse-resolve hops) with this DNS server')
    .option('-n, --numeric', 'do not look up hop names')
    .option('--json', 'print the Report (same shape as check) with hops[] as JSON')
    .action(async (host: string, flags: PathFlags) => {
      const { probePath, pathExitCode } = await import('../../probe/path/probe-path.js');
      const { minimalTarget } = await import('../../probe/path/minimal-target.js');
      const { renderPathTable } = await import('../../report/path-table.js');
      let target;
      try {
        target = minimalTarget(host, {
          pathCount: positiveInt('--count', flags.count, 10_000),
          pathMaxHops: positiveInt('--max-hops', flags.maxHops, 255),
          pathIntervalMs: positiveInt('--interval', flags.interval, 10_000),
          totalMs: positiveInt('--timeout', flags.timeout, 86_400) * 1000,
          names: flags.numeric !== true,
          ...(flags.dnsServer !== undefined ? { dnsServer: flags.dnsServer } : {}),
        });
      } catch (err) {
        process.stderr.write(`smtprobe: error: ${(err as Error).message}\n`);
        process.exitCode = 3;
        return;
      }
      // Without the optional raw-socket module there is nothing to measure hops with (the
      // system ping cannot send TTL-limited echoes and read the routers' answers): say so once.
      const { rawIcmpMissing } = await import('../../probe/path/icmp-backend.js');
      const missing = rawIcmpMissing();
      if (missing !== undefined) {
        process.stderr.write(`smtprobe: path needs raw ICMP sockets, but ${missing}\n`);
        process.exitCode = 3;
        return;
      }
      const ac = onInterrupt();
      try {
        const report = await probePath(target, { signal: ac.signal });
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderPathTable(report));
        process.exitCode = ac.interrupted ? 3 : pathExitCode(report);
      } finally {
        ac.dispose();
      }
    });
}
