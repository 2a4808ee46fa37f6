import { Command } from 'commander';
import type { PathFlags } from '../run-path.js';

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
    .option('--source-address <ip>', 'send every probe from this local address (the one the SMTP connection uses)')
    .option('-n, --numeric', 'do not look up hop names')
    .option('--json', 'print the Report (same shape as check) with hops[] as JSON')
    .action(async (host: string, flags: PathFlags) => {
      const { runPath } = await import('../run-path.js');
      process.exitCode = await runPath(host, flags);
    });
}
