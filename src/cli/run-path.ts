import { pathTarget } from '../config/path-target.js';
import { VERDICT_EXIT_CODE } from '../model/report.js';
import type { PathTarget } from '../model/target.js';
import { withInterrupt } from './interrupt.js';
import { wholeNumberIn } from './whole-number.js';

/** PathFlags: what `smtprobe path` accepts, as commander hands it over. */
export interface PathFlags {
  count: string;
  maxHops: string;
  interval: string;
  timeout: string;
  dnsServer?: string;
  sourceAddress?: string;
  /** false with -n/--numeric (commander's negatable --no-names form is not used here). */
  numeric?: boolean;
  json?: boolean;
}

function positiveInt(flag: string, value: string, max: number): number {
  const n = wholeNumberIn(value, 1, max);
  if (n === undefined) throw new Error(`${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}

/**
 * runPath measures the path to `host` and prints the per-hop table (or the Report as JSON).
 * Returns the exit code: the verdict's (0 ok, 1 warning, 2 critical, 3 unknown), 3 on bad
 * flags or when interrupted.
 */
export async function runPath(host: string, flags: PathFlags): Promise<number> {
  const { probePath } = await import('../check.js');
  const { renderPathTable } = await import('../report/path-table.js');
  let target: PathTarget;
  try {
    target = pathTarget(host, {
      pathCount: positiveInt('--count', flags.count, 10_000),
      pathMaxHops: positiveInt('--max-hops', flags.maxHops, 255),
      pathIntervalMs: positiveInt('--interval', flags.interval, 10_000),
      totalMs: positiveInt('--timeout', flags.timeout, 86_400) * 1000,
      names: flags.numeric !== true,
      ...(flags.dnsServer !== undefined ? { dnsServer: flags.dnsServer } : {}),
      ...(flags.sourceAddress !== undefined ? { sourceAddress: flags.sourceAddress } : {}),
    });
  } catch (err) {
    process.stderr.write(`smtprobe: error: ${(err as Error).message}\n`);
    return 3;
  }
  const source = target.connectivity.sourceAddress;
  if (source !== undefined) {
    const { sourceAddressProblem } = await import('../probe/path/source-address.js');
    const problem = await sourceAddressProblem(source);
    if (problem !== undefined) {
      process.stderr.write(`smtprobe: error: --source-address: ${problem}\n`);
      return 3;
    }
  }
  // Without the optional raw-socket module there is nothing to measure hops with (the
  // system ping cannot send TTL-limited echoes and read the routers' answers): say so once.
  const { rawIcmpMissing } = await import('../probe/path/icmp-backend.js');
  const missing = rawIcmpMissing();
  if (missing !== undefined) {
    process.stderr.write(`smtprobe: path needs raw ICMP sockets, but ${missing}\n`);
    return 3;
  }
  return withInterrupt({}, async (ac) => {
    const report = await probePath(target, { signal: ac.signal });
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderPathTable(report));
    return ac.interrupted ? 3 : VERDICT_EXIT_CODE[report.verdict];
  });
}
