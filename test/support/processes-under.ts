/**
 * Stopping a real server we started: its workers outlive the signal for a moment, still
 * writing logs in the server's temporary directory. A harness waits for every process that
 * works in that directory (its cwd or an argument lies under it) before removing it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** processesUnder lists the pids whose working directory or command line lies under dir (Linux /proc). */
export function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cwd === dir || cwd.startsWith(`${dir}/`) || args.some((a) => a.startsWith(`${dir}/`))) pids.push(Number(entry));
    } catch {
      // the process ended while we looked, or is not ours to read
    }
  }
  return pids;
}

/** awaitProcessesGone waits up to timeoutMs for processesUnder(dir) to be empty, then SIGKILLs what is left. */
export async function awaitProcessesGone(dir: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left = processesUnder(dir);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = processesUnder(dir);
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
